/**
 * A WebSocket client built by hand on node:net, for tests that must send bytes a real client
 * library refuses to produce: frames with any FIN/RSV/opcode/mask/length fields, lying lengths,
 * unmasked frames, raw HTTP upgrade requests. It parses what the server sends back (HTTP
 * response, frames, the close frame's code) and answers nothing unless told to: no pongs, no
 * close echo, so it can also play a peer that has stopped responding.
 */
import { createHash, randomBytes } from 'node:crypto'
import { connect as netConnect, type Socket } from 'node:net'
import { nextEvent } from './wait.js'

/** WebSocket opcodes (RFC 6455 section 5.2). */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const

/** Every field of one frame; anything left out takes the value a correct client would send. */
export interface FrameSpec {
  readonly opcode: number
  readonly payload?: Uint8Array | string
  /** Default true. */
  readonly fin?: boolean
  readonly rsv1?: boolean
  readonly rsv2?: boolean
  readonly rsv3?: boolean
  /** Mask the payload (clients must). Default true. */
  readonly mask?: boolean
  /** The length written in the header instead of the payload's real length (a lie). */
  readonly announcedLength?: bigint | number
  /** Force the 7-bit, 16-bit or 64-bit length form. Default: the shortest that fits. */
  readonly lengthForm?: 7 | 16 | 64
}

/** Encodes one frame exactly as `spec` says. */
export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'utf8') : Buffer.from(spec.payload ?? new Uint8Array(0))
  const length = BigInt(spec.announcedLength ?? payload.length)
  const form = spec.lengthForm ?? (length < 126n ? 7 : length < 65536n ? 16 : 64)
  const mask = spec.mask ?? true
  const head: number[] = [
    ((spec.fin ?? true) ? 0x80 : 0) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) | (spec.opcode & 0x0f),
  ]
  const maskBit = mask ? 0x80 : 0
  if (form === 7) {
    head.push(maskBit | Number(length))
  } else if (form === 16) {
    head.push(maskBit | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff)
  } else {
    head.push(maskBit | 127)
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn))
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload])
  const key = randomBytes(4)
  const masked = Buffer.alloc(payload.length)
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i]! ^ key[i & 3]!
  return Buffer.concat([Buffer.from(head), key, masked])
}

/** A frame received from the server. */
export interface Frame {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Buffer
}

/** An HTTP response to an upgrade request. */
export interface HttpResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** How the connection ended, as far as this client can tell. */
export interface Closed {
  /** The code of the server's close frame; 1005 when it had none; 1006 when no close frame came. */
  readonly code: number
  readonly reason: string
}

/** Options of {@link RawWebSocket.open}. */
export interface OpenOptions {
  /** Extra request headers. */
  readonly headers?: Record<string, string>
  /** Time allowed for the HTTP exchange. Default 5000 ms. */
  readonly timeoutMs?: number
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** Splits `http://host:port` into host and port. */
function hostPort(baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl)
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) }
}

/**
 * Sends a WebSocket upgrade request for `path` (written as UTF-8 bytes, unescaped) and reads the
 * HTTP response. Resolves with an open RawWebSocket on 101, otherwise with the response once
 * the server has closed the connection.
 */
export async function upgrade(baseUrl: string, path: string, options: OpenOptions = {}): Promise<RawWebSocket | HttpResponse> {
  const { host, port } = hostPort(baseUrl)
  // half-open allowed: the client decides when its side ends (a hostile one never does)
  const socket = netConnect({ host, port, allowHalfOpen: true })
  socket.setNoDelay(true)
  await nextEvent(socket, 'connect', options.timeoutMs ?? 5000)
  const key = randomBytes(16).toString('base64')
  const headers: Record<string, string> = {
    Host: `${host}:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
    ...options.headers,
  }
  const request = `GET ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`
  socket.write(Buffer.from(request, 'utf8'))

  let buffered = Buffer.alloc(0)
  const head = await new Promise<{ status: number; headers: Record<string, string>; rest: Buffer }>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no HTTP response to the upgrade of ${path}`)), options.timeoutMs ?? 5000)
    const fail = (err: Error) => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.destroy()
      reject(err)
    }
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end < 0) return
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('end', onEnd)
      const lines = buffered.subarray(0, end).toString('latin1').split('\r\n')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0]!)?.[1] ?? NaN)
      const parsed: Record<string, string> = {}
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':')
        parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({ status, headers: parsed, rest: buffered.subarray(end + 4) })
    }
    const onEnd = () => fail(new Error(`the server closed the connection without answering the upgrade of ${path}`))
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('error', fail)
  })

  if (head.status !== 101) {
    // read the body until the server closes the connection (it must: Connection: close)
    let body = head.rest
    socket.on('data', (chunk: Buffer) => (body = Buffer.concat([body, chunk])))
    socket.resume()
    await Promise.race([nextEvent(socket, 'close', options.timeoutMs ?? 5000), nextEvent(socket, 'end', options.timeoutMs ?? 5000)])
    socket.destroy()
    return { status: head.status, headers: head.headers, body: body.toString('utf8') }
  }
  const accept = createHash('sha1').update(key + GUID).digest('base64')
  if (head.headers['sec-websocket-accept'] !== accept) {
    socket.destroy()
    throw new Error('the server answered the upgrade with a wrong Sec-WebSocket-Accept')
  }
  return new RawWebSocket(socket, head.rest)
}

