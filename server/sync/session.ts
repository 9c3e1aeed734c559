/**
 * One client connection bound to one document: decodes and validates every frame, then hands it
 * to the room. Anything malformed closes this connection with a named code and touches nothing
 * else; an invalid update is never stored or relayed.
 */
import type { Logger } from 'pino'
import * as awarenessCodec from '../../shared/awareness.js'
import * as frame from '../../shared/frame.js'
import { Close, SyncType, type CloseCode } from '../../shared/protocol.js'
import { MAX_AWARENESS_STATE } from '../../shared/validate.js'
import type { Metrics } from '../metrics.js'
import type { Connection, ConnectionHandler } from '../transport/connection.js'
import type { SharedFrame } from '../transport/wire-frame.js'
import type { Room, RoomPeer } from './room.js'
import { checkStateVector, inspect, InvalidUpdateError } from './update.js'

/** Settings of a session. */
export interface SessionContext {
  readonly log: Logger
  readonly metrics: Metrics
  /** Bytes a client may send before its document has loaded. */
  readonly maxQueuedBytes: number
  /** Sustained messages per second per connection (bursts of 4 s worth are allowed). */
  readonly messagesPerSecond: number
  /** Sustained bytes per second per connection (bursts up to `burstBytes`). */
  readonly bytesPerSecond: number
  readonly burstBytes: number
}

/** What this connection may do. */
export interface SessionRights {
  /** A viewer: its updates are dropped, never stored or relayed; presence still works. */
  readonly readOnly: boolean
}

/** Seconds of sustained message rate a burst may use. */
const BURST_SECONDS = 4

/** Bytes of a WebSocket frame header from a client (length up to 64 bits, and the mask). */
const MAX_FRAME_HEADER = 14

/**
 * True when `data` is all its buffer holds but a WebSocket frame header: a frame that came alone
 * in its socket read (the common case; Node sizes a read's buffer to the bytes read), or one ws
 * joined from several reads. Keeping it keeps nothing else alive.
 */
function ownsBuffer(data: Uint8Array): boolean {
  return data.buffer.byteLength - data.byteLength <= MAX_FRAME_HEADER
}

/** Binds a connection to a room. */
export class Session implements RoomPeer, ConnectionHandler {
  lastAccepted = 0
  /** Frames received while the document loads, or while this writer waits for room; null otherwise. */
  private queue: Uint8Array[] | null = null
  private queuedBytes = 0
  /** Times in a row this writer was told to wait for room with the update it offers. */
  private waited = 0
  private toldReadOnly = false
  // token buckets (abuse limits), refilled lazily on each message
  private messageTokens: number
  private byteTokens: number
  private refilledAt = Date.now()

  constructor(
    private readonly conn: Connection,
    private readonly room: Room,
    private readonly ctx: SessionContext,
    private readonly rights: SessionRights = { readOnly: false },
  ) {
    this.messageTokens = ctx.messagesPerSecond * BURST_SECONDS
    this.byteTokens = ctx.burstBytes
    conn.attach(this)
    room.join(this)
    if (room.status !== 'ready') {
      this.queue = []
      void room.ready.then(() => this.drain())
    }
  }

  private drain(): void {
    const queued = this.queue ?? []
    this.queue = null
    this.queuedBytes = 0
    if (this.conn.isClosed || this.room.status !== 'ready') return
    for (let i = 0; i < queued.length; i++) {
      if (this.conn.isClosed) return
      this.handle(queued[i]!)
      // the room filled up again: the rest waits behind the frame that did not fit, in order
      if (this.queue !== null) {
        for (const data of queued.slice(i + 1)) this.enqueue(data)
        return
      }
    }
  }

  private enqueue(data: Uint8Array): void {
    this.queuedBytes += data.length
    this.queue!.push(data)
  }

  /**
   * The room has no room until compaction makes some: stop reading from the peer (TCP pushes back)
   * and keep the frame, and any read after it, to handle in order once the room has tried.
   */
  private waitForRoom(data: Uint8Array): void {
    this.waited++
    this.ctx.metrics.writerHolds.inc()
    this.queue = []
    this.queuedBytes = 0
    this.enqueue(data)
    this.conn.pause()
    this.room.whenRoom(() => {
      this.conn.resume()
      this.drain()
    })
  }

  /** ConnectionHandler: a frame arrived. */
  message(data: Uint8Array, isBinary: boolean): void {
    if (!isBinary) return this.reject(Close.UnsupportedData, 'text frame')
    if (!this.withinRate(data.length)) return this.reject(Close.RateLimited, 'message rate over the limit')
    if (this.queue !== null) {
      if (this.queuedBytes + data.length > this.ctx.maxQueuedBytes) return this.reject(Close.RateLimited, 'too much data while the document was not ready for it')
      this.enqueue(data)
      return
    }
    this.handle(data)
  }

