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

/** Opens a socket to `url` and resolves once the server's sync step 2 arrived. */
function connectSynced(url: string, onMessage: (data: Buffer) => void): Promise<WebSocket> {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, proto.CLIENT_OPTIONS)
    let synced = false
    ws.on('open', () => ws.send(proto.EMPTY_STEP1))
    ws.on('error', reject)
    ws.on('message', (data: Buffer) => {
      if (data[0] === proto.MSG_SYNC && data[1] === proto.SYNC_STEP1) ws.send(proto.EMPTY_STEP2)
      else if (!synced && data[0] === proto.MSG_SYNC && data[1] === proto.SYNC_STEP2) {
        synced = true
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

/** The watching side of a replay. */
export class ReplayWatcher {
  private ws: WebSocket | null = null
  private received: Uint8Array[] = []
  private firstAt = 0
  private lastAt = 0
  private done: Promise<void> | null = null
  private expectedFile = ''
  /** The close code, when the server closed the watcher before the last update. */
  private closeCode: number | null = null

  /** Connects and starts collecting; {@link result} resolves once `count` updates arrived. */
  async connect(cmd: ReplayWatchCommand): Promise<void> {
    let finish!: () => void
    this.done = new Promise<void>((resolve) => {
      finish = resolve
      setTimeout(resolve, cmd.timeoutMs).unref()
    })
    this.ws = await connectSynced(cmd.url, (data) => {
      if (data[0] !== proto.MSG_SYNC) return
      const t = now()
      if (this.received.length === 0) this.firstAt = t
      this.lastAt = t
      const { start, end } = proto.syncPayload(data)
      this.received.push(data.subarray(start, end))
      if (this.received.length >= cmd.count) finish()
    })
    // a watcher the server closes (a slow reader, say) gets nothing more: say so, do not wait
    this.ws.on('close', (code: number) => {
      if (this.received.length < cmd.count) this.closeCode = code
      finish()
    })
    this.expectedFile = cmd.expectedFile
  }

  /** Waits for the last update, then applies all of them and compares the text. */
  async result(): Promise<ReplayWatchResult> {
    await this.done
    const t = now()
    const doc = new Y.Doc()
    doc.transact(() => {
      for (const u of this.received) Y.applyUpdate(doc, u)
    })
    const text = doc.getText(TEXT_NAME).toString()
    const applyMs = now() - t
    const expected = readFileSync(this.expectedFile, 'utf8')
    doc.destroy()
    return { received: this.received.length, firstAt: this.firstAt, lastAt: this.lastAt, converged: text === expected, applyMs, closeCode: this.closeCode }
  }

  /** Closes the socket. */
  close(): void {
    this.ws?.terminate()
  }
}
