/**
 * One WebSocket as the server sees it: sends under a buffer budget, closes with named codes,
 * and reports its end once. Liveness (ping/pong) is driven by ./heartbeat.ts.
 */
import type { WebSocket } from 'ws'
import { Close, closeName, type CloseCode } from '../../shared/protocol.js'
import { joinSplit, type SplitFrame } from '../../shared/frame.js'
import type { Metrics } from '../metrics.js'
import { encodeBinaryFrameStart, type SharedFrame } from './wire-frame.js'

/** Settings shared by every connection. */
export interface ConnectionOptions {
  /** Close a peer whose unsent bytes would pass this many (it re-syncs on reconnect). */
  readonly sendBudget: number
  readonly metrics: Metrics
  /** Time allowed for a closing handshake before the socket is destroyed. */
  readonly closeTimeoutMs?: number
  /** Time a probed peer has to answer its ping before the socket is dropped (see probe). */
  readonly probeTimeoutMs?: number
}

const CONNECTION = Symbol('tandem.connection')
/** WebSocket.OPEN, without importing ws's runtime into this module. */
const OPEN = 1
/** ws's Sender state when it writes a frame at once instead of queueing it (ws 8: DEFAULT). */
const SENDER_IDLE = 0

/** The socket calls the direct sends make. */
interface Socket {
  write(data: Uint8Array): boolean
  cork(): void
  uncork(): void
}

/** The parts of ws's WebSocket that the direct sends read; if a ws release renames them, they fall back to send. */
interface WsInternals {
  _socket?: Socket
  _sender?: { _state?: number }
}

/**
 * Writes `start`, then `rest` as it is (never copied behind it), in one system call: corked, the
 * two leave as one writev; under a cork already held they wait for it.
 */
function writeBoth(socket: Socket, start: Uint8Array, rest: Uint8Array): void {
  socket.cork()
  socket.write(start)
  socket.write(rest)
  socket.uncork()
}
type Tagged = WebSocket & { [CONNECTION]: Connection }

function onMessage(this: Tagged, data: Buffer, isBinary: boolean): void {
  this[CONNECTION].received(data, isBinary)
}
function onPong(this: Tagged): void {
  this[CONNECTION].ponged()
}
function onError(this: Tagged, err: Error & { code?: string }): void {
  this[CONNECTION].errored(err)
}
function onClose(this: Tagged, code: number): void {
  this[CONNECTION].end(code)
}

/** Receives a connection's events. */
export interface ConnectionHandler {
  /** A binary or text message arrived. */
  message(data: Uint8Array, isBinary: boolean): void
  /** The connection ended (by either side); called exactly once. */
  closed(code: number): void
}

/** A WebSocket with a send budget and an idempotent close. */
export class Connection {
  /** Pings sent without a pong since. */
  missedPongs = 0
  /**
   * Keep-alive bookkeeping, owned by the heartbeat: whether a frame was sent since its last sweep
   * (a flag, not a timestamp: no clock read per frame), and the sweeps in a row that found none.
   */
  sentSinceSweep = true
  quietSweeps = 0
  private ended = false
  private handler: ConnectionHandler | null = null
  /** Drops the socket unless a pong comes first, while a probe waits for one. */
  private probing: NodeJS.Timeout | null = null
  /** While corked: the bytes that were waiting when the burst began (the budget applies to those). */
  private backlogAtCork = -1

  constructor(
    readonly ws: WebSocket,
    private readonly options: ConnectionOptions,
  ) {
    // shared listeners that find their connection on the socket: no closures per connection
    const tagged = ws as unknown as Tagged & { on(event: string, listener: (this: Tagged, ...args: never[]) => void): unknown }
    tagged[CONNECTION] = this
    tagged.on('message', onMessage)
    tagged.on('pong', onPong)
    tagged.on('error', onError)
    tagged.on('close', onClose)
  }

  /** A pong arrived (from the shared listener): the peer is there. */
  ponged(): void {
    this.missedPongs = 0
    this.stopProbe()
  }

  /**
   * Checks at once that the peer is still there: a ping, and the socket is dropped when no pong
   * comes within the probe timeout. For a connection that may have vanished without a word; a
   * live peer answers, and nothing changes.
   */
  probe(): void {
    if (this.ended || this.probing !== null) return
    this.probing = setTimeout(() => {
      this.probing = null
      this.terminate('ProbeTimeout')
    }, this.options.probeTimeoutMs ?? 5000)
    this.probing.unref()
    this.ws.ping()
  }

  private stopProbe(): void {
    if (this.probing !== null) clearTimeout(this.probing)
    this.probing = null
  }

  /** A frame arrived (from the shared listener). */
  received(data: Buffer, isBinary: boolean): void {
    if (this.ended) return
    this.options.metrics.traffic.messagesIn++
    this.options.metrics.traffic.bytesIn += data.length
    this.handler?.message(data, isBinary)
  }

  /**
   * ws reports malformed frames here and closes with 1002/1009; without a listener the process
   * would crash (the stock y-websocket servers do). ws has sent its close frame and stopped
   * reading, but emits 'close' only once the peer closes TCP, which a hostile peer can put off
   * for the whole close timeout while its session stays in the room. The connection is over:
   * leave now, with the code ws sent.
   */
  errored(err: Error & { code?: string }): void {
    this.options.metrics.errors.inc({ kind: err.code ?? 'ws-error' })
    if (this.ended) return
    this.destroyLater()
    this.end(wsErrorCloseCode(err))
  }

