/**
 * Seeded fuzzing of the relay's "adds nothing" filter (PROTOCOL.md S6) against a real server on
 * LevelDB: several clients edit one document, go offline and back (a sync step 2 carrying their
 * whole delete set, or their whole state as one update), send updates out of order, with gaps,
 * twice and merged, while the server compacts, unloads and restarts. After each round a fresh
 * client, and the durable document, must hold exactly the merge of everything ever sent: an update
 * the filter wrongly took for nothing is an edit lost for everyone.
 * A failing run prints its seed: replay it with SEED=<seed> FUZZ_RUNS=1, then keep it in NAMED.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import * as frame from '../../shared/frame.js'
import { createInlineCompactor, type Compactor } from '../../server/docs/compactor.js'
import { Room } from '../../server/sync/room.js'
import { rawClient, type RawClient } from '../helpers/raw-client.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { seededRandom, testSeed, waitFor } from '../helpers/wait.js'
import { contentOf, pick, randomEdit } from './random-edits.js'

const DOC = 'fuzzed'
const CLIENTS = 4
const ROUNDS = 8
const STEPS = 40
/** Runs with consecutive seeds (about 150 updates and 35 drops each, under a second); FUZZ_RUNS=1 with SEED replays one. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 24)
/** Seeds that once failed: each stays a case of its own. */
const NAMED: number[] = []

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
  vi.restoreAllMocks()
})

/** One simulated editor: its document, local updates not sent yet, and its socket when online. */
interface Editor {
  readonly doc: Y.Doc
  readonly outbox: Uint8Array[]
  sock: RawClient | null
}

type DeleteSet = Y.Snapshot['ds']

type Server = Awaited<ReturnType<typeof startServer>>

/** A state vector as sorted `[client, clock]` pairs, for comparing. */
function svOf(encoded: Uint8Array): Array<[number, number]> {
  return [...Y.decodeStateVector(encoded)].sort((a, b) => a[0] - b[0])
}

/** What a room holds durably now, as one update: its base and log, merged (read, never folded). */
function heldBy(room: Room): Uint8Array {
  // the test reaches into private state on purpose: folding here would change what it tests
  const state = (room as unknown as { state: { base: Uint8Array; tail: { views(): Uint8Array[] } } }).state
  return Y.mergeUpdates([state.base, ...state.tail.views()])
}

/** What `update` has that `held` lacks (structs past its state vector, deletions), or null. */
function addsTo(held: Uint8Array, update: Uint8Array): string | null {
  const sv = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(held))
  for (const [client, to] of Y.parseUpdateMeta(update).to) if (to > (sv.get(client) ?? 0)) return `structs of ${client} up to ${to}`
  const missing = missingDeletes(Y.decodeUpdate(update).ds, Y.decodeUpdate(held).ds)
  return missing.length > 0 ? `deletions ${missing.join(' ')}` : null
}

/** A fresh Y.Doc holding `update`. */
function docOf(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}

/** The ids `want` deletes that `have` does not, as `client:clock`. */
function missingDeletes(want: DeleteSet, have: DeleteSet): string[] {
  const missing: string[] = []
  for (const [client, items] of want.clients) {
    for (const { clock, len } of items) {
      for (let c = clock; c < clock + len; c++) if (!Y.isDeleted(have, Y.createID(client, c))) missing.push(`${client}:${c}`)
    }
  }
  return missing
}

