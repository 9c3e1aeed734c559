/**
 * How long document history is kept: which checkpoints survive a compaction. Every checkpoint is
 * a full state of the document at its time. The newest checkpoint in each bucket is kept:
 * one per minute for the last hour, one per hour for the last day, one per day for the last
 * 30 days, one per week before that. The newest checkpoint overall is always kept.
 */

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Retention tiers: checkpoints younger than `age` are bucketed by `every`. */
export const TIERS: ReadonlyArray<{ readonly age: number; readonly every: number }> = [
  { age: HOUR, every: MINUTE },
  { age: DAY, every: HOUR },
  { age: 30 * DAY, every: DAY },
  { age: Number.POSITIVE_INFINITY, every: 7 * DAY },
]

/** A checkpoint's place in history. */
export interface Point {
  readonly seq: number
  readonly time: number
}

/** Sequence numbers of the checkpoints to drop so that what remains follows the tiers. */
export function thin(checkpoints: readonly Point[], now: number): number[] {
  const newestFirst = [...checkpoints].sort((a, b) => b.seq - a.seq)
  const kept = new Set<string>()
  const drop: number[] = []
  newestFirst.forEach((point, i) => {
    const age = Math.max(0, now - point.time)
    const tier = TIERS.findIndex((t) => age < t.age)
    const bucket = `${tier}:${Math.floor(point.time / TIERS[tier]!.every)}`
    if (i === 0 || !kept.has(bucket)) kept.add(bucket)
    else drop.push(point.seq)
  })
  return drop
}
