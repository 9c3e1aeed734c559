/**
 * server/sync/presence.ts, rules A1-A6 of PROTOCOL.md: only newer entries are taken, a client id
 * belongs to the connection that announced it (at most 16 per connection), a leaving peer's
 * entries are removed with clock + 1, stale announcements of removed ids bounce, query answers
 * every live entry, and old removals are pruned, the oldest early past MAX_TOMBSTONES.
 */
import { describe, expect, it } from 'vitest'
import { REMOVED, type AwarenessEntry, type ScannedEntry } from '../../shared/awareness.js'
import { FrameError } from '../../shared/frame.js'
import { MAX_OWNED_PER_PEER, MAX_TOMBSTONES, Presence, TOMBSTONE_MS } from '../../server/sync/presence.js'

/** Offers entries as the relay does: scanned, states still bytes. */
function apply<P>(presence: Presence<P>, peer: P, entries: readonly AwarenessEntry[], now: number) {
  const scanned: ScannedEntry[] = entries.map((e) => ({ clientId: e.clientId, clock: e.clock, raw: new TextEncoder().encode(e.state) }))
  return presence.apply(peer, scanned, now)
}

const on = (clientId: number, clock: number, name = `user${clientId}`): AwarenessEntry => ({
  clientId,
  clock,
  state: JSON.stringify({ user: { name } }),
})
const off = (clientId: number, clock: number): AwarenessEntry => ({ clientId, clock, state: REMOVED })

const T = 1_000_000

