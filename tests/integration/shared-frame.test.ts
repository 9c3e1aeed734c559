/**
 * server/transport/wire-frame.ts and Connection.sendShared against a real ws server and client:
 * a frame framed once reaches every peer byte for byte at each header size (7-bit, 16-bit and
 * 64-bit lengths), goes out through the one-write path while ws's sender is idle (a ws upgrade
 * that renames what it reads fails here, not silently in the benchmark), interleaves in order with
 * ordinary sends, and keeps the send budget. Connection.sendSplit likewise: a head and a body sent
 * back to back arrive as one message, and the body is written as it is, never copied.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { idleMetrics } from '../helpers/metrics.js'
import { Connection } from '../../server/transport/connection.js'
import { encodeBinaryFrame, encodeBinaryFrameStart, SharedFrame, SPLIT_PAYLOAD_BYTES } from '../../server/transport/wire-frame.js'
import { joinSplit, splitSyncStep2, type SplitFrame } from '../../shared/frame.js'
import { Close } from '../../shared/protocol.js'

/** A SharedFrame that counts how often its wire form, or for a large payload its header, is read. */
class CountingFrame extends SharedFrame {
  reads = 0
  override get wire(): Buffer {
    this.reads++
    return super.wire
  }
  override get header(): Buffer {
    this.reads++
    return super.header
  }
}

const metrics = idleMetrics

let cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanup.reverse()) await c()
  cleanup = []
})

/** A server with `n` clients; resolves with each client's server-side Connection, in order. */
async function connect(n: number, sendBudget = 1 << 24) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  await once(wss, 'listening')
  cleanup.push(() => new Promise<void>((resolve) => wss.close(() => resolve())))
  const port = (wss.address() as AddressInfo).port
  const conns: Connection[] = []
  const clients: WebSocket[] = []
  for (let i = 0; i < n; i++) {
    const accepted = once(wss, 'connection')
    const client = new WebSocket(`ws://127.0.0.1:${port}`)
    client.binaryType = 'nodebuffer'
    cleanup.push(() => client.terminate())
    const [ws] = (await accepted) as [WebSocket]
    await once(client, 'open')
    conns.push(new Connection(ws, { sendBudget, metrics: metrics() }))
    clients.push(client)
  }
  return { conns, clients }
}

