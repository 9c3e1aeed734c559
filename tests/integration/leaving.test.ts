/**
 * A person leaving a document, with stock y-websocket clients: the others stop seeing them at
 * once (not after the 30 s awareness timeout), however busy the room's presence is, and many
 * joins and leaves leave nothing behind in the server.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startBlackhole } from '../helpers/blackhole.js'
import { connect, startServer, type Client } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** Connects a stock client named `name` to `docId` and waits for its first sync. */
async function person(wsUrl: string, docId: string, name: string): Promise<Client> {
  const client = connect(wsUrl, docId)
  cleanups.push(() => client.destroy())
  await client.synced()
  client.provider.awareness.setLocalStateField('user', { name })
  return client
}

/** Whether `watcher` sees `other` in the document. */
const sees = (watcher: Client, other: Client) => watcher.provider.awareness.getStates().has(other.doc.clientID)

describe('leaving a document', () => {
  it('the others stop seeing a person who leaves while presence waits for the relay interval', async () => {
    // a long interval makes "someone's cursor moved a moment ago" last: the default 30 ms is the same race, briefly
    const server = await startServer({}, {}, { presenceIntervalMs: 1500 })
    cleanups.push(() => server.close())
    const bob = await person(server.wsUrl, 'busy', 'Bob')
    const carol = await person(server.wsUrl, 'busy', 'Carol')
    const erin = await person(server.wsUrl, 'busy', 'Erin')
    await waitFor('everyone to see everyone', () => sees(bob, erin) && sees(bob, carol) && sees(carol, erin))
    // Carol moves her cursor: once Bob has it, the relay interval has just begun again
    carol.provider.awareness.setLocalStateField('cursor', { at: 7 })
    await waitFor("Carol's cursor at Bob's", () => (bob.provider.awareness.getStates().get(carol.doc.clientID) as { cursor?: unknown } | undefined)?.cursor)
    // Erin leaves the document (as the editor does when she goes back to the list): her provider
    // says she is gone, then closes its connection
    erin.destroy()
    await waitFor('Bob and Carol to stop seeing Erin', () => !sees(bob, erin) && !sees(carol, erin), 10_000)
    expect(server.registry.get('busy')!.presenceSize).toBe(2)
  })

  it("a person whose network changed moves their cursor again at once, though the server did not see the old connection end", async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const relay = await startBlackhole(server.port)
    cleanups.push(() => relay.close())
    const bob = await person(server.wsUrl, 'moving', 'Bob')
    const erin = await person(relay.wsUrl, 'moving', 'Erin')
    const erinsCursor = () => (bob.provider.awareness.getStates().get(erin.doc.clientID) as { cursor?: { at: number } } | undefined)?.cursor?.at
    erin.provider.awareness.setLocalStateField('cursor', { at: 1 })
    await waitFor("Erin's cursor at Bob's", () => erinsCursor() === 1)
    // Erin's network changes: her connection is gone for her, while the server still holds it
    relay.cut()
    await waitFor('Erin to connect again', () => !erin.provider.wsconnected)
    await waitFor('Erin to connect again', () => erin.provider.wsconnected && erin.provider.synced)
    erin.provider.awareness.setLocalStateField('cursor', { at: 2 })
    // well before the server's ping timeout (two 30 s intervals) ends the old connection
    await waitFor("Erin's moved cursor at Bob's", () => erinsCursor() === 2, 10_000)
    expect(server.registry.get('moving')!.presenceSize).toBe(2)
  })

  it('100 people coming and going leave one presence entry, one connection, and no document once the last one leaves', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const bob = await person(server.wsUrl, 'busy', 'Bob')
    for (let i = 0; i < 100; i++) {
      const visitor = await person(server.wsUrl, i % 2 ? 'busy' : 'quiet', `Visitor ${i}`)
      if (i % 2) await waitFor('Bob to see the visitor', () => sees(bob, visitor))
      visitor.destroy()
      if (i % 2) await waitFor('Bob to stop seeing the visitor', () => !sees(bob, visitor))
    }
    await waitFor('the quiet document to leave memory', () => server.registry.size === 1)
    expect(server.registry.get('busy')!.presenceSize).toBe(1)
    expect([...bob.provider.awareness.getStates().keys()]).toEqual([bob.doc.clientID])
    const connections = async () => /^tandem_connections (\d+)$/m.exec(await server.metrics.registry.metrics())?.[1]
    await waitFor('one connection left', async () => (await connections()) === '1')
    bob.destroy()
    await waitFor('no document in memory', () => server.registry.size === 0)
    await waitFor('no connection left', async () => (await connections()) === '0')
  })
})
