/**
 * A y-protocols client over a plain `ws` socket, for tests that need to see or forge individual
 * frames: it records every frame it receives and can wait for one that matches.
 */
import WebSocket from 'ws'
import * as frame from '../../shared/frame.js'
import { nextEvent } from './wait.js'

/** A raw client connected to one document. */
export interface RawClient {
  readonly ws: WebSocket
  /** Every decoded frame received, in order. */
  readonly received: frame.Message[]
  send(data: Uint8Array): void
  /** Waits for a received frame matching `match` (looking at frames from index `from` on). */
  waitFor(what: string, match: (m: frame.Message) => boolean, from?: number): Promise<frame.Message>
  /** Resolves with the close code once the socket closes; rejects after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<number>
  close(): void
}

/** Opens a raw client on `${wsUrl}/${docId}` (plus `query`) and waits until the socket is open. */
export async function rawClient(wsUrl: string, docId: string, options: { headers?: Record<string, string>; query?: string } = {}): Promise<RawClient> {
  const ws = new WebSocket(`${wsUrl}/${docId}${options.query ? `?${options.query}` : ''}`, { headers: options.headers })
  const received: frame.Message[] = []
  const closed = new Promise<number>((resolve) => ws.once('close', resolve))
  ws.binaryType = 'nodebuffer'
  ws.on('message', (data: Buffer) => {
    received.push(frame.decode(new Uint8Array(data)))
    ws.emit('tandem:frame')
  })
  ws.on('error', () => {})
  await nextEvent(ws, 'open')
  // event-driven, not polled: memory tests run thousands of these
  const waitForFrame = (what: string, match: (m: frame.Message) => boolean, from = 0, timeoutMs = 10_000) =>
    new Promise<frame.Message>((resolve, reject) => {
      const check = () => {
        const found = received.slice(from).find(match)
        if (!found) return
        clearTimeout(timer)
        ws.off('tandem:frame', check)
        resolve(found)
      }
      const timer = setTimeout(() => {
        ws.off('tandem:frame', check)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      ws.on('tandem:frame', check)
      check()
    })
  return {
    ws,
    received,
    send: (data) => ws.send(data),
    waitFor: waitForFrame,
    closed: (timeoutMs = 10_000) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs)
        closed.then((code) => {
          clearTimeout(timer)
          resolve(code)
        })
      }),
    close: () => ws.close(),
  }
}