/** Opens a WebSocket to `path` or throws with the HTTP status. */
export async function open(baseUrl: string, path: string, options: OpenOptions = {}): Promise<RawWebSocket> {
  const result = await upgrade(baseUrl, path, options)
  if (result instanceof RawWebSocket) return result
  throw new Error(`upgrade of ${path} refused: HTTP ${result.status} ${result.body}`)
}

/** An open hand-made WebSocket connection. */
export class RawWebSocket {
  /** Frames received and not yet taken by `nextFrame`. */
  private readonly frames: Frame[] = []
  private buffer: Buffer
  private waiting: (() => void) | null = null
  private ended = false
  /** Every frame received, in order (including ones already taken). */
  readonly received: Frame[] = []
  /** The server's close frame, once it came. */
  closeFrame: Closed | null = null

  constructor(
    readonly socket: Socket,
    initial: Buffer,
  ) {
    this.buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => this.feed(chunk))
    socket.on('error', () => {})
    // with half-open sockets 'close' waits for our side too; the server is done at its FIN
    const done = () => {
      this.ended = true
      this.wake()
    }
    socket.once('end', done)
    socket.once('close', done)
    if (initial.length > 0) this.feed(initial)
  }

  /** True once the server ended the TCP connection (FIN or reset). */
  get isTcpClosed(): boolean {
    return this.ended
  }

  /** Writes raw bytes. */
  write(bytes: Uint8Array | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes)
  }

  /** Writes one frame built from `spec`. */
  sendFrame(spec: FrameSpec): void {
    this.write(encodeFrame(spec))
  }

  /** Sends a correct, masked binary frame. */
  sendBinary(payload: Uint8Array): void {
    this.sendFrame({ opcode: Opcode.Binary, payload })
  }

  /** Sends a correct, masked text frame. */
  sendText(text: string): void {
    this.sendFrame({ opcode: Opcode.Text, payload: text })
  }

  /** Sends a close frame with `code`. */
  sendClose(code = 1000): void {
    const payload = Buffer.alloc(2)
    payload.writeUInt16BE(code)
    this.sendFrame({ opcode: Opcode.Close, payload })
  }

  /** The next frame from the server; rejects on timeout or when the connection ended first. */
  async nextFrame(timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const frame = this.frames.shift()
      if (frame) return frame
      if (this.ended) throw new Error('the connection closed before another frame came')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiting = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  /**
   * Reads frames until the server's close frame and returns its code, or 1006 if the TCP
   * connection ended without one. Rejects after `timeoutMs` if neither happened.
   */
  async closed(timeoutMs = 5000): Promise<Closed> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.closeFrame) return this.closeFrame
      try {
        await this.nextFrame(Math.max(1, deadline - Date.now()))
      } catch (err) {
        if (this.closeFrame) return this.closeFrame
        if (this.ended) return { code: 1006, reason: '' }
        throw new Error(`the server did not close the connection within ${timeoutMs} ms (${(err as Error).message})`)
      }
    }
  }

  /** Stops reading from the socket (the kernel buffers fill, then TCP pushes back). */
  pause(): void {
    this.socket.pause()
  }

  /** Reads again. */
  resume(): void {
    this.socket.resume()
  }

  /** Ends this side of the TCP connection (FIN), as a well-behaved client does after closing. */
  end(): void {
    this.socket.end()
  }

  /** Drops the TCP connection. */
  destroy(): void {
    this.socket.destroy()
  }

  private wake(): void {
    const waiting = this.waiting
    this.waiting = null
    waiting?.()
  }

  private feed(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    for (;;) {
      const frame = this.parse()
      if (!frame) break
      this.received.push(frame)
      this.frames.push(frame)
      if (frame.opcode === Opcode.Close && !this.closeFrame) {
        this.closeFrame =
          frame.payload.length >= 2
            ? { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString('utf8') }
            : { code: 1005, reason: '' }
      }
    }
    this.wake()
  }

  /** Takes one complete frame off the buffer, or null when it holds less than one. */
  private parse(): Frame | null {
    const b = this.buffer
    if (b.length < 2) return null
    const fin = (b[0]! & 0x80) !== 0
    const opcode = b[0]! & 0x0f
    const masked = (b[1]! & 0x80) !== 0
    let length = b[1]! & 0x7f
    let offset = 2
    if (length === 126) {
      if (b.length < 4) return null
      length = b.readUInt16BE(2)
      offset = 4
    } else if (length === 127) {
      if (b.length < 10) return null
      length = Number(b.readBigUInt64BE(2))
      offset = 10
    }
    const keyAt = offset
    if (masked) offset += 4
    if (b.length < offset + length) return null
    const payload = Buffer.from(b.subarray(offset, offset + length))
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ b[keyAt + (i & 3)]!
    this.buffer = b.subarray(offset + length)
    return { fin, opcode, payload }
  }
}
