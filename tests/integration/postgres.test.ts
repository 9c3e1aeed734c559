/**
 * The real server (child process) storing documents in PostgreSQL, each test in a fresh schema,
 * with stock y-websocket clients: editing converges and survives a restart; a SIGKILL right after
 * an edit was relayed loses nothing (relayed implies committed); connections to PostgreSQL
 * terminated while people type cost nothing once writes go through again; /healthz and /metrics
 * report PostgreSQL being away and the log names it (in-process server); and the command line: a
 * second server on the same schema, an unreachable or malformed URL, no password in any output.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ROOT, runToExit, spawn, type ChildServer } from '../helpers/child.js'
import { dropSchema, freshSchema, PG_URL, requirePostgres, sql, startRelay, terminate } from '../helpers/postgres.js'
import { connect, startServer, type Client } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

// without PostgreSQL every test fails with one message saying so: never a silent skip
beforeAll(requirePostgres)

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A schema for this test, dropped after it. */
function schemaForTest(): string {
  const schema = freshSchema()
  cleanups.push(() => dropSchema(schema))
  return schema
}

/** The flags that put a server's documents in `schema` (the URL may carry a password, which trust auth ignores). */
const pgArgs = (schema: string, url = PG_URL) => ['--port', '0', '--data', url, '--pg-schema', schema, '--log-level', 'warn']

/** Starts a server, killed after the test. */
async function start(args: string[]): Promise<ChildServer> {
  const server = await spawn(args)
  cleanups.push(async () => {
    server.kill('SIGKILL')
    await server.exited
  })
  return server
}

/** A client, destroyed after the test. */
function client(server: ChildServer, doc: string): Client {
  const c = connect(server.wsUrl, doc)
  cleanups.push(() => c.destroy())
  return c
}

/** A server on a fresh schema with two clients of `doc`, both synced. */
async function twoEditing(doc: string) {
  const schema = schemaForTest()
  const server = await start(pgArgs(schema))
  const a = client(server, doc)
  const b = client(server, doc)
  await Promise.all([a.synced(), b.synced()])
  return { schema, server, a, b }
}

/** True when `doc` holds everything in `snapshot` (applying it changes nothing). */
function holdsAll(doc: Y.Doc, snapshot: Uint8Array): boolean {
  const probe = new Y.Doc()
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc))
  Y.applyUpdate(probe, snapshot)
  const same = probe.getText('body').toString() === doc.getText('body').toString() && Y.encodeStateVector(probe).toString() === Y.encodeStateVector(doc).toString()
  probe.destroy()
  return same
}

const body = (c: Client) => c.doc.getText('body').toString()

