/**
 * Presence rules (PROTOCOL.md A1-A6) with forged frames from raw clients next to stock clients:
 * nobody can overwrite or remove another client's entry, re-broadcast copies go no further,
 * nothing is echoed, and a client whose entry was removed comes back.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as awarenessCodec from '../../shared/awareness.js'
import * as frame from '../../shared/frame.js'
import { announceOwnPresenceOnly } from '../../client/collab/own-presence.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import { MAX_INTRODUCED_PER_PEER, MAX_PRESENCE_BYTES_PER_PEER } from '../../server/sync/presence.js'
import { faulty } from '../helpers/faulty-storage.js'
import { rawClient, type RawClient } from '../helpers/raw-client.js'
import { recordingDoc } from '../helpers/ydoc.js'
import { connect, startServer, tempDir, type Client } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const entry = (clientId: number, clock: number, state: unknown) => ({ clientId, clock, state: JSON.stringify(state) })
const awarenessFrames = (received: frame.Message[]) => received.filter((m) => m.kind === 'awareness').map((m) => awarenessCodec.decode((m as { update: Uint8Array }).update))
const byId = (entries: ReturnType<typeof entry>[]) => [...entries].sort((x, y) => x.clientId - y.clientId)

/** Sends frames in one TCP write, so the server reads them in the same turn. */
function sendTogether(client: RawClient, frames: Uint8Array[]): void {
  const socket = (client.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket
  socket.cork()
  for (const f of frames) client.send(f)
  socket.uncork()
}

/**
 * Sends a sync step 1 and waits for the server's answer; every frame the server sent `client`
 * before it has then arrived. Returns what arrived from `from` up to the answer (not included).
 */
async function roundTrip(client: RawClient, from: number): Promise<frame.Message[]> {
  const start = client.received.length
  client.send(frame.syncStep1(Uint8Array.of(0)))
  const answer = await client.waitFor('the answer to a sync step 1', (m) => m.kind === 'sync-step2', start)
  return client.received.slice(from, client.received.indexOf(answer, start))
}

describe('awareness', () => {
  it('a peer cannot overwrite or remove entries of client ids it did not introduce', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const ada = connect(server.wsUrl, 'forge')
    const bob = connect(server.wsUrl, 'forge')
    cleanups.push(() => ada.destroy(), () => bob.destroy())
    await Promise.all([ada.synced(), bob.synced()])
    ada.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    const adaId = ada.doc.clientID
    await waitFor('Bob to see Ada', () => bob.provider.awareness.getStates().get(adaId)?.user?.name === 'Ada')

    const mallory = await rawClient(server.wsUrl, 'forge')
    cleanups.push(() => mallory.close())
    const adaClock = ada.provider.awareness.meta.get(adaId)!.clock
    // overwrite with a much newer clock, then remove, then introduce an id of her own
    mallory.send(frame.awareness(awarenessCodec.encode([entry(adaId, adaClock + 100, { user: { name: 'Mallory' } })])))
    mallory.send(frame.awareness(awarenessCodec.encode([entry(adaId, adaClock + 200, null)])))
    mallory.send(frame.awareness(awarenessCodec.encode([entry(4242, 1, { user: { name: 'M' } })])))
    await waitFor('Bob to see the honest new entry', () => bob.provider.awareness.getStates().has(4242))
    expect(bob.provider.awareness.getStates().get(adaId)?.user?.name).toBe('Ada')
    expect(bob.provider.awareness.meta.get(adaId)!.clock).toBe(adaClock)

    // Mallory leaving removes only what she introduced
    mallory.close()
    await waitFor('Mallory\'s entry to go', () => !bob.provider.awareness.getStates().has(4242))
    expect(bob.provider.awareness.getStates().get(adaId)?.user?.name).toBe('Ada')
  })

  it('relays only entries newer than the room holds, and never echoes them', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const a = await rawClient(server.wsUrl, 'storm')
    const b = await rawClient(server.wsUrl, 'storm')
    const observer = await rawClient(server.wsUrl, 'storm')
    cleanups.push(() => a.close(), () => b.close(), () => observer.close())
    // everyone has had the greeting (sync step 1) before we count
    await Promise.all([a, b, observer].map((c) => c.waitFor('greeting', (m) => m.kind === 'sync-step1')))

    const fromA = frame.awareness(awarenessCodec.encode([entry(1, 5, { cursor: 1 })]))
    a.send(fromA)
    await observer.waitFor('A\'s entry', (m) => m.kind === 'awareness')
    // B re-broadcasts what it received (as the stock client does): same clock, goes nowhere
    const observerSeen = observer.received.length
    b.send(fromA)
    // a newer entry of B's own, used as a marker that everything before it was processed
    b.send(frame.awareness(awarenessCodec.encode([entry(2, 1, { cursor: 2 })])))
    await observer.waitFor('B\'s entry', (m) => m.kind === 'awareness' && awarenessCodec.decode(m.update)[0]!.clientId === 2, observerSeen)
    const after = awarenessFrames(observer.received.slice(observerSeen))
    expect(after).toEqual([[entry(2, 1, { cursor: 2 })]])
    // A never got its own entry back
    await b.waitFor('A\'s entry at B', (m) => m.kind === 'awareness')
    expect(awarenessFrames(a.received).flat().some((e) => e.clientId === 1)).toBe(false)
    // query-awareness returns exactly the live entries
    const before = a.received.length
    a.send(frame.queryAwareness())
    const answer = await a.waitFor('answer to query', (m) => m.kind === 'awareness', before)
    const live = awarenessCodec.decode((answer as { update: Uint8Array }).update).sort((x, y) => x.clientId - y.clientId)
    expect(live).toEqual([entry(1, 5, { cursor: 1 }), entry(2, 1, { cursor: 2 })])
  })

  it(`a connection brings at most ${MAX_INTRODUCED_PER_PEER} client ids into a room: announcing and removing new ones without end fills no memory (A2)`, async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const mallory = await rawClient(server.wsUrl, 'churn')
    const observer = await rawClient(server.wsUrl, 'churn')
    cleanups.push(() => mallory.close(), () => observer.close())
    await Promise.all([mallory, observer].map((c) => c.waitFor('greeting', (m) => m.kind === 'sync-step1')))
    // each id announced and removed at once: never more than one owned, but every removal is
    // remembered for a minute (A5), and was, however many there were
    const IDS = 2000
    for (let first = 1; first <= IDS; first += 100) {
      const entries = []
      for (let id = first; id < first + 100; id++) entries.push(entry(id, 1, { cursor: id }), entry(id, 2, null))
      mallory.send(frame.awareness(awarenessCodec.encode(entries)))
    }
    // her frames are all read once her sync step 1 is answered; a newcomer's entry after them
    // reaches the observer after whatever they had relayed
    await roundTrip(mallory, mallory.received.length)
    const carol = await rawClient(server.wsUrl, 'churn')
    cleanups.push(() => carol.close())
    carol.send(frame.awareness(awarenessCodec.encode([entry(999_999, 1, { user: { name: 'Carol' } })])))
    await observer.waitFor('Carol\'s entry', (m) => m.kind === 'awareness' && awarenessCodec.decode(m.update).some((e) => e.clientId === 999_999))
    const relayed = new Set(awarenessFrames(observer.received).flat().map((e) => e.clientId).filter((id) => id <= IDS))
    expect(relayed.size).toBe(MAX_INTRODUCED_PER_PEER)
    expect([...relayed].sort((x, y) => x - y)).toEqual(Array.from({ length: MAX_INTRODUCED_PER_PEER }, (_, i) => i + 1))
    // she is still served: an id she brought in before goes on working
    mallory.send(frame.awareness(awarenessCodec.encode([entry(1, 3, { cursor: 'back' })])))
    await observer.waitFor('her first id again', (m) => m.kind === 'awareness' && awarenessCodec.decode(m.update).some((e) => e.clientId === 1 && e.clock === 3))
  })

  it(`the entries one connection owns hold at most ${MAX_PRESENCE_BYTES_PER_PEER} characters of state together, so a join is not sent megabytes (A2)`, async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const mallory = await rawClient(server.wsUrl, 'heavy')
    const observer = await rawClient(server.wsUrl, 'heavy')
    cleanups.push(() => mallory.close(), () => observer.close())
    await Promise.all([mallory, observer].map((c) => c.waitFor('greeting', (m) => m.kind === 'sync-step1')))
    // sixteen entries of 30,000 characters: each within A7, two of them within the connection's share
    const fat = (clientId: number, clock: number, fill: string) => entry(clientId, clock, { cursor: fill.repeat(30_000 - 13) })
    mallory.send(frame.awareness(awarenessCodec.encode(Array.from({ length: 16 }, (_, i) => fat(i + 1, 1, 'x')))))
    // her own entry replaced by one as large takes the place of the old one
    mallory.send(frame.awareness(awarenessCodec.encode([fat(1, 2, 'y')])))
    await roundTrip(mallory, mallory.received.length)
    const joiner = await rawClient(server.wsUrl, 'heavy')
    cleanups.push(() => joiner.close())
    joiner.send(frame.queryAwareness())
    const answer = await joiner.waitFor('the live entries', (m) => m.kind === 'awareness' && awarenessCodec.decode(m.update).length > 0)
    const live = byId(awarenessCodec.decode((answer as { update: Uint8Array }).update))
    expect(live.map((e) => [e.clientId, e.clock])).toEqual([[1, 2], [2, 1]])
    expect(live[0]!.state.length).toBe(30_000)
    // a small entry of someone else's is taken as ever
    const carol = await rawClient(server.wsUrl, 'heavy')
    cleanups.push(() => carol.close())
    carol.send(frame.awareness(awarenessCodec.encode([entry(777, 1, { user: { name: 'Carol' } })])))
    await observer.waitFor('Carol\'s entry', (m) => m.kind === 'awareness' && awarenessCodec.decode(m.update).some((e) => e.clientId === 777))
    expect(new Set(awarenessFrames(observer.received).flat().map((e) => e.clientId))).toEqual(new Set([1, 2, 777]))
  })

  it('an awareness state over 64 KiB closes the connection with 1009 and reaches nobody (A7)', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const big = await rawClient(server.wsUrl, 'big-state')
    const observer = await rawClient(server.wsUrl, 'big-state')
    cleanups.push(() => big.close(), () => observer.close())
    await observer.waitFor('greeting', (m) => m.kind === 'sync-step1')
    big.send(frame.awareness(awarenessCodec.encode([entry(9, 1, { blob: 'x'.repeat(64 * 1024) })])))
    expect(await big.closed()).toBe(1009)
    const fine = frame.awareness(awarenessCodec.encode([entry(10, 1, { blob: 'x'.repeat(60 * 1024) })]))
    const sender = await rawClient(server.wsUrl, 'big-state')
    cleanups.push(() => sender.close())
    const seen = observer.received.length
    sender.send(fine)
    const got = await observer.waitFor('the allowed entry', (m) => m.kind === 'awareness', seen)
    expect(awarenessCodec.decode((got as { update: Uint8Array }).update).map((e) => e.clientId)).toEqual([10])
    expect(awarenessFrames(observer.received).flat().some((e) => e.clientId === 9)).toBe(false)
  })

  it('a stock client whose entry was removed re-announces itself and is seen again', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const ada = connect(server.wsUrl, 'comeback')
    const bob = connect(server.wsUrl, 'comeback')
    cleanups.push(() => ada.destroy(), () => bob.destroy())
    await Promise.all([ada.synced(), bob.synced()])
    ada.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    const adaId = ada.doc.clientID
    await waitFor('Bob to see Ada', () => bob.provider.awareness.getStates().has(adaId))
    // Ada's connection drops; the provider reconnects by itself with the same clock
    ada.provider.ws!.close()
    await waitFor('Ada removed for Bob', () => !bob.provider.awareness.getStates().has(adaId))
    await waitFor('Ada back for Bob', () => bob.provider.awareness.getStates().get(adaId)?.user?.name === 'Ada', 10_000)
  })
  for (const store of ['memory', 'leveldb'] as const) {
    it(`a cursor sent right after an update reaches the others after that update (${store})`, async () => {
      const data = store === 'leveldb' ? tempDir() : null
      const server = await startServer(data ? { dataDir: data.dir } : {})
      cleanups.push(() => data?.cleanup(), () => server.close())
      const writer = await rawClient(server.wsUrl, 'order')
      const observer = await rawClient(server.wsUrl, 'order')
      cleanups.push(() => writer.close(), () => observer.close())
      await observer.waitFor('greeting', (m) => m.kind === 'sync-step1')
      const { doc, updates } = recordingDoc(77)
      for (let round = 0; round < 20; round++) {
        doc.getText('t').insert(0, 'x')
        const seen = observer.received.length
        sendTogether(writer, [frame.update(updates.at(-1)!), frame.awareness(awarenessCodec.encode([entry(doc.clientID, round + 1, { cursor: round })]))])
        await observer.waitFor(`round ${round}'s cursor`, (m) => m.kind === 'awareness', seen)
        const kinds = observer.received.slice(seen).map((m) => m.kind)
        expect(kinds[0], `round ${round}: ${kinds.join(', ')}`).toBe('update')
      }
    })
  }

  it('changes within the interval reach each peer as one message: the latest per client, never its own (A4)', async () => {
    const server = await startServer({}, {}, { presenceIntervalMs: 60_000 })
    cleanups.push(() => server.close())
    const [a, b, observer] = await Promise.all([0, 1, 2].map(() => rawClient(server.wsUrl, 'burst')))
    cleanups.push(() => a!.close(), () => b!.close(), () => observer!.close())
    await Promise.all([a!, b!, observer!].map((c) => c.waitFor('greeting', (m) => m.kind === 'sync-step1')))

    // the first change after a quiet spell goes out at once and starts the interval
    a!.send(frame.awareness(awarenessCodec.encode([entry(1, 1, { cursor: 1 })])))
    await observer!.waitFor('the first change, at once', (m) => m.kind === 'awareness')
    const seen = { a: a!.received.length, b: b!.received.length, observer: observer!.received.length }
    // later ones wait: three from A (one client id twice), one from B
    sendTogether(a!, [frame.awareness(awarenessCodec.encode([entry(1, 2, { cursor: 2 })])), frame.awareness(awarenessCodec.encode([entry(1, 3, { cursor: 3 }), entry(11, 1, { tab: 2 })]))])
    b!.send(frame.awareness(awarenessCodec.encode([entry(2, 1, { cursor: 9 })])))
    // both taken (query answers come at once) and not relayed yet
    await waitFor('both changes taken', async () => {
      const from = observer!.received.length
      observer!.send(frame.queryAwareness())
      const answer = await observer!.waitFor('answer', (m) => m.kind === 'awareness', from)
      return awarenessCodec.decode((answer as { update: Uint8Array }).update).some((e) => e.clientId === 2)
    })
    // nothing relayed yet (only the answers to the observer's queries)
    expect(awarenessFrames(await roundTrip(a!, seen.a))).toEqual([])
    expect(awarenessFrames(await roundTrip(b!, seen.b))).toEqual([])
    const seen2 = { a: a!.received.length, b: b!.received.length }

    // the interval ends: shortened here by the room's own timer, run now
    const room = server.registry.get('burst')!
    const due = room['presenceTimer']!
    clearTimeout(due)
    ;(room['presenceDue'] as () => void)()
    const burst = (await observer!.waitFor('the burst', (m) => m.kind === 'awareness' && awarenessCodec.decode(m.update).length === 3, observer!.received.length)) as { update: Uint8Array }
    expect(byId(awarenessCodec.decode(burst.update))).toEqual([entry(1, 3, { cursor: 3 }), entry(2, 1, { cursor: 9 }), entry(11, 1, { tab: 2 })])
    const [toA, toB] = await Promise.all([roundTrip(a!, seen2.a), roundTrip(b!, seen2.b)])
    // each sender got exactly one message, with the other's entries
    expect(awarenessFrames(toA)).toEqual([[entry(2, 1, { cursor: 9 })]])
    expect(awarenessFrames(toB).map(byId)).toEqual([[entry(1, 3, { cursor: 3 }), entry(11, 1, { tab: 2 })]])
  })

  it('changes that waited for the interval go out after updates still waiting for storage (A4)', async () => {
    const storage = faulty(createMemoryStorage())
    const server = await startServer({}, { storage, journal: null }, { presenceIntervalMs: 60_000 })
    cleanups.push(() => server.close())
    const [writer, other, observer] = await Promise.all([0, 1, 2].map(() => rawClient(server.wsUrl, 'held')))
    cleanups.push(() => writer!.close(), () => other!.close(), () => observer!.close())
    await Promise.all([writer!, other!, observer!].map((c) => c.waitFor('greeting', (m) => m.kind === 'sync-step1')))
    const { doc, updates } = recordingDoc(78)
    doc.getText('t').insert(0, 'held back')

    storage.hold()
    const seen = { writer: writer!.received.length, other: other!.received.length, observer: observer!.received.length }
    // an update, the cursor after it (out at once, behind the update), and one more in the interval
    sendTogether(writer!, [
      frame.update(updates.at(-1)!),
      frame.awareness(awarenessCodec.encode([entry(doc.clientID, 1, { cursor: 1 })])),
      frame.awareness(awarenessCodec.encode([entry(doc.clientID, 2, { cursor: 2 })])),
    ])
    other!.send(frame.awareness(awarenessCodec.encode([entry(99, 1, { cursor: 'other' })])))
    const room = server.registry.get('held')!
    await waitFor('both cursors to be taken', () => room['presenceBatch']['waiting'].has(99) && room['presenceBatch']['waiting'].has(doc.clientID))
    // the interval ends (its timer run now) while the update waits for storage
    clearTimeout(room['presenceTimer']!)
    ;(room['presenceDue'] as () => void)()
    // another update and cursor arrive: the burst does not wait for them
    doc.getText('t').insert(0, 'later ')
    sendTogether(writer!, [frame.update(updates.at(-1)!), frame.awareness(awarenessCodec.encode([entry(doc.clientID, 3, { cursor: 3 })]))])
    await waitFor('the later cursor to be taken', () => room['presenceBatch']['waiting'].get(doc.clientID)?.entry.clock === 3)
    // nothing of it reached the observer: the update is not durable yet, the cursors wait behind it
    expect(await roundTrip(observer!, seen.observer)).toEqual([])

    const afterHold = observer!.received.length
    storage.release()
    await waitFor('both updates to reach the observer', () => observer!.received.slice(afterHold).filter((m) => m.kind === 'update').length === 2)
    const got = observer!.received.slice(afterHold)
    // the burst right behind the first update, not held back for the second
    expect(got.map((m) => m.kind)).toEqual(['update', 'awareness', 'awareness', 'update'])
    expect(awarenessFrames(got).map(byId)).toEqual([[entry(doc.clientID, 1, { cursor: 1 })], byId([entry(doc.clientID, 2, { cursor: 2 }), entry(99, 1, { cursor: 'other' })])])
    // the writer gets only the other's cursor; the other gets the writer's, and neither its own
    const [toWriter, toOther] = await Promise.all([roundTrip(writer!, seen.writer), roundTrip(other!, seen.other)])
    expect(awarenessFrames(toWriter)).toEqual([[entry(99, 1, { cursor: 'other' })]])
    expect(toOther.map((m) => m.kind)).toEqual(['update', 'awareness', 'awareness', 'update'])
    expect(awarenessFrames(toOther)).toEqual([[entry(doc.clientID, 1, { cursor: 1 })], [entry(doc.clientID, 2, { cursor: 2 })]])
  })

  it('the browser client announces only its own presence: remote changes do not go back to the server', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const run = async (docId: string, ownOnly: boolean) => {
      const people = [0, 1, 2].map(() => connect(server.wsUrl, docId, undefined))
      cleanups.push(...people.map((p) => () => p.destroy()))
      if (ownOnly) for (const p of people) announceOwnPresenceOnly(p.provider)
      await Promise.all(people.map((p) => p.synced()))
      const [ada, bob, cy] = people as [Client, Client, Client]
      for (const p of people) p.provider.awareness.setLocalStateField('user', { name: `${p.doc.clientID}` })
      await waitFor('everyone to see everyone', () => people.every((p) => p.provider.awareness.getStates().size === 3))
      const before = server.metrics.traffic.messagesIn
      for (let i = 1; i <= 10; i++) ada.provider.awareness.setLocalStateField('cursor', i)
      await waitFor('Bob and Cy to see the last move', () => [bob, cy].every((p) => p.provider.awareness.getStates().get(ada.doc.clientID)?.cursor === 10))
      // Bob and Cy move once each; on one socket, anything they sent before reached the server first
      bob.provider.awareness.setLocalStateField('cursor', 'b')
      cy.provider.awareness.setLocalStateField('cursor', 'c')
      await waitFor('Ada to see them', () => ['b', 'c'].every((c, i) => ada.provider.awareness.getStates().get([bob, cy][i]!.doc.clientID)?.cursor === c))
      return server.metrics.traffic.messagesIn - before
    }
    // Ada's ten moves and one each of Bob and Cy: nothing else
    expect(await run('own-only', true)).toBe(12)
    // the stock provider sends each move it receives back (the server drops those copies)
    expect(await run('stock', false)).toBeGreaterThan(12)
  })
})
