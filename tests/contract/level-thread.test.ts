/**
 * The LevelDB worker thread (server/storage/level-thread.ts) under what the storage contract
 * does not reach: values moved rather than copied, a worker that dies and is replaced, and a
 * closed thread that stays closed.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LevelError, openLevelThread, type LevelThread } from '../../server/storage/level-thread.js'

/** A worker that ends its thread on a read of EXIT_KEY (the helper names the same key). */
const exitingWorker = new URL('../helpers/exiting-level-worker.js', import.meta.url)
const EXIT_KEY = 'test:exit-the-worker'
const bytes = (...values: number[]) => Uint8Array.from(values)

describe('LevelDB worker thread', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn()
  })
  const open = async (options = {}): Promise<{ db: LevelThread; dir: string }> => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-level-thread-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const db = await openLevelThread(dir, options)
    cleanups.push(() => db.close())
    return { db, dir }
  }

  it('moves written values to the worker (the caller keeps no copy) and reads them back', async () => {
    const { db } = await open()
    const value = bytes(1, 2, 3)
    const shared = new Uint8Array(8)
    await db.write(
      [
        { type: 'put', key: 'a', value },
        // two views of one buffer: moved once
        { type: 'put', key: 'b', value: shared.subarray(0, 2) },
        { type: 'put', key: 'c', value: shared.subarray(2, 5) },
      ],
      false,
    )
    expect(value.byteLength).toBe(0)
    expect(shared.byteLength).toBe(0)
    const rows = await db.rows({ gte: 'a', lt: 'z' })
    expect(rows.map(([key, v]) => [key, [...v]])).toEqual([
      ['a', [1, 2, 3]],
      ['b', [0, 0]],
      ['c', [0, 0, 0]],
    ])
    expect([...(await db.get('a'))!]).toEqual([1, 2, 3])
    expect(await db.get('missing')).toBeUndefined()
  })

  it('a snapshot does not see writes made after it', async () => {
    const { db } = await open()
    await db.put('k', bytes(1), false)
    const snapshot = await db.snapshot()
    await db.write([{ type: 'put', key: 'k', value: bytes(2) }, { type: 'put', key: 'l', value: bytes(3) }], false)
    expect((await db.rows({ gte: 'k', lt: 'm' }, snapshot)).map(([key, v]) => [key, v[0]])).toEqual([['k', 1]])
    expect((await db.rows({ gte: 'k', lt: 'm' })).map(([key, v]) => [key, v[0]])).toEqual([
      ['k', 2],
      ['l', 3],
    ])
    await db.release(snapshot)
    await expect(db.rows({ gte: 'k' }, snapshot)).rejects.toThrow(/unknown snapshot/)
  })

  it('a worker that dies fails the calls in flight; the next call starts a new one and the data is there', async () => {
    const { db } = await open({ workerUrl: exitingWorker })
    await db.write([{ type: 'put', key: 'kept', value: bytes(7) }], true)
    const snapshot = await db.snapshot()
    await expect(db.get(EXIT_KEY)).rejects.toMatchObject({ name: 'LevelError', code: 'LEVEL_WORKER_STOPPED' })
    // a new worker reopened the database
    expect([...(await db.get('kept'))!]).toEqual([7])
    await db.write([{ type: 'put', key: 'later', value: bytes(8) }], false)
    expect((await db.rows({ gte: 'a', lt: 'z' })).map(([key]) => key)).toEqual(['kept', 'later'])
    // what the dead worker held is gone with it
    await expect(db.rows({ gte: 'a' }, snapshot)).rejects.toThrow(/unknown snapshot/)
  })

  it('after close every call rejects, and the directory can be opened again', async () => {
    const { db, dir } = await open()
    await db.put('k', bytes(9), true)
    await db.close()
    await expect(db.get('k')).rejects.toBeInstanceOf(LevelError)
    await expect(db.write([{ type: 'del', key: 'k' }], false)).rejects.toThrow(/closed/)
    const again = await openLevelThread(dir)
    cleanups.push(() => again.close())
    expect([...(await again.get('k'))!]).toEqual([9])
  })

  it('a directory held by another open rejects with code LEVEL_LOCKED', async () => {
    const { dir } = await open()
    await expect(openLevelThread(dir)).rejects.toMatchObject({ code: 'LEVEL_LOCKED' })
  })
})
