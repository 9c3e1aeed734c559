/**
 * Presence rules (PROTOCOL.md A1-A6) with forged frames from raw clients next to stock clients:
 * nobody can overwrite or remove another client's entry, re-broadcast copies go no further,
 * nothing is echoed, and a client whose entry was removed comes back.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as awarenessCodec from '../../shared/awareness.js'
import * as frame from '../../shared/frame.js'
import { rawClient } from '../helpers/raw-client.js'
import { recordingDoc } from '../helpers/ydoc.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const entry = (clientId: number, clock: number, state: unknown) => ({ clientId, clock, state: JSON.stringify(state) })
const awarenessFrames = (received: frame.Message[]) => received.filter((m) => m.kind === 'awareness').map((m) => awarenessCodec.decode((m as { update: Uint8Array }).update))

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
        // both frames in one TCP write, so the server reads them in the same turn
        const socket = (writer.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket
        socket.cork()
        writer.send(frame.update(updates.at(-1)!))
        writer.send(frame.awareness(awarenessCodec.encode([entry(doc.clientID, round + 1, { cursor: round })])))
        socket.uncork()
        await observer.waitFor(`round ${round}'s cursor`, (m) => m.kind === 'awareness', seen)
        const kinds = observer.received.slice(seen).map((m) => m.kind)
        expect(kinds[0], `round ${round}: ${kinds.join(', ')}`).toBe('update')
      }
    })
  }
})
