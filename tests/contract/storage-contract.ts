/**
 * The storage contract (PROTOCOL.md rules ST1-ST10) as one vitest suite that every backend runs:
 * call `storageContract(name, open)` from a `*.test.ts` file with a function that opens a fresh,
 * empty store. Each test names the rule it checks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BadFileError, type Checkpoint, type LogEntry, type Storage, type StoredDoc } from '../../server/storage/storage.js'

/** A freshly opened, empty store; `reopen` (durable backends) closes it and opens the same data again. */
export interface OpenedStorage {
  readonly storage: Storage
  readonly reopen?: () => Promise<Storage>
  readonly cleanup: () => Promise<void>
}

/** A fixed epoch so times in keys and assertions are predictable. */
export const T0 = 1_700_000_000_000

/** A log entry with distinguishable bytes: every update starts with its seq and its index. */
export function entry(seq: number, count = 1, time = T0 + seq * 1000): LogEntry {
  const updates = Array.from({ length: count }, (_, i) => Uint8Array.of(seq & 0xff, i, 0xa0, 0xb1, 0xc2))
  return { seq, time, updates }
}

/** A checkpoint whose state names its seq. */
export function checkpoint(seq: number, time = T0 + seq * 1000 + 500): Checkpoint {
  return { seq, time, state: Uint8Array.of(0xcc, seq & 0xff, 1, 2, 3, 4) }
}

/** Plain-array view of a loaded document, so assertions compare bytes and numbers. */
export function plain(doc: StoredDoc): {
  checkpoint: { seq: number; time: number; state: number[] } | null
  log: Array<{ seq: number; time: number; updates: number[][] }>
} {
  return {
    checkpoint: doc.checkpoint && { seq: doc.checkpoint.seq, time: doc.checkpoint.time, state: [...doc.checkpoint.state] },
    log: doc.log.map((e) => ({ seq: e.seq, time: e.time, updates: e.updates.map((u) => [...u]) })),
  }
}

const plainEntry = (e: LogEntry) => ({ seq: e.seq, time: e.time, updates: e.updates.map((u) => [...u]) })
const plainCheckpoint = (c: Checkpoint) => ({ seq: c.seq, time: c.time, state: [...c.state] })