describe('server with PostgreSQL storage', () => {
  it('two clients converge; after a stop and start a new client gets the content, from PostgreSQL', async () => {
    const { schema, server, a, b } = await twoEditing('pg-doc')
    for (let i = 0; i < 50; i++) {
      a.doc.getText('body').insert(0, `a${i} `)
      b.doc.getText('body').insert(b.doc.getText('body').length, ` b${i}`)
      if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve))
    }
    await waitFor('a and b to converge', () => body(a) === body(b) && body(a).includes('a49') && body(a).includes('b49'))
    const expected = body(a)
    // the edits are rows in the test's schema, and nothing was journaled to a directory
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".entries WHERE doc = 'pg-doc'`)
    expect(n).toBeGreaterThan(0)
    expect(existsSync(join(ROOT, 'postgres:'))).toBe(false)
    a.destroy()
    b.destroy()

    server.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
    const restarted = await start(pgArgs(schema))
    const reader = client(restarted, 'pg-doc')
    await reader.synced()
    expect(body(reader)).toBe(expected)
    // /healthz and /metrics keep working on this backend
    expect((await fetch(`${restarted.url}/healthz`)).status).toBe(200)
    expect(await (await fetch(`${restarted.url}/metrics`)).text()).toContain('tandem_persist_batch_seconds')
  })

  it('a server killed (SIGKILL) right after an edit was relayed loses nothing on restart', async () => {
    const schema = schemaForTest()
    for (let round = 1; round <= 3; round++) {
      const server = await start(pgArgs(schema))
      const writer = client(server, 'pg-crash')
      const watcher = client(server, 'pg-crash')
      await Promise.all([writer.synced(), watcher.synced()])
      const killAfter = 40 + round * 37
      let received = 0
      let snapshot: Uint8Array | null = null
      watcher.doc.on('update', (_u: Uint8Array, origin: unknown) => {
        if (origin !== watcher.provider || snapshot) return
        if (++received >= killAfter) {
          snapshot = Y.encodeStateAsUpdate(watcher.doc)
          server.kill('SIGKILL')
        }
      })
      const text = writer.doc.getText('body')
      for (let i = 0; i < 2000 && !snapshot; i++) {
        text.insert(0, `${round}.${i} `)
        // typing pace: frames spread over many batches
        if (i % 3 === 2) await new Promise((resolve) => setTimeout(resolve, 1))
      }
      await waitFor(`round ${round}: the kill`, () => snapshot !== null, 20_000)
      expect((await server.exited).signal).toBe('SIGKILL')
      writer.destroy()
      watcher.destroy()

      const restarted = await start(pgArgs(schema))
      const reader = client(restarted, 'pg-crash')
      await reader.synced()
      expect(holdsAll(reader.doc, snapshot!), `round ${round}: an edit the watcher had received was lost`).toBe(true)
      expect(received).toBeGreaterThanOrEqual(killAfter)
      expect(body(reader)).toContain(`${round}.0 `)
      reader.destroy()
      restarted.kill('SIGKILL')
      await restarted.exited
    }
  })

  it('PostgreSQL connections terminated while people type: the clients keep working and nothing is lost', async () => {
    const { schema, server, a, b } = await twoEditing('pg-cut')
    const text = a.doc.getText('body')
    let typed = 0
    const type = async (n: number) => {
      for (let i = 0; i < n; i++, typed++) {
        text.insert(text.length, `${typed},`)
        if (i % 4 === 3) await new Promise((resolve) => setTimeout(resolve, 2))
      }
    }
    await type(100)
    await waitFor('b to catch up', () => body(b) === body(a))
    for (let cut = 1; cut <= 3; cut++) {
      // every connection of the server goes, its lock session included, while a keeps typing
      const typing = type(150)
      expect(await terminate(schema), `cut ${cut}`).toBeGreaterThan(0)
      await typing
      b.doc.getText('body').insert(0, `b${cut} `)
      await waitFor(`cut ${cut}: a and b to converge once writes go through again`, () => body(b) === body(a) && body(a).startsWith(`b${cut} `), 30_000)
    }
    expect(server.process.exitCode).toBeNull()
    // the cuts did land: the lock session went each time (and was taken back: edits converged)
    await waitFor('three lost locks in the log', () => server.stderr.split('lost the PostgreSQL connection holding the schema lock').length === 4)
    console.log(`3 cuts while typing: ${server.stderr.split('storage-write failed').length - 1} store writes failed and were retried; ${typed} edits converged`)
    await waitFor('the server to report itself healthy', async () => (await fetch(`${server.url}/healthz`)).status === 200, 15_000, 100)
    const expected = body(a)
    expect(expected).toContain(`${typed - 1},`)

    // everything relayed was committed: a restart after SIGKILL has all of it
    server.kill('SIGKILL')
    await server.exited
    a.destroy()
    b.destroy()
    const restarted = await start(pgArgs(schema))
    const reader = client(restarted, 'pg-cut')
    await reader.synced()
    expect(body(reader)).toBe(expected)
  })
})

describe('PostgreSQL settings of the database or role', () => {
  it('a short idle_session_timeout ends idle pool connections, never the session holding the schema lock', async () => {
    const schema = schemaForTest()
    const url = new URL(PG_URL)
    url.searchParams.set('options', '-c idle_session_timeout=1000')
    const server = await start(pgArgs(schema, url.href))
    const lockPid = async () => (await sql<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`tandem lock ${schema}`]))[0]?.pid
    const pid = await lockPid()
    expect(pid).toBeGreaterThan(0)
    const a = client(server, 'idle-timeout')
    const b = client(server, 'idle-timeout')
    await Promise.all([a.synced(), b.synced()])
    a.doc.getText('body').insert(0, 'before ')
    await waitFor('b to see the first edit', () => body(b) === 'before ')
    // the pool's connections, used after the lock session was last, idle past the timeout later
    await waitFor('PostgreSQL to end an idle pool connection', () => server.stderr.includes('idle-session timeout'), 15_000, 50)
    expect(server.stderr).not.toContain('lost the PostgreSQL connection holding the schema lock')
    expect(await lockPid()).toBe(pid)
    b.doc.getText('body').insert(0, 'after ')
    await waitFor('a to see the second edit', () => body(a) === 'after before ')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(server.stderr).not.toContain('storage-write failed')
  })
})

