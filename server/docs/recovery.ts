/**
 * Start-up recovery: whatever a previous run journaled but did not yet move into the store (it
 * crashed, or was killed) is moved now, before the server accepts anyone, with the cards of the
 * documents it touched brought up to date. It goes in bounded batches, so that a journal left by
 * a long store outage (gigabytes, say) needs no more memory than a small one.
 */
import type { Logger } from 'pino'
import { JOURNAL_RECORD } from '../storage/group-commit.js'
import { RECOVERY_CHUNK_BYTES, type Journal, type JournalEntry, type JournalPosition, type UnreadableSegment } from '../storage/journal.js'
import type { Append, RecordWrite, Storage } from '../storage/storage.js'
import { DOC_RECORD, newMeta, type DocMeta } from './meta.js'

/** Bytes of updates gathered before they are written to the store, during recovery. */
export const RECOVERY_BATCH_BYTES = 4 * 1024 * 1024

/** Sizes recovery reads and writes in (tests make them small). */
export interface RecoveryOptions {
  /** Bytes of updates per store write. */
  readonly batchBytes?: number
  /** Bytes of a journal file read at a time. */
  readonly chunkBytes?: number
}

function logUnreadable({ file, copy, offset, unreadBytes, cutShort }: UnreadableSegment, log: Logger): void {
  if (cutShort) {
    log.warn({ file, unreadBytes }, 'a journal file ends in a write cut short (a crash or a full disk); it was never acknowledged to anyone')
  } else {
    log.error(
      { file, copy, offset, unreadBytes },
      `the journal file ${file} is damaged at byte ${offset}: the ${unreadBytes} bytes from there could not be read and may hold saved edits; a copy is kept in ${copy}`,
    )
  }
}

/** Moves journaled entries into the store; returns how many entries it moved. */
export async function recoverJournal(journal: Journal, storage: Storage, log: Logger, options: RecoveryOptions = {}): Promise<number> {
  const batchBytes = options.batchBytes ?? RECOVERY_BATCH_BYTES
  const marker = (await storage.getRecord<JournalPosition>(JOURNAL_RECORD.kind, JOURNAL_RECORD.id)) ?? null
  let merged = new Map<string, { seq: number; time: number; updates: Uint8Array[] }>()
  let mergedBytes = 0
  let last: JournalPosition | null = null
  let moved = 0
  const docs = new Set<string>()

  /** Writes what was gathered, with the marker past its last entry, in one atomic store write. */
  const flush = async () => {
    if (last === null) return
    const appends: Append[] = []
    const records: RecordWrite[] = []
    for (const [docId, entry] of merged) {
      const card = await storage.getRecord<DocMeta>(DOC_RECORD, docId)
      if (card?.deletedAt !== undefined) continue
      appends.push({ docId, entry })
      docs.add(docId)
      records.push({ kind: DOC_RECORD, id: docId, value: card ? { ...card, updatedAt: Math.max(card.updatedAt, entry.time) } : newMeta(docId, entry.time) })
    }
    // a document's entries of this batch become one stored entry, keyed by the last seq; its
    // entries of later batches come after, with higher ones
    await storage.append(appends, [...records, { ...JOURNAL_RECORD, value: last }])
    merged = new Map()
    mergedBytes = 0
    last = null
  }

  const gather = (entry: JournalEntry) => {
    const m = merged.get(entry.docId)
    if (m) {
      m.seq = Math.max(m.seq, entry.seq)
      m.time = Math.max(m.time, entry.time)
      // not push(...updates): one turn's entry may hold more updates than a call takes arguments
      for (const update of entry.updates) m.updates.push(update)
    } else {
      merged.set(entry.docId, { seq: entry.seq, time: entry.time, updates: [...entry.updates] })
    }
    for (const update of entry.updates) mergedBytes += update.length
  }

  for (const step of journal.recoverSteps(marker, options.chunkBytes ?? RECOVERY_CHUNK_BYTES)) {
    if (step.kind === 'entries') {
      for (const { entry, end } of step.entries) {
        gather(entry)
        last = end
        moved++
      }
      if (mergedBytes >= batchBytes) await flush()
      continue
    }
    if (step.unreadable !== null) logUnreadable(step.unreadable, log)
    // a file goes only once everything it holds is in the store
    await flush()
    journal.applied({ segment: step.segment + 1, offset: 0 })
  }
  // the marker moves past everything read, even when nothing was left to move
  await storage.append([], [{ ...JOURNAL_RECORD, value: journal.position }])
  journal.applied(journal.position)
  if (moved > 0) log.info({ entries: moved, docs: docs.size }, 'moved journaled updates of the last run into the store')
  return moved
}