  private dropReadOnly(): void {
    this.ctx.metrics.errors.inc({ kind: 'read-only-update' })
    // say it once; the stock client logs it, Tandem's client already shows read-only
    if (!this.toldReadOnly) this.send(frame.permissionDenied('read-only: you may view this document but not change it'))
    this.toldReadOnly = true
  }

  /** ConnectionHandler: the connection ended. */
  closed(): void {
    this.queue = null
    this.room.leave(this)
  }

  /** RoomPeer: sends a frame. */
  send(data: Uint8Array): void {
    this.conn.send(data)
  }

  /** RoomPeer: sends a frame in two parts, its body not copied. */
  sendSplit(split: frame.SplitFrame): void {
    this.conn.sendSplit(split)
  }

  /** RoomPeer: sends a frame other peers receive too. */
  sendShared(frame: SharedFrame): void {
    this.conn.sendShared(frame)
  }

  /** RoomPeer: closes the connection. */
  close(code: CloseCode): void {
    this.conn.close(code)
  }

  /** RoomPeer: checks that the peer is still there (see Connection.probe). */
  probe(): void {
    this.conn.probe()
  }

  /** RoomPeer: holds sends back. */
  cork(): void {
    this.conn.cork()
  }

  /** RoomPeer: sends what was held back. */
  uncork(): void {
    this.conn.uncork()
  }

  private withinRate(bytes: number): boolean {
    const now = Date.now()
    const elapsed = (now - this.refilledAt) / 1000
    this.refilledAt = now
    const ctx = this.ctx
    this.messageTokens = Math.min(ctx.messagesPerSecond * BURST_SECONDS, this.messageTokens + elapsed * ctx.messagesPerSecond)
    this.byteTokens = Math.min(ctx.burstBytes, this.byteTokens + elapsed * ctx.bytesPerSecond)
    this.messageTokens -= 1
    this.byteTokens -= bytes
    return this.messageTokens >= 0 && this.byteTokens >= 0
  }

  private reject(code: CloseCode, detail: string): void {
    this.ctx.metrics.errors.inc({ kind: `rejected-${code.code}` })
    this.ctx.log.warn({ doc: this.room.docId, code: code.code, detail }, 'closing connection: bad input')
    this.conn.close(code)
  }

  private handle(data: Uint8Array): void {
    let msg: frame.Message
    try {
      msg = frame.decode(data)
    } catch (err) {
      const unsupported = err instanceof frame.FrameError && err.unsupported
      return this.reject(unsupported ? Close.UnsupportedData : Close.InvalidPayload, (err as Error).message)
    }
    const room = this.room
    try {
      switch (msg.kind) {
        case 'sync-step1':
          checkStateVector(msg.stateVector)
          return room.syncStep1(this, msg.stateVector)
        case 'sync-step2':
        case 'update': {
          // the frame is kept (relayed as is; the update is its tail, so a lying length inside it
          // cannot reach past its end). It is a view into the bytes of a socket read; when that
          // read held more than the frame (other frames), it is copied (new Uint8Array copies,
          // a Buffer's slice would not) so that the rest is not kept alive with it
          const copy = ownsBuffer(data) ? data : new Uint8Array(data)
          const update = copy.subarray(data.length - msg.update.length)
          const info = inspect(update)
          if (info.empty) return
          // what a returning client sends back of the document it has (PROTOCOL.md S6): storing
          // it would write a log entry, and so a version, per visit
          if (room.addsNothing(update, info, msg.kind === 'sync-step2')) return
          if (this.rights.readOnly) return this.dropReadOnly()
          // a sync step 2 is relayed as an update (PROTOCOL.md S5): same layout, one byte differs
          if (msg.kind === 'sync-step2') copy[1] = SyncType.Update
          const outcome = room.update(this, update, info, copy, this.waited)
          if (outcome === 'wait') this.waitForRoom(data)
          else if (outcome === 'accepted') this.waited = 0
          return
        }
        case 'awareness': {
          const entries = awarenessCodec.scan(msg.update)
          if (entries.some((e) => e.raw.length > MAX_AWARENESS_STATE)) {
            return this.reject(Close.MessageTooBig, `awareness state over ${MAX_AWARENESS_STATE} bytes`)
          }
          return room.awareness(this, entries, data)
        }
        case 'query-awareness':
          return room.queryAwareness(this)
        case 'saved-request': {
          const id = msg.id
          return room.whenDurable(this.lastAccepted, () => this.send(frame.saved(id)))
        }
        case 'permission-denied':
        case 'saved':
          // server-to-client messages; a client sending them is harmless
          return
      }
    } catch (err) {
      if (err instanceof InvalidUpdateError || err instanceof frame.FrameError) {
        return this.reject(Close.InvalidPayload, err.message)
      }
      this.ctx.metrics.errors.inc({ kind: 'internal' })
      this.ctx.log.error({ err, doc: room.docId }, 'internal error while handling a message')
      this.conn.close(Close.InternalError)
    }
  }
}