/** One run: returns how many updates the filter dropped (a failed check throws, naming the seed). */
async function run(seed: number): Promise<number> {
  const rand = seededRandom(seed)
  const data = tempDir()
  cleanups.push(data.cleanup)
  const tuning = { compactMinBytes: 256 + pick(rand, 2048), compactIdleMs: 5 + pick(rand, 100), maintenanceMs: 5 }
  // in some runs compactions fail half the time: the log then outlives unloads and restarts, and
  // a load reads it (its own generator: compactions come when the server is quiet, not in step)
  const failing = rand() < 0.3 ? seededRandom(seed ^ 0x5eed) : null
  const inline = createInlineCompactor()
  const compactor: Compactor = {
    ...inline,
    compact: async (input) => {
      if (failing && failing() < 0.5) throw new Error('injected compaction failure')
      return inline.compact(input)
    },
  }
  const start = () => startServer({ dataDir: data.dir }, { compactor }, tuning)
  let server: Server = await start()
  cleanups.push(() => server.close())
  // every drop is judged at once against what the room held then (its base and log, read with
  // Yjs, not the filter's bookkeeping): a later whole-state update would hide a wrong one
  let drops = 0
  const wrong: string[] = []
  const addsNothing = Room.prototype.addsNothing
  vi.spyOn(Room.prototype, 'addsNothing').mockImplementation(function (this: Room, update, info, answer) {
    const verdict = addsNothing.call(this, update, info, answer)
    if (verdict) {
      drops++
      const why = addsTo(heldBy(this), update)
      if (why !== null) wrong.push(`${why} in [${[...update]}]`)
    }
    return verdict
  })
  // everything sent, in order: the server must hold exactly its merge
  const sent: Uint8Array[] = []
  let requests = 0
  const events = { compact: 0, unload: 0, restart: 0 }

  const editors: Editor[] = []
  for (let i = 0; i < CLIENTS; i++) {
    const doc = new Y.Doc()
    doc.clientID = 1000 + i * 7919 + pick(rand, 1000)
    const editor: Editor = { doc, outbox: [], sock: null }
    // a stock client sends its changes only while online: what it did offline reaches the server
    // only in its sync step 2 on return (or its offline copy), unless it queues (some do)
    const queues = rand() < 0.5
    doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && (editor.sock || queues) && editor.outbox.push(u))
    editors.push(editor)
  }
  const send = (e: Editor, kind: 'update' | 'sync-step2', update: Uint8Array) => {
    sent.push(update)
    e.sock!.send(kind === 'update' ? frame.update(update) : frame.syncStep2(update))
  }
  // every online socket's messages handled and durable (each socket is handled in order)
  const settle = async () => {
    await Promise.all(
      editors.map(async (e) => {
        if (!e.sock) return
        const id = ++requests
        e.sock.send(frame.savedRequest(id))
        await e.sock.waitFor(`saved ${id}`, (m) => m.kind === 'saved' && m.id === id)
      }),
    )
  }
  const online = async (e: Editor) => {
    // the server's state is then what was sent, so its answers do not depend on timing
    await settle()
    const sock = await rawClient(server.wsUrl, DOC)
    e.sock = sock
    sock.send(frame.syncStep1(Y.encodeStateVector(e.doc)))
    const greet = await sock.waitFor('sync step 1', (m) => m.kind === 'sync-step1')
    const answer = await sock.waitFor('sync step 2', (m) => m.kind === 'sync-step2')
    if (rand() < 0.5) Y.applyUpdate(e.doc, (answer as { update: Uint8Array }).update, 'remote')
    // a stock client answers the server's step 1: what it lacks, and the whole delete set
    send(e, 'sync-step2', Y.encodeStateAsUpdate(e.doc, (greet as { stateVector: Uint8Array }).stateVector))
    if (rand() < 0.3) send(e, 'update', Y.encodeStateAsUpdate(e.doc)) // an offline copy, whole
    if (rand() < 0.5) Y.applyUpdate(e.doc, (answer as { update: Uint8Array }).update, 'remote')
  }
  const offline = async (e: Editor) => {
    // changes still on their way are lost with the connection: the sync step 2 on return carries them
    if (rand() < 0.7) e.outbox.length = 0
    e.sock!.close()
    await e.sock!.closed()
    e.sock = null
  }
  // some of the outbox (not only its start: gaps), one by one in any order, or merged
  const flushSome = (e: Editor, all: boolean) => {
    const chosen: Uint8Array[] = []
    for (let i = 0; i < e.outbox.length; ) {
      // deletions are held back more often than insertions: an update whose structs the server
      // all has and whose deletions it lacks is the one the filter must not take for nothing
      const structs = Y.parseUpdateMeta(e.outbox[i]!).to.size > 0
      if (all || rand() < (structs ? 0.8 : 0.35)) chosen.push(...e.outbox.splice(i, 1))
      else i++
    }
    if (chosen.length === 0) return
    if (rand() < 0.3) send(e, 'update', Y.mergeUpdates(chosen))
    else {
      if (rand() < 0.4) chosen.reverse()
      for (const u of chosen) send(e, 'update', u)
    }
  }
  const check = async (round: number) => {
    for (const e of editors) if (!e.sock) await online(e)
    for (const e of editors) flushSome(e, true)
    await settle()
    // read from the bytes: a Y.Doc applying them also deletes redundant formatting marks itself
    const merged = Y.mergeUpdates(sent)
    const want = { sv: svOf(Y.encodeStateVectorFromUpdate(merged)), ds: Y.decodeUpdate(merged).ds, content: contentOf(docOf(merged)) }
    const joiner = connect(server.wsUrl, DOC)
    try {
      await joiner.synced()
      const where = `seed ${seed}, round ${round}`
      expect(wrong, `${where}: updates dropped that held something new`).toEqual([])
      const durable = await server.registry.snapshot(DOC)
      const held = [
        { what: 'a fresh client', sv: svOf(Y.encodeStateVector(joiner.doc)), ds: Y.snapshot(joiner.doc).ds, content: contentOf(joiner.doc) },
        { what: 'the durable document', sv: svOf(Y.encodeStateVectorFromUpdate(durable)), ds: Y.decodeUpdate(durable).ds, content: contentOf(docOf(durable)) },
      ]
      for (const got of held) {
        expect(got.sv, `${where}: ${got.what}'s state vector`).toEqual(want.sv)
        // a Y.Doc (the compactor's, a client's) may delete more: marks its own copy made redundant
        expect(missingDeletes(want.ds, got.ds), `${where}: deletions ${got.what} lacks`).toEqual([])
        expect(got.content, `${where}: ${got.what}'s content`).toBe(want.content)
      }
    } finally {
      joiner.destroy()
    }
  }

  for (let round = 0; round < ROUNDS; round++) {
    for (let step = 0; step < STEPS; step++) {
      const e = editors[pick(rand, CLIENTS)]!
      const r = rand()
      if (r < 0.45) randomEdit(e.doc, rand)
      else if (r < 0.65) {
        if (e.sock) flushSome(e, false)
      } else if (r < 0.75) {
        // what others sent reaches this editor (any subset: relays arrive late, offline copies
        // miss some), so it deletes and formats their content too
        for (const u of sent) if (rand() < 0.7) Y.applyUpdate(e.doc, u, 'remote')
      } else if (r < 0.85) {
        if (e.sock) await offline(e)
        else await online(e)
      } else if (r < 0.91) {
        if (e.sock && sent.length > 0) send(e, 'update', sent[pick(rand, sent.length)]!) // a duplicate
      } else if (r < 0.94) {
        // a compaction under way while updates keep coming, or a quiet spell for one to start
        if (rand() < 0.5) void server.registry.get(DOC)?.compact()
        else await settle()
      } else if (e.sock) {
        send(e, rand() < 0.5 ? 'update' : 'sync-step2', Y.encodeStateAsUpdate(e.doc))
      }
    }
    // server-side events that reset the filter's bookkeeping
    const event = rand()
    if (event < 0.25) {
      await settle()
      await server.registry.get(DOC)?.compact()
      events.compact++
    } else if (event < 0.45) {
      for (const e of editors) if (e.sock) await offline(e)
      await waitFor('the document to unload', () => server.registry.get(DOC) === undefined)
      events.unload++
    } else if (event < 0.6) {
      for (const e of editors) if (e.sock) await offline(e)
      await server.close()
      server = await start()
      events.restart++
    }
    await check(round)
  }
  for (const e of editors) if (e.sock) await offline(e)
  expect(wrong, `seed ${seed}: updates dropped that held something new`).toEqual([])
  console.log(`seed ${seed}: ${sent.length} updates sent, ${drops} dropped as adding nothing, events ${JSON.stringify(events)}`)
  return drops
}

describe('the relay filter never drops an update that adds something (seeded)', () => {
  it(`random runs of ${CLIENTS} editors, ${ROUNDS} rounds of ${STEPS} steps`, async () => {
    const base = testSeed('relay filter fuzz')
    let dropped = 0
    for (let i = 0; i < RUNS; i++) {
      const seed = base + i
      console.log(`[seed] relay filter fuzz run: SEED=${seed}`)
      dropped += await run(seed)
      for (const fn of cleanups.splice(0).reverse()) await fn()
      vi.restoreAllMocks()
    }
    // the runs reach the filter: returning clients' answers and duplicates are dropped
    expect(dropped).toBeGreaterThan(0)
  }, 60_000 + RUNS * 10_000)

  for (const seed of NAMED) it(`seed ${seed}`, async () => void (await run(seed)), 60_000)
})
