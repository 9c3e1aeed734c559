/**
 * The storage contract (PROTOCOL.md ST1-ST8) against the LevelDB backend in a fresh temporary
 * directory per test, plus what only a disk store has: data surviving a reopen, the directory
 * lock, the versioned key layout, large entries spilled to a key of their own, refusing an
 * unknown layout, and corrupt values.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { CorruptValueError } from '../../server/storage/codec.js'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import { StorageLockedError, type Storage } from '../../server/storage/storage.js'
import { checkpoint, entry, plain, storageContract, T0 } from './storage-contract.js'

const freshDir = () => mkdtemp(join(tmpdir(), 'tandem-contract-'))

/** Opens the directory with `level` directly, bypassing the backend. */
const raw = (dir: string) => new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

storageContract('leveldb', async () => {
  const dir = await freshDir()
  let current = await openLevelStorage(dir)
  return {
    storage: current,
    reopen: async () => {
      await current.close()
      current = await openLevelStorage(dir)
      return current
    },
    cleanup: async () => {
      await current.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
})

describe('leveldb backend', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn()
  })
  const dirForTest = async () => {
    const dir = await freshDir()
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    return dir
  }
  const open = async (dir: string, options?: { fsync?: boolean }): Promise<Storage> => {
    const storage = await openLevelStorage(dir, options)
    cleanups.push(() => storage.close())
    return storage
  }

  it('stores a file as one binary value under the document (type length, type, bytes), not as encoded text', async () => {
    const dir = await dirForTest()
    const storage = await openLevelStorage(dir)
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff)
    await storage.putFile('doc', 'f.png', { type: 'image/png', bytes })
    await storage.close()
    const db = raw(dir)
    await db.open()
    try {
      const value = await db.get('v1!d!doc!f!f.png')
      expect(value?.length).toBe(1 + 'image/png'.length + bytes.length)
      expect(value![0]).toBe('image/png'.length)
      expect(text(value!.subarray(1, 10))).toBe('image/png')
      expect(Buffer.from(value!.subarray(10)).equals(Buffer.from(bytes))).toBe(true)
    } finally {
      await db.close()
    }
  })

  it('keeps entries, checkpoints and records across close and reopen of the same directory', async () => {
    const dir = await dirForTest()
    const first = await open(dir, { fsync: true })
    await first.append(
      [
        { docId: 'a', entry: entry(1, 2) },
        { docId: 'b', entry: entry(1) },
      ],
      [{ kind: 'doc', id: 'a', value: { title: 'A' } }],
    )
    await first.append([{ docId: 'a', entry: entry(2) }])
    await first.compact('a', { checkpoint: checkpoint(1), dropLogUpTo: 1, dropCheckpoints: [] })
    const before = { a: plain(await first.load('a')), b: plain(await first.load('b')), history: await first.history('a') }
    await first.close()

    const second = await open(dir)
    expect(plain(await second.load('a'))).toEqual(before.a)
    expect(plain(await second.load('b'))).toEqual(before.b)
    expect(await second.history('a')).toEqual(before.history)
    expect(before.a.log.map((e) => e.seq)).toEqual([2])
    expect(await second.listRecords('doc')).toEqual([{ id: 'a', value: { title: 'A' } }])
    // and it keeps accepting writes
    await second.append([{ docId: 'a', entry: entry(3) }])
    expect(plain(await second.load('a')).log.map((e) => e.seq)).toEqual([2, 3])
  })

  it('a second open of a directory in use rejects with StorageLockedError naming the directory', async () => {
    const dir = await dirForTest()
    const first = await open(dir)
    const error = await openLevelStorage(dir).then(
      (unexpected) => unexpected.close().then(() => null),
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(StorageLockedError)
    expect((error as Error).message).toContain(dir)
    // the first store is unaffected
    await first.append([{ docId: 'd', entry: entry(1) }])
    expect(plain(await first.load('d')).log.map((e) => e.seq)).toEqual([1])
    // once released, the directory opens again
    await first.close()
    const again = await open(dir)
    expect(plain(await again.load('d')).log.map((e) => e.seq)).toEqual([1])
  })

  it('writes only versioned keys ("v1!...") and a "format" key holding "v1"', async () => {
    const dir = await dirForTest()
    const storage = await openLevelStorage(dir)
    await storage.append([{ docId: 'doc-1', entry: entry(1, 1, T0) }], [{ kind: 'doc', id: 'doc-1', value: { title: 't' } }])
    await storage.compact('doc-1', { checkpoint: checkpoint(1, T0 + 1), dropLogUpTo: 0, dropCheckpoints: [] })
    await storage.probe()
    await storage.close()

    const db = raw(dir)
    await db.open()
    cleanups.push(() => db.close())
    const keys = await db.keys().all()
    expect(keys.length).toBeGreaterThan(0)
    for (const key of keys) expect(key === 'format' || key.startsWith('v1!'), key).toBe(true)
    expect(text((await db.get('format'))!)).toBe('v1')
    // the documented layout: 12 hex digits of seq and time, so keys sort by seq
    const hex = (n: number) => n.toString(16).padStart(12, '0')
    expect(keys).toContain(`v1!d!doc-1!l!${hex(1)}!${hex(T0)}`)
    expect(keys).toContain(`v1!d!doc-1!c!${hex(1)}!${hex(T0 + 1)}`)
    expect(keys).toContain('v1!r!doc!doc-1')
    expect(text((await db.get('v1!r!doc!doc-1'))!)).toBe('{"title":"t"}')
  })

  it('spills a large entry to its own key, referred to from the entry; compaction drops both', async () => {
    const dir = await dirForTest()
    const storage = await openLevelStorage(dir)
    const large = new Uint8Array(100_000).map((_, i) => (i * 13) & 0xff)
    await storage.append([
      { docId: 'd', entry: { seq: 1, time: T0, updates: [large, Uint8Array.of(9)] } },
      { docId: 'd', entry: entry(2) },
    ])
    expect(plain(await storage.load('d')).log.map((e) => e.updates.map((u) => u.length))).toEqual([[100_000, 1], [5]])
    expect(Buffer.from((await storage.load('d')).log[0]!.updates[0]!).equals(Buffer.from(large))).toBe(true)
    expect(await storage.history('d')).toEqual([
      { seq: 1, time: T0, kind: 'entry' },
      { seq: 2, time: entry(2).time, kind: 'entry' },
    ])
    await storage.close()

    const hex = (n: number) => n.toString(16).padStart(12, '0')
    const db = raw(dir)
    expect(await db.keys({ gte: 'v1!d!d!', lt: 'v1!d!d"' }).all()).toEqual([
      `v1!d!d!l!${hex(1)}!${hex(T0)}`,
      `v1!d!d!l!${hex(2)}!${hex(entry(2).time)}`,
      `v1!d!d!s!${hex(1)}!${hex(T0)}`,
    ])
    // the entry holds the spill marker; the spill holds the entry as a small entry would be stored
    expect([...(await db.get(`v1!d!d!l!${hex(1)}!${hex(T0)}`))!]).toEqual([3])
    const spill = (await db.get(`v1!d!d!s!${hex(1)}!${hex(T0)}`))!
    expect([...spill.subarray(0, 5)]).toEqual([1, 2, 0xa0, 0x8d, 0x06])
    expect(spill.length).toBe(5 + 100_000 + 2)
    await db.close()

    const reopened = await open(dir)
    await reopened.compact('d', { checkpoint: checkpoint(1), dropLogUpTo: 1, dropCheckpoints: [] })
    expect(plain(await reopened.load('d')).log.map((e) => e.seq)).toEqual([2])
    await reopened.close()
    const after = raw(dir)
    cleanups.push(() => after.close())
    expect((await after.keys({ gte: 'v1!d!d!', lt: 'v1!d!d"' }).all()).map((k) => k.slice(0, 9))).toEqual(['v1!d!d!c!', 'v1!d!d!l!'])
  })

  it('a spill no entry refers to (a write cut short) is never read, and goes with compaction or deletion', async () => {
    const dir = await dirForTest()
    const hex = (n: number) => n.toString(16).padStart(12, '0')
    const first = await openLevelStorage(dir)
    await first.append([{ docId: 'a', entry: entry(1) }, { docId: 'b', entry: entry(1) }])
    await first.close()
    // what a crash between a spill and its batch leaves: a spill under a seq no entry has
    const db = raw(dir)
    for (const doc of ['a', 'b']) await db.put(`v1!d!${doc}!s!${hex(2)}!${hex(T0)}`, Uint8Array.of(1, 1, 3, 7, 7, 7))
    await db.close()

    const storage = await open(dir)
    for (const doc of ['a', 'b']) {
      expect(plain(await storage.load(doc))).toEqual(plain({ checkpoint: null, log: [entry(1)] }))
      expect((await storage.history(doc)).map((p) => p.seq)).toEqual([1])
    }
    await storage.append([{ docId: 'a', entry: entry(2) }])
    await storage.compact('a', { checkpoint: checkpoint(2), dropLogUpTo: 2, dropCheckpoints: [] })
    await storage.deleteDoc('b')
    await storage.close()
    cleanups.pop()
    const after = raw(dir)
    cleanups.push(() => after.close())
    const left = await after.keys({ gte: 'v1!d!', lt: 'v1!d"' }).all()
    expect(left).toEqual([`v1!d!a!c!${hex(2)}!${hex(checkpoint(2).time)}`])
  })

  it('an entry whose spill is missing makes load reject with CorruptValueError naming the entry', async () => {
    const dir = await dirForTest()
    const storage = await openLevelStorage(dir)
    await storage.append([{ docId: 'd', entry: { seq: 1, time: T0, updates: [new Uint8Array(80_000)] } }])
    await storage.close()
    const db = raw(dir)
    const [spill] = await db.keys({ gte: 'v1!d!d!s!', lt: 'v1!d!d!s"' }).all()
    await db.del(spill!)
    await db.close()

    const reopened = await open(dir)
    await expect(reopened.load('d')).rejects.toSatisfy(
      (err: unknown) => err instanceof CorruptValueError && /v1!d!d!l!.*spilled/.test((err as Error).message),
    )
  })

  it('refuses a data directory written in another layout version, and releases it', async () => {
    const dir = await dirForTest()
    const db = raw(dir)
    await db.put('format', new TextEncoder().encode('v9'))
    await db.put('v9!something', Uint8Array.of(1))
    await db.close()

    const error = await openLevelStorage(dir).then(
      (unexpected) => unexpected.close().then(() => null),
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/v9/)
    expect((error as Error).message).toMatch(/v1/)
    expect((error as Error).message).toContain(dir)
    // the refused store closed its handle and changed nothing
    const after = raw(dir)
    await after.open()
    cleanups.push(() => after.close())
    expect(text((await after.get('format'))!)).toBe('v9')
    expect(await after.keys().all()).toEqual(['format', 'v9!something'])
  })

  it('a corrupt stored value makes load reject with CorruptValueError naming the key; other docs still load', async () => {
    const dir = await dirForTest()
    const storage = await openLevelStorage(dir)
    await storage.append([
      { docId: 'broken', entry: entry(1) },
      { docId: 'fine', entry: entry(1) },
    ])
    await storage.append([{ docId: 'broken', entry: entry(2) }])
    await storage.close()

    const db = raw(dir)
    const key = (await db.keys({ gte: 'v1!d!broken!l!', lt: 'v1!d!broken!l"' }).all())[1]!
    expect(key).toMatch(/^v1!d!broken!l!000000000002!/)
    // format byte 1, then a count of 5 updates that are not there
    await db.put(key, Uint8Array.of(1, 5, 0xff, 0xff))
    await db.close()

    const reopened = await open(dir)
    const error = await reopened.load('broken').then(
      () => null,
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(CorruptValueError)
    expect((error as Error).message).toContain(key)
    expect(plain(await reopened.load('fine'))).toEqual(plain({ checkpoint: null, log: [entry(1)] }))
    // as of seq 1 the corrupt entry is not read
    expect(plain(await reopened.load('broken', 1)).log.map((e) => e.seq)).toEqual([1])
  })

  it('a corrupt checkpoint makes load reject with CorruptValueError naming its key', async () => {
    const dir = await dirForTest()
    const storage = await openLevelStorage(dir)
    await storage.append([{ docId: 'd', entry: entry(1) }])
    await storage.compact('d', { checkpoint: checkpoint(1), dropLogUpTo: 1, dropCheckpoints: [] })
    await storage.close()

    const db = raw(dir)
    const [key] = await db.keys({ gte: 'v1!d!d!c!', lt: 'v1!d!d!c"' }).all()
    await db.put(key!, Uint8Array.of(0x7f, 1, 2))
    await db.close()

    const reopened = await open(dir)
    await expect(reopened.load('d')).rejects.toSatisfy(
      (err: unknown) => err instanceof CorruptValueError && (err as Error).message.includes(key!),
    )
    expect(await reopened.history('d')).toEqual([{ seq: 1, time: checkpoint(1).time, kind: 'checkpoint' }])
  })
})
