/**
 * Delete sets read from update bytes: which clock ranges of which clients an update deletes.
 * A client that already holds a document sends its whole delete set back on every connect (a
 * Yjs sync step 2 always carries all of it); comparing it with the document's tells the room
 * that such an update adds nothing.
 */
import { forEachDeletion } from './update.js'

/** Deleted clock ranges per client: `[start, end, start, end, ...]`, sorted, disjoint, not touching. */
export type DeleteSet = Map<number, number[]>

/** The delete set of `updates` together (each a valid Yjs update; they are decoded, not applied). */
export function deleteSetOf(updates: Iterable<Uint8Array>): DeleteSet {
  const raw = new Map<number, number[]>()
  const add = (client: number, clock: number, length: number) => {
    let ranges = raw.get(client)
    if (ranges === undefined) raw.set(client, (ranges = []))
    ranges.push(clock, clock + length)
  }
  for (const update of updates) forEachDeletion(update, add)
  return normalized(raw)
}

/** Every range deleted in `a` or in `b`. */
export function union(a: DeleteSet, b: DeleteSet): DeleteSet {
  if (b.size === 0) return a
  const raw = new Map<number, number[]>()
  for (const set of [a, b]) for (const [client, ranges] of set) raw.set(client, [...(raw.get(client) ?? []), ...ranges])
  return normalized(raw)
}

/** Sorts and merges each client's `[start, end, ...]` pairs, in place. */
function normalized(raw: Map<number, number[]>): DeleteSet {
  for (const [client, flat] of raw) {
    const pairs: Array<[number, number]> = []
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!])
    // one update lists a client's ranges in order; several updates interleave them
    pairs.sort((x, y) => x[0] - y[0])
    const merged: number[] = []
    for (const [start, end] of pairs) {
      const last = merged.length - 1
      if (last > 0 && start <= merged[last]!) merged[last] = Math.max(merged[last]!, end)
      else merged.push(start, end)
    }
    raw.set(client, merged)
  }
  return raw
}

/** True when every range `part` deletes is deleted in `whole` too. */
export function covers(whole: DeleteSet, part: DeleteSet): boolean {
  for (const [client, ranges] of part) {
    const known = whole.get(client)
    if (known === undefined) return false
    for (let i = 0; i < ranges.length; i += 2) if (!within(known, ranges[i]!, ranges[i + 1]!)) return false
  }
  return true
}

/** True when [start, end) lies inside one range of `ranges` (sorted and merged, so one suffices). */
function within(ranges: readonly number[], start: number, end: number): boolean {
  // the last range that starts at or before `start`, by binary search over the pairs
  let lo = 0
  let hi = ranges.length / 2 - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (ranges[2 * mid]! <= start) {
      found = mid
      lo = mid + 1
    } else {
      hi = mid - 1
    }
  }
  return found >= 0 && ranges[2 * found + 1]! >= end
}
