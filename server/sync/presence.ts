/**
 * The awareness table of one room, kept as JSON text without a y-protocols Awareness instance.
 * Rules (PROTOCOL.md A1-A6): an entry is taken only when it is newer than what the room holds;
 * the peer that introduces a client id owns it until it disconnects; nobody else may change or
 * remove it; a disconnecting peer's entries are removed for everyone at once. States are decoded
 * only for entries that may be taken: the stale copies of a cursor storm cost a clock compare.
 */
import { REMOVED, stateOf, type AwarenessEntry, type ScannedEntry } from '../../shared/awareness.js'
import { MAX_AWARENESS_STATE } from '../../shared/validate.js'

/** Most client ids one connection may own (a browser tab owns one; shared tabs a few). */
export const MAX_OWNED_PER_PEER = 16
/**
 * Most client ids one connection may bring into the room over its life (a browser tab brings one).
 * Each leaves a removal remembered for TOMBSTONE_MS: a connection announcing and removing new ids
 * without end filled memory by tens of megabytes a second, within every limit on its traffic.
 */
export const MAX_INTRODUCED_PER_PEER = 256
/**
 * Most characters of state the entries one connection owns may hold together: what one entry may
 * hold (MAX_AWARENESS_STATE, A7). Each joining peer is sent every live entry: with 16 entries of 64 KiB
 * per connection, 40 connections made every join into their room cost 38 MB, and slowed the relay
 * for everyone.
 */
export const MAX_PRESENCE_BYTES_PER_PEER = MAX_AWARENESS_STATE
/** How long a removal is remembered, to reject stale re-broadcasts of the removed state. */
export const TOMBSTONE_MS = 60_000
/**
 * Most removals one room remembers; past it the oldest is forgotten early. Connections that come,
 * announce new ids and go, in a loop, left about 150,000 removals in a room within 30 s (70 MB, and
 * every join scanned them); a room of people, even reconnecting often, leaves a few dozen.
 */
export const MAX_TOMBSTONES = 4096

interface Entry<P> {
  clock: number
  state: string
  /** The connection that introduced this client id; null once removed. */
  owner: P | null
  removedAt: number
}

/** What applying an incoming awareness update produced. */
export interface PresenceChange<P> {
  /** Entries to relay to every other peer. */
  readonly accepted: AwarenessEntry[]
  /** True when `accepted` is exactly the incoming list, so the incoming frame can be relayed as is. */
  readonly all: boolean
  /** Removal entries to send back to the sender: it announced a client id that was removed. */
  readonly bounce: AwarenessEntry[]
  /**
   * Peers owning client ids the sender announced newer entries for. The sender may be that owner
   * come back on a new connection while the old one lingers, unseen, after a network change: see
   * Room.awareness.
   */
  readonly contested: ReadonlySet<P>
}

/** No contested owners: shared, so the usual message allocates no set. */
const NONE: ReadonlySet<never> = new Set()

/** Awareness entries of one room, keyed by Yjs client id. */
export class Presence<P> {
  private readonly entries = new Map<number, Entry<P>>()
  private readonly owned = new Map<P, Set<number>>()
  /** How many client ids unknown to the room each connection brought in (MAX_INTRODUCED_PER_PEER). */
  private readonly introduced = new Map<P, number>()
  /** Characters of state of the live entries each connection owns (MAX_PRESENCE_BYTES_PER_PEER). */
  private readonly ownedBytes = new Map<P, number>()
  /** The removed client ids, oldest removal first (TOMBSTONE_MS, MAX_TOMBSTONES). */
  private readonly removals = new Set<number>()

