/**
 * Replay of an editing trace through a server: a sender pushes every recorded edit as its own
 * update message as fast as its socket takes them, while a watcher collects what the server
 * relays. Time to converge is from the first send to the watcher's last reception; the watcher
 * then applies everything to a Y.Doc and compares the text with the trace's end state.
 */
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { now } from '../clock.js'
import { TEXT_NAME } from './edits.js'
import type { ReplaySendCommand, ReplayWatchCommand, ReplayWatchResult } from './messages.js'
import * as proto from './protocol.js'

/** Reads a file of frames, each prefixed with its length as a 32-bit little-endian integer. */
export function readFrames(file: string): Uint8Array[] {
  const buf = readFileSync(file)
  const frames: Uint8Array[] = []
  let at = 0
  while (at < buf.length) {
    const length = buf.readUInt32LE(at)
    frames.push(new Uint8Array(buf.buffer, buf.byteOffset + at + 4, length))
    at += 4 + length
  }
  return frames
}

/**
 * Opens a socket to `url` and resolves once the server's sync step 2 arrived (its update goes to
 * `onStep2`, when given).
 */
function connectSynced(url: string, onMessage: (data: Buffer) => void, onStep2?: (update: Uint8Array) => void): Promise<WebSocket> {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, proto.CLIENT_OPTIONS)
    let synced = false
    ws.on('open', () => ws.send(proto.EMPTY_STEP1))
    ws.on('error', reject)
    ws.on('message', (data: Buffer) => {
      if (data[0] === proto.MSG_SYNC && data[1] === proto.SYNC_STEP1) ws.send(proto.EMPTY_STEP2)
      else if (!synced && data[0] === proto.MSG_SYNC && data[1] === proto.SYNC_STEP2) {
        synced = true
        const { start, end } = proto.syncPayload(data)
        onStep2?.(data.subarray(start, end))
        resolve(ws)
      } else if (synced) onMessage(data)
    })
  })
}

/** The sending side of a replay. */
export class ReplaySender {
  private ws: WebSocket | null = null
  private frames: Uint8Array[] = []

  /** Loads the frames and connects. */
  async connect(cmd: ReplaySendCommand): Promise<{ frames: number }> {
    this.frames = readFrames(cmd.file).slice(0, cmd.count)
    this.ws = await connectSynced(cmd.url, () => {})
    return { frames: this.frames.length }
  }

  /** Sends every frame; returns the shared-clock time of the first send. */
  go(): { startedAt: number; sentMs: number } {
    const ws = this.ws
    if (!ws) throw new Error('replay sender not connected')
    const startedAt = now()
    for (const f of this.frames) ws.send(f)
    return { startedAt, sentMs: now() - startedAt }
  }

  /** Closes the socket. */
  close(): void {
    this.ws?.terminate()
  }
}

/** Close code of a server that drops a peer too far behind (Tandem's slow reader). */
const SLOW_READER = 4507

/**
 * The watching side of a replay. It collects what the server relays and counts it; if the server
 * closes it for falling behind, it reconnects and syncs as a stock client would, and from then
 * on applies what it gets as it comes, until its text is the trace's.
 */
export class ReplayWatcher {
  private ws: WebSocket | null = null
  private received: Uint8Array[] = []
  private firstAt = 0
  private lastAt = 0
  private done: Promise<void> | null = null
  private finish: () => void = () => {}
  private finished = false
  private expected = ''
  /** The code the server closed the watcher with before the end, if it did. */
  private closeCode: number | null = null
  private reconnects = 0
  /** After a reconnect: the document so far, and how much of `received` it holds. */
  private doc: Y.Doc | null = null
  private applied = 0
  private checkTimer: NodeJS.Timeout | null = null

  /** Connects and starts collecting; {@link result} resolves once `count` updates arrived. */
  async connect(cmd: ReplayWatchCommand): Promise<void> {
    this.expected = readFileSync(cmd.expectedFile, 'utf8')
    this.done = new Promise<void>((resolve) => {
      this.finish = () => {
        this.finished = true
        resolve()
      }
      setTimeout(this.finish, cmd.timeoutMs).unref()
    })
    const onData = (data: Buffer) => {
      if (data[0] !== proto.MSG_SYNC) return
      const t = now()
      if (this.received.length === 0) this.firstAt = t
      this.lastAt = t
      const { start, end } = proto.syncPayload(data)
      this.received.push(data.subarray(start, end))
      if (this.doc) this.checkSoon()
      else if (this.received.length >= cmd.count) this.finish()
    }
    const watchClose = (ws: WebSocket) =>
      ws.on('close', (code: number) => {
        if (this.finished) return
        this.closeCode = code
        if (code !== SLOW_READER || this.reconnects >= 3) return this.finish()
        // as a stock client does: reconnect and sync; the sync step 2 holds all the server has
        this.reconnects++
        connectSynced(cmd.url, onData, (update) => {
          this.received = [update]
          this.applied = 0
          this.doc ??= new Y.Doc()
          this.lastAt = now()
        }).then((next) => {
          this.ws = next
          watchClose(next)
          this.checkSoon()
        }, () => this.finish())
      })
    this.ws = await connectSynced(cmd.url, onData)
    watchClose(this.ws)
  }

  /** After a reconnect: applies what arrived since the last check and finishes on the trace's text. */
  private checkSoon(): void {
    if (this.checkTimer !== null || this.finished) return
    this.checkTimer = setTimeout(() => {
      this.checkTimer = null
      const doc = this.doc!
      doc.transact(() => {
        for (; this.applied < this.received.length; this.applied++) Y.applyUpdate(doc, this.received[this.applied]!)
      })
      if (doc.getText(TEXT_NAME).length === this.expected.length && doc.getText(TEXT_NAME).toString() === this.expected) this.finish()
    }, 20)
  }

  /** Waits for the last update, then applies all of them and compares the text. */
  async result(): Promise<ReplayWatchResult> {
    await this.done
    if (this.checkTimer !== null) clearTimeout(this.checkTimer)
    const t = now()
    const doc = this.doc ?? new Y.Doc()
    doc.transact(() => {
      for (; this.applied < this.received.length; this.applied++) Y.applyUpdate(doc, this.received[this.applied]!)
    })
    const text = doc.getText(TEXT_NAME).toString()
    const applyMs = now() - t
    doc.destroy()
    return {
      received: this.received.length,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      converged: text === this.expected,
      applyMs,
      closeCode: this.closeCode,
      reconnects: this.reconnects,
    }
  }

  /** Closes the socket. */
  close(): void {
    this.ws?.terminate()
  }
}
