/**
 * The relay against stock y-websocket clients: convergence under seeded random concurrent edits
 * and pastes of every size, kept across a restart, durability across a restart, and awareness
 * that appears and disappears.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connect, startServer, tempDir, type Client } from '../helpers/server.js'
import { seededRandom, testSeed, waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function track<T extends { destroy(): void }>(client: T): T {
  cleanups.push(() => client.destroy())
  return client
}

/** Random typing-like edits: inserts, deletes, formatting-free text plus map keys, now and then a paste (64 B to 128 KiB). */
function randomEdit(doc: Y.Doc, rand: () => number, label: string): void {
  const text = doc.getText('body')
  const r = rand()
  if (r < 0.06) {
    const length = Math.floor(2 ** (6 + rand() * 11))
    text.insert(Math.floor(rand() * (text.length + 1)), `${label}${'pasted '.repeat(Math.ceil(length / 7))}`.slice(0, length))
  } else if (r < 0.6 || text.length === 0) {
    const at = Math.floor(rand() * (text.length + 1))
    text.insert(at, label + String.fromCharCode(97 + Math.floor(rand() * 26)))
  } else if (r < 0.85) {
    const at = Math.floor(rand() * text.length)
    text.delete(at, Math.min(1 + Math.floor(rand() * 3), text.length - at))
  } else {
    doc.getMap('meta').set(`k${Math.floor(rand() * 5)}`, label + Math.floor(rand() * 1000))
  }
}

/** Canonical text of a doc's content (map keys sorted: their order is local). */
function snapshot(doc: Y.Doc): string {
  const meta = doc.getMap('meta').toJSON()
  return JSON.stringify([doc.getText('body').toString(), Object.keys(meta).sort().map((k) => [k, meta[k]])])
}

describe('sync with stock y-websocket clients', () => {
  it('several clients on several docs converge after seeded random concurrent edits', async () => {
    const seed = testSeed('convergence')
    const rand = seededRandom(seed)
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = await startServer({ dataDir: data.dir })
    cleanups.push(() => server.close())

    const docIds = ['alpha', 'beta', 'gamma']
    const clients: Array<{ docId: string; client: Client }> = []
    for (const docId of docIds) for (let i = 0; i < 4; i++) clients.push({ docId, client: track(connect(server.wsUrl, docId)) })
    await Promise.all(clients.map(({ client }) => client.synced()))

    for (let round = 0; round < 30; round++) {
      for (const [i, { client }] of clients.entries()) {
        if (rand() < 0.7) randomEdit(client.doc, rand, String(i % 10))
      }
      // let some rounds interleave with network delivery, others pile up, a few span store writes
      const pause = rand()
      if (pause < 0.05) await new Promise((resolve) => setTimeout(resolve, 600))
      else if (pause < 0.3) await new Promise((resolve) => setImmediate(resolve))
    }

    for (const docId of docIds) {
      const peers = clients.filter((c) => c.docId === docId).map((c) => c.client)
      await waitFor(`clients of ${docId} to converge (seed ${seed})`, () => {
        const first = snapshot(peers[0]!.doc)
        return peers.every((p) => snapshot(p.doc) === first)
      })
      expect(peers[0]!.doc.getText('body').length).toBeGreaterThan(0)
    }

    // a late joiner gets exactly the converged state in its first sync
    const late = track(connect(server.wsUrl, 'beta'))
    await late.synced()
    const reference = clients.find((c) => c.docId === 'beta')!.client.doc
    expect(late.doc.getText('body').toString()).toBe(reference.getText('body').toString())

    // and so does a joiner after a restart, from what the store holds
    const converged = new Map(docIds.map((docId) => [docId, snapshot(clients.find((c) => c.docId === docId)!.client.doc)]))
    for (const { client } of clients) client.provider.disconnect()
    late.provider.disconnect()
    await server.close()
    const restarted = await startServer({ dataDir: data.dir })
    cleanups.push(() => restarted.close())
    for (const docId of docIds) {
      const reader = track(connect(restarted.wsUrl, docId))
      await reader.synced()
      expect(snapshot(reader.doc), `${docId} after a restart (seed ${seed})`).toBe(converged.get(docId))
    }
  })

  it('a restart keeps everything that was synced', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    let server = await startServer({ dataDir: data.dir })
    const writer = connect(server.wsUrl, 'persisted')
    await writer.synced()
    const text = writer.doc.getText('body')
    for (let i = 0; i < 200; i++) text.insert(text.length, `line ${i}\n`)
    text.delete(0, 7)
    writer.doc.getMap('meta').set('title', 'Kept')
    const expected = text.toString()
    // a second client proves the server relayed (and therefore stored) everything
    const watcher = connect(server.wsUrl, 'persisted')
    await watcher.synced()
    await waitFor('watcher to see every edit', () => watcher.doc.getText('body').toString() === expected)
    writer.destroy()
    watcher.destroy()
    await server.close()

    server = await startServer({ dataDir: data.dir })
    cleanups.push(() => server.close())
    const reader = track(connect(server.wsUrl, 'persisted'))
    await reader.synced()
    // the first sync step 2 already holds everything: no waiting
    expect(reader.doc.getText('body').toString()).toBe(expected)
    expect(reader.doc.getMap('meta').get('title')).toBe('Kept')
  })

  it('awareness appears for others and disappears for everyone when a peer leaves', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const a = track(connect(server.wsUrl, 'presence'))
    const b = track(connect(server.wsUrl, 'presence'))
    const c = track(connect(server.wsUrl, 'presence'))
    await Promise.all([a.synced(), b.synced(), c.synced()])

    a.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#f00' })
    const aId = a.doc.clientID
    for (const other of [b, c]) {
      await waitFor('Ada to appear', () => (other.provider.awareness.getStates().get(aId) as { user?: { name: string } })?.user?.name === 'Ada')
    }

    // a client joining later sees Ada at once
    const d = track(connect(server.wsUrl, 'presence'))
    await d.synced()
    await waitFor('Ada to appear for the late joiner', () => d.provider.awareness.getStates().has(aId))

    // Ada drops off without saying goodbye (her socket just closes)
    a.provider.ws!.close()
    a.provider.shouldConnect = false
    for (const other of [b, c, d]) {
      await waitFor('Ada to disappear', () => !other.provider.awareness.getStates().has(aId))
    }
  })
})
