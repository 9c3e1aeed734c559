/**
 * Start-up recovery: whatever a previous run journaled but did not yet move into the store (it
 * crashed, or was killed) is moved now, before the server accepts anyone, with the cards of the
 * documents it touched brought up to date.
 */
import type { Logger } from 'pino'
import { JOURNAL_RECORD } from '../storage/group-commit.js'
import type { Journal, JournalPosition } from '../storage/journal.js'
import type { Append, RecordWrite, Storage } from '../storage/storage.js'
import { DOC_RECORD, newMeta, type DocMeta } from './meta.js'

/** Moves journaled entries into the store; returns how many entries it moved. */
export async function recoverJournal(journal: Journal, storage: Storage, log: Logger): Promise<number> {
  const marker = (await storage.getRecord<JournalPosition>(JOURNAL_RECORD.kind, JOURNAL_RECORD.id)) ?? null
  const { entries, unreadable } = journal.recover(marker)
  for (const { file, copy, offset, unreadBytes, cutShort } of unreadable) {
    if (cutShort) {
      log.warn({ file, unreadBytes }, 'a journal file ends in a write cut short (a crash or a full disk); it was never acknowledged to anyone')
    } else {
      log.error(
        { file, copy, offset, unreadBytes },
        `the journal file ${file} is damaged at byte ${offset}: the ${unreadBytes} bytes from there could not be read and may hold saved edits; a copy is kept in ${copy}`,
      )
    }
  }
  const merged = new Map<string, { seq: number; time: number; updates: Uint8Array[] }>()
  for (const { entry } of entries) {
    const m = merged.get(entry.docId)
    if (m) {
      m.seq = Math.max(m.seq, entry.seq)
      m.time = Math.max(m.time, entry.time)
      // not push(...updates): one turn's entry may hold more updates than a call takes arguments
      for (const update of entry.updates) m.updates.push(update)
    } else {
      merged.set(entry.docId, { seq: entry.seq, time: entry.time, updates: [...entry.updates] })
    }
  }
  const appends: Append[] = []
  const records: RecordWrite[] = []
  for (const [docId, entry] of merged) {
    const card = await storage.getRecord<DocMeta>(DOC_RECORD, docId)
    if (card?.deletedAt !== undefined) continue
    appends.push({ docId, entry })
    records.push({ kind: DOC_RECORD, id: docId, value: card ? { ...card, updatedAt: Math.max(card.updatedAt, entry.time) } : newMeta(docId, entry.time) })
  }
  // the marker moves past everything read, even when nothing was left to move
  await storage.append(appends, [...records, { ...JOURNAL_RECORD, value: journal.position }])
  journal.applied(journal.position)
  if (entries.length > 0) log.info({ entries: entries.length, docs: appends.length }, 'moved journaled updates of the last run into the store')
  return entries.length
}