  /**
   * Holds writes back so several frames go out in one system call (see uncork). The send budget
   * then applies to the backlog from before the burst: one burst is bounded by one batch.
   */
  cork(): void {
    if (this.backlogAtCork >= 0) return
    this.backlogAtCork = this.ws.bufferedAmount
    ;(this.ws as WebSocket & WsInternals)._socket?.cork()
  }

  /** Sends what was written since cork. */
  uncork(): void {
    if (this.backlogAtCork < 0) return
    this.backlogAtCork = -1
    ;(this.ws as WebSocket & WsInternals)._socket?.uncork()
  }

  /** Stops reading from the socket (TCP pushes back on the peer); frames already read still arrive. */
  pause(): void {
    if (!this.ended) this.ws.pause()
  }

  /** Reads from the socket again. */
  resume(): void {
    if (!this.ended) this.ws.resume()
  }

  /** Attaches the handler that receives messages and the end of the connection. */
  attach(handler: ConnectionHandler): void {
    this.handler = handler
  }

  /** Bytes written to this connection that the kernel has not taken yet (bounded by the send budget). */
  get queuedBytes(): number {
    return this.ws.bufferedAmount
  }

  /** True once the connection is closing or closed. */
  get isClosed(): boolean {
    return this.ended
  }

  /**
   * Sends a frame, or closes with SlowReader when the unsent bytes would pass the budget. A frame
   * always goes out when nothing is queued, however big: one larger than the budget (a big paste,
   * a new peer's first sync step 2) would otherwise close every peer, every time it reconnects.
   */
  send(data: Uint8Array): void {
    if (!this.admits(data.length)) return
    this.ws.send(data)
    this.sent(data.length)
  }

  /**
   * Sends a frame several peers receive, under the same budget as send. Its wire form goes straight
   * to the socket when ws would write it there at once anyway: open, and nothing queued in ws's
   * sender (it queues only while compressing, which the server turns off, or reading a Blob). A
   * large one goes as its shared header and then its payload, never copied.
   */
  sendShared(frame: SharedFrame): void {
    if (!this.admits(frame.payload.length)) return
    const socket = this.directSocket()
    if (socket === null) this.ws.send(frame.payload)
    else if (frame.whole) socket.write(frame.wire)
    else writeBoth(socket, frame.header, frame.payload)
    this.sent(frame.payload.length)
  }

  /**
   * Sends a SplitFrame as one message, under the same budget as send. Its body goes to the socket
   * as it is, after a small buffer holding the frame header and the head, when ws would write at
   * once anyway (as in sendShared); otherwise ws sends the two joined.
   */
  sendSplit(frame: SplitFrame): void {
    const length = frame.head.length + frame.body.length
    if (!this.admits(length)) return
    const socket = this.directSocket()
    if (socket === null) this.ws.send(joinSplit(frame))
    else writeBoth(socket, encodeBinaryFrameStart(frame.head, frame.body.length), frame.body)
    this.sent(length)
  }

  /** The socket, when ws would write to it at once anyway: open, and nothing queued in its sender. */
  private directSocket(): Socket | null {
    const ws = this.ws as WebSocket & WsInternals
    const socket = ws._socket
    return ws.readyState === OPEN && socket !== undefined && ws._sender?._state === SENDER_IDLE ? socket : null
  }

  /** False (and the connection closing as SlowReader) when `bytes` more would pass the budget. */
  private admits(bytes: number): boolean {
    if (this.ended) return false
    // while corked, what this burst wrote waits for uncork: only the earlier backlog counts
    const queued = this.backlogAtCork >= 0 ? this.backlogAtCork : this.ws.bufferedAmount
    if (queued > 0 && queued + bytes > this.options.sendBudget) {
      this.close(Close.SlowReader)
      return false
    }
    return true
  }

  private sent(bytes: number): void {
    this.sentSinceSweep = true
    const traffic = this.options.metrics.traffic
    traffic.messagesOut++
    traffic.bytesOut += bytes
  }

  /** Starts a closing handshake with a named code; the socket is destroyed if it does not finish. */
  close(code: CloseCode): void {
    if (this.ended) return
    this.ws.close(code.code, code.reason)
    this.destroyLater()
    this.end(code.code)
  }

  /** Destroys the socket unless its closing handshake finishes within the close timeout. */
  private destroyLater(): void {
    const timer = setTimeout(() => this.ws.terminate(), this.options.closeTimeoutMs ?? 5000)
    timer.unref()
    this.ws.once('close', () => clearTimeout(timer))
  }

  /** Drops the connection without a handshake (dead peer). */
  terminate(reason: string): void {
    if (this.ended) return
    this.options.metrics.closes.inc({ code: '1006', name: reason })
    this.ended = true
    this.stopProbe()
    this.ws.terminate()
    this.handler?.closed(1006)
  }

  /** The socket closed (from the shared listener). */
  end(code: number): void {
    if (this.ended) return
    this.ended = true
    this.stopProbe()
    this.options.metrics.closes.inc({ code: String(code), name: closeName(code) })
    this.handler?.closed(code)
  }
}

/**
 * The close code ws sent for a protocol error: it keeps the RFC 6455 status on the error under a
 * private symbol (1002 framing, 1007 bad UTF-8, 1008, 1009 too big); 1002 if that ever changes.
 */
function wsErrorCloseCode(err: Error): number {
  const key = Object.getOwnPropertySymbols(err).find((s) => s.description === 'status-code')
  const code = key === undefined ? undefined : (err as unknown as Record<symbol, unknown>)[key]
  return typeof code === 'number' ? code : 1002
}
