/**
 * PostgreSQL storage backend (node-postgres). Tables live in a schema of their own; a commit is
 * durable as PostgreSQL's own settings make it (synchronous_commit, fsync), not --fsync. One
 * server owns a schema at a time: a session advisory lock taken at open, plus an owner number
 * every write checks, so a server that lost the lock can never write over its successor.
 */
import { createHash } from 'node:crypto'
import pg from 'pg'
import type { Logger } from 'pino'
import { silentLogger } from '../log.js'
import * as codec from './codec.js'
import { DEFAULT_SCHEMA, redactPostgresUrl, SCHEMA_PATTERN } from './postgres-url.js'
import {
  checkFile,
  StorageLockedError,
  type Append,
  type Compaction,
  type HistoryPoint,
  type LogEntry,
  type RecordWrite,
  type Storage,
  type StoredDoc,
} from './storage.js'

/** The table layout this build reads and writes; another one is refused, never migrated. */
export const LAYOUT = '1'

/** Options of the PostgreSQL backend. */
export interface PostgresOptions {
  /** Schema holding Tandem's tables (created on first open). */
  readonly schema?: string
  readonly log?: Logger
  /** Longest a new connection may take before the call needing it rejects. */
  readonly connectTimeoutMs?: number
  /** PostgreSQL cancels a statement running longer than this (statement_timeout). */
  readonly statementTimeoutMs?: number
  /**
   * A call with no answer this long rejects and its connection is dropped: a network gone silent
   * raises no error for many minutes. Default: statementTimeoutMs + 5 s.
   */
  readonly answerTimeoutMs?: number
  /** How often the lock session is checked; one unanswered this long counts as lost. */
  readonly lockCheckMs?: number
  /** First wait before trying to take a lost lock again; doubles up to 5 s. */
  readonly relockMs?: number
  /** Connections for reads (writes have 3 of their own). */
  readonly poolSize?: number
}

/** A failure of the PostgreSQL store; the message names the database (without password) and schema. */
export class PostgresStorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PostgresStorageError'
  }
}

/** Rows per INSERT: a statement's parameters are limited to 65535. */
const ROWS_PER_STATEMENT = 1000

/** The advisory lock key of a schema: 64 bits of a hash of its name (locks are per database). */
function lockKey(schema: string): string {
  return createHash('sha256').update(`tandem-schema:${schema}`).digest().readBigInt64BE(0).toString()
}

/** pg returns bigint columns as strings; sequence numbers and times fit a double. */
const num = (value: unknown): number => Number(value)

/**
 * Bytes read from PostgreSQL as a Uint8Array with a buffer of its own: a small Buffer may sit in
 * Node's shared pool, and what load returns must be the caller's alone (ST7).
 */
function own(bytes: Buffer): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return new Uint8Array(bytes.buffer, 0, bytes.length)
  return new Uint8Array(bytes)
}

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** `($1,$2,$3),($4,$5,$6)...` for `rows` rows of `width` parameters. */
function placeholders(rows: number, width: number): string {
  const out: string[] = []
  for (let r = 0; r < rows; r++) out.push(`(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(',')})`)
  return out.join(',')
}

/** The last write of each record wins, as it would applied one after another; JSON is made up front. */
function recordChanges(writes: readonly RecordWrite[]): { puts: Array<[string, string, string]>; deletes: Array<[string, string]> } {
  const last = new Map<string, { kind: string; id: string; json: string | null }>()
  for (const w of writes) {
    const json = w.value === null ? null : JSON.stringify(w.value)
    if (json === undefined) throw new Error(`record ${w.kind}/${w.id} has no JSON form`)
    last.set(JSON.stringify([w.kind, w.id]), { kind: w.kind, id: w.id, json })
  }
  const puts: Array<[string, string, string]> = []
  const deletes: Array<[string, string]> = []
  for (const { kind, id, json } of last.values()) {
    if (json === null) deletes.push([kind, id])
    else puts.push([kind, id, json])
  }
  return { puts, deletes }
}

/** What a client running a transaction needs: a query. */
type Queryable = Pick<pg.PoolClient, 'query'>

/**
 * Opens (creating on first use) the store in `schema` of the database at `url`. Rejects with
 * StorageLockedError when another server holds the schema, and with an error naming the schema
 * and both versions when it holds another layout.
 */