describe('health and metrics with PostgreSQL', () => {
  it('/healthz answers 503 while PostgreSQL is unreachable, the log names it, and all is well once it is back', async () => {
    const schema = schemaForTest()
    const relay = await startRelay(Number(new URL(PG_URL).port || 5432))
    cleanups.push(() => relay.close())
    const url = new URL(PG_URL.replace('postgres@', 'postgres:s3cret@'))
    url.port = String(relay.port)
    const lines: string[] = []
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) })
    const tandem = await startServer({ dataDir: url.href, pgSchema: schema }, { log })
    cleanups.push(() => tandem.close())
    const c = connect(tandem.wsUrl, 'pg-health')
    cleanups.push(() => c.destroy())
    await c.synced()
    const health = async () => {
      const res = await fetch(`${tandem.url}/healthz`)
      return { status: res.status, body: await res.json() }
    }
    expect(await health()).toEqual({ status: 200, body: { status: 'ok', storage: { writable: true } } })

    await relay.down()
    c.doc.getText('body').insert(0, 'written while PostgreSQL is away')
    await waitFor('a failed store write', () => lines.some((l) => l.includes('storage-write failed')))
    expect(await health()).toEqual({ status: 503, body: { status: 'unavailable', storage: { writable: false } } })
    const metrics = await (await fetch(`${tandem.url}/metrics`)).text()
    expect(Number(/^tandem_persist_failures_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0)
    // the log says which store failed, and never with the password
    expect(lines.join('')).toContain(`PostgreSQL postgres://postgres@127.0.0.1:${relay.port}/test, schema ${schema}`)
    expect(lines.join('')).not.toContain('s3cret')

    await relay.up()
    await waitFor('the server to be healthy again', async () => (await health()).status === 200, 15_000, 100)
    await waitFor('the edit to be stored', async () => (await sql(`SELECT 1 FROM "${schema}".entries WHERE doc = 'pg-health'`)).length > 0)
  })
})

describe('command line with PostgreSQL', () => {
  it('says at start that --fsync has no effect with PostgreSQL', async () => {
    const server = await start([...pgArgs(schemaForTest()), '--fsync'])
    await waitFor('the warning', () => server.stderr.includes('--fsync has no effect with PostgreSQL'))
  })

  it('a second server on the same schema fails at once with a clear message; another schema is fine', async () => {
    const schema = schemaForTest()
    await start(pgArgs(schema))
    const second = await runToExit(pgArgs(schema))
    expect(second.code).toBe(1)
    expect(second.ms).toBeLessThan(5000)
    expect(second.stderr).toBe(`tandem: PostgreSQL postgres://postgres@127.0.0.1:5432/test, schema ${schema} is in use by another Tandem server (advisory lock held)\n`)
    await start(pgArgs(schemaForTest()))
  })

  it('an unreachable database is a clear error and a non-zero exit, promptly; no directory is made', async () => {
    const result = await runToExit(pgArgs('tandem', 'postgres://postgres:s3cret@127.0.0.1:1/test'))
    expect(result.code).toBe(1)
    expect(result.ms).toBeLessThan(10_000)
    expect(result.stderr).toMatch(/^tandem: PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:1\/test, schema tandem: connecting failed: .*ECONNREFUSED/)
    expect(result.stdout + result.stderr).not.toContain('s3cret')
    expect(existsSync(join(ROOT, 'postgres:'))).toBe(false)
  })

  it('a malformed URL is refused naming --data, without repeating the password', async () => {
    const result = await runToExit(['--data', 'postgres://postgres:s3cret@127.0.0.1:99999/test'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^tandem: --data \(DATA_DIR\) "postgres:\/\/…@127.0.0.1:99999\/test": PostgreSQL URL not a valid URL/)
    expect(result.stderr).not.toContain('s3cret')
  })

  it('never writes the password of the URL to its output, even at debug level', async () => {
    const schema = schemaForTest()
    const url = PG_URL.replace('postgres@', 'postgres:s3cret@')
    const server = await start([...pgArgs(schema, url), '--log-level', 'debug'])
    const c = client(server, 'pg-secret')
    await c.synced()
    c.doc.getText('body').insert(0, 'hello')
    await waitFor('the edit to be stored', async () => (await sql(`SELECT 1 FROM "${schema}".entries WHERE doc = 'pg-secret'`)).length > 0)
    await terminate(schema) // errors and reconnects are logged too
    c.doc.getText('body').insert(0, 'again ')
    await waitFor('the next edit to be stored after the cut', async () => (await sql(`SELECT 1 FROM "${schema}".entries WHERE doc = 'pg-secret'`)).length > 1, 15_000, 50)
    server.kill('SIGTERM')
    await server.exited
    expect(server.stderr).toContain(`"storage":"postgresql:postgres://postgres@127.0.0.1:5432/test, schema ${schema}"`)
    expect(server.stdout + server.stderr).not.toContain('s3cret')
  })
})
