/**
 * Background compaction in the real compaction process (the server's default): the log is folded
 * into checkpoints while people edit, folded entries leave storage, earlier states stay readable
 * as history, memory stays near the compacted size, and a restart loads the checkpoint. A compaction that fails
 * after its checkpoint is written leaves that checkpoint to the next one to thin; one that hangs is
 * stopped after its time, and writers waiting for it go on.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createProcessCompactor } from '../../server/docs/compactor.js'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import type { Storage } from '../../server/storage/storage.js'
import { mergeAll } from '../../server/sync/doc-state.js'
import { descendantsRunning, nodeThatHangs } from '../helpers/child.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function textOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, mergeAll(updates))
  return doc.getText('body').toString()
}

/** A writer and a watcher of `docId`, both synced, with the close codes of the writer's socket. */
async function writerAndWatcher(wsUrl: string, docId: string) {
  const writer = connect(wsUrl, docId)
  const watcher = connect(wsUrl, docId)
  cleanups.push(() => writer.destroy(), () => watcher.destroy())
  await Promise.all([writer.synced(), watcher.synced()])
  const socket = writer.provider.ws
  const closes: number[] = []
  socket!.addEventListener('close', (e) => closes.push(e.code))
  return { writer, watcher, socket, closes }
}

describe('compaction', () => {
  it('folds the log into checkpoints in the compaction process, keeps history, and reloads from the checkpoint', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const tuning = { compactMinBytes: 8 * 1024, compactIdleMs: 300, maintenanceMs: 50 }
    // a clock that moves a minute at a time lets history keep a checkpoint per step (retention
    // keeps one per minute for the last hour)
    let minutes = 0
    const now = () => Date.UTC(2026, 0, 1) + minutes * 61_000 + (Date.now() % 1000)
    let server = await startServer({ dataDir: data.dir }, { compactor: createProcessCompactor({ idleMs: 200 }), now }, tuning)
    const writer = connect(server.wsUrl, 'compact-me')
    const watcher = connect(server.wsUrl, 'compact-me')
    await Promise.all([writer.synced(), watcher.synced()])
    const text = writer.doc.getText('body')
    for (let i = 0; i < 3000; i++) {
      if (i % 4 === 3) text.delete(Math.max(0, text.length - 3), 2)
      else text.insert(text.length, `w${i} `)
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve))
      if (i % 1000 === 999) {
        // let the watcher catch up (so compactions happen in this minute), then move on
        const sofar = text.toString()
        await waitFor('the watcher to catch up', () => watcher.doc.getText('body').toString() === sofar, 20_000)
        await waitFor('a compaction in this minute', async () =>
          (await server.storage.history('compact-me')).some((p) => p.kind === 'checkpoint' && p.time >= now() - 30_000),
        )
        minutes++
      }
    }
    const final = text.toString()
    await waitFor('the watcher to converge', () => watcher.doc.getText('body').toString() === final, 20_000)

    // while editing, compaction ran: checkpoints exist and folded entries are gone
    const history = await server.storage.history('compact-me')
    const checkpoints = history.filter((p) => p.kind === 'checkpoint')
    expect(checkpoints.length).toBeGreaterThan(0)
    const room = server.registry.get('compact-me')!
    // memory holds about the compacted document, not thousands of raw updates; the store is
    // read once everything journaled reached it (until then the newest entries are in the journal)
    await room.whenSettled()
    await waitFor('the quiet document to compact', async () => (await server.storage.load('compact-me')).log.length === 0, 10_000)
    const stored = await server.storage.load('compact-me')
    expect(textOf([stored.checkpoint!.state])).toBe(final)
    expect(room.size).toBeLessThan(stored.checkpoint!.state.length * 3)
    // the checkpoint dropped deleted content: smaller than the raw updates were
    const raw = Y.encodeStateAsUpdate(writer.doc).length
    expect(stored.checkpoint!.state.length).toBeLessThanOrEqual(raw)

    // history: an earlier checkpoint still gives an earlier state of the document
    const points = (await server.storage.history('compact-me')).filter((p) => p.kind === 'checkpoint')
    expect(points.length).toBeGreaterThanOrEqual(3)
    const earliest = points[0]!
    const then = await server.storage.load('compact-me', earliest.seq)
    const earlier = textOf([then.checkpoint!.state, ...then.log.flatMap((e) => e.updates)])
    expect(earlier.length).toBeLessThan(final.length)
    // it is a state the document really had: the writer's text at some point, a prefix of later ones
    expect(final.startsWith(earlier.slice(0, earlier.lastIndexOf(' ') - 4))).toBe(true)

    writer.destroy()
    watcher.destroy()
    await server.close()
    server = await startServer({ dataDir: data.dir }, { compactor: createProcessCompactor({ idleMs: 200 }), now }, tuning)
    cleanups.push(() => server.close())
    const reader = connect(server.wsUrl, 'compact-me')
    cleanups.push(() => reader.destroy())
    await reader.synced()
    expect(reader.doc.getText('body').toString()).toBe(final)
  })

  it('a compaction that fails after writing its checkpoint leaves it for the next one to thin', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const inner = await openLevelStorage(join(data.dir, 'db'))
    // every compaction at the first seq compacted fails once its checkpoint is written
    let failing: number | null = null
    let failures = 0
    const storage: Storage = {
      ...inner,
      async compact(docId, compaction) {
        failing ??= compaction.checkpoint.seq
        if (compaction.checkpoint.seq !== failing) return inner.compact(docId, compaction)
        failures++
        await inner.compact(docId, { checkpoint: compaction.checkpoint, dropLogUpTo: 0, dropCheckpoints: [] })
        throw new Error('injected failure after the checkpoint was written')
      },
    }
    // one minute for the whole test: history keeps only the newest checkpoint of a minute
    const start = Date.now()
    const now = () => Date.UTC(2026, 0, 1) + (Date.now() - start)
    const server = await startServer({}, { storage, compactor: createProcessCompactor({ idleMs: 200 }), now }, { compactMinBytes: 1024, compactIdleMs: 200, maintenanceMs: 50 })
    cleanups.push(() => server.close())
    const writer = connect(server.wsUrl, 'fails-once')
    cleanups.push(() => writer.destroy())
    await writer.synced()
    const text = writer.doc.getText('body')
    const checkpoints = async () => (await server.storage.history('fails-once')).filter((p) => p.kind === 'checkpoint')
    text.insert(0, 'first part '.repeat(200))
    await waitFor('the failed compaction to leave its checkpoint', async () => failures > 0 && (await checkpoints()).length === 1, 10_000)
    const [orphan] = await checkpoints()
    // more than twice the compacted size, so that the next compaction starts
    text.insert(text.length, 'second part '.repeat(1000))
    await waitFor('a later checkpoint', async () => (await checkpoints()).some((p) => p.seq > orphan!.seq), 10_000)
    // the next compaction read the list again: the failed one's checkpoint, of the same minute, is thinned
    await waitFor('the earlier checkpoint thinned', async () => (await checkpoints()).length === 1, 10_000)
    expect((await checkpoints())[0]!.seq).toBeGreaterThan(orphan!.seq)
    const stored = await server.storage.load('fails-once')
    expect(textOf([stored.checkpoint!.state, ...stored.log.flatMap((e) => e.updates)])).toBe(text.toString())
  })

  it('lets writers go on when compaction hangs: the stuck compaction fails after its time and the writes arrive', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    // every compaction process takes its job and never answers
    const compactor = createProcessCompactor({ idleMs: 200, execPath: nodeThatHangs(data.dir, 'tandem-compaction-hangs'), jobTimeoutMs: () => 500 })
    const server = await startServer({ dataDir: join(data.dir, 'store') }, { compactor }, { compactMinBytes: 16 * 1024 })
    cleanups.push(() => server.close())
    const { writer, watcher, socket, closes } = await writerAndWatcher(server.wsUrl, 'stuck')
    // 512 KiB of 8 KiB values: past 128 KiB ahead of compaction a writer waits for it (room.ts,
    // COMPACTION_LAG); a compaction that never ended would hold this one for good
    const map = writer.doc.getMap('m')
    for (let i = 0; i < 64; i++) map.set(`v${i}`, new Uint8Array(8 * 1024).fill(i))
    await waitFor('the watcher to receive every value', () => closes.length > 0 || watcher.doc.getMap('m').size === 64, 20_000)
    expect(closes).toEqual([])
    expect(writer.provider.ws).toBe(socket)
    expect([...watcher.doc.getMap('m').entries()].every(([k, v]) => (v as Uint8Array)[0] === Number(k.slice(1)))).toBe(true)
    // compaction did run, and failed: it timed out rather than never being asked
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/tandem_compactions_total\{result="failed"\} [1-9]/)
    await server.close()
    expect(descendantsRunning(process.pid, 'tandem-compaction-hangs')).toEqual([])
  })

  it('keeps compacting while writes never stop, so a document rewritten again and again stays under its size limit', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    // with the journal the store is always a few milliseconds behind: compaction must fold the
    // stored part while the rest is on its way, or the log grows until the size limit refuses writes
    const server = await startServer({ dataDir: data.dir, maxDocSize: 4 * 1024 * 1024 }, { compactor: createProcessCompactor({ idleMs: 200 }) }, { compactMinBytes: 64 * 1024 })
    cleanups.push(() => server.close())
    const { writer, watcher, socket, closes } = await writerAndWatcher(server.wsUrl, 'rewritten')
    const map = writer.doc.getMap('m')
    const lastValue = () => {
      const v = watcher.doc.getMap('m').get('blob') as Uint8Array | undefined
      return v ? new DataView(v.buffer, v.byteOffset).getUint32(0) : -1
    }
    const set = (i: number) => {
      const blob = new Uint8Array(16 * 1024)
      new DataView(blob.buffer).setUint32(0, i)
      map.set('blob', blob)
    }
    // a first compaction starts the worker, so what follows measures the steady state
    for (let i = 0; i < 8; i++) set(i)
    await waitFor('a first checkpoint', async () => (await server.storage.history('rewritten')).some((p) => p.kind === 'checkpoint'))
    // 16 MiB of 16 KiB values, each replacing the last (four times the limit, one value at the
    // end), sent as a steady stream: never more than a few on their way to the watcher
    for (let i = 0; i < 1024; i++) {
      set(i)
      if (i - lastValue() > 4) await waitFor(`the watcher to receive value ${i - 4}`, () => closes.length > 0 || i - lastValue() <= 4, 10_000, 1)
      if (closes.length > 0) break
    }
    await waitFor('the watcher to receive the last value', () => closes.length > 0 || lastValue() === 1023, 20_000)
    expect(closes).toEqual([])
    expect(writer.provider.ws).toBe(socket)
    // compactions ran all along: the stored log is short, the checkpoint recent
    const stored = await server.storage.load('rewritten')
    expect(stored.checkpoint!.seq).toBeGreaterThan(100)
    expect(server.registry.get('rewritten')!.size).toBeLessThan(4 * 1024 * 1024)
  })
})