export async function openPostgresStorage(url: string, options: PostgresOptions = {}): Promise<Storage> {
  const schema = options.schema ?? DEFAULT_SCHEMA
  if (!SCHEMA_PATTERN.test(schema)) throw new Error(`PostgreSQL schema name ${JSON.stringify(schema)} is not a plain lower-case identifier`)
  const log = options.log ?? silentLogger()
  const where = `${redactPostgresUrl(url)}, schema ${schema}`
  const table = {
    meta: `"${schema}".meta`,
    entries: `"${schema}".entries`,
    checkpoints: `"${schema}".checkpoints`,
    records: `"${schema}".records`,
    files: `"${schema}".files`,
  }
  const key = lockKey(schema)
  const connection = {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 60_000,
    query_timeout: options.answerTimeoutMs ?? (options.statementTimeoutMs ?? 60_000) + 5000,
    keepAlive: true,
  }
  const named = (what: string, err: unknown): Error => {
    if (err instanceof codec.CorruptValueError || err instanceof StorageLockedError || err instanceof PostgresStorageError) return err
    const e = err as Error & { code?: string }
    return new PostgresStorageError(`PostgreSQL ${where}: ${what} failed: ${e.message}${e.code ? ` (${e.code})` : ''}`, { cause: err })
  }

  /** Connects the session that holds the lock; resolves false when another session holds it. */
  const lockSession = async (): Promise<{ client: pg.Client; locked: boolean }> => {
    const client = new pg.Client({ ...connection, application_name: `tandem lock ${schema}` })
    // until it is ours, a connection error must not go unheard (an 'error' with no listener throws)
    client.on('error', () => {})
    try {
      await client.connect()
      // a database or role with a short idle_session_timeout (PostgreSQL 14 on) ended this session,
      // idle between lock checks, again and again, and writes stopped each time until the lock was
      // taken again. Before 14 there is no such setting (42704): nothing to turn off
      await client.query('SET idle_session_timeout = 0').catch((err: { code?: string }) => {
        if (err.code !== '42704') throw err
      })
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key])
      return { client, locked: rows[0]!.locked }
    } catch (err) {
      await client.end().catch(() => {}) // the connection failed: there is nothing to end
      throw err
    }
  }

  let session: pg.Client
  try {
    const taken = await lockSession()
    session = taken.client
    if (!taken.locked) {
      await session.end()
      throw new StorageLockedError(`PostgreSQL ${where}`, 'advisory lock')
    }
  } catch (err) {
    if (err instanceof StorageLockedError) throw err
    throw named('connecting', err)
  }

  /** This server's owner number: every write checks that the schema still names it. */
  let owner: string
  try {
    owner = await prepareSchema(session, schema, table, where)
  } catch (err) {
    // ending the session releases the lock
    await session.end().catch(() => {})
    throw named('preparing the schema', err)
  }

  // writes get connections of their own: queued behind a burst of loads, the group commit's store
  // write and compactions would wait for all of them. A call may queue for a connection as long as
  // it takes; the connect timeout bounds each connection attempt.
  const connectTimeoutMs = connection.connectionTimeoutMillis
  class Client extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs })
    }
  }
  const newPool = (max: number) => {
    const pool = new pg.Pool({ ...connection, Client, connectionTimeoutMillis: 0, max, idleTimeoutMillis: 30_000, application_name: `tandem ${schema}` })
    // an idle connection dropped by the server (restart, pg_terminate_backend): the pool replaces it
    pool.on('error', (err) => log.warn({ err: err.message, store: where }, 'PostgreSQL closed an idle connection; the pool opens a new one when needed'))
    return pool
  }
  const pool = newPool(options.poolSize ?? 6)
  const writers = newPool(3)

  let closed = false
  /** 'held': writes go through; 'lost': the lock session is gone, writes fail until it is back; 'fenced': another server took over. */
  let lockState: 'held' | 'lost' | 'fenced' = 'held'
  let relockTimer: NodeJS.Timeout | null = null
  let relockDelay = options.relockMs ?? 100
  let inFlight = 0
  let idle: (() => void) | null = null

  const watch = (client: pg.Client) => {
    client.removeAllListeners('error')
    client.on('error', (err) => lost(client, err))
    client.on('end', () => lost(client, new Error('connection ended')))
  }

  const FENCED = 'another Tandem server took over the schema; restart this one'
  const fence = () => {
    lockState = 'fenced'
    log.error({ store: where }, 'another Tandem server took over the schema (its owner number changed); this one no longer writes to it: restart it')
  }

  const lost = (client: pg.Client, err: Error) => {
    if (closed || client !== session || lockState !== 'held') return
    lockState = 'lost'
    log.error({ err: err.message, store: where }, 'lost the PostgreSQL connection holding the schema lock; writes fail until it is taken again')
    scheduleRelock()
  }

  const scheduleRelock = () => {
    relockTimer = setTimeout(relock, relockDelay)
    relockTimer.unref()
    relockDelay = Math.min(relockDelay * 2, 5000)
  }

  const relock = async () => {
    relockTimer = null
    if (closed) return
    let taken: { client: pg.Client; locked: boolean }
    try {
      taken = await lockSession()
    } catch (err) {
      log.warn({ err: (err as Error).message, store: where }, 'cannot reach PostgreSQL to take the schema lock again; retrying')
      return scheduleRelock()
    }
    const { client, locked } = taken
    let current: string
    try {
      current = String((await client.query<{ owner: string }>(`SELECT owner FROM ${table.meta}`)).rows[0]?.owner)
    } catch (err) {
      await client.end().catch(() => {}) // the lock, if taken, goes with the session
      log.warn({ err: (err as Error).message, store: where }, 'cannot read the schema owner; retrying')
      return scheduleRelock()
    }
    if (closed || current !== owner || !locked) {
      await client.end().catch(() => {}) // the lock, if taken, goes with the session
      if (closed) return
      if (current !== owner) return fence()
      // most likely this server's old session, not yet noticed gone by PostgreSQL
      log.warn({ store: where }, 'another session still holds the schema lock; retrying')
      return scheduleRelock()
    }
    session = client
    watch(session)
    lockState = 'held'
    relockDelay = options.relockMs ?? 100
    log.info({ store: where }, 'took the PostgreSQL schema lock again; writes go through')
  }
  watch(session)

  /**
   * A lock session whose network went silent raises no error for many minutes (TCP keepalive):
   * it is asked a trivial question every lockCheckMs, and one unanswered as long counts as lost.
   */
  const lockCheckMs = options.lockCheckMs ?? 10_000
  let checking = false
  const lockCheck = setInterval(() => {
    if (closed || lockState !== 'held' || checking) return
    const asked = session
    checking = true
    const timer = setTimeout(() => {
      lost(asked, new Error(`no answer within ${lockCheckMs} ms`))
      // end() would wait for the silent server; the socket goes now (pg's Connection.stream)
      ;(asked as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
    }, lockCheckMs)
    asked
      .query('SELECT 1')
      // not swallowed: a failed session also emits 'error' or 'end', which watch() turns into 'lost'
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer)
        checking = false
      })
  }, lockCheckMs)
  lockCheck.unref()

  /** Runs one call: rejects once closed, names PostgreSQL in every error, and counts it for close(). */
  const call = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    if (closed) throw new Error(`PostgreSQL ${where}: ${what} failed: the store is closed`)
    inFlight++
    try {
      return await body()
    } catch (err) {
      throw named(what, err)
    } finally {
      if (--inFlight === 0) idle?.()
    }
  }

  /**
   * Runs `body` in one transaction that first checks, with the owner row locked for share, that
   * this server still owns the schema: a server taking over updates that row, so it waits for
   * writes in flight and every later one here fails.
   */
  const write = <T>(what: string, body: (client: Queryable) => Promise<T>): Promise<T> =>
    call(what, async () => {
      if (lockState === 'lost') throw new Error('this server lost its lock on the schema (connection gone) and is taking it again')
      if (lockState === 'fenced') throw new Error(FENCED)
      const client = await writers.connect()
      // a connection dropped between two statements emits 'error' on a checked-out client
      let broken: Error | null = null
      const onError = (err: Error) => (broken = err)
      client.on('error', onError)
      try {
        await client.query('BEGIN')
        const { rows } = await client.query<{ owner: string }>(`SELECT owner FROM ${table.meta} FOR SHARE`)
        if (String(rows[0]?.owner) !== owner) {
          fence()
          throw new Error(FENCED)
        }
        const result = await body(client)
        await client.query('COMMIT')
        client.off('error', onError)
        client.release()
        return result
      } catch (err) {
        client.off('error', onError)
        // a failed transaction's connection is dropped rather than rolled back: PostgreSQL aborts
        // the transaction when its session ends, and no half-known state returns to the pool
        client.release(broken ?? (err as Error))
        throw err
      }
    })

  const putEntries = async (client: Queryable, appends: readonly Append[]) => {
    // one row per document and seq; a repeated one replaces (a retried write after a lost COMMIT answer)
    const rows = new Map<string, Append>()
    for (const a of appends) rows.set(`${a.docId}\n${a.entry.seq}`, a)
    const all = [...rows.values()]
    for (let i = 0; i < all.length; i += ROWS_PER_STATEMENT) {
      const chunk = all.slice(i, i + ROWS_PER_STATEMENT)
      const values: unknown[] = []
      for (const { docId, entry } of chunk) values.push(docId, entry.seq, entry.time, toBuffer(codec.encodeEntry(entry.updates)))
      await client.query(
        `INSERT INTO ${table.entries} (doc, seq, time, updates) VALUES ${placeholders(chunk.length, 4)}
         ON CONFLICT (doc, seq) DO UPDATE SET time = EXCLUDED.time, updates = EXCLUDED.updates`,
        values,
      )
    }
  }

  const putRecords = async (client: Queryable, changes: ReturnType<typeof recordChanges>) => {
    for (let i = 0; i < changes.puts.length; i += ROWS_PER_STATEMENT) {
      const chunk = changes.puts.slice(i, i + ROWS_PER_STATEMENT)
      await client.query(
        `INSERT INTO ${table.records} (kind, id, value) VALUES ${placeholders(chunk.length, 3)}
         ON CONFLICT (kind, id) DO UPDATE SET value = EXCLUDED.value`,
        chunk.flat(),
      )
    }
    if (changes.deletes.length > 0) {
      await client.query(`DELETE FROM ${table.records} WHERE (kind, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [
        changes.deletes.map(([kind]) => kind),
        changes.deletes.map(([, id]) => id),
      ])
    }
  }

  const rowName = (part: 'entries' | 'checkpoints', docId: string, seq: number) => `${table[part]} (doc ${JSON.stringify(docId)}, seq ${seq})`

  return {
    name: `postgresql:${where}`,
    load(docId, atSeq = Number.MAX_SAFE_INTEGER) {
      return call('load', async (): Promise<StoredDoc> => {
        // one statement is one snapshot: a compaction landing meanwhile is seen whole or not at all
        const { rows } = await pool.query<{ checkpoint: boolean; seq: string; time: string; value: Buffer }>(
          `WITH c AS (SELECT seq, time, state FROM ${table.checkpoints} WHERE doc = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1)
           SELECT true AS checkpoint, seq, time, state AS value FROM c
           UNION ALL
           SELECT false, seq, time, updates FROM ${table.entries}
             WHERE doc = $1 AND seq > coalesce((SELECT seq FROM c), 0) AND seq <= $2
           ORDER BY checkpoint DESC, seq`,
          [docId, atSeq],
        )
        let checkpoint = null
        const log: LogEntry[] = []
        for (const row of rows) {
          const seq = num(row.seq)
          const time = num(row.time)
          if (row.checkpoint) checkpoint = { seq, time, ...codec.decodeCheckpoint(rowName('checkpoints', docId, seq), own(row.value)) }
          else log.push({ seq, time, updates: codec.decodeEntry(rowName('entries', docId, seq), own(row.value)) })
        }
        return { checkpoint, log }
      })
    },
    append(appends, records = []) {
      return call('append', async () => {
        const changes = recordChanges(records)
        if (appends.length === 0 && changes.puts.length === 0 && changes.deletes.length === 0) return
        await write('append', async (client) => {
          await putEntries(client, appends)
          await putRecords(client, changes)
        })
      })
    },
    compact(docId, { checkpoint, dropLogUpTo, dropCheckpoints }: Compaction) {
      if (dropLogUpTo > checkpoint.seq) return Promise.reject(new Error('cannot drop log entries the checkpoint does not hold'))
      return write('compact', async (client) => {
        // one transaction for all three steps: stronger than ST3 asks, and no half-done state to skip
        await client.query(
          `INSERT INTO ${table.checkpoints} (doc, seq, time, state) VALUES ($1, $2, $3, $4)
           ON CONFLICT (doc, seq) DO UPDATE SET time = EXCLUDED.time, state = EXCLUDED.state`,
          [docId, checkpoint.seq, checkpoint.time, toBuffer(codec.encodeCheckpoint(checkpoint.state, checkpoint.stateVector))],
        )
        const drop = dropCheckpoints.filter((seq) => seq !== checkpoint.seq)
        if (drop.length > 0) await client.query(`DELETE FROM ${table.checkpoints} WHERE doc = $1 AND seq = ANY($2::bigint[])`, [docId, drop])
        if (dropLogUpTo > 0) await client.query(`DELETE FROM ${table.entries} WHERE doc = $1 AND seq <= $2`, [docId, dropLogUpTo])
      })
    },
    history(docId) {
      return call('history', async (): Promise<HistoryPoint[]> => {
        const { rows } = await pool.query<{ checkpoint: boolean; seq: string; time: string }>(
          `SELECT true AS checkpoint, seq, time FROM ${table.checkpoints} WHERE doc = $1
           UNION ALL SELECT false, seq, time FROM ${table.entries} WHERE doc = $1
           ORDER BY seq, checkpoint DESC`,
          [docId],
        )
        return rows.map((r) => ({ seq: num(r.seq), time: num(r.time), kind: r.checkpoint ? 'checkpoint' : 'entry' }))
      })
    },
    deleteDoc(docId) {
      return write('deleteDoc', async (client) => {
        await client.query(`DELETE FROM ${table.entries} WHERE doc = $1`, [docId])
        await client.query(`DELETE FROM ${table.checkpoints} WHERE doc = $1`, [docId])
        await client.query(`DELETE FROM ${table.files} WHERE doc = $1`, [docId])
      })
    },
    async putFile(docId, name, file) {
      checkFile(name, file.type)
      await write('putFile', async (client) => {
        await client.query(
          `INSERT INTO ${table.files} (doc, name, type, bytes) VALUES ($1, $2, $3, $4)
           ON CONFLICT (doc, name) DO UPDATE SET type = EXCLUDED.type, bytes = EXCLUDED.bytes`,
          [docId, name, file.type, toBuffer(file.bytes)],
        )
      })
    },
    async getFile(docId, name) {
      checkFile(name)
      return call('getFile', async () => {
        const { rows } = await pool.query<{ type: string; bytes: Buffer }>(`SELECT type, bytes FROM ${table.files} WHERE doc = $1 AND name = $2`, [docId, name])
        const row = rows[0]
        return row === undefined ? undefined : { type: row.type, bytes: own(row.bytes) }
      })
    },
    async hasFile(docId, name) {
      checkFile(name)
      return call('hasFile', async () => {
        const { rows } = await pool.query(`SELECT 1 FROM ${table.files} WHERE doc = $1 AND name = $2`, [docId, name])
        return rows.length > 0
      })
    },
    getRecord<T>(kind: string, id: string) {
      return call('getRecord', async () => {
        const { rows } = await pool.query<{ value: string }>(`SELECT value FROM ${table.records} WHERE kind = $1 AND id = $2`, [kind, id])
        return rows[0] === undefined ? undefined : (JSON.parse(rows[0].value) as T)
      })
    },
    putRecords(writes) {
      return call('putRecords', async () => {
        const changes = recordChanges(writes)
        await write('putRecords', (client) => putRecords(client, changes))
      })
    },
    listRecords<T>(kind: string) {
      return call('listRecords', async () => {
        // the id column's "C" collation orders by bytes: UTF-8 byte order, as the contract asks
        const { rows } = await pool.query<{ id: string; value: string }>(`SELECT id, value FROM ${table.records} WHERE kind = $1 ORDER BY id`, [kind])
        return rows.map((r) => ({ id: r.id, value: JSON.parse(r.value) as T }))
      })
    },
    probe() {
      return call('probe', async () => {
        if (lockState === 'lost') throw new Error('this server lost its lock on the schema (connection gone) and is taking it again')
        if (lockState === 'fenced') throw new Error(FENCED)
        // one statement that checks the owner as it writes: write()'s shared lock on the owner
        // row followed by an update of that row deadlocked two probes running at once
        const { rowCount } = await writers.query(`UPDATE ${table.meta} SET probed = $1 WHERE owner = $2`, [Date.now(), owner])
        if (rowCount === 0) {
          fence()
          throw new Error(FENCED)
        }
      })
    },
    async close() {
      if (closed) return
      closed = true
      clearInterval(lockCheck)
      if (relockTimer) clearTimeout(relockTimer)
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve))
      session.removeAllListeners('end')
      session.removeAllListeners('error')
      session.on('error', () => {}) // closing: a late error of this session changes nothing
      try {
        if (lockState === 'held') await session.query('SELECT pg_advisory_unlock($1::bigint)', [key])
      } finally {
        // ending the session releases the lock too, should the unlock itself have failed
        await session.end().catch(() => {})
        await Promise.all([pool.end(), writers.end()])
      }
    },
  }
}

/**
 * Creates the schema's tables on first use, refuses another layout (changing nothing), and makes
 * this server the owner; returns its owner number. Runs on the lock session, so under the lock.
 */
async function prepareSchema(
  client: pg.Client,
  schema: string,
  table: Record<'meta' | 'entries' | 'checkpoints' | 'records' | 'files', string>,
  where: string,
): Promise<string> {
  await client.query('BEGIN')
  try {
    const { rows } = await client.query<{ meta: string | null; tables: string; exists: boolean }>(
      `SELECT to_regclass($1) AS meta, (SELECT count(*) FROM pg_tables WHERE schemaname = $2) AS tables,
         EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2) AS exists`,
      [table.meta, schema],
    )
    if (rows[0]!.meta !== null) {
      const layout = (await client.query<{ layout: string }>(`SELECT layout FROM ${table.meta}`)).rows[0]?.layout
      if (layout !== LAYOUT) {
        throw new PostgresStorageError(`PostgreSQL ${where} holds Tandem table layout ${layout ?? '(none)'}, this server reads layout ${LAYOUT}; upgrade Tandem or pick another --pg-schema`)
      }
      const owner = (await client.query<{ owner: string }>(`UPDATE ${table.meta} SET owner = owner + 1 RETURNING owner`)).rows[0]!.owner
      await client.query('COMMIT')
      return String(owner)
    }
    if (num(rows[0]!.tables) > 0) throw new PostgresStorageError(`PostgreSQL ${where} holds tables that are not Tandem's; pick another --pg-schema`)
    // an empty schema an administrator made is used as it is: CREATE SCHEMA would need CREATE on the database
    if (!rows[0]!.exists) await client.query(`CREATE SCHEMA "${schema}"`)
    // "C" collation: ids compare as bytes, which for UTF-8 is code point order (ST6)
    await client.query(`CREATE TABLE ${table.meta} (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), layout text NOT NULL, owner bigint NOT NULL, probed bigint)`)
    await client.query(`CREATE TABLE ${table.entries} (doc text COLLATE "C" NOT NULL, seq bigint NOT NULL, time bigint NOT NULL, updates bytea NOT NULL, PRIMARY KEY (doc, seq))`)
    await client.query(`CREATE TABLE ${table.checkpoints} (doc text COLLATE "C" NOT NULL, seq bigint NOT NULL, time bigint NOT NULL, state bytea NOT NULL, PRIMARY KEY (doc, seq))`)
    await client.query(`CREATE TABLE ${table.records} (kind text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, value text NOT NULL, PRIMARY KEY (kind, id))`)
    await client.query(`CREATE TABLE ${table.files} (doc text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, type text NOT NULL, bytes bytea NOT NULL, PRIMARY KEY (doc, name))`)
    await client.query(`INSERT INTO ${table.meta} (layout, owner) VALUES ($1, 1)`, [LAYOUT])
    await client.query('COMMIT')
    return '1'
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {}) // the caller ends the session, which aborts it anyway
    throw err
  }
}
