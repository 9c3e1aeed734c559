/**
 * The saved acknowledgement (PROTOCOL.md X1-X3) through the client library's SaveTracker, and
 * what happens while storage is slow or failing: nothing is acknowledged or relayed before it is
 * stored, failed writes are retried, and /healthz says so.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SaveTracker } from '../../client/collab/saved.js'
import { MessageType } from '../../shared/protocol.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import { faulty } from '../helpers/faulty-storage.js'
import { connect, startServer } from '../helpers/server.js'
import { nextEvent, waitFor } from '../helpers/wait.js'
import { storedText } from '../helpers/ydoc.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

describe('saved acknowledgement', () => {
  it('reaches "saved" only once the server has the change on storage', async () => {
    const storage = faulty(createMemoryStorage())
    const server = await startServer({}, { storage })
    cleanups.push(() => server.close())
    const client = connect(server.wsUrl, 'saving')
    cleanups.push(() => client.destroy())
    const tracker = new SaveTracker(client.provider)
    await client.synced()
    expect(tracker.state).toBe('saved')

    storage.hold()
    const callsBefore = storage.appendCalls
    client.doc.getText('body').insert(0, 'hello')
    expect(tracker.state).toBe('saving')
    await waitFor('the server to try writing', () => storage.appendCalls > callsBefore)
    // the write is in flight but not done: still saving, and nothing stored yet
    expect(tracker.state).toBe('saving')
    expect(await storedText(storage, 'saving')).toBe('')

    const saved = nextEvent(tracker, 'change')
    storage.release()
    expect(await saved).toEqual(['saved'])
    expect(await storedText(storage, 'saving')).toBe('hello')
  })

  it('a stock client that does not ask never receives an extension message', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const stock = connect(server.wsUrl, 'stock')
    cleanups.push(() => stock.destroy())
    const types: number[] = []
    await stock.synced()
    stock.provider.ws!.addEventListener('message', (e: MessageEvent) => types.push(new Uint8Array(e.data as ArrayBuffer)[0]!))
    const other = connect(server.wsUrl, 'stock')
    cleanups.push(() => other.destroy())
    new SaveTracker(other.provider)
    await other.synced()
    other.doc.getText('body').insert(0, 'x')
    stock.doc.getText('body').insert(0, 'y')
    await waitFor('the edit to arrive', () => stock.doc.getText('body').length === 2)
    expect(types.length).toBeGreaterThan(0)
    expect(types).not.toContain(MessageType.Tandem)
  })

  it('a failing write is retried, never relayed before it lands, and shows in /healthz and /metrics', async () => {
    const storage = faulty(createMemoryStorage())
    const server = await startServer({}, { storage })
    cleanups.push(() => server.close())
    const writer = connect(server.wsUrl, 'flaky')
    const reader = connect(server.wsUrl, 'flaky')
    cleanups.push(() => writer.destroy(), () => reader.destroy())
    const tracker = new SaveTracker(writer.provider)
    await Promise.all([writer.synced(), reader.synced()])

    storage.failNext(3)
    writer.doc.getText('body').insert(0, 'survives')
    await waitFor('two failed attempts', () => storage.appendCalls >= 2)
    expect(tracker.state).toBe('saving')
    expect(reader.doc.getText('body').toString()).toBe('')
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(503)
    expect((await health.json()).storage.writable).toBe(false)

    await waitFor('the retried write to land', () => tracker.state === 'saved', 15_000)
    await waitFor('the reader to get the edit', () => reader.doc.getText('body').toString() === 'survives')
    expect(await storedText(storage, 'flaky')).toBe('survives')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/^tandem_persist_failures_total 3$/m)
    expect(metrics).toMatch(/^tandem_errors_total\{kind="storage-write"\} 3$/m)
  })

  it('acknowledges edits made offline once they reach the server after reconnecting', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const client = connect(server.wsUrl, 'offline')
    cleanups.push(() => client.destroy())
    const tracker = new SaveTracker(client.provider)
    await client.synced()
    client.provider.disconnect()
    client.doc.getText('body').insert(0, 'written offline')
    expect(tracker.state).toBe('saving')
    client.provider.connect()
    await waitFor('saved after reconnect', () => tracker.state === 'saved')
    expect(await storedText(server.storage, 'offline')).toBe('written offline')
  })
})
