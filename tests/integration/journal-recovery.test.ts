/**
 * Start-up recovery of a large write-ahead journal (left by a long store outage, say) in a child
 * server: every journaled edit of every document reaches the store, and the server's memory
 * while recovering (its peak RSS, from /proc) stays far below the journal's size, because
 * recovery reads and writes in bounded batches.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { JOURNAL_RECORD } from '../../server/storage/group-commit.js'
import { Journal } from '../../server/storage/journal.js'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import type { Storage } from '../../server/storage/storage.js'
import { mergeAll } from '../../server/sync/doc-state.js'
import { spawn } from '../helpers/child.js'
import { tempDir } from '../helpers/server.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const MB = 1024 * 1024
const DOCS = 20
const PART_CHARS = 16 * 1024
const JOURNAL_BYTES = 208 * MB

/** The part `n` of document `d` holds: recognisable, so a lost or doubled part shows. */
const part = (d: number, n: number) => `<${d}:${n}>`.padEnd(PART_CHARS, String.fromCharCode(97 + ((d + n) % 26)))

/** The parts of a document as `storage` holds them: its checkpoint and log, merged. */
async function storedParts(storage: Storage, docId: string): Promise<string[]> {
  const stored = await storage.load(docId)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, mergeAll([...(stored.checkpoint ? [stored.checkpoint.state] : []), ...stored.log.flatMap((e) => e.updates)]))
  return doc.getArray<string>('parts').toArray()
}

/** Peak resident set size of process `pid` so far, in bytes (VmHWM, Linux). */
function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no VmHWM for process ${pid}`)
  return Number(m[1]) * 1024
}

describe('journal recovery', () => {
  it(`a ${JOURNAL_BYTES / MB} MB journal of ~13,000 records is moved into the store whole, with memory far below its size`, async () => {
    const data = tempDir('tandem-journal-recovery-')
    cleanups.push(data.cleanup)
    const journalDir = join(data.dir, 'journal')

    // a run that journaled for a long time while its store refused every write, then was
    // stopped: its journal, written by the journal itself, turns of four documents' edits each
    const journal = Journal.open(journalDir)
    const docs = Array.from({ length: DOCS }, () => new Y.Doc())
    const parts = new Array<number>(DOCS).fill(0)
    let records = 0
    let d = 0
    while (journal.segments * 16 * MB < JOURNAL_BYTES) {
      const turn = []
      for (let k = 0; k < 4; k++, d = (d + 1) % DOCS) {
        const doc = docs[d]!
        const before = Y.encodeStateVector(doc)
        doc.getArray<string>('parts').push([part(d, parts[d]!)])
        parts[d]!++
        turn.push({ docId: `doc-${d}`, seq: parts[d]!, time: 1_800_000_000_000 + records, updates: [Y.encodeStateAsUpdate(doc, before)] })
        records++
      }
      journal.append(turn)
    }
    journal.close(false)
    for (const doc of docs) doc.destroy()
    const journalBytes = readdirSync(journalDir).reduce((n, f) => n + statSync(join(journalDir, f)).size, 0)
    expect(journalBytes).toBeGreaterThan(JOURNAL_BYTES - 16 * MB)

    // what a server takes to start with nothing to recover
    const empty = tempDir('tandem-journal-recovery-empty-')
    cleanups.push(empty.cleanup)
    const idle = await spawn(['--port', '0', '--data', empty.dir, '--log-level', 'warn'])
    const baseline = peakRss(idle.pid)
    idle.kill()
    expect(await idle.exited).toMatchObject({ code: 0 })

    // recovery runs before the server listens: its peak is in VmHWM once it does
    const server = await spawn(['--port', '0', '--data', data.dir, '--log-level', 'warn'], {}, { timeoutMs: 120_000 })
    const peak = peakRss(server.pid)
    console.log(
      `[journal-recovery] ${records} records, ${(journalBytes / MB).toFixed(0)} MB journal; server peak RSS ${(peak / MB).toFixed(0)} MB,` +
        ` ${(baseline / MB).toFixed(0)} MB with nothing to recover`,
    )
    server.kill()
    expect(await server.exited).toMatchObject({ code: 0 })

    // every part of every document, once, in order; the journal files gone, the marker past them
    const storage = await openLevelStorage(data.dir)
    cleanups.push(() => storage.close())
    for (let i = 0; i < DOCS; i++) {
      const stored = await storedParts(storage, `doc-${i}`)
      expect(stored.length, `doc-${i}`).toBe(parts[i]!)
      stored.forEach((p, n) => expect(p === part(i, n), `doc-${i} part ${n}`).toBe(true))
    }
    expect(readdirSync(journalDir).filter((f) => f.endsWith('.wal')).length).toBeLessThanOrEqual(1)
    expect(await storage.getRecord(JOURNAL_RECORD.kind, JOURNAL_RECORD.id)).not.toBeNull()
    // the whole journal in memory at once took about 1.5 times its size over the server's own
    // (+220 MB here); bounded batches take a few MB each, whatever the journal's size (+47 MB)
    expect(peak - baseline).toBeLessThan(journalBytes / 2)
  }, 240_000)
})
