/**
 * Connection hygiene against the real server (PROTOCOL.md K1 and close code 4507): a peer that
 * stops answering pings is dropped and its presence removed for the others; an idle stock client
 * hears from the server at least every keep-alive period, with an awareness message of zero
 * entries; a single frame larger than the send budget still reaches a reader that keeps up; and
 * a reader that stops reading during a 100 MB flood is closed with 4507 while the others keep
 * receiving, the bytes the server holds for its connections stay within the budget, and its
 * memory (a child process, RSS from /proc) stays bounded, its compaction process included.
 */
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import * as awarenessCodec from '../../shared/awareness.js'
import * as frame from '../../shared/frame.js'
import { spawn } from '../helpers/child.js'
import { open, Opcode } from '../helpers/raw-ws.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { nextEvent, waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const MB = 1024 * 1024

/** An awareness message announcing one presence entry. */
function presence(clientId: number, name: string, clock = 1): Uint8Array {
  return frame.awareness(awarenessCodec.encode([{ clientId, clock, state: JSON.stringify({ user: { name } }) }]))
}

/** Sum of a metric in Prometheus text, over every series whose labels contain `labels`. */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels)) sum += Number(line.split(' ').pop())
  }
  return sum
}

describe('liveness (K1)', () => {
  it('a peer that stops answering pings is dropped after two missed pongs, and its presence removed for the others', async () => {
    const pingIntervalMs = 200
    const server = await startServer({ pingIntervalMs })
    cleanups.push(() => server.close())
    const stock = connect(server.wsUrl, 'liveness')
    cleanups.push(() => stock.destroy())
    await stock.synced()
    const stockWs = stock.provider.ws

    // two peers that never answer a ping: a ws client with autoPong off, and a bare socket
    const silent = new WebSocket(`${server.wsUrl}/liveness`, { autoPong: false })
    cleanups.push(() => silent.terminate())
    await nextEvent(silent, 'open')
    const silentOpenedAt = Date.now()
    let silentPings = 0
    silent.on('ping', () => silentPings++)
    const silentClosed = nextEvent<[number]>(silent, 'close', 5000).then(([code]) => ({ code, at: Date.now() }))
    silent.send(presence(800_001, 'silent'))

    const bare = await open(server.url, '/sync/liveness')
    cleanups.push(() => bare.destroy())
    const bareOpenedAt = Date.now()
    bare.sendBinary(presence(800_002, 'bare'))

    for (const id of [800_001, 800_002]) await waitFor(`presence ${id} to appear`, () => stock.provider.awareness.getStates().has(id))

    const gone = await silentClosed
    await bare.closed(5000)
    const bareGoneAt = Date.now()
    const removedAt = await waitFor('both presences to be removed for the stock client', () => {
      const states = stock.provider.awareness.getStates()
      return !states.has(800_001) && !states.has(800_002) ? Date.now() : 0
    }, 2000, 5)

    const silentMs = gone.at - silentOpenedAt
    const bareMs = bareGoneAt - bareOpenedAt
    console.log(`[liveness] ping every ${pingIntervalMs} ms: dropped after ${silentMs} ms (ws, ${silentPings} pings) and ${bareMs} ms (bare socket); presence gone ${removedAt - gone.at} ms after the drop`)
    // dropped without a close frame, after two unanswered pings, at the third sweep
    expect(gone.code).toBe(1006)
    expect(bare.closeFrame).toBe(null)
    expect(silentPings).toBe(2)
    expect(bare.received.filter((f) => f.opcode === Opcode.Ping)).toHaveLength(2)
    for (const ms of [silentMs, bareMs]) {
      expect(ms).toBeGreaterThanOrEqual(2 * pingIntervalMs - 50)
      expect(ms).toBeLessThan(3 * pingIntervalMs + 400)
    }
    // the stock client answers pings (ws does) and stays, on the same connection
    expect(stock.provider.ws).toBe(stockWs)
    expect(stock.provider.wsconnected).toBe(true)
    const room = server.registry.get('liveness')!
    expect(room.peers.size).toBe(1)
    expect(await metric(server.url, 'tandem_closes_total', 'name="PingTimeout"')).toBe(2)
  })

  it('a lone idle stock client gets an empty awareness message at least every keep-alive period', async () => {
    const keepaliveMs = 300
    const server = await startServer({}, {}, { keepaliveMs })
    cleanups.push(() => server.close())
    const client = connect(server.wsUrl, 'quiet')
    cleanups.push(() => client.destroy())
    await client.synced()
    const ws = client.provider.ws as unknown as WebSocket
    const frames: Array<{ at: number; bytes: Uint8Array }> = []
    ws.on('message', (data: Buffer) => frames.push({ at: Date.now(), bytes: new Uint8Array(data) }))
    let docChanges = 0
    let awarenessChanges = 0
    client.doc.on('update', () => docChanges++)
    client.provider.awareness.on('change', () => awarenessChanges++)
    const since = Date.now()
    const lastMessageBefore = client.provider.wsLastMessageReceived

    await waitFor('six keep-alive frames', () => frames.length >= 6, 6 * keepaliveMs + 2000)
    const gaps = frames.map((f, i) => f.at - (i === 0 ? since : frames[i - 1]!.at))
    console.log(`[keepalive] every ${keepaliveMs} ms: gaps ${gaps.join(', ')} ms`)
    // K1: `1, 1, 0`, an awareness update with zero entries
    for (const f of frames) expect([...f.bytes]).toEqual([1, 1, 0])
    // never silent for longer than the period (plus timer lateness on a busy machine)
    expect(Math.max(...gaps.slice(1))).toBeLessThanOrEqual(keepaliveMs + 100)
    // and not a flood either
    expect(frames.length).toBeLessThanOrEqual(Math.ceil((Date.now() - since) / (keepaliveMs / 2)))
    // the stock client takes it as a no-op that proves the connection alive
    expect(docChanges).toBe(0)
    expect(awarenessChanges).toBe(0)
    expect([...client.provider.awareness.getStates().keys()]).toEqual([client.doc.clientID])
    expect(client.provider.wsLastMessageReceived).toBeGreaterThan(lastMessageBefore)
    expect(client.provider.ws).toBe(ws as unknown)
  })
})

