/**
 * The document catalogue behind /api/docs: list, find, create, rename and delete documents.
 * Cards (./meta.ts) are stored as records; titles live in the documents themselves (Y.Text
 * `title`) and are read back into the cards when documents compact.
 */
import * as Y from 'yjs'
import { cleanTitle, TITLE } from '../../shared/doc-fields.js'
import { newDocId } from '../../shared/validate.js'
import type { RecordWrite, Storage } from '../storage/storage.js'
import type { ExportFormat } from '../../shared/export.js'
import { FileJobs } from './files.js'
import { DOC_RECORD, newMeta, type DocMeta } from './meta.js'
import { DocumentDeletedError } from '../sync/room.js'
import type { Registry } from './registry.js'
import { matchDoc, searchFor, TEXT_RECORD, type DocText, type TextBackfill } from './search.js'

/** What the API shows of a document. */
export interface DocSummary {
  readonly id: string
  readonly title: string
  readonly createdAt: number
  readonly updatedAt: number
  /** In a search that found the document by its text, not its title: the words around the match. */
  readonly snippet?: string
}

const summary = (m: DocMeta): DocSummary => ({ id: m.id, title: m.title, createdAt: m.createdAt, updatedAt: m.updatedAt })

export { cleanTitle }

/** Replaces the title text inside a document. */
function writeTitle(doc: Y.Doc, title: string): void {
  const text = doc.getText(TITLE)
  if (text.toString() === title) return
  text.delete(0, text.length)
  text.insert(0, title)
}

/** A new document's content would be larger than documents may be. */
export class DocumentTooLargeError extends Error {
  constructor(readonly bytes: number, readonly limit: number) {
    super(`the document would take ${bytes} bytes; documents may take ${limit}`)
    this.name = 'DocumentTooLargeError'
  }
}

/** The catalogue of documents. */
export class Catalog {
  constructor(
    private readonly storage: Storage,
    private readonly registry: Registry,
    private readonly now: () => number = Date.now,
    /** Largest document (encoded), as the relay enforces it: an imported body may not pass it. */
    private readonly maxDocBytes = Number.POSITIVE_INFINITY,
    /** Where imports and exports run (worker threads). */
    readonly files = new FileJobs(),
    /** Reads the text of documents that have none recorded, for search (none: titles only). */
    private readonly backfill: TextBackfill | null = null,
  ) {}

  /** The read of every document's text running (a search, the start's backfill), which the next one waits for. */
  private readingTexts: Promise<unknown> = Promise.resolve()

  /**
   * Runs `read`, which lists every document's text, after the one before has ended: several at
   * once would hold that many copies of all the text.
   */
  private oneTextReadAtATime<T>(read: () => Promise<T>): Promise<T> {
    const turn = this.readingTexts.then(read)
    this.readingTexts = turn.catch(() => {})
    return turn
  }

  /** Has the text of every document that has none recorded read in the background (at start). */
  async fillSearchText(): Promise<void> {
    const backfill = this.backfill
    if (!backfill) return
    await this.oneTextReadAtATime(async () => {
      const cards = await this.storage.listRecords<DocMeta>(DOC_RECORD)
      await backfill.fillMissing(cards.filter((c) => c.value.deletedAt === undefined).map((c) => c.id))
    })
  }

  /** The live card of a document: memory first (fresher), then storage. */
  private async card(id: string): Promise<DocMeta | undefined> {
    for (const room of this.registry.roomsOf(id)) if (room.titleStale) await room.refreshTitle()
    return this.cardAsIs(id)
  }

  /**
   * Every document that is not deleted, most recently edited first; `query` keeps those whose
   * title or text holds it (case-insensitive), with a snippet for a match in the text. Only
   * documents `visible` keeps are searched (by default all).
   */
  async list(query = '', visible: (id: string) => boolean = () => true): Promise<DocSummary[]> {
    if (!query.trim()) return this.listing('', visible)
    return this.oneTextReadAtATime(() => this.listing(query, visible))
  }

