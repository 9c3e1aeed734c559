/**
 * Coalesces a room's awareness relays. Every stock y-websocket client sends back each newer
 * awareness entry it receives, so each relayed awareness message costs the room one message in
 * from every peer: with many people moving their cursors, those re-broadcasts outnumber
 * everything else. The first change after a quiet spell is relayed at once; changes within the
 * next interval wait and go out together at its end, the latest entry per client id, in one
 * message per peer. A peer never gets its own entries back.
 */
import { REMOVED, type AwarenessEntry } from '../../shared/awareness.js'

/** One burst of coalesced entries: what each peer gets. */
export interface PresenceBurst<P> {
  /** Every entry of the burst: for peers that sent none of them. */
  readonly all: AwarenessEntry[]
  /** For each peer that sent entries of the burst: the others' entries (possibly none). */
  readonly others: Map<P, AwarenessEntry[]>
}

/** What waits for the end of the interval: the latest entry per client id, with its sender. */
export class PresenceBatch<P> {
  private readonly waiting = new Map<number, { entry: AwarenessEntry; from: P }>()

  /** True when no entry waits. */
  get empty(): boolean {
    return this.waiting.size === 0
  }

  /** Adds entries `from` sent (already taken by the room's presence table; newest last). */
  add(from: P, entries: readonly AwarenessEntry[]): void {
    for (const entry of entries) this.waiting.set(entry.clientId, { entry, from })
  }

  /**
   * Forgets what `peer` sent (it left: the removals of the entries it still owned supersede
   * them), except the removals it sent itself: the room holds those entries as removed already,
   * so nothing else would tell the others that they are gone.
   */
  drop(peer: P): void {
    for (const [clientId, w] of this.waiting) if (w.from === peer && w.entry.state !== REMOVED) this.waiting.delete(clientId)
  }

  /** Forgets everything waiting (the room went idle). */
  clear(): void {
    this.waiting.clear()
  }

  /** Takes everything waiting, as one burst. */
  take(): PresenceBurst<P> {
    const all: AwarenessEntry[] = []
    const senders = new Set<P>()
    for (const { entry, from } of this.waiting.values()) {
      all.push(entry)
      senders.add(from)
    }
    const others = new Map<P, AwarenessEntry[]>()
    for (const sender of senders) others.set(sender, [])
    for (const { entry, from } of this.waiting.values()) {
      for (const [sender, list] of others) if (sender !== from) list.push(entry)
    }
    this.waiting.clear()
    return { all, others }
  }
}