describe('send budget (4507)', () => {
  it('a single frame bigger than the send budget still reaches a reader that keeps up', async () => {
    const sendBudget = 64 * 1024
    const server = await startServer({ sendBudget, maxMessage: 4 * MB })
    cleanups.push(() => server.close())
    const a = connect(server.wsUrl, 'big')
    const b = connect(server.wsUrl, 'big')
    cleanups.push(() => a.destroy(), () => b.destroy())
    await Promise.all([a.synced(), b.synced()])
    const wsB = b.provider.ws
    const big = 'y'.repeat(4 * sendBudget)
    a.doc.getText('body').insert(0, big)
    await waitFor('b to receive the big update', () => b.doc.getText('body').length === big.length)
    expect(b.provider.ws).toBe(wsB)
    // a newcomer's first sync step 2 is bigger than the budget too
    const c = connect(server.wsUrl, 'big')
    cleanups.push(() => c.destroy())
    await c.synced()
    expect(c.doc.getText('body').length).toBe(big.length)
    expect(await metric(server.url, 'tandem_closes_total', 'code="4507"')).toBe(0)
  })

  it('a paused reader is closed with 4507 during a 100 MB flood; others keep receiving; what the server queues and its RSS stay bounded', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const budget = 256 * 1024
    const server = await spawn(['--port', '0', '--data', data.dir, '--send-budget', `${budget}B`, '--log-level', 'warn', '--max-bytes-per-second', '1GiB', '--max-messages-per-second', '100000'])
    cleanups.push(async () => {
      server.kill('SIGKILL')
      await server.exited
    })
    const rssAtStart = server.rss()
    const docUrl = `${server.wsUrl}/flood`

    const observer = connect(server.wsUrl, 'flood')
    cleanups.push(() => observer.destroy())
    await observer.synced()
    const observerWs = observer.provider.ws
    let received = 0
    let wake: (() => void) | null = null
    observer.doc.on('update', () => {
      received++
      wake?.()
    })

    const reader = new WebSocket(docUrl)
    cleanups.push(() => reader.terminate())
    const readerClosed = nextEvent<[number, Buffer]>(reader, 'close', 30_000)
    await nextEvent(reader, 'open')
    const flooder = new WebSocket(docUrl)
    cleanups.push(() => flooder.terminate())
    await nextEvent(flooder, 'open')

    // 64 KiB binary map values, each replacing the last: the flood is big, the document small
    const source = new Y.Doc()
    let last: Uint8Array | null = null
    source.on('update', (u: Uint8Array) => (last = u))
    const blob = (i: number) => {
      const bytes = new Uint8Array(64 * 1024)
      new DataView(bytes.buffer).setUint32(0, i)
      return bytes
    }
    let sent = 0
    let bytes = 0
    /** Sends `mb` megabytes, keeping at most a few updates on their way to the observer (it must keep up, not drown). */
    const flood = async (mb: number, afterEach?: () => Promise<void>) => {
      const stop = bytes + mb * MB
      while (bytes < stop) {
        source.getMap('m').set('blob', blob(sent))
        const f = frame.update(last!)
        flooder.send(f)
        sent++
        bytes += f.length
        if (sent - received > 8) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`the observer stalled at ${received}/${sent}`)), 10_000)
            wake = () => {
              if (sent - received > 4) return
              clearTimeout(timer)
              wake = null
              resolve()
            }
          })
        }
        await afterEach?.()
      }
    }

    // warm up with everyone reading: the worker, LevelDB and the heaps reach their working size,
    // so what the paused reader costs is not lost among start-up allocations
    await flood(20)
    await waitFor('the warm-up to be relayed', () => received === sent)
    const rssWarm = server.rss()
    let rssMax = rssWarm
    // with its compaction process, which folds the flood's log meanwhile
    let treeMax = server.treeRss()
    const sampler = setInterval(() => {
      try {
        rssMax = Math.max(rssMax, server.rss())
        treeMax = Math.max(treeMax, server.treeRss())
      } catch {
        // the process is gone; the assertions below say so
      }
    }, 20)
    cleanups.push(() => clearInterval(sampler))
    // what the server holds for its connections, from its own gauge (one scrape at a time)
    let queuedMax = 0
    let scraping = false
    const scraper = setInterval(() => {
      if (scraping) return
      scraping = true
      metric(server.url, 'tandem_send_queued_bytes')
        .then((queued) => (queuedMax = Math.max(queuedMax, queued)))
        .catch(() => {})
        .finally(() => (scraping = false))
    }, 10)
    cleanups.push(() => clearInterval(scraper))

    reader.pause()
    const pausedAt = bytes
    let closedAfter = -1
    let readerCode: number | null = null
    const started = Date.now()
    await flood(100, async () => {
      if (closedAfter >= 0 || sent % 16 !== 0) return
      if ((await metric(server.url, 'tandem_closes_total', 'code="4507"')) === 0) return
      closedAfter = bytes - pausedAt
      // the close frame waits behind what the server had queued for the reader, and the server
      // drops a closing socket after 5 s: read it all now, while the flood goes on
      reader.resume()
      void readerClosed.then(([code]) => (readerCode = code))
    })
    await waitFor('the observer to receive every update', () => received === sent, 20_000)
    const floodMs = Date.now() - started
    clearInterval(sampler)
    clearInterval(scraper)
    rssMax = Math.max(rssMax, server.rss())
    treeMax = Math.max(treeMax, server.treeRss())
    console.log(
      `[slow reader] ${((bytes - pausedAt) / MB).toFixed(0)} MB in ${floodMs} ms after ${(pausedAt / MB).toFixed(0)} MB of warm-up;` +
        ` paused reader closed after ${(closedAfter / MB).toFixed(1)} MB; server RSS ${(rssAtStart / MB).toFixed(0)} MB at start,` +
        ` ${(rssWarm / MB).toFixed(0)} MB warm, ${(rssMax / MB).toFixed(0)} MB at most (+${((rssMax - rssWarm) / MB).toFixed(0)} MB);` +
        ` with the compaction process ${(treeMax / MB).toFixed(0)} MB at most; queued for connections ${(queuedMax / 1024).toFixed(0)} KiB at most`,
    )

    expect(closedAfter).toBeGreaterThan(0)
    const [code] = await readerClosed
    expect(code).toBe(4507)
    expect(readerCode).toBe(4507)
    // the server's own count of what it holds for its connections: up to a budget and one batch for
    // the paused reader, and a batch for the observer; 0.5 to 0.7 MiB measured here, against 64 MiB
    // and more with --send-budget 1GiB, where the flood piles up for the reader
    expect(queuedMax).toBeGreaterThan(0)
    expect(queuedMax).toBeLessThan(budget + 2 * MB)
    // and nothing else in the relay grows with the flood (compaction runs in its own process, so it
    // is not in this figure): +19 to +41 MB measured with the budget, +57 to +75 MB without it, when
    // the gauge above reads 64 MiB; RSS moves with the heaps, so this bound only catches a larger leak
    expect(rssMax - rssWarm).toBeLessThan(64 * MB)
    expect(rssMax - rssAtStart).toBeLessThan(250 * MB)
    // the compaction process adds one compaction's input and Y.Doc to a Node process of its own:
    // 146 to 176 MB over the start here, both together
    expect(treeMax - rssAtStart).toBeLessThan(250 * MB)
    // the observer kept its connection, got every update and has the last value
    expect(observer.provider.ws).toBe(observerWs)
    const value = observer.doc.getMap('m').get('blob') as Uint8Array
    expect(new DataView(value.buffer, value.byteOffset).getUint32(0)).toBe(sent - 1)
    expect(flooder.readyState).toBe(WebSocket.OPEN)
    expect(await metric(server.url, 'tandem_closes_total', 'code="4507"')).toBe(1)
    expect(server.process.exitCode).toBe(null)
  })
})