/** Collects the next `count` messages of `client`. */
function messages(client: WebSocket, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = []
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${count} messages`)), 10_000)
    client.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return reject(new Error('text frame'))
      got.push(data)
      if (got.length === count) {
        clearTimeout(timer)
        resolve(got)
      }
    })
  })
}

/** Records every buffer `conn` writes to its socket, in order, as the very objects written. */
function recordWrites(conn: Connection): Uint8Array[] {
  const socket = (conn.ws as unknown as { _socket: { write(data: Uint8Array): boolean } })._socket
  const written: Uint8Array[] = []
  const write = socket.write
  socket.write = function (this: unknown, data: Uint8Array, ...rest: unknown[]) {
    written.push(data)
    return (write as (...args: unknown[]) => boolean).call(this, data, ...rest)
  }
  return written
}

/** Deterministic payload bytes. */
const payload = (length: number, salt: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + salt) & 0xff)

describe('encodeBinaryFrame', () => {
  it('writes the RFC 6455 header for each length class', () => {
    expect([...encodeBinaryFrame(Uint8Array.of(7, 8))]).toEqual([0x82, 2, 7, 8])
    expect([...encodeBinaryFrame(new Uint8Array(0))]).toEqual([0x82, 0])
    expect([...encodeBinaryFrame(new Uint8Array(125)).subarray(0, 2)]).toEqual([0x82, 125])
    expect([...encodeBinaryFrame(new Uint8Array(126)).subarray(0, 4)]).toEqual([0x82, 126, 0, 126])
    expect([...encodeBinaryFrame(new Uint8Array(0xffff)).subarray(0, 4)]).toEqual([0x82, 126, 0xff, 0xff])
    const big = encodeBinaryFrame(new Uint8Array(0x10000))
    expect([...big.subarray(0, 10)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0])
    expect(big.length).toBe(10 + 0x10000)
  })

  it('starts a frame with the header for the whole payload, then the prefix', () => {
    expect([...encodeBinaryFrameStart(Uint8Array.of(1, 2), 3)]).toEqual([0x82, 5, 1, 2])
    expect([...encodeBinaryFrameStart(Uint8Array.of(9), 0x10000)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 1, 9])
    for (const rest of [0, 100, 124, 125, 0xfffe, 0xffff, 300_000]) {
      const whole = encodeBinaryFrame(new Uint8Array(1 + rest))
      expect([...encodeBinaryFrameStart(Uint8Array.of(0), rest)]).toEqual([...whole.subarray(0, whole.length - rest)])
    }
  })
})

describe('Connection.sendSplit', () => {
  it('delivers head and body as one message at each size, writing the body itself to the socket', async () => {
    const { conns, clients } = await connect(1)
    const conn = conns[0]!
    const sizes = [0, 1, 122, 123, 124, 125, 0xfffc, 0xffff, 0x10000, 300_000]
    const frames = sizes.map((size, i) => splitSyncStep2(payload(size, i)))
    const written = recordWrites(conn)
    const received = messages(clients[0]!, sizes.length)
    for (const f of frames) conn.sendSplit(f)
    const got = await received
    expect(got.map((m) => [...m])).toEqual(frames.map((f) => [...joinSplit(f)]))
    // each body went to the socket as the very object given, right after its header and head
    for (const f of frames) expect(written.includes(f.body)).toBe(true)
  })

  it('keeps order with ordinary and shared sends, corked or not', async () => {
    const { conns, clients } = await connect(1)
    const conn = conns[0]!
    const received = messages(clients[0]!, 5)
    const split = (size: number, salt: number): SplitFrame => ({ head: Uint8Array.of(salt), body: payload(size, salt) })
    conn.send(payload(3, 1))
    conn.sendSplit(split(70_000, 2))
    conn.cork()
    conn.sendShared(new SharedFrame(payload(5, 3)))
    conn.sendSplit(split(200, 4))
    conn.uncork()
    conn.sendSplit(split(0, 5))
    const got = await received
    expect(got.map((m) => m.length)).toEqual([3, 70_001, 5, 201, 1])
    expect([...got[1]!]).toEqual([2, ...payload(70_000, 2)])
    expect([...got[3]!]).toEqual([4, ...payload(200, 4)])
  })

  it('closes a peer as SlowReader when a split frame would pass its budget', async () => {
    const { conns, clients } = await connect(1, 64 * 1024)
    const conn = conns[0]!
    const closed = once(clients[0]!, 'close')
    ;(clients[0] as unknown as { _socket: { pause(): void } })._socket.pause()
    const big = splitSyncStep2(payload(1 << 20, 8))
    for (let i = 0; i < 64 && !conn.isClosed; i++) conn.sendSplit(big)
    expect(conn.isClosed).toBe(true)
    ;(clients[0] as unknown as { _socket: { resume(): void } })._socket.resume()
    const [code] = (await closed) as [number]
    expect(code).toBe(Close.SlowReader.code)
  })
})

describe('Connection.sendShared', () => {
  it('delivers each size byte for byte to every peer, framed once, through the one-write path', async () => {
    const { conns, clients } = await connect(3)
    const sizes = [0, 1, 125, 126, 127, 0xffff, 0x10000, 200_000]
    const received = clients.map((c) => messages(c, sizes.length))
    const frames = sizes.map((size, i) => new CountingFrame(payload(size, i)))
    for (const f of frames) for (const c of conns) c.sendShared(f)
    const got = await Promise.all(received)
    for (const list of got) expect(list.map((m) => [...m])).toEqual(frames.map((f) => [...f.payload]))
    // every send took the socket-write path (it reads the wire form or header); ws would not have
    for (const f of frames) expect(f.reads).toBe(conns.length)
    expect(conns[0]!.ws.bufferedAmount).toBe(0)
    expect(frames.map((f) => f.whole)).toEqual(sizes.map((size) => size < SPLIT_PAYLOAD_BYTES))
  })

  it('writes a large payload to the socket as it is, after a header shared by every peer', async () => {
    const { conns, clients } = await connect(2)
    const written = conns.map(recordWrites)
    const received = clients.map((c) => messages(c, 2))
    const large = new SharedFrame(payload(SPLIT_PAYLOAD_BYTES, 3))
    const small = new SharedFrame(payload(SPLIT_PAYLOAD_BYTES - 1, 4))
    for (const f of [large, small]) for (const c of conns) c.sendShared(f)
    const got = await Promise.all(received)
    for (const list of got) expect(list.map((m) => [...m])).toEqual([[...large.payload], [...small.payload]])
    for (const list of written) {
      // the large frame: its header (the same buffer for both peers), then the payload itself
      expect(list[0]).toBe(large.header)
      expect(list[1]).toBe(large.payload)
      expect(list[2]).toBe(small.wire)
    }
  })

  it('keeps order with ordinary sends and under cork', async () => {
    const { conns, clients } = await connect(1)
    const [conn] = conns
    const received = messages(clients[0]!, 6)
    conn!.send(payload(3, 1))
    conn!.sendShared(new SharedFrame(payload(300, 2)))
    conn!.cork()
    conn!.sendShared(new SharedFrame(payload(5, 3)))
    conn!.send(payload(70_000, 4))
    conn!.sendShared(new SharedFrame(payload(9, 5)))
    conn!.uncork()
    conn!.send(payload(2, 6))
    const got = await received
    expect(got.map((m) => m.length)).toEqual([3, 300, 5, 70_000, 9, 2])
    expect([...got[3]!]).toEqual([...payload(70_000, 4)])
  })

  it('closes a peer as SlowReader when a shared frame would pass its budget', async () => {
    const { conns, clients } = await connect(1, 64 * 1024)
    const conn = conns[0]!
    const closed = once(clients[0]!, 'close')
    // the client does not read: pause its socket so the server's writes back up
    ;(clients[0] as unknown as { _socket: { pause(): void } })._socket.pause()
    const big = new SharedFrame(payload(1 << 20, 7))
    for (let i = 0; i < 64 && !conn.isClosed; i++) conn.sendShared(big)
    expect(conn.isClosed).toBe(true)
    ;(clients[0] as unknown as { _socket: { resume(): void } })._socket.resume()
    const [code] = (await closed) as [number]
    expect(code).toBe(Close.SlowReader.code)
  })
})