describe('Presence', () => {
  it('reads states only for entries it may take: stale copies are not even decoded', () => {
    const p = new Presence<string>()
    apply(p, 'a', [on(1, 5)], T)
    const junk = (clientId: number, clock: number): ScannedEntry => ({ clientId, clock, raw: Uint8Array.of(0xff, 0x7b) })
    // older or foreign: dropped without looking
    expect(p.apply('a', [junk(1, 4)], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set() })
    expect(p.apply('b', [junk(1, 9)], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set(['a']) })
    // newer: it would be relayed, so it must be readable
    expect(() => p.apply('a', [junk(1, 6)], T)).toThrow(FrameError)
    expect(() => p.apply('a', [junk(2, 0)], T)).toThrow(FrameError)
    expect(p.live()).toEqual([on(1, 5)])
  })

  it('A1: takes a new entry and newer clocks; drops equal and older ones', () => {
    const p = new Presence<string>()
    expect(apply(p, 'a', [on(1, 0)], T)).toEqual({ accepted: [on(1, 0)], all: true, bounce: [], contested: new Set() })
    expect(apply(p, 'a', [on(1, 3, 'three')], T)).toEqual({ accepted: [on(1, 3, 'three')], all: true, bounce: [], contested: new Set() })
    // the stock client's re-broadcast of what it received: same clock, dropped
    expect(apply(p, 'a', [on(1, 3, 'echo')], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set() })
    expect(apply(p, 'a', [on(1, 2, 'old')], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set() })
    expect(p.live()).toEqual([on(1, 3, 'three')])
  })

  it('A1: a removal is taken at an equal clock for a live entry, but not twice', () => {
    const p = new Presence<string>()
    apply(p, 'a', [on(1, 4)], T)
    expect(apply(p, 'a', [off(1, 3)], T).accepted).toEqual([])
    expect(p.live()).toEqual([on(1, 4)])
    expect(apply(p, 'a', [off(1, 4)], T)).toEqual({ accepted: [off(1, 4)], all: true, bounce: [], contested: new Set() })
    expect(p.live()).toEqual([])
    expect(p.size).toBe(0)
    // the same removal again (re-broadcast) and a removal of an unknown id go nowhere
    expect(apply(p, 'a', [off(1, 4)], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set() })
    expect(apply(p, 'a', [off(1, 9)], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set() })
    expect(apply(p, 'a', [off(77, 1)], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set() })
  })

  it('A2: nobody can change or remove a client id another connection owns; its owner is reported as contested', () => {
    const p = new Presence<string>()
    apply(p, 'a', [on(1, 1, 'mine')], T)
    expect(apply(p, 'b', [on(1, 50, 'hijack')], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set(['a']) })
    expect(apply(p, 'b', [off(1, 50)], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set(['a']) })
    // a stock client's re-broadcast (a copy at the owner's clock) is no claim
    expect(apply(p, 'b', [on(1, 1, 'mine')], T).contested).toEqual(new Set())
    expect(p.live()).toEqual([on(1, 1, 'mine')])
    // removing b changes nothing of a's
    expect(p.removePeer('b', T)).toEqual([])
    expect(p.live()).toEqual([on(1, 1, 'mine')])
  })

  it('A2/A4: a mixed update reports only the taken entries, and `all` only when every entry was taken', () => {
    const p = new Presence<string>()
    apply(p, 'a', [on(1, 1)], T)
    const change = apply(p, 'b', [on(2, 1), on(1, 9), on(3, 1)], T)
    expect(change).toEqual({ accepted: [on(2, 1), on(3, 1)], all: false, bounce: [], contested: new Set(['a']) })
    expect(apply(p, 'b', [on(2, 2), on(3, 2)], T)).toEqual({ accepted: [on(2, 2), on(3, 2)], all: true, bounce: [], contested: new Set() })
  })

  it(`A2: a connection owns at most ${MAX_OWNED_PER_PEER} client ids`, () => {
    const p = new Presence<string>()
    const ids = Array.from({ length: MAX_OWNED_PER_PEER + 4 }, (_, i) => 100 + i)
    const change = apply(p, 'a', ids.map((id) => on(id, 1)), T)
    expect(change.accepted.map((e) => e.clientId)).toEqual(ids.slice(0, MAX_OWNED_PER_PEER))
    expect(change.all).toBe(false)
    expect(p.size).toBe(MAX_OWNED_PER_PEER)
    // updating an owned id does not count twice
    expect(apply(p, 'a', [on(100, 2)], T).accepted).toEqual([on(100, 2)])
    expect(apply(p, 'a', [on(999, 1)], T).accepted).toEqual([])
    // giving one up makes room for another
    expect(apply(p, 'a', [off(100, 2)], T).accepted).toEqual([off(100, 2)])
    expect(apply(p, 'a', [on(999, 1)], T).accepted).toEqual([on(999, 1)])
    expect(apply(p, 'a', [on(998, 1)], T).accepted).toEqual([])
    // another connection is not limited by a's ids
    expect(apply(p, 'b', [on(998, 1)], T).accepted).toEqual([on(998, 1)])
  })

  it("A3: a leaving peer's entries are removed with clock + 1, once", () => {
    const p = new Presence<string>()
    apply(p, 'a', [on(1, 5), on(2, 0)], T)
    apply(p, 'b', [on(3, 7)], T)
    apply(p, 'a', [off(2, 0)], T) // already gone: not removed again
    expect(p.removePeer('a', T + 1)).toEqual([off(1, 6)])
    expect(p.live()).toEqual([on(3, 7)])
    expect(p.removePeer('a', T + 2)).toEqual([])
    expect(p.removePeer('never-seen', T + 2)).toEqual([])
  })

  it('A5: a stale announcement of a removed id is answered with the removal; a newer one is taken', () => {
    const p = new Presence<string>()
    apply(p, 'a', [on(1, 5)], T)
    p.removePeer('a', T)
    // the departed client's own copy (clock 5), arriving late from another connection
    expect(apply(p, 'b', [on(1, 5)], T)).toEqual({ accepted: [], all: false, bounce: [off(1, 6)], contested: new Set() })
    expect(apply(p, 'b', [on(1, 6)], T)).toEqual({ accepted: [], all: false, bounce: [off(1, 6)], contested: new Set() })
    // a stale removal is not bounced
    expect(apply(p, 'b', [off(1, 6)], T)).toEqual({ accepted: [], all: false, bounce: [], contested: new Set() })
    // the client is in fact still there: it re-announces with a higher clock, and owns the id again
    expect(apply(p, 'b', [on(1, 7)], T)).toEqual({ accepted: [on(1, 7)], all: true, bounce: [], contested: new Set() })
    expect(apply(p, 'a', [on(1, 8)], T).accepted).toEqual([])
    expect(p.live()).toEqual([on(1, 7)])
  })

  it('A5: after an explicit removal a stale announcement bounces at the removal clock', () => {
    const p = new Presence<string>()
    apply(p, 'a', [on(4, 2)], T)
    apply(p, 'a', [off(4, 3)], T)
    expect(apply(p, 'a', [on(4, 3), on(5, 1)], T)).toEqual({ accepted: [on(5, 1)], all: false, bounce: [off(4, 3)], contested: new Set() })
  })

  it('A6: live lists every live entry with its latest clock and state', () => {
    const p = new Presence<string>()
    expect(p.live()).toEqual([])
    apply(p, 'a', [on(1, 1), on(2, 1)], T)
    apply(p, 'b', [on(3, 4, 'b')], T)
    apply(p, 'a', [on(1, 2, 'renamed'), off(2, 1)], T)
    const live = p.live().sort((x, y) => x.clientId - y.clientId)
    expect(live).toEqual([on(1, 2, 'renamed'), on(3, 4, 'b')])
    expect(p.size).toBe(2)
  })

  it(`prune forgets removals older than ${TOMBSTONE_MS} ms, and only those`, () => {
    const p = new Presence<string>()
    apply(p, 'a', [on(1, 5), on(2, 5), on(3, 5)], T)
    p.removePeer('a', T)
    expect(apply(p, 'b', [on(2, 7)], T).accepted).toEqual([on(2, 7)]) // live again: never pruned
    apply(p, 'b', [on(4, 1)], T)
    apply(p, 'b', [off(4, 1)], T + 10_000)

    p.prune(T + TOMBSTONE_MS) // exactly the limit: kept
    expect(apply(p, 'c', [on(1, 5)], T + TOMBSTONE_MS).bounce).toEqual([off(1, 6)])

    p.prune(T + TOMBSTONE_MS + 1)
    // 1 and 3 are forgotten: an old clock is taken as new
    expect(apply(p, 'c', [on(1, 5)], T + TOMBSTONE_MS + 1)).toEqual({ accepted: [on(1, 5)], all: true, bounce: [], contested: new Set() })
    // 4 was removed later and still bounces
    expect(apply(p, 'c', [on(4, 1)], T + TOMBSTONE_MS + 1).bounce).toEqual([off(4, 1)])
    expect(p.live().sort((x, y) => x.clientId - y.clientId)).toEqual([on(1, 5), on(2, 7)])
  })

  it(`remembers at most ${MAX_TOMBSTONES} removals, forgetting the oldest first`, () => {
    const p = new Presence<string>()
    // connections that come, announce an id and go: each leaves a removal
    const extra = 10
    for (let id = 1; id <= MAX_TOMBSTONES + extra; id++) {
      apply(p, `peer${id}`, [on(id, 1)], T + id)
      p.removePeer(`peer${id}`, T + id)
    }
    expect(p.tombstones).toBe(MAX_TOMBSTONES)
    expect(p.live()).toEqual([])
    // the oldest are forgotten: their stale copy is taken as new
    expect(apply(p, 'late', [on(1, 1)], T + MAX_TOMBSTONES + extra).accepted).toEqual([on(1, 1)])
    // the rest still bounce, the first remembered one included
    expect(apply(p, 'late', [on(extra + 1, 1)], T + MAX_TOMBSTONES + extra).bounce).toEqual([off(extra + 1, 2)])
    expect(apply(p, 'late', [on(MAX_TOMBSTONES + extra, 1)], T + MAX_TOMBSTONES + extra).bounce).toEqual([off(MAX_TOMBSTONES + extra, 2)])
    expect(p.tombstones).toBe(MAX_TOMBSTONES)
    // an id announced again with a newer clock is live, no removal
    expect(apply(p, 'late', [on(extra + 1, 3)], T + MAX_TOMBSTONES + extra).accepted).toEqual([on(extra + 1, 3)])
    expect(p.tombstones).toBe(MAX_TOMBSTONES - 1)
    // prune goes through the rest in the order they were removed: ids up to 110 are old enough
    p.prune(T + 110 + TOMBSTONE_MS + 1)
    expect(p.tombstones).toBe(MAX_TOMBSTONES - 1 - (110 - extra - 1))
  })
})
