/**
 * Soak, run by `npm run soak` (SOAK_MINUTES, default 10) and skipped by `npm test`: nine stock
 * y-websocket clients edit three documents at random (typing, deletions, map keys, pastes of up to
 * 400 KB) and go offline and back, while the server is SIGKILLed or stopped and started again on
 * the same data directory and port, every 5 to 15 s, with edits made while it is down. At the end
 * every client of a document holds the same state, a fresh reader of a restarted server holds that
 * state too, and the server logged no error. Seeded (SEED=...), though timing varies run to run.
 * SOAK_STORE=postgres runs it on PostgreSQL (TANDEM_TEST_PG) instead of LevelDB.
 */
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { spawn, type ChildServer } from '../helpers/child.js'
import { dropSchema, freshSchema, PG_URL } from '../helpers/postgres.js'
import { connect, tempDir, type Client } from '../helpers/server.js'
import { seededRandom, testSeed, waitFor } from '../helpers/wait.js'

const ENABLED = process.env.npm_lifecycle_event === 'soak' || process.env.SOAK_MINUTES !== undefined
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10)
const DOCS = ['soak-a', 'soak-b', 'soak-c']
const CLIENTS_PER_DOC = 3

/** A port free now, so that restarts listen where the clients reconnect. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** An editor: a client of one document, offline until `offlineUntil` when that is not 0. */
interface Editor {
  readonly client: Client
  readonly docId: string
  offlineUntil: number
}

const vector = (doc: Y.Doc) => Buffer.from(Y.encodeStateVector(doc)).toString('hex')

/** One random edit of `doc`: mostly typing, some deletions and map keys, now and then a paste. */
function edit(doc: Y.Doc, rand: () => number): 'paste' | 'edit' {
  const text = doc.getText('body')
  const r = rand()
  if (r < 0.6) text.insert(Math.floor(rand() * (text.length + 1)), String.fromCharCode(97 + Math.floor(rand() * 26)))
  else if (r < 0.85 && text.length > 0) {
    const at = Math.floor(rand() * text.length)
    text.delete(at, Math.min(1 + Math.floor(rand() * 5), text.length - at))
  } else if (r < 0.995) doc.getMap('meta').set(`k${Math.floor(rand() * 20)}`, Math.floor(rand() * 1000))
  else {
    text.insert(Math.floor(rand() * (text.length + 1)), 'P'.repeat(20_000 + Math.floor(rand() * 400_000)))
    return 'paste'
  }
  return 'edit'
}

describe.skipIf(!ENABLED)('soak (npm run soak)', () => {
  it(`converges through kills, restarts and offline spells (${MINUTES} min)`, async () => {
    const seed = testSeed('soak')
    const rand = seededRandom(seed)
    // every stock provider listens for the process's exit
    process.setMaxListeners(50)
    const data = tempDir('tandem-soak-')
    const schema = process.env.SOAK_STORE === 'postgres' ? freshSchema() : null
    const store = schema === null ? ['--data', data.dir] : ['--data', PG_URL, '--pg-schema', schema]
    const port = await freePort()
    const args = ['--port', String(port), ...store, '--log-level', process.env.SOAK_LOG_LEVEL ?? 'warn']
    const errors: string[] = []
    const start = async () => {
      const server = await spawn(args)
      server.process.stderr!.on('data', (chunk: Buffer) => {
        const text = chunk.toString()
        if (/"level":(50|60)/.test(text)) errors.push(text.slice(0, 400))
      })
      return server
    }
    let server: ChildServer = await start()
    const wsUrl = `ws://127.0.0.1:${port}/sync`
    const editors: Editor[] = DOCS.flatMap((docId) => Array.from({ length: CLIENTS_PER_DOC }, () => ({ client: connect(wsUrl, docId), docId, offlineUntil: 0 })))
    await Promise.all(editors.map(({ client }) => client.synced()))

    const counts = { edits: 0, pastes: 0, offline: 0, kills: 0, stops: 0 }
    const end = Date.now() + MINUTES * 60_000
    let nextRestart = Date.now() + 5000 + rand() * 10_000
    while (Date.now() < end) {
      for (const editor of editors) {
        const now = Date.now()
        if (editor.offlineUntil !== 0 && now > editor.offlineUntil) {
          editor.offlineUntil = 0
          editor.client.provider.connect()
        } else if (editor.offlineUntil === 0 && rand() < 0.002) {
          editor.offlineUntil = now + 500 + rand() * 3000
          editor.client.provider.disconnect()
          counts.offline++
        }
        if (edit(editor.client.doc, rand) === 'paste') counts.pastes++
        counts.edits++
      }
      if (Date.now() > nextRestart) {
        const kill = rand() < 0.7
        server.kill(kill ? 'SIGKILL' : 'SIGTERM')
        const exit = await server.exited
        if (kill) counts.kills++
        else {
          counts.stops++
          expect(exit.code, `exit code after SIGTERM; the server's log ends:\n${server.stderr.slice(-3000)}`).toBe(0)
        }
        // people go on typing while it is down
        for (let i = 0; i < 50; i++) for (const { client } of editors) client.doc.getText('body').insert(0, 'x')
        server = await start()
        nextRestart = Date.now() + 5000 + rand() * 10_000
      }
      await new Promise((resolve) => setTimeout(resolve, 5 + rand() * 20))
    }
    for (const editor of editors) if (editor.offlineUntil !== 0) editor.client.provider.connect()
    console.log(`seed ${seed}, ${schema === null ? 'LevelDB' : 'PostgreSQL'}: ${counts.edits} edits, ${counts.pastes} pastes, ${counts.offline} offline spells, ${counts.kills} kills, ${counts.stops} stops`)

    for (const docId of DOCS) {
      const mine = editors.filter((e) => e.docId === docId).map((e) => e.client)
      await waitFor(`${docId}: its clients to converge`, () => mine.every((c) => c.provider.synced && vector(c.doc) === vector(mine[0]!.doc)), 60_000, 100)
      const texts = mine.map((c) => c.doc.getText('body').toString())
      expect(texts.every((t) => t === texts[0]), `${docId}: every client has the same text (seed ${seed})`).toBe(true)
    }
    server.kill('SIGTERM')
    expect((await server.exited).code, `exit code after SIGTERM; the server's log ends:\n${server.stderr.slice(-3000)}`).toBe(0)
    server = await start()
    for (const docId of DOCS) {
      const want = editors.find((e) => e.docId === docId)!.client.doc
      const reader = connect(wsUrl, docId)
      await reader.synced()
      expect(vector(reader.doc), `${docId}: the restarted server's state vector (seed ${seed})`).toBe(vector(want))
      expect(reader.doc.getText('body').toString() === want.getText('body').toString(), `${docId}: the restarted server's text (seed ${seed})`).toBe(true)
      console.log(`${docId}: ${want.getText('body').length} characters, the same everywhere`)
      reader.destroy()
    }
    for (const { client } of editors) client.destroy()
    server.kill('SIGTERM')
    await server.exited
    data.cleanup()
    if (schema !== null) await dropSchema(schema)
    expect(errors, 'error lines in the server log').toEqual([])
  }, (MINUTES + 5) * 60_000)
})
