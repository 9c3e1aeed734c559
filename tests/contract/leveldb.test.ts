/**
 * The storage contract (PROTOCOL.md ST1-ST8) against the LevelDB backend in a fresh temporary
 * directory per test, plus what only a disk store has: data surviving a reopen, the directory
 * lock, the versioned key layout, refusing an unknown layout, and corrupt values.
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