/** Registers the contract suite for one backend. `open` must return an empty store each time. */
export function storageContract(name: string, open: () => Promise<OpenedStorage>): void {
  describe(`storage contract: ${name}`, () => {
    let opened: OpenedStorage
    let s: Storage

    beforeEach(async () => {
      opened = await open()
      s = opened.storage
    })
    afterEach(async () => {
      await opened.cleanup()
    })

    /** Appends entries 1..n of `docId`, one append call each. */
    const appendRange = async (docId: string, from: number, to: number) => {
      for (let seq = from; seq <= to; seq++) await s.append([{ docId, entry: entry(seq) }])
    }

    it('ST1: one append writes entries of several documents and records at once', async () => {
      await s.append(
        [
          { docId: 'alpha', entry: entry(1, 3) },
          { docId: 'beta', entry: entry(1) },
          { docId: 'gamma', entry: entry(7, 2) },
        ],
        [{ kind: 'doc', id: 'alpha', value: { title: 'Alpha', size: 3 } }],
      )
      expect(plain(await s.load('alpha'))).toEqual({ checkpoint: null, log: [plainEntry(entry(1, 3))] })
      expect(plain(await s.load('beta'))).toEqual({ checkpoint: null, log: [plainEntry(entry(1))] })
      expect(plain(await s.load('gamma'))).toEqual({ checkpoint: null, log: [plainEntry(entry(7, 2))] })
      expect(await s.getRecord('doc', 'alpha')).toEqual({ title: 'Alpha', size: 3 })
    })

    it('ST1: entries hold any number of updates, including empty and large ones, byte for byte', async () => {
      const large = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) & 0xff)
      const updates = [new Uint8Array(0), Uint8Array.of(0), large, Uint8Array.of(255, 128, 127)]
      await s.append([
        { docId: 'd', entry: { seq: 1, time: T0, updates } },
        { docId: 'd', entry: { seq: 2, time: T0 + 1, updates: [] } },
      ])
      const { log } = await s.load('d')
      expect(log.map((e) => e.seq)).toEqual([1, 2])
      expect(log[0]!.updates.length).toBe(4)
      expect(log[0]!.updates.map((u) => u.length)).toEqual([0, 1, 200_000, 3])
      expect(Buffer.from(log[0]!.updates[2]!).equals(Buffer.from(large))).toBe(true)
      expect([...log[0]!.updates[3]!]).toEqual([255, 128, 127])
      expect(log[1]!.updates).toEqual([])
    })

    it('ST1: entries of every size in one append come back byte for byte, each its own', async () => {
      // small and large in one batch, the same sizes twice: an encoder reusing a buffer must not mix them up
      const sizes = [0, 5, 1000, 70_000, 250_000, 300_000, 5, 70_000]
      const appends = sizes.map((size, i) => ({
        docId: `d${i}`,
        entry: { seq: 1, time: T0, updates: [new Uint8Array(size).map((_, j) => (j * 7 + i * 13) & 0xff), Uint8Array.of(i)] },
      }))
      await s.append(appends)
      for (const { docId, entry } of appends) {
        const { log } = await s.load(docId)
        expect(log.length, docId).toBe(1)
        expect(log[0]!.updates.map((u) => Buffer.from(u).toString('base64')), docId).toEqual(entry.updates.map((u) => Buffer.from(u).toString('base64')))
      }
    })

    it('ST1: a large append lands whole: reads while it is written see all of it or nothing', async () => {
      const docs = Array.from({ length: 16 }, (_, i) => `big${i}`)
      const update = (i: number) => new Uint8Array(100_000).fill(i + 1)
      let done = false
      const written = s.append(
        docs.map((docId, i) => ({ docId, entry: { seq: 1, time: T0, updates: [update(i)] } })),
        [{ kind: 'doc', id: 'big', value: { n: docs.length } }],
      )
      void written.then(() => (done = true))
      // one read after another, of the batch's first document, its last, then its record: once a
      // read sees the batch, every later one must; a batch landing in parts shows as a 1 before a 0
      const observed: string[] = []
      while (!done) {
        let seen = ''
        for (const d of [docs[0]!, docs.at(-1)!]) seen += (await s.load(d)).log.length
        seen += (await s.getRecord('doc', 'big')) === undefined ? '0' : '1'
        observed.push(seen)
      }
      await written
      expect(observed.join(''), observed.join(' ')).toMatch(/^0*1*$/)
      for (const [i, d] of docs.entries()) expect((await s.load(d)).log[0]!.updates[0]![0]).toBe(i + 1)
      expect(observed.length).toBeGreaterThan(0)
    })

    it('ST1/ST8: a batch with a record that cannot be stored rejects and writes nothing', async () => {
      await expect(
        s.append(
          [{ docId: 'doc', entry: entry(1) }],
          [
            { kind: 'doc', id: 'ok', value: { fine: true } },
            { kind: 'doc', id: 'bad', value: { n: 10n } },
          ],
        ),
      ).rejects.toThrow()
      expect(plain(await s.load('doc'))).toEqual({ checkpoint: null, log: [] })
      expect(await s.getRecord('doc', 'ok')).toBeUndefined()
      expect(await s.listRecords('doc')).toEqual([])
    })

    it('ST2: load of an unknown document is empty', async () => {
      expect(plain(await s.load('nothing-here'))).toEqual({ checkpoint: null, log: [] })
      expect(plain(await s.load('nothing-here', 5))).toEqual({ checkpoint: null, log: [] })
    })

    it('ST2: load returns the latest checkpoint and the entries after it, in seq order', async () => {
      // appended out of order and in mixed batches
      await s.append([{ docId: 'd', entry: entry(3) }])
      await s.append([
        { docId: 'd', entry: entry(1) },
        { docId: 'd', entry: entry(2, 2) },
      ])
      await s.append([{ docId: 'd', entry: entry(5) }])
      await s.append([{ docId: 'd', entry: entry(4) }])
      expect((await s.load('d')).log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
      expect(plain(await s.load('d')).log).toEqual([1, 2, 3, 4, 5].map((n) => plainEntry(entry(n, n === 2 ? 2 : 1))))

      // two checkpoints, entries 3..5 kept: the latest checkpoint wins and only entries after it come back
      await s.compact('d', { checkpoint: checkpoint(2), dropLogUpTo: 2, dropCheckpoints: [] })
      await s.compact('d', { checkpoint: checkpoint(3), dropLogUpTo: 0, dropCheckpoints: [] })
      const loaded = plain(await s.load('d'))
      expect(loaded.checkpoint).toEqual(plainCheckpoint(checkpoint(3)))
      expect(loaded.log).toEqual([plainEntry(entry(4)), plainEntry(entry(5))])
    })

    it('ST2: load(doc, atSeq) returns the document as of an earlier sequence number', async () => {
      await appendRange('d', 1, 6)
      // checkpoints at 2 and 4; every entry stays so any point can be read back
      await s.compact('d', { checkpoint: checkpoint(2), dropLogUpTo: 0, dropCheckpoints: [] })
      await s.compact('d', { checkpoint: checkpoint(4), dropLogUpTo: 0, dropCheckpoints: [] })
      const at = async (seq: number) => {
        const doc = plain(await s.load('d', seq))
        return { checkpoint: doc.checkpoint?.seq ?? null, log: doc.log.map((e) => e.seq) }
      }
      expect(await at(0)).toEqual({ checkpoint: null, log: [] })
      expect(await at(1)).toEqual({ checkpoint: null, log: [1] })
      expect(await at(2)).toEqual({ checkpoint: 2, log: [] })
      expect(await at(3)).toEqual({ checkpoint: 2, log: [3] })
      expect(await at(4)).toEqual({ checkpoint: 4, log: [] })
      expect(await at(5)).toEqual({ checkpoint: 4, log: [5] })
      expect(await at(6)).toEqual({ checkpoint: 4, log: [5, 6] })
      expect(await at(100)).toEqual({ checkpoint: 4, log: [5, 6] })
      // content, not just numbers
      expect(plain(await s.load('d', 3))).toEqual({ checkpoint: plainCheckpoint(checkpoint(2)), log: [plainEntry(entry(3))] })
    })

    it('ST2: load(doc, atSeq) before the oldest kept checkpoint returns the entries still stored', async () => {
      await appendRange('d', 1, 5)
      await s.compact('d', { checkpoint: checkpoint(3), dropLogUpTo: 2, dropCheckpoints: [] })
      // entries 1-2 are gone, 3 is kept (dropLogUpTo < checkpoint.seq): as of 3 the checkpoint wins
      expect(plain(await s.load('d', 3))).toEqual({ checkpoint: plainCheckpoint(checkpoint(3)), log: [] })
      expect(plain(await s.load('d', 2))).toEqual({ checkpoint: null, log: [] })
      expect(plain(await s.load('d', 4))).toEqual({ checkpoint: plainCheckpoint(checkpoint(3)), log: [plainEntry(entry(4))] })
    })

    it('ST2: every load sees one consistent snapshot while compactions land', async () => {
      const n = 24
      await appendRange('d', 1, n)
      const loads: Array<Promise<StoredDoc>> = []
      for (let k = 1; k <= n; k++) {
        // compactions of one document run one at a time (as the server runs them); loads start
        // before, during and after each one
        let done = false
        const compaction = s
          .compact('d', { checkpoint: checkpoint(k), dropLogUpTo: k, dropCheckpoints: k > 1 ? [k - 1] : [] })
          .finally(() => (done = true))
        // start a load on every turn of the event loop until the compaction has landed
        while (!done) {
          loads.push(s.load('d'))
          await new Promise((resolve) => setImmediate(resolve))
        }
        await compaction
        loads.push(s.load('d'))
      }
      for (const doc of await Promise.all(loads)) {
        // whatever point a load saw, checkpoint + log must cover 1..n with nothing missing
        const from = doc.checkpoint?.seq ?? 0
        expect(doc.log.map((e) => e.seq)).toEqual(Array.from({ length: n - from }, (_, i) => from + i + 1))
        if (doc.checkpoint) expect([...doc.checkpoint.state]).toEqual([...checkpoint(from).state])
      }
      expect(plain(await s.load('d'))).toEqual({ checkpoint: plainCheckpoint(checkpoint(n)), log: [] })
      expect(await s.history('d')).toEqual([{ seq: n, time: checkpoint(n).time, kind: 'checkpoint' }])
    })

    it('ST3: compact writes the checkpoint and drops folded entries and listed checkpoints only', async () => {
      await appendRange('d', 1, 8)
      await s.compact('d', { checkpoint: checkpoint(2), dropLogUpTo: 0, dropCheckpoints: [] })
      await s.compact('d', { checkpoint: checkpoint(4), dropLogUpTo: 0, dropCheckpoints: [] })
      // checkpoint at 6, fold entries up to 5 (entry 6 stays although the checkpoint holds it),
      // thin checkpoint 2, and list the new checkpoint itself, which must survive
      await s.compact('d', { checkpoint: checkpoint(6), dropLogUpTo: 5, dropCheckpoints: [2, 6] })
      const points = (await s.history('d')).map((p) => `${p.kind[0]}${p.seq}`)
      expect(points).toEqual(['c4', 'c6', 'e6', 'e7', 'e8'])
      expect(plain(await s.load('d'))).toEqual({
        checkpoint: plainCheckpoint(checkpoint(6)),
        log: [plainEntry(entry(7)), plainEntry(entry(8))],
      })
      expect(plain(await s.load('d', 4))).toEqual({ checkpoint: plainCheckpoint(checkpoint(4)), log: [] })
    })

    it('ST3: compact never drops entries after the checkpoint nor touches other documents', async () => {
      await appendRange('d', 1, 5)
      await appendRange('e', 1, 3)
      await s.compact('d', { checkpoint: checkpoint(3), dropLogUpTo: 3, dropCheckpoints: [1, 2, 3, 99] })
      expect(plain(await s.load('d'))).toEqual({
        checkpoint: plainCheckpoint(checkpoint(3)),
        log: [plainEntry(entry(4)), plainEntry(entry(5))],
      })
      expect((await s.history('d')).map((p) => `${p.kind[0]}${p.seq}`)).toEqual(['c3', 'e4', 'e5'])
      expect(plain(await s.load('e')).log.map((e) => e.seq)).toEqual([1, 2, 3])
    })

    it('ST3: a checkpoint written again at the same seq replaces the state and is never dropped', async () => {
      await appendRange('d', 1, 2)
      await s.compact('d', { checkpoint: checkpoint(2, T0 + 5000), dropLogUpTo: 2, dropCheckpoints: [] })
      const again: Checkpoint = { seq: 2, time: T0 + 5000, state: Uint8Array.of(9, 9, 9) }
      // listing its own seq in dropCheckpoints must not drop the checkpoint being written
      await s.compact('d', { checkpoint: again, dropLogUpTo: 2, dropCheckpoints: [2] })
      expect(plain(await s.load('d'))).toEqual({ checkpoint: plainCheckpoint(again), log: [] })
      expect(await s.history('d')).toEqual([{ seq: 2, time: T0 + 5000, kind: 'checkpoint' }])
    })

    it('ST3: a checkpoint rewritten at the same seq with a new time replaces the old one', async () => {
      await appendRange('d', 1, 3)
      await s.compact('d', { checkpoint: checkpoint(2, T0 + 5000), dropLogUpTo: 2, dropCheckpoints: [] })
      const newer: Checkpoint = { seq: 2, time: T0 + 9000, state: Uint8Array.of(4, 5, 6) }
      await s.compact('d', { checkpoint: newer, dropLogUpTo: 2, dropCheckpoints: [] })
      expect(plain(await s.load('d'))).toEqual({ checkpoint: plainCheckpoint(newer), log: [plainEntry(entry(3))] })
      expect(await s.history('d')).toEqual([
        { seq: 2, time: T0 + 9000, kind: 'checkpoint' },
        { seq: 3, time: entry(3).time, kind: 'entry' },
      ])
    })

    it('ST3/ST8: compact rejects dropLogUpTo past the checkpoint and changes nothing', async () => {
      await appendRange('d', 1, 4)
      const before = plain(await s.load('d'))
      await expect(s.compact('d', { checkpoint: checkpoint(2), dropLogUpTo: 3, dropCheckpoints: [] })).rejects.toThrow()
      expect(plain(await s.load('d'))).toEqual(before)
      expect((await s.history('d')).map((p) => `${p.kind[0]}${p.seq}`)).toEqual(['e1', 'e2', 'e3', 'e4'])
    })

    it('ST4: history lists checkpoints and entries with their times, oldest first', async () => {
      expect(await s.history('d')).toEqual([])
      await s.append([{ docId: 'd', entry: entry(3, 1, T0 + 30) }])
      await s.append([
        { docId: 'd', entry: entry(1, 1, T0 + 10) },
        { docId: 'd', entry: entry(2, 1, T0 + 20) },
      ])
      await s.compact('d', { checkpoint: checkpoint(2, T0 + 25), dropLogUpTo: 1, dropCheckpoints: [] })
      await s.append([{ docId: 'd', entry: entry(4, 1, T0 + 40) }])
      await s.append([{ docId: 'other', entry: entry(1, 1, T0 + 99) }])
      expect(await s.history('d')).toEqual([
        // a checkpoint and the entry it folded share a seq: the checkpoint comes first
        { seq: 2, time: T0 + 25, kind: 'checkpoint' },
        { seq: 2, time: T0 + 20, kind: 'entry' },
        { seq: 3, time: T0 + 30, kind: 'entry' },
        { seq: 4, time: T0 + 40, kind: 'entry' },
      ])
    })

    it('ST5: deleteDoc removes one document and leaves documents with similar ids alone', async () => {
      const ids = ['a', 'ab', 'a-b', 'a_b', 'A', 'b', 'a0']
      for (const id of ids) await appendRange(id, 1, 3)
      for (const id of ids) await s.compact(id, { checkpoint: checkpoint(2), dropLogUpTo: 1, dropCheckpoints: [] })
      await s.putRecords([{ kind: 'doc', id: 'a', value: { title: 'kept' } }])

      await s.deleteDoc('a')
      expect(plain(await s.load('a'))).toEqual({ checkpoint: null, log: [] })
      expect(await s.history('a')).toEqual([])
      for (const id of ids.slice(1)) {
        expect(plain(await s.load(id)), id).toEqual({ checkpoint: plainCheckpoint(checkpoint(2)), log: [plainEntry(entry(3))] })
        expect((await s.history(id)).length, id).toBe(3)
      }
      // deleteDoc is about the log; records are separate (the caller deletes them in its own write)
      expect(await s.getRecord('doc', 'a')).toEqual({ title: 'kept' })

      // the id can be used again from scratch
      await s.append([{ docId: 'a', entry: entry(1) }])
      expect(plain(await s.load('a'))).toEqual({ checkpoint: null, log: [plainEntry(entry(1))] })
      // deleting what does not exist is fine
      await s.deleteDoc('never-existed')
    })

    it('ST6: records are JSON values by kind and id: put, get, list in id order, delete with null', async () => {
      expect(await s.getRecord('doc', 'x')).toBeUndefined()
      const values: Record<string, unknown> = {
        b: { title: 'B', tags: ['x', 'y'], nested: { n: 1.5, ok: false, none: null } },
        a: 'just a string',
        '10': 10,
        '9': [1, 2, 3],
        'a-b': true,
        Z: { emoji: 'ünïcødé ✓' },
      }
      await s.putRecords(Object.entries(values).map(([id, value]) => ({ kind: 'doc', id, value })))
      // a kind whose name starts with another kind's name stays separate
      await s.putRecords([
        { kind: 'docs', id: 'a', value: 'other kind' },
        { kind: 'do', id: 'a', value: 'shorter kind' },
      ])
      for (const [id, value] of Object.entries(values)) expect(await s.getRecord('doc', id)).toEqual(value)
      const listed = await s.listRecords('doc')
      expect(listed.map((r) => r.id)).toEqual(['10', '9', 'Z', 'a', 'a-b', 'b'])
      expect(listed).toEqual(['10', '9', 'Z', 'a', 'a-b', 'b'].map((id) => ({ id, value: values[id] })))
      expect(await s.listRecords('docs')).toEqual([{ id: 'a', value: 'other kind' }])
      expect(await s.listRecords('do')).toEqual([{ id: 'a', value: 'shorter kind' }])
      expect(await s.listRecords('nothing')).toEqual([])

      // overwrite and delete in one call
      await s.putRecords([
        { kind: 'doc', id: 'a', value: { replaced: 1 } },
        { kind: 'doc', id: 'b', value: null },
        { kind: 'doc', id: 'missing', value: null },
      ])
      expect(await s.getRecord('doc', 'a')).toEqual({ replaced: 1 })
      expect(await s.getRecord('doc', 'b')).toBeUndefined()
      expect((await s.listRecords('doc')).map((r) => r.id)).toEqual(['10', '9', 'Z', 'a', 'a-b'])
      expect(await s.getRecord('docs', 'a')).toBe('other kind')
    })

    it('ST6: listRecords orders non-ASCII ids by code point (UTF-8 byte order)', async () => {
      // UTF-16 order would put the astral character before U+FFFD; code point order puts it last
      const ids = ['z', 'é', '\u00ff', '\ufffd', '\u{1f600}', 'A', '~']
      await s.putRecords(ids.map((id) => ({ kind: 'user', id, value: id })))
      const listed = await s.listRecords<string>('user')
      expect(listed.map((r) => r.id)).toEqual(['A', 'z', '~', 'é', '\u00ff', '\ufffd', '\u{1f600}'])
      expect(listed.every((r) => r.value === r.id)).toBe(true)
    })

    it('ST6: record writes in an append batch land with the entries', async () => {
      await s.putRecords([{ kind: 'doc', id: 'gone', value: 1 }])
      await s.append(
        [{ docId: 'd', entry: entry(1) }],
        [
          { kind: 'doc', id: 'd', value: { title: 'D', seq: 1 } },
          { kind: 'doc', id: 'gone', value: null },
        ],
      )
      expect(await s.listRecords('doc')).toEqual([{ id: 'd', value: { title: 'D', seq: 1 } }])
      // an append with only records
      await s.append([], [{ kind: 'doc', id: 'e', value: 2 }])
      expect(await s.getRecord('doc', 'e')).toBe(2)
    })

    it('ST6: a stored record is a snapshot of the value at write time', async () => {
      const value = { list: [1, 2], title: 'before' }
      await s.putRecords([{ kind: 'doc', id: 'r', value }])
      value.list.push(3)
      value.title = 'after'
      const read = await s.getRecord<{ list: number[]; title: string }>('doc', 'r')
      expect(read).toEqual({ list: [1, 2], title: 'before' })
      read!.list.push(99)
      expect(await s.getRecord('doc', 'r')).toEqual({ list: [1, 2], title: 'before' })
    })

    it('ST7: bytes returned by load are copies', async () => {
      await appendRange('d', 1, 3)
      await s.compact('d', { checkpoint: checkpoint(1), dropLogUpTo: 1, dropCheckpoints: [] })
      const first = await s.load('d')
      const expected = plain(first)
      first.checkpoint!.state.fill(0xee)
      for (const e of first.log) for (const u of e.updates) u.fill(0xee)
      expect(plain(await s.load('d'))).toEqual(expected)
      expect(plain(await s.load('d', 2))).toEqual({ checkpoint: expected.checkpoint, log: [expected.log[0]] })
    })

    it('ST7: changing an input buffer after append or compact does not change what is stored', async () => {
      const update = Uint8Array.of(1, 2, 3, 4)
      // a view into a larger buffer, to catch backends that keep the underlying ArrayBuffer
      const backing = Uint8Array.of(9, 9, 5, 6, 7, 9, 9)
      const view = backing.subarray(2, 5)
      // and a Node Buffer view, whose slice() would not copy
      const socketChunk = Buffer.from([8, 8, 1, 1, 8])
      const bufferView = socketChunk.subarray(2, 4)
      await s.append([{ docId: 'd', entry: { seq: 1, time: T0, updates: [update, view, bufferView] } }])
      update.fill(0)
      backing.fill(0)
      socketChunk.fill(0)
      expect(plain(await s.load('d'))).toEqual({ checkpoint: null, log: [{ seq: 1, time: T0, updates: [[1, 2, 3, 4], [5, 6, 7], [1, 1]] }] })

      const state = Uint8Array.of(7, 7, 7)
      await s.compact('d', { checkpoint: { seq: 1, time: T0 + 1, state }, dropLogUpTo: 1, dropCheckpoints: [] })
      state.fill(0)
      expect(plain(await s.load('d'))).toEqual({ checkpoint: { seq: 1, time: T0 + 1, state: [7, 7, 7] }, log: [] })
    })

    /** Bytes that are not text, cover every value and are long enough to take more than one page. */
    const image = (seed: number, length = 300_000) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)

    it('ST9: putFile stores bytes and type as they are; getFile and hasFile read them back', async () => {
      expect(await s.getFile('d', 'a.png')).toBeUndefined()
      expect(await s.hasFile('d', 'a.png')).toBe(false)
      const bytes = image(7)
      await s.putFile('d', 'a.png', { type: 'image/png', bytes })
      const read = await s.getFile('d', 'a.png')
      expect(read?.type).toBe('image/png')
      expect(Buffer.from(read!.bytes).equals(Buffer.from(bytes))).toBe(true)
      expect(await s.hasFile('d', 'a.png')).toBe(true)
      // one document's files are not another's, even with a similar id
      for (const other of ['d-', 'dd', 'D', 'e']) {
        expect(await s.getFile(other, 'a.png'), other).toBeUndefined()
        expect(await s.hasFile(other, 'a.png'), other).toBe(false)
      }
      // an empty file, and a type with parameters
      await s.putFile('d', 'empty', { type: 'application/octet-stream; x=1', bytes: new Uint8Array(0) })
      const empty = await s.getFile('d', 'empty')
      expect({ type: empty?.type, bytes: empty && [...empty.bytes] }).toEqual({ type: 'application/octet-stream; x=1', bytes: [] })
      // the same name again replaces type and bytes together
      await s.putFile('d', 'a.png', { type: 'image/gif', bytes: Uint8Array.of(1, 2, 3) })
      const replaced = await s.getFile('d', 'a.png')
      expect({ type: replaced!.type, bytes: [...replaced!.bytes] }).toEqual({ type: 'image/gif', bytes: [1, 2, 3] })
    })

    it('ST9: bad names and types reject with BadFileError and store nothing', async () => {
      const bytes = Uint8Array.of(1)
      for (const name of ['', 'a/b', 'a!b', 'a b', '..\\x', 'é.png', 'x'.repeat(129), 'a\u0000']) {
        await expect(s.putFile('d', name, { type: 'image/png', bytes }), JSON.stringify(name)).rejects.toThrow(BadFileError)
        await expect(s.getFile('d', name), JSON.stringify(name)).rejects.toThrow(BadFileError)
        await expect(s.hasFile('d', name), JSON.stringify(name)).rejects.toThrow(BadFileError)
      }
      for (const type of ['', ' image/png', 'image/pngé', 'image/png\n', 'x'.repeat(128)]) {
        await expect(s.putFile('d', 'ok.png', { type, bytes }), JSON.stringify(type)).rejects.toThrow(BadFileError)
      }
      expect(await s.hasFile('d', 'ok.png')).toBe(false)
      await s.putFile('d', 'x'.repeat(128), { type: 'x'.repeat(127), bytes })
      expect((await s.getFile('d', 'x'.repeat(128)))?.type).toBe('x'.repeat(127))
    })

    it('ST9/ST10: files stay out of load and history, compaction keeps them', async () => {
      await s.putFile('d', 'a.png', { type: 'image/png', bytes: image(1, 1000) })
      // a document with files only is empty to load and has no history
      expect(plain(await s.load('d'))).toEqual({ checkpoint: null, log: [] })
      expect(await s.history('d')).toEqual([])
      await appendRange('d', 1, 3)
      await s.compact('d', { checkpoint: checkpoint(2), dropLogUpTo: 2, dropCheckpoints: [] })
      expect((await s.history('d')).map((p) => `${p.kind[0]}${p.seq}`)).toEqual(['c2', 'e3'])
      expect(plain(await s.load('d'))).toEqual({ checkpoint: plainCheckpoint(checkpoint(2)), log: [plainEntry(entry(3))] })
      expect([...(await s.getFile('d', 'a.png'))!.bytes]).toEqual([...image(1, 1000)])
    })

    it('ST5/ST9: deleteDoc removes the files of one document and no other', async () => {
      for (const id of ['a', 'ab', 'a-b', 'A']) {
        await appendRange(id, 1, 2)
        await s.putFile(id, 'x.png', { type: 'image/png', bytes: Uint8Array.of(id.length) })
      }
      await s.deleteDoc('a')
      expect(await s.hasFile('a', 'x.png')).toBe(false)
      expect(await s.getFile('a', 'x.png')).toBeUndefined()
      for (const id of ['ab', 'a-b', 'A']) expect([...(await s.getFile(id, 'x.png'))!.bytes], id).toEqual([id.length])
      // the id starts from scratch: no file comes back
      await s.append([{ docId: 'a', entry: entry(1) }])
      expect(await s.hasFile('a', 'x.png')).toBe(false)
    })

    it('ST7: file bytes are copies in and out', async () => {
      const backing = Uint8Array.of(9, 9, 1, 2, 3, 9)
      await s.putFile('d', 'v', { type: 'image/png', bytes: backing.subarray(2, 5) })
      backing.fill(0)
      const first = await s.getFile('d', 'v')
      expect([...first!.bytes]).toEqual([1, 2, 3])
      first!.bytes.fill(0xee)
      expect([...(await s.getFile('d', 'v'))!.bytes]).toEqual([1, 2, 3])
    })

    it('ST8: probe resolves on a working store', async () => {
      await expect(s.probe()).resolves.toBeUndefined()
      // probing leaves no visible trace
      expect(await s.history('probe')).toEqual([])
    })

    it('ST8: a closed store rejects every call', async () => {
      await s.append([{ docId: 'd', entry: entry(1) }])
      await s.close()
      await expect(s.load('d')).rejects.toThrow()
      await expect(s.append([{ docId: 'd', entry: entry(2) }])).rejects.toThrow()
      await expect(s.compact('d', { checkpoint: checkpoint(1), dropLogUpTo: 1, dropCheckpoints: [] })).rejects.toThrow()
      await expect(s.history('d')).rejects.toThrow()
      await expect(s.deleteDoc('d')).rejects.toThrow()
      await expect(s.getRecord('doc', 'd')).rejects.toThrow()
      await expect(s.putRecords([{ kind: 'doc', id: 'd', value: 1 }])).rejects.toThrow()
      await expect(s.listRecords('doc')).rejects.toThrow()
      await expect(s.putFile('d', 'f', { type: 'image/png', bytes: Uint8Array.of(1) })).rejects.toThrow()
      await expect(s.getFile('d', 'f')).rejects.toThrow()
      await expect(s.hasFile('d', 'f')).rejects.toThrow()
      await expect(s.probe()).rejects.toThrow()
    })

    it('durable backends keep everything across close and reopen', async (ctx) => {
      if (!opened.reopen) ctx.skip()
      await appendRange('d', 1, 4)
      await s.compact('d', { checkpoint: checkpoint(2), dropLogUpTo: 2, dropCheckpoints: [] })
      await s.putRecords([{ kind: 'doc', id: 'd', value: { title: 'kept' } }])
      await s.putFile('d', 'kept.png', { type: 'image/png', bytes: image(3) })
      const before = { doc: plain(await s.load('d')), history: await s.history('d') }
      const again = await opened.reopen!()
      expect(plain(await again.load('d'))).toEqual(before.doc)
      expect(await again.history('d')).toEqual(before.history)
      expect(await again.getRecord('doc', 'd')).toEqual({ title: 'kept' })
      const file = await again.getFile('d', 'kept.png')
      expect(file?.type).toBe('image/png')
      expect(Buffer.from(file!.bytes).equals(Buffer.from(image(3)))).toBe(true)
      // and the reopened store takes writes after what it found
      await again.append([{ docId: 'd', entry: entry(5) }])
      expect(plain(await again.load('d')).log.map((e) => e.seq)).toEqual([3, 4, 5])
    })
  })
}