  /**
   * Applies entries sent by `peer`; returns what to relay and what to bounce. Throws FrameError
   * when an entry that could be taken holds a state a client could not read.
   */
  apply(peer: P, incoming: readonly ScannedEntry[], now: number): PresenceChange<P> {
    const accepted: AwarenessEntry[] = []
    const bounce: AwarenessEntry[] = []
    let contested: Set<P> | null = null
    for (const e of incoming) {
      const cur = this.entries.get(e.clientId)
      if (cur !== undefined && cur.owner !== null && cur.owner !== peer) {
        // not yours. A newer clock is no stock client's re-broadcast (a copy of what the owner
        // sent): the owner itself may be back on this connection
        if (e.clock > cur.clock) (contested ??= new Set()).add(cur.owner)
        continue
      }
      if (cur !== undefined && e.clock < cur.clock) {
        // stale: for a removed id, tell the sender so a live client bumps its clock and re-sends
        if (cur.owner === null && stateOf(e.raw) !== REMOVED) bounce.push({ clientId: e.clientId, clock: cur.clock, state: REMOVED })
        continue
      }
      const state = stateOf(e.raw)
      const removal = state === REMOVED
      if (cur !== undefined && !(cur.clock < e.clock || (removal && cur.state !== REMOVED))) {
        if (cur.owner === null && !removal) bounce.push({ clientId: e.clientId, clock: cur.clock, state: REMOVED })
        continue
      }
      if (removal) {
        if (cur === undefined || cur.owner === null) continue // nothing of yours to remove
        this.owned.get(peer)?.delete(e.clientId)
        this.ownedBytes.set(peer, (this.ownedBytes.get(peer) ?? 0) - cur.state.length)
        this.remove(e.clientId, e.clock, now)
      } else {
        // what the connection's entries hold with this one (in place of the entry of its own it replaces)
        const held = (this.ownedBytes.get(peer) ?? 0) - (cur !== undefined && cur.owner === peer ? cur.state.length : 0)
        if (held + state.length > MAX_PRESENCE_BYTES_PER_PEER) continue
        if (cur === undefined || cur.owner === null) {
          let mine = this.owned.get(peer)
          if (!mine) this.owned.set(peer, (mine = new Set()))
          if (mine.size >= MAX_OWNED_PER_PEER) continue
          if (cur === undefined) {
            // a new id grows the table (and, once removed, leaves a tombstone); a removed one is reused
            const count = this.introduced.get(peer) ?? 0
            if (count >= MAX_INTRODUCED_PER_PEER) continue
            this.introduced.set(peer, count + 1)
          }
          mine.add(e.clientId)
        }
        this.entries.set(e.clientId, { clock: e.clock, state, owner: peer, removedAt: 0 })
        this.removals.delete(e.clientId)
        this.ownedBytes.set(peer, held + state.length)
      }
      accepted.push({ clientId: e.clientId, clock: e.clock, state })
    }
    return { accepted, all: accepted.length === incoming.length, bounce, contested: contested ?? NONE }
  }

  /** Removes every entry `peer` owns; returns the removal entries to broadcast. */
  removePeer(peer: P, now: number): AwarenessEntry[] {
    const mine = this.owned.get(peer)
    this.owned.delete(peer)
    this.introduced.delete(peer)
    this.ownedBytes.delete(peer)
    if (!mine) return []
    const removed: AwarenessEntry[] = []
    for (const clientId of mine) {
      const cur = this.entries.get(clientId)
      if (!cur || cur.owner !== peer) continue
      // a higher clock makes every client drop the entry, and makes the owner re-announce
      // itself (with a still higher clock) if it is in fact still there
      const clock = cur.clock + 1
      this.remove(clientId, clock, now)
      removed.push({ clientId, clock, state: REMOVED })
    }
    return removed
  }

  /** Every live entry, for a joining peer or a query-awareness. */
  live(): AwarenessEntry[] {
    const out: AwarenessEntry[] = []
    for (const [clientId, e] of this.entries) if (e.owner !== null) out.push({ clientId, clock: e.clock, state: e.state })
    return out
  }

  /** Number of live entries. */
  get size(): number {
    let n = 0
    for (const e of this.entries.values()) if (e.owner !== null) n++
    return n
  }

  /** Forgets removals older than TOMBSTONE_MS. */
  prune(now: number): void {
    for (const clientId of this.removals) {
      const e = this.entries.get(clientId)!
      if (now - e.removedAt <= TOMBSTONE_MS) break // the rest were removed later
      this.forget(clientId)
    }
  }

  /** Number of removals remembered. */
  get tombstones(): number {
    return this.removals.size
  }

  /** Marks a client id removed at `clock`, remembered as the newest removal; the oldest goes past MAX_TOMBSTONES. */
  private remove(clientId: number, clock: number, now: number): void {
    this.entries.set(clientId, { clock, state: REMOVED, owner: null, removedAt: now })
    this.removals.delete(clientId)
    this.removals.add(clientId)
    if (this.removals.size > MAX_TOMBSTONES) this.forget(this.removals.values().next().value!)
  }

  private forget(clientId: number): void {
    this.removals.delete(clientId)
    this.entries.delete(clientId)
  }
}
