/**
 * The storage contract (PROTOCOL.md ST1-ST8) against the PostgreSQL backend, a fresh schema per
 * test (the contract's last case reopens it), plus what only this backend has: the schema lock
 * and what happens when its connection goes, the versioned layout, corrupt rows, multi-megabyte
 * updates, and connections that fail or go silent. Needs the server of tests/helpers/postgres.ts.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CorruptValueError } from '../../server/storage/codec.js'
import { LAYOUT, openPostgresStorage, type PostgresOptions } from '../../server/storage/postgres.js'
import { StorageLockedError, type Storage } from '../../server/storage/storage.js'
import { dropSchema, freshSchema, PG_URL, requirePostgres, sql, startRelay, terminate } from '../helpers/postgres.js'
import { waitFor } from '../helpers/wait.js'
import { checkpoint, entry, plain, storageContract } from './storage-contract.js'

// without PostgreSQL every test fails with one message saying so: never a silent skip
beforeAll(requirePostgres)

storageContract('postgres', async () => {
  const schema = freshSchema()
  let current = await openPostgresStorage(PG_URL, { schema })
  return {
    storage: current,
    reopen: async () => {
      await current.close()
      current = await openPostgresStorage(PG_URL, { schema })
      return current
    },
    cleanup: async () => {
      await current.close()
      await dropSchema(schema)
    },
  }
})

/** Resolves with what `promise` rejected with, or fails when it resolves. */
const rejection = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (err: Error) => err,
  )

