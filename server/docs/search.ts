/**
 * Search of the document list by title and by text. A document's body text (compact.js readText)
 * is kept as a record of its own, written when a compaction finds it changed (room.ts), so a
 * search reads records, never documents. Documents whose text was never read (imported and not
 * opened since, or stored before search existed) are read once in the background (TextBackfill).
 */
import type { Logger } from 'pino'
import { CompactionStoppedError, type Compactor } from './compactor.js'
import { DOC_RECORD, type DocMeta } from './meta.js'
import type { Metrics } from '../metrics.js'
import { PackedUpdates } from '../storage/packed-updates.js'
import type { Storage } from '../storage/storage.js'

/** Record kind holding a document's body text (value: DocText). */
export const TEXT_RECORD = 'text'

/** What a text record holds. */
export interface DocText {
  readonly text: string
}

/** How a document matched a search: in its title, or in its text, with the words around it. */
export type SearchMatch = { readonly in: 'title' } | { readonly in: 'text'; readonly snippet: string }

/** Characters shown on each side of a match in its snippet. */
const SNIPPET_RADIUS = 60

/** A search for `query` (trimmed, not empty) ignoring case, for matchDoc. */
export function searchFor(query: string): RegExp {
  // a pattern, not lowercase copies: texts are searched where they lie, nothing copied per search
  return new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu')
}

/**
 * Whether a document matches `search` (searchFor): the title first, then the text. Null when
 * neither holds it.
 */
export function matchDoc(search: RegExp, title: string, text: string | undefined): SearchMatch | null {
  if (search.test(title)) return { in: 'title' }
  if (!text) return null
  const found = search.exec(text)
  if (found === null) return null
  return { in: 'text', snippet: snippetAround(text, found.index, found[0].length) }
}

/**
 * About SNIPPET_RADIUS characters on each side of `text[at, at + length)`, cut at word ends,
 * with an ellipsis where text was left out.
 */
export function snippetAround(text: string, at: number, length: number): string {
  let start = Math.max(0, at - SNIPPET_RADIUS)
  let end = Math.min(text.length, at + length + SNIPPET_RADIUS)
  // whole words: move the cuts out to the next space, when one is near
  if (start > 0) {
    const space = text.lastIndexOf(' ', start)
    if (space >= 0 && start - space < 20) start = space + 1
  }
  if (end < text.length) {
    const space = text.indexOf(' ', end)
    if (space >= 0 && space - end < 20) end = space
  }
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`
}

/** A cheap fingerprint of a text, so a room writes its text record only when it changed. */
export function textHash(text: string): number {
  // FNV-1a over UTF-16 code units
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) + text.length * 0x100000000
}

/** What the backfill needs. */
export interface TextBackfillContext {
  readonly storage: Storage
  readonly compactor: Compactor
  readonly log: Logger
  readonly metrics: Metrics
}

/**
 * Reads, one at a time in the background, the text of documents that have none recorded: it
 * folds each one's stored state in the compactor (its result is not written back: reading writes
 * nothing else) and records the text, unless a room recorded one meanwhile.
 */
export class TextBackfill {
  private readonly queue: string[] = []
  private readonly queued = new Set<string>()
  private running: Promise<void> | null = null
  private closed = false

  constructor(private readonly ctx: TextBackfillContext) {}

  /** Queues every document of `ids` that has no text record yet. */
  async fillMissing(ids: readonly string[]): Promise<void> {
    const have = new Set((await this.ctx.storage.listRecords(TEXT_RECORD)).map((r) => r.id))
    for (const id of ids) if (!have.has(id)) this.add(id)
  }

  /** Queues one document (an import, written without a compaction). */
  add(id: string): void {
    if (this.closed || this.queued.has(id)) return
    this.queued.add(id)
    this.queue.push(id)
    this.running ??= this.drain().finally(() => (this.running = null))
  }

  /** Resolves once the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /** Stops taking work; resolves once the document in hand is done. */
  async close(): Promise<void> {
    this.closed = true
    this.queue.length = 0
    await this.idle()
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined && !this.closed; id = this.queue.shift()) {
      this.queued.delete(id)
      try {
        await this.fill(id)
      } catch (err) {
        // the server is stopping: the next start reads it
        if (err instanceof CompactionStoppedError) return
        // search goes on without this document's text; its next compaction records it
        this.ctx.metrics.errors.inc({ kind: 'search-text' })
        this.ctx.log.warn({ err, doc: id }, 'reading a document for search failed')
      }
    }
  }

  private async fill(id: string): Promise<void> {
    const { storage, compactor } = this.ctx
    const stored = await storage.load(id)
    const log = new PackedUpdates()
    for (const entry of stored.log) for (const update of entry.updates) log.push(update, entry.seq)
    if (stored.checkpoint === null && log.length === 0) return
    const { text } = await compactor.compact(log.pack(Infinity, stored.checkpoint?.state))
    // a room that compacted meanwhile wrote a newer one; a document deleted meanwhile keeps none
    if (this.closed || (await storage.getRecord(TEXT_RECORD, id)) !== undefined || !(await this.live(id))) return
    await storage.putRecords([{ kind: TEXT_RECORD, id, value: { text } satisfies DocText }])
    // deleted between that check and this write: the tombstone removed the text before it landed
    if (!(await this.live(id))) await storage.putRecords([{ kind: TEXT_RECORD, id, value: null }])
  }

  /** Whether a document's card is stored and not deleted. */
  private async live(id: string): Promise<boolean> {
    const card = await this.ctx.storage.getRecord<DocMeta>(DOC_RECORD, id)
    return card !== undefined && card.deletedAt === undefined
  }
}
