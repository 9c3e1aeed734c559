/**
 * Liveness for every connection from two shared timers (no timer per socket): a ping sweep that
 * terminates peers missing two pongs, and a keep-alive that sends an empty awareness update to
 * peers the server has not written to lately, because the stock y-websocket client reconnects
 * after 30 s without a message and cannot see WebSocket pings.
 */
import * as awarenessCodec from '../../shared/awareness.js'
import * as frame from '../../shared/frame.js'
import type { Connection } from './connection.js'

/** Frame a stock client applies as a no-op: an awareness update with zero entries. */
export const KEEPALIVE = frame.awareness(awarenessCodec.encode([]))

/** Liveness settings. */
export interface HeartbeatOptions {
  /** Ping every connection this often; two unanswered pings close it. */
  readonly pingIntervalMs: number
  /** Send KEEPALIVE to connections not written to for this long. */
  readonly keepaliveMs: number
}

/** Drives ping/pong and keep-alive for a set of connections. */
export class Heartbeat {
  private readonly conns = new Set<Connection>()
  private timers: NodeJS.Timeout[] = []

  constructor(private readonly options: HeartbeatOptions) {}

  /** Starts watching a connection. */
  add(conn: Connection): void {
    this.conns.add(conn)
  }

  /** Stops watching a connection. */
  delete(conn: Connection): void {
    this.conns.delete(conn)
  }

  /** Number of watched connections. */
  get size(): number {
    return this.conns.size
  }

  /** Every watched connection. */
  all(): IterableIterator<Connection> {
    return this.conns.values()
  }

  /** Starts both sweeps. */
  start(): void {
    const ping = setInterval(() => this.pingSweep(), this.options.pingIntervalMs)
    const keepalive = setInterval(() => this.keepaliveSweep(), this.keepaliveSweepMs)
    ping.unref()
    keepalive.unref()
    this.timers = [ping, keepalive]
  }

  /** How often the keep-alive sweep runs: a few times per period, so a peer is never silent much past it. */
  private get keepaliveSweepMs(): number {
    return Math.max(25, Math.floor(this.options.keepaliveMs / 4))
  }

  /** Stops both sweeps. */
  stop(): void {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
  }

  private pingSweep(): void {
    for (const conn of this.conns) {
      if (conn.isClosed) {
        this.conns.delete(conn)
      } else if (conn.missedPongs >= 2) {
        this.conns.delete(conn)
        conn.terminate('PingTimeout')
      } else {
        conn.missedPongs++
        conn.ws.ping()
      }
    }
  }

  private keepaliveSweep(): void {
    // send to whoever would pass the period before the next sweep: silent through all but one of
    // the sweeps a period holds (checking for a whole period let a peer go a period plus a sweep
    // interval without a message)
    const quietLimit = Math.max(1, Math.floor(this.options.keepaliveMs / this.keepaliveSweepMs) - 1)
    for (const conn of this.conns) {
      if (conn.sentSinceSweep) {
        conn.sentSinceSweep = false
        conn.quietSweeps = 0
      } else if (++conn.quietSweeps >= quietLimit) {
        conn.quietSweeps = 0
        conn.send(KEEPALIVE)
        conn.sentSinceSweep = false
      }
    }
  }
}
