/**
 * "All changes saved": learns from the server which local changes are on disk, using the Tandem
 * saved extension (shared/PROTOCOL.md, rules X1-X3). After local changes it sends a saved request
 * behind them on the same socket; the server answers once everything before the request is
 * durable. A stock y-websocket server never answers, so the state stays `saving` there.
 */
import * as decoding from 'lib0/decoding'
import { ObservableV2 } from 'lib0/observable'
import type { WebsocketProvider } from 'y-websocket'
import * as frame from '../../shared/frame.js'
import { MessageType, TandemType } from '../../shared/protocol.js'

/** `saved`: the server has every local change on disk. `saving`: some are not confirmed yet. */
export type SaveState = 'saved' | 'saving'

/** Events of a SaveTracker. */
export type SaveEvents = {
  /** The save state changed. */
  change: (state: SaveState) => void
}

/** Tracks whether the local changes of a provider's document are stored by the server. */
export class SaveTracker extends ObservableV2<SaveEvents> {
  private lastRequest = 0
  /** A local change happened after the last request was sent. */
  private changedSinceRequest = false
  /** Some local change has not been confirmed. */
  private unsaved = false
  private scheduled = false
  private readonly onUpdate = (_update: Uint8Array, origin: unknown) => {
    // from the server or another tab; offline (the provider not connecting), they can only come
    // from another tab of this browser (BroadcastChannel), and the server may not have them yet:
    // this tab holds them and sends them too on reconnect
    if (origin === this.provider && (this.provider.wsconnected || this.provider.shouldConnect)) return
    this.unsaved = true
    this.changedSinceRequest = true
    this.emitState()
    this.schedule()
  }
  private readonly onSync = (synced: boolean) => {
    if (synced && this.unsaved) this.schedule()
  }

  constructor(private readonly provider: WebsocketProvider) {
    super()
    provider.messageHandlers[MessageType.Tandem] = (_encoder, decoder) => this.receive(decoder)
    provider.doc.on('update', this.onUpdate)
    provider.on('sync', this.onSync)
  }

  /** The current state. */
  get state(): SaveState {
    return this.unsaved ? 'saving' : 'saved'
  }

  private emitState(): void {
    this.emit('change', [this.state])
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    // one request per turn, sent after the provider has sent the turn's updates
    queueMicrotask(() => {
      this.scheduled = false
      this.request()
    })
  }

  private request(): void {
    const ws = this.provider.ws
    if (!this.provider.wsconnected || !ws || ws.readyState !== ws.OPEN || !this.provider.synced) return
    this.lastRequest++
    this.changedSinceRequest = false
    ws.send(frame.savedRequest(this.lastRequest))
  }

  private receive(decoder: decoding.Decoder): void {
    const sub = decoding.readVarUint(decoder)
    if (sub !== TandemType.Saved) return
    const id = decoding.readVarUint(decoder)
    if (id === this.lastRequest && !this.changedSinceRequest && this.unsaved) {
      this.unsaved = false
      this.emitState()
    }
  }

  /** Stops tracking. */
  override destroy(): void {
    this.provider.doc.off('update', this.onUpdate)
    this.provider.off('sync', this.onSync)
    super.destroy()
  }
}
