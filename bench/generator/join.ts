/**
 * Joins of a large document: one fresh client connects, sends sync step 1 with an empty state
 * vector, receives sync step 2 and applies it to a fresh Y.Doc, as a stock client does. The
 * worker first applies the same document six times so joins measure warm code, not the JIT.
 */
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { now } from '../clock.js'
import { TEXT_NAME } from './edits.js'
import type { JoinCommand, JoinResult, WarmCommand } from './messages.js'
import * as proto from './protocol.js'

/**
 * Applies the document in `file` to fresh Y.Docs until applying takes a steady time. It ends on
 * an apply, like every join does, so the first join finds the heap as later joins do (a forced
 * collection before a join would make its apply slower, not steadier).
 */
export function warm(cmd: WarmCommand): { ms: number[] } {
  const update = new Uint8Array(readFileSync(cmd.file))
  const ms: number[] = []
  for (let i = 0; i < 8; i++) {
    const t = now()
    const doc = new Y.Doc()
    Y.applyUpdate(doc, update)
    doc.getText(TEXT_NAME).toString()
    doc.destroy()
    ms.push(now() - t)
  }
  return { ms }
}

/** One join; the socket is closed afterwards. */
export function join(cmd: JoinCommand): Promise<JoinResult> {
  return new Promise<JoinResult>((resolve, reject) => {
    const started = now()
    let asked = 0
    const ws = new WebSocket(cmd.url, proto.CLIENT_OPTIONS)
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`join of ${cmd.url} got no sync step 2 within ${cmd.timeoutMs} ms`))
    }, cmd.timeoutMs)
    ws.on('open', () => {
      asked = now()
      ws.send(proto.EMPTY_STEP1)
    })
    ws.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    ws.on('message', (data: Buffer) => {
      if (data[0] === proto.MSG_SYNC && data[1] === proto.SYNC_STEP1) {
        ws.send(proto.EMPTY_STEP2)
        return
      }
      if (data[0] !== proto.MSG_SYNC || data[1] !== proto.SYNC_STEP2) return
      const received = now()
      const { start, end } = proto.syncPayload(data)
      const doc = new Y.Doc()
      Y.applyUpdate(doc, data.subarray(start, end))
      const length = doc.getText(TEXT_NAME).length
      const applied = now()
      clearTimeout(timer)
      doc.destroy()
      ws.terminate()
      resolve({ total: applied - started, open: asked - started, answer: received - asked, apply: applied - received, bytes: end - start, ok: length === cmd.textLength })
    })
  })
}