describe('postgres backend', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn()
  })
  const schemaForTest = () => {
    const schema = freshSchema()
    cleanups.push(() => dropSchema(schema))
    return schema
  }
  /** Opens a store, closed after the test unless the test closed it. */
  const open = async (schema: string, options: PostgresOptions = {}, url = PG_URL): Promise<Storage> => {
    const storage = await openPostgresStorage(url, { schema, ...options })
    cleanups.push(() => storage.close())
    return storage
  }

  it('creates its tables in the schema, with a format row holding the layout version', async () => {
    const schema = schemaForTest()
    const storage = await open(schema)
    expect(storage.name).toBe(`postgresql:postgres://postgres@127.0.0.1:5432/test, schema ${schema}`)
    const tables = await sql<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema])
    expect(tables.map((t) => t.tablename)).toEqual(['checkpoints', 'entries', 'files', 'meta', 'records'])
    expect(await sql(`SELECT layout FROM "${schema}".meta`)).toEqual([{ layout: LAYOUT }])
    // nothing outside its schema: the default schema stays as it was
    await storage.append([{ docId: 'd', entry: entry(1) }])
    expect(await sql(`SELECT doc, seq::int FROM "${schema}".entries`)).toEqual([{ doc: 'd', seq: 1 }])
  })

  it('a second open of a schema in use rejects with StorageLockedError naming it; the first is unaffected', async () => {
    const schema = schemaForTest()
    const first = await open(schema)
    await first.append([{ docId: 'd', entry: entry(1) }])
    const error = await rejection(openPostgresStorage(PG_URL, { schema }))
    expect(error).toBeInstanceOf(StorageLockedError)
    expect(error.message).toBe(`PostgreSQL postgres://postgres@127.0.0.1:5432/test, schema ${schema} is in use by another Tandem server (advisory lock held)`)
    // the first store still reads and writes, and still owns the schema
    await first.append([{ docId: 'd', entry: entry(2) }])
    await first.probe()
    expect(plain(await first.load('d')).log.map((e) => e.seq)).toEqual([1, 2])
    // another schema in the same database is another store
    await open(schemaForTest())
    // once released, the schema opens again
    await first.close()
    const again = await open(schema)
    expect(plain(await again.load('d')).log.map((e) => e.seq)).toEqual([1, 2])
  })

  it('refuses a schema written in another layout version, naming schema and versions, and changes nothing', async () => {
    const schema = schemaForTest()
    const first = await open(schema)
    await first.append([{ docId: 'd', entry: entry(1) }])
    await first.close()
    await sql(`UPDATE "${schema}".meta SET layout = '9'`)
    const before = await sql(`SELECT * FROM "${schema}".meta`)

    const error = await rejection(openPostgresStorage(PG_URL, { schema }))
    expect(error.message).toContain(`schema ${schema}`)
    expect(error.message).toContain('layout 9')
    expect(error.message).toContain(`layout ${LAYOUT}`)
    expect(await sql(`SELECT * FROM "${schema}".meta`)).toEqual(before)
    expect(await sql(`SELECT doc, seq::int FROM "${schema}".entries`)).toEqual([{ doc: 'd', seq: 1 }])
    // and it let go of the lock: with the layout put back, the schema opens
    await sql(`UPDATE "${schema}".meta SET layout = $1`, [LAYOUT])
    await open(schema)
  })

  it('refuses a schema holding tables that are not its own, and creates nothing there', async () => {
    const schema = schemaForTest()
    await sql(`CREATE SCHEMA "${schema}"`)
    await sql(`CREATE TABLE "${schema}".customers (id int)`)
    const error = await rejection(openPostgresStorage(PG_URL, { schema }))
    expect(error.message).toContain(`schema ${schema} holds tables that are not Tandem's`)
    const tables = await sql<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema])
    expect(tables.map((t) => t.tablename)).toEqual(['customers'])
  })

  it('uses an empty schema an administrator made for it', async () => {
    const schema = schemaForTest()
    await sql(`CREATE SCHEMA "${schema}"`)
    const storage = await open(schema)
    await storage.append([{ docId: 'd', entry: entry(1) }])
    expect(await sql(`SELECT layout FROM "${schema}".meta`)).toEqual([{ layout: LAYOUT }])
  })

  it('a corrupt stored entry makes load reject with CorruptValueError naming the row; other docs still load', async () => {
    const schema = schemaForTest()
    const storage = await open(schema)
    await storage.append([
      { docId: 'broken', entry: entry(1) },
      { docId: 'fine', entry: entry(1) },
    ])
    await storage.append([{ docId: 'broken', entry: entry(2) }])
    // format byte 1, then a count of 5 updates that are not there
    await sql(`UPDATE "${schema}".entries SET updates = '\\x0105ffff' WHERE doc = 'broken' AND seq = 2`)
    const error = await rejection(storage.load('broken'))
    expect(error).toBeInstanceOf(CorruptValueError)
    expect(error.message).toContain(`"${schema}".entries (doc "broken", seq 2)`)
    expect(plain(await storage.load('fine'))).toEqual(plain({ checkpoint: null, log: [entry(1)] }))
    expect(plain(await storage.load('broken', 1)).log.map((e) => e.seq)).toEqual([1])
  })

  it('a corrupt checkpoint makes load reject with CorruptValueError naming the row', async () => {
    const schema = schemaForTest()
    const storage = await open(schema)
    await storage.append([{ docId: 'd', entry: entry(1) }])
    await storage.compact('d', { checkpoint: checkpoint(1), dropLogUpTo: 1, dropCheckpoints: [] })
    await sql(`UPDATE "${schema}".checkpoints SET state = '\\x7f0102' WHERE doc = 'd'`)
    const error = await rejection(storage.load('d'))
    expect(error).toBeInstanceOf(CorruptValueError)
    expect(error.message).toContain(`"${schema}".checkpoints (doc "d", seq 1)`)
    expect(await storage.history('d')).toEqual([{ seq: 1, time: checkpoint(1).time, kind: 'checkpoint' }])
  })

  it('a multi-megabyte update and checkpoint round-trip byte for byte', async () => {
    const schema = schemaForTest()
    const storage = await open(schema)
    const big = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24)
    await storage.append([{ docId: 'd', entry: { seq: 1, time: 1, updates: [big, Uint8Array.of(7)] } }])
    const { log } = await storage.load('d')
    expect(log[0]!.updates.map((u) => u.length)).toEqual([big.length, 1])
    expect(Buffer.from(log[0]!.updates[0]!).equals(Buffer.from(big))).toBe(true)
    await storage.compact('d', { checkpoint: { seq: 1, time: 2, state: big }, dropLogUpTo: 1, dropCheckpoints: [] })
    const loaded = await storage.load('d')
    expect(loaded.log).toEqual([])
    expect(Buffer.from(loaded.checkpoint!.state).equals(Buffer.from(big))).toBe(true)
  })

  it('an unreachable server rejects at open with an error naming PostgreSQL, promptly', async () => {
    const started = Date.now()
    const error = await rejection(openPostgresStorage('postgres://postgres:s3cret@127.0.0.1:1/test', { schema: 'tandem', connectTimeoutMs: 2000 }))
    expect(error.message).toMatch(/^PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:1\/test, schema tandem: connecting failed: .*ECONNREFUSED/)
    expect(error.message).not.toContain('s3cret')
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('when its connections are terminated, calls reject naming PostgreSQL, then work again; the lock is taken again', async () => {
    const schema = schemaForTest()
    const storage = await open(schema, { relockMs: 500 })
    await storage.append([{ docId: 'd', entry: entry(1) }])
    expect(await terminate(schema)).toBe(2) // the pool's one connection and the lock session

    // once the store has noticed, and until it has the lock again, writes are refused at once
    // (one may still go through before it notices: the lock was not taken by anyone else)
    const refused = await waitFor(
      'a write refused for the lost lock',
      () => rejection(storage.append([{ docId: 'd', entry: entry(2) }])).then((err) => (/lost its lock/.test(err.message) ? err : null)),
      5000,
      5,
    )
    expect(refused.message).toMatch(/^PostgreSQL .*schema test_[0-9a-f]+: append failed: this server lost its lock on the schema/)
    // then, with the lock taken again, everything goes through: nothing was half written
    await waitFor('writes to go through again', () => storage.append([{ docId: 'd', entry: entry(2) }]).then(() => true), 10_000, 20)
    await storage.probe()
    expect(plain(await storage.load('d')).log.map((e) => e.seq)).toEqual([1, 2])
    // and it still owns the schema: a second server is refused
    expect(await rejection(openPostgresStorage(PG_URL, { schema }))).toBeInstanceOf(StorageLockedError)
  })

  it('a pool connection dropped while idle does not crash, and the next call opens a new one', async () => {
    const schema = schemaForTest()
    const storage = await open(schema)
    await storage.append([{ docId: 'd', entry: entry(1) }])
    expect(await terminate(schema, 'pool')).toBe(1)
    // the lock session is untouched: the next write and read go through on a new connection
    await waitFor('the dropped connection to be noticed', async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1`, [`tandem ${schema}`])).length === 0)
    await storage.append([{ docId: 'd', entry: entry(2) }])
    expect(plain(await storage.load('d')).log.map((e) => e.seq)).toEqual([1, 2])
  })

  it('with the lock session gone and another server in, the first never writes again', async () => {
    const schema = schemaForTest()
    // slow to take its lock back, so that the second server surely gets in first
    const first = await open(schema, { relockMs: 1000 })
    await first.append([{ docId: 'd', entry: entry(1) }])
    expect(await terminate(schema, 'lock')).toBe(1)
    const second = await waitFor('the lock to be free', () => openPostgresStorage(PG_URL, { schema }), 10_000, 5)
    cleanups.push(() => second.close())
    await second.append([{ docId: 'd', entry: entry(2, 2) }])
    // the first takes the lock back once the second closes, yet it must not write: the schema changed hands
    await second.close()
    let wrote = false
    const error = await waitFor(
      'the first to find the schema taken over',
      () =>
        first.append([{ docId: 'd', entry: entry(2) }]).then(
          () => {
            wrote = true
            return null
          },
          (err: Error) => (/took over the schema/.test(err.message) ? err : null),
        ),
      10_000,
      20,
    )
    expect(wrote).toBe(false)
    expect(error.message).toMatch(/^PostgreSQL .*: append failed: another Tandem server took over the schema; restart this one$/)
    // the second's entry (two updates) is what seq 2 holds
    expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".entries WHERE seq = 2 AND length(updates) > 8`))[0]!.n).toBe(1)
    await expect(first.probe()).rejects.toThrow(/took over the schema/)
  })

  it('answers probes that run at once (health checks from two places), and writes beside them', async () => {
    const storage = await open(schemaForTest())
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 10 }, () => storage.probe()),
      storage.append([{ docId: 'd', entry: entry(1) }]),
      ...Array.from({ length: 10 }, () => storage.probe()),
    ])
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
    expect(plain(await storage.load('d')).log.map((e) => e.seq)).toEqual([1])
  })

  it('close waits for calls in flight, then releases the lock', async () => {
    const schema = schemaForTest()
    const storage = await openPostgresStorage(PG_URL, { schema })
    const big = new Uint8Array(2 * 1024 * 1024).fill(5)
    const writing = storage.append([{ docId: 'd', entry: { seq: 1, time: 1, updates: [big] } }])
    await storage.close()
    await writing
    const again = await open(schema)
    expect((await again.load('d')).log[0]!.updates[0]!.length).toBe(big.length)
  })

  it('when the network to PostgreSQL goes silent, calls reject after the answer timeout and the lost lock is noticed', async () => {
    const schema = schemaForTest()
    const relay = await startRelay(Number(new URL(PG_URL).port || 5432))
    cleanups.push(() => relay.close())
    const url = new URL(PG_URL)
    url.port = String(relay.port)
    const options = { relockMs: 20, connectTimeoutMs: 500, statementTimeoutMs: 1000, answerTimeoutMs: 1500, lockCheckMs: 200 }
    const storage = await open(schema, options, url.href)
    await storage.append([{ docId: 'd', entry: entry(1) }])
    await storage.load('d')

    relay.freeze()
    const started = Date.now()
    const [load, append] = await Promise.all([rejection(storage.load('d')), rejection(storage.append([{ docId: 'd', entry: entry(2) }]))])
    expect(load.message).toMatch(/^PostgreSQL .*: load failed: /)
    expect(append.message).toMatch(/^PostgreSQL .*: append failed: /)
    expect(Date.now() - started).toBeLessThan(4000)
    // the silent lock session counts as lost: writes are refused without waiting
    await waitFor('the lock to count as lost', async () => /lost its lock/.test((await rejection(storage.probe())).message), 5000, 50)

    relay.thaw()
    await waitFor('writes to go through again', () => storage.append([{ docId: 'd', entry: entry(2) }]).then(() => true), 10_000, 50)
    expect(plain(await storage.load('d')).log.map((e) => e.seq)).toEqual([1, 2])
  })

  it('while PostgreSQL cannot be reached every call rejects promptly naming it; once it can, the store works again', async () => {
    const schema = schemaForTest()
    const relay = await startRelay(new URL(PG_URL).port ? Number(new URL(PG_URL).port) : 5432)
    cleanups.push(() => relay.close())
    const url = new URL(PG_URL)
    url.port = String(relay.port)
    const storage = await open(schema, { relockMs: 20, connectTimeoutMs: 1000 }, url.href)
    await storage.append([{ docId: 'd', entry: entry(1) }], [{ kind: 'doc', id: 'd', value: 1 }])

    await relay.down()
    const started = Date.now()
    const calls = {
      load: storage.load('d'),
      history: storage.history('d'),
      getRecord: storage.getRecord('doc', 'd'),
      listRecords: storage.listRecords('doc'),
      append: storage.append([{ docId: 'd', entry: entry(2) }]),
      putRecords: storage.putRecords([{ kind: 'doc', id: 'e', value: 2 }]),
      compact: storage.compact('d', { checkpoint: checkpoint(1), dropLogUpTo: 1, dropCheckpoints: [] }),
      deleteDoc: storage.deleteDoc('other'),
      probe: storage.probe(),
      putFile: storage.putFile('d', 'a.png', { type: 'image/png', bytes: Uint8Array.of(1, 2, 3) }),
      getFile: storage.getFile('d', 'a.png'),
      hasFile: storage.hasFile('d', 'a.png'),
    }
    const outcomes = await Promise.all(Object.values(calls).map(rejection))
    for (const [i, what] of Object.keys(calls).entries()) expect(outcomes[i]!.message, what).toMatch(/^PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:\d+\/test, schema test_[0-9a-f]+: \w+ failed: /)
    expect(Date.now() - started).toBeLessThan(5000)

    await relay.up()
    await waitFor('writes to go through again', () => storage.append([{ docId: 'd', entry: entry(2) }]).then(() => true), 10_000, 20)
    expect(plain(await storage.load('d')).log.map((e) => e.seq)).toEqual([1, 2])
    expect(await storage.getRecord('doc', 'd')).toBe(1)
  })
})
