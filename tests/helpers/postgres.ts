/**
 * PostgreSQL for tests: the server CI runs (127.0.0.1:5432, database `test`), a fresh schema per
 * test so parallel files never share one, and raw SQL that bypasses the backend. A server that is
 * not reachable fails the test with a message saying so: these tests never skip.
 */
import { randomBytes } from 'node:crypto'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import pg from 'pg'

/** The database the tests use (TANDEM_TEST_PG overrides it). */
export const PG_URL = process.env.TANDEM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A schema name no other test uses. */
export const freshSchema = (): string => `test_${randomBytes(8).toString('hex')}`

/** Runs `body` with a connection of its own to the test database; fails clearly when there is none. */
export async function withAdmin<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL} (${(err as Error).message}); these tests need it: start it ` +
        '(.ci/run does: pg_ctlcluster --skip-systemctl-redirect 15 main start) or point TANDEM_TEST_PG at one',
    )
  }
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

/** Fails, saying why and what to do, when the test database cannot be reached (for beforeAll). */
export const requirePostgres = (): Promise<void> => withAdmin(async () => {})

/** Runs one statement as the administrator and returns its rows. */
export const sql = <R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> =>
  withAdmin(async (client) => (await client.query<R>(text, values)).rows)

/** Drops a schema and everything in it. */
export const dropSchema = (schema: string): Promise<unknown> => sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)

/**
 * Ends every connection a store on `schema` holds (its pool's and its lock session, or only the
 * ones given), as a PostgreSQL restart or an administrator would; resolves with how many.
 */
export async function terminate(schema: string, which: 'all' | 'pool' | 'lock' = 'all'): Promise<number> {
  const names = { all: [`tandem ${schema}`, `tandem lock ${schema}`], pool: [`tandem ${schema}`], lock: [`tandem lock ${schema}`] }[which]
  const rows = await sql<{ ended: boolean }>(
    'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = ANY($1::text[])',
    [names],
  )
  return rows.filter((r) => r.ended).length
}

/** A TCP relay to PostgreSQL that can be taken down (connections cut, port refusing) and up again. */
export interface Relay {
  readonly port: number
  /** Cuts every connection and stops listening: connecting is refused until up(). */
  down(): Promise<void>
  /** Listens again on the same port. */
  up(): Promise<void>
  /**
   * The network goes silent, as in a partition: nothing more passes either way, no connection is
   * closed, and new ones are accepted but never answered. thaw() closes them all and passes again.
   */
  freeze(): void
  thaw(): void
  close(): Promise<void>
}

/** Starts a relay on a free loopback port to 127.0.0.1:`target`. */
export async function startRelay(target: number): Promise<Relay> {
  const sockets = new Set<Socket>()
  let frozen = false
  const server = createServer((client) => {
    if (frozen) {
      sockets.add(client.on('error', () => {}))
      return
    }
    const upstream = connect(target, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => client.destroy())
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()))
  await listen(0)
  const port = (server.address() as AddressInfo).port
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      if (!server.listening) return resolve()
      server.close(() => resolve())
    })
  const freeze = () => {
    frozen = true
    for (const s of sockets) {
      s.unpipe()
      s.pause()
    }
  }
  const thaw = () => {
    frozen = false
    for (const s of sockets) s.destroy()
  }
  return { port, down, up: () => listen(port), freeze, thaw, close: down }
}
