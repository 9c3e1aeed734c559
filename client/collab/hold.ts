/**
 * Holding back other people's document changes for a moment, while this person composes text
 * with an input method (Japanese, Chinese, Korean; Android keyboards compose every word).
 * A remote change landing beside the text being composed makes ProseMirror redraw that text,
 * which ends the browser's composition: what was composed so far stayed in the document and the
 * committed text came on top ("kaQZ缶" for "缶QZ"). Yjs merges updates in any order, so applying
 * them after the composition loses nothing; this browser's own changes go out as usual.
 */
import * as decoding from 'lib0/decoding'
import { messageYjsSyncStep2, messageYjsUpdate } from 'y-protocols/sync'
import type { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { MessageType } from '../../shared/protocol.js'

type Handler = WebsocketProvider['messageHandlers'][number]

/**
 * Wraps `provider`'s sync handler so that document updates (sync message type 2) received while
 * held are queued, then applied together, with the provider as origin, when the last hold ends.
 * Sync steps 1 and 2 (the handshake on connecting) pass through. Listeners added with
 * `beforeApply` run, given the update, right before other people's changes are applied (the
 * editor reads its pending input then; rescue.ts notes what the update deletes).
 */
export class RemoteUpdateHold {
  private holds = 0
  private held: Uint8Array[] = []
  private readonly before = new Set<(update: Uint8Array) => void>()

  constructor(private readonly provider: WebsocketProvider) {
    const handle: Handler = provider.messageHandlers[MessageType.Sync]!
    provider.messageHandlers[MessageType.Sync] = (encoder, decoder, ...rest) => {
      // peek: a held update writes no reply, and the provider then sends none
      const peek = decoding.clone(decoder)
      const type = decoding.readVarUint(peek)
      if (type === messageYjsUpdate && this.holds > 0) {
        this.held.push(decoding.readVarUint8Array(peek))
        return
      }
      if (type === messageYjsUpdate || type === messageYjsSyncStep2) this.runBefore(decoding.readVarUint8Array(peek))
      handle(encoder, decoder, ...rest)
    }
  }

  /** Calls `listener` with each update of other people's right before it is applied; returns the unsubscribe. */
  beforeApply(listener: (update: Uint8Array) => void): () => void {
    this.before.add(listener)
    return () => this.before.delete(listener)
  }

  private runBefore(update: Uint8Array): void {
    for (const listener of this.before) listener(update)
  }

  /** Whether updates are being held now. */
  get holding(): boolean {
    return this.holds > 0
  }

  /** Starts holding; the returned function ends this hold (calling it again does nothing). */
  hold(): () => void {
    this.holds++
    let ended = false
    return () => {
      if (ended) return
      ended = true
      if (--this.holds === 0) this.apply()
    }
  }

  /** Applies what was held (when the provider's document is still open). */
  private apply(): void {
    const updates = this.held
    this.held = []
    if (updates.length === 0 || this.provider.doc.isDestroyed) return
    const merged = Y.mergeUpdates(updates)
    this.runBefore(merged)
    Y.applyUpdate(this.provider.doc, merged, this.provider)
  }
}