  private async listing(query: string, visible: (id: string) => boolean): Promise<DocSummary[]> {
    const stale = this.registry.withLeaving().filter((room) => room.titleStale)
    await Promise.all(stale.map((room) => room.refreshTitle()))
    // cards in memory are read before the store: a room may leave memory while the store is read,
    // and that read need not hold the card it wrote on its way out
    const inMemory = new Map<string, DocMeta>()
    for (const { docId } of this.registry.withLeaving()) {
      const meta = this.registry.card(docId)
      if (meta) inMemory.set(docId, meta)
    }
    const stored = await this.storage.listRecords<DocMeta>(DOC_RECORD)
    const search = query.trim() ? searchFor(query.trim()) : null
    const texts = search ? new Map((await this.storage.listRecords<DocText>(TEXT_RECORD)).map((r) => [r.id, r.value.text])) : null
    const out: DocSummary[] = []
    const add = (meta: DocMeta) => {
      if (!visible(meta.id)) return
      if (!search || !texts) return void out.push(summary(meta))
      const match = matchDoc(search, meta.title, texts.get(meta.id))
      if (match) out.push(match.in === 'text' ? { ...summary(meta), snippet: match.snippet } : summary(meta))
    }
    for (const { id, value } of stored) {
      // memory first: a card (of a room loaded or leaving) may be newer than the stored one
      const meta = this.registry.card(id) ?? inMemory.get(id) ?? value
      if (meta.deletedAt === undefined) add(meta)
    }
    // documents written to for the first time in this very turn have a card only in memory
    const storedIds = new Set(stored.map((s) => s.id))
    for (const room of this.registry.withLeaving()) {
      const meta = room.meta
      if (meta && !storedIds.has(meta.id) && !out.some((d) => d.id === meta.id)) add(meta)
    }
    return out.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1))
  }

  /**
   * Whether a document exists (and is not deleted), without bringing its title up to date: that
   * compacts a document being edited, work a reader of its content (export, versions) need not cause.
   */
  async exists(id: string): Promise<boolean> {
    const meta = await this.cardAsIs(id)
    return meta !== undefined && meta.deletedAt === undefined
  }

  /** Whether a document was deleted (its id is retired); false for one that exists or never did. */
  async deleted(id: string): Promise<boolean> {
    return (await this.cardAsIs(id))?.deletedAt !== undefined
  }

  /** A document's card as memory or the store has it, its title not brought up to date (see exists). */
  private async cardAsIs(id: string): Promise<DocMeta | undefined> {
    return this.registry.card(id) ?? (await this.storage.getRecord<DocMeta>(DOC_RECORD, id))
  }

  /** One document's card, or undefined when it does not exist or was deleted. */
  async get(id: string): Promise<DocSummary | undefined> {
    const meta = await this.card(id)
    return meta && meta.deletedAt === undefined ? summary(meta) : undefined
  }

  /**
   * Creates a document with a fresh id; its title is written into the document too. `initial`
   * (an imported file: its clean title and the first update, title and body, from FileJobs)
   * replaces both. `records` (an access list, say) are written in the same atomic batch. Throws
   * DocumentTooLargeError, writing nothing, when the content passes the limit. `id` is fresh
   * unless the caller drew one already (an import copies images into it first).
   */
  async create(
    title = '',
    records: (id: string) => RecordWrite[] = () => [],
    initial: { title: string; update: Uint8Array } | null = null,
    id = newDocId(),
  ): Promise<DocSummary> {
    const clean = initial ? initial.title : cleanTitle(title)
    const now = this.now()
    // the title, and an imported body, are the document's first entry
    const first = clean !== '' || initial !== null
    const meta = newMeta(id, now, clean, first ? 1 : 0)
    let update = initial?.update
    if (!update) {
      const doc = new Y.Doc()
      writeTitle(doc, clean)
      update = Y.encodeStateAsUpdate(doc)
      doc.destroy()
    }
    if (update.length > this.maxDocBytes) throw new DocumentTooLargeError(update.length, this.maxDocBytes)
    await this.storage.append(first ? [{ docId: id, entry: { seq: 1, time: now, updates: [update] } }] : [], [
      { kind: DOC_RECORD, id, value: meta },
      ...records(id),
    ])
    // an imported body is searchable before anyone opens (and so compacts) the document
    if (initial) this.backfill?.add(id)
    return summary(meta)
  }

  /**
   * Renames a document: the title text inside it changes for every open editor, and the card.
   * Undefined when the document does not exist, or was deleted while the rename ran.
   */
  async rename(id: string, title: string): Promise<DocSummary | undefined> {
    if ((await this.get(id)) === undefined) return undefined
    const clean = cleanTitle(title)
    try {
      await this.registry.edit(id, (doc) => writeTitle(doc, clean))
    } catch (err) {
      // a delete that overtook the rename is no failure: the document is simply gone
      if (err instanceof DocumentDeletedError) return undefined
      throw err
    }
    const room = this.registry.get(id)
    if (room) {
      room.setTitle(clean)
      await room.whenSettled()
      room.release()
    } else {
      const stored = await this.storage.getRecord<DocMeta>(DOC_RECORD, id)
      if (stored) await this.storage.putRecords([{ kind: DOC_RECORD, id, value: { ...stored, title: clean } }])
    }
    return this.get(id)
  }

  /**
   * A document as a file in `format`, as it is durable now, written in a worker thread (FileJobs).
   * Undefined when it does not exist (`mustExist`; an id nobody wrote to is an empty document
   * otherwise), or was deleted meanwhile.
   */
  async export(id: string, format: ExportFormat, mustExist = true): Promise<{ title: string; text: string } | undefined> {
    if (mustExist && !(await this.exists(id))) return undefined
    let state: Uint8Array
    try {
      state = await this.registry.snapshot(id)
    } catch (err) {
      if (err instanceof DocumentDeletedError) return undefined
      throw err
    }
    return this.files.exportFile(format, state)
  }

  /**
   * A document's versions, newest first: its stored checkpoints, each the whole document at its
   * time (thinned as they age, see ./retention.ts). Undefined when the document does not exist.
   */
  async versions(id: string): Promise<Array<{ seq: number; time: number }> | undefined> {
    if (!(await this.exists(id))) return undefined
    const points = await this.storage.history(id)
    return points
      .filter((p) => p.kind === 'checkpoint')
      .map(({ seq, time }) => ({ seq, time }))
      .reverse()
  }

  /** The document as it was at version `seq`, as one Yjs update; undefined when there is no such version. */
  async version(id: string, seq: number): Promise<Uint8Array | undefined> {
    if (!(await this.exists(id))) return undefined
    const { checkpoint } = await this.storage.load(id, seq)
    return checkpoint?.seq === seq ? checkpoint.state : undefined
  }

  /** Deletes a document for good: open editors are told, its content is removed, its id retired. */
  async delete(id: string): Promise<boolean> {
    const meta = await this.card(id)
    if (!meta || meta.deletedAt !== undefined) return false
    await this.registry.delete(id, async () => {
      const latest = (await this.storage.getRecord<DocMeta>(DOC_RECORD, id)) ?? meta
      await this.storage.putRecords([
        { kind: DOC_RECORD, id, value: { ...latest, deletedAt: this.now() } },
        { kind: TEXT_RECORD, id, value: null },
      ])
    })
    return true
  }
}
