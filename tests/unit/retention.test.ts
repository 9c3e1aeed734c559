/**
 * server/docs/retention.ts `thin`: one checkpoint per minute for the last hour, per hour for the
 * last day, per day for 30 days, per week before; the newest in each bucket and the newest
 * overall are kept. Includes a seeded property check over random histories.
 */
import { describe, expect, it } from 'vitest'
import { thin, TIERS, type Point } from '../../server/docs/retention.js'
import { seededRandom, testSeed } from '../helpers/wait.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WEEK = 7 * DAY
// a "now" on a week boundary (weeks are counted from the epoch), so bucket edges are easy to place
const NOW = 2900 * WEEK

/** Points with increasing seq at the given ages (ms before NOW), oldest first. */
const at = (...ages: number[]): Point[] =>
  [...ages].sort((a, b) => b - a).map((age, i) => ({ seq: i + 1, time: NOW - age }))

describe('retention thin', () => {
  it('has the documented tiers', () => {
    expect(TIERS).toEqual([
      { age: HOUR, every: MINUTE },
      { age: DAY, every: HOUR },
      { age: 30 * DAY, every: DAY },
      { age: Number.POSITIVE_INFINITY, every: WEEK },
    ])
  })

  it('keeps everything when there is nothing to thin', () => {
    expect(thin([], NOW)).toEqual([])
    expect(thin([{ seq: 1, time: NOW }], NOW)).toEqual([])
    expect(thin(at(0, 90 * DAY), NOW)).toEqual([])
  })

  it('keeps one per minute in the last hour: the newest of each minute', () => {
    // 10 s, 20 s and 50 s into the same minute, then one in the next minute
    const base = NOW - 30 * MINUTE
    const points: Point[] = [
      { seq: 1, time: base + 10_000 },
      { seq: 2, time: base + 20_000 },
      { seq: 3, time: base + 50_000 },
      { seq: 4, time: base + MINUTE + 1 },
    ]
    expect(thin(points, NOW).sort()).toEqual([1, 2])
  })

  it('keeps one per hour for the last day, one per day for 30 days, one per week before', () => {
    const hourBase = NOW - 5 * HOUR
    const dayBase = NOW - 10 * DAY
    const weekBase = NOW - 20 * WEEK
    const points: Point[] = [
      { seq: 1, time: weekBase + DAY },
      { seq: 2, time: weekBase + 3 * DAY },
      { seq: 3, time: weekBase + WEEK + DAY }, // next week: kept
      { seq: 4, time: dayBase + HOUR },
      { seq: 5, time: dayBase + 20 * HOUR },
      { seq: 6, time: dayBase + DAY + HOUR }, // next day: kept
      { seq: 7, time: hourBase + MINUTE },
      { seq: 8, time: hourBase + 59 * MINUTE },
      { seq: 9, time: hourBase + HOUR + MINUTE }, // next hour: kept
      { seq: 10, time: hourBase + 2 * HOUR + MINUTE }, // and the hour after: kept
      { seq: 11, time: NOW - 2 * MINUTE },
    ]
    expect(thin(points, NOW).sort((a, b) => a - b)).toEqual([1, 4, 7])
  })

  it('always keeps the newest checkpoint, whatever its time says', () => {
    // the newest (highest seq) shares a minute with an older one that claims a later time
    const points: Point[] = [
      { seq: 1, time: NOW - 10 * MINUTE + 30_000 },
      { seq: 2, time: NOW - 10 * MINUTE + 10_000 },
    ]
    expect(thin(points, NOW)).toEqual([1])
    // and a checkpoint from the future counts as brand new
    expect(thin([{ seq: 5, time: NOW + HOUR }, { seq: 4, time: NOW + HOUR }], NOW)).toEqual([4])
  })

  it('does not depend on the input order', () => {
    const points = at(0, 5_000, 10_000, 2 * HOUR, 2 * HOUR + 1000, 3 * DAY, 3 * DAY + 1, 60 * DAY, 60 * DAY + 1)
    const expected = thin(points, NOW).sort((a, b) => a - b)
    expect(expected.length).toBeGreaterThan(0)
    expect(thin([...points].reverse(), NOW).sort((a, b) => a - b)).toEqual(expected)
  })

  it('thins a long history to one per bucket, keeps the newest of each, and is stable (seeded)', () => {
    const seed = testSeed('retention thin')
    const rand = seededRandom(seed)
    const tierOf = (age: number) => TIERS.findIndex((t) => age < t.age)
    const bucketOf = (p: Point) => {
      const tier = tierOf(Math.max(0, NOW - p.time))
      return `${tier}:${Math.floor(p.time / TIERS[tier]!.every)}`
    }
    for (let round = 0; round < 20; round++) {
      // checkpoints at random gaps from 1 s to 2 days, going back up to a year
      const points: Point[] = []
      let time = NOW - Math.floor(rand() * MINUTE)
      while (time > NOW - 365 * DAY) {
        points.push({ seq: 0, time })
        time -= 1000 + Math.floor(rand() ** 4 * 2 * DAY)
      }
      points.reverse().forEach((p, i) => ((p as { seq: number }).seq = i + 1))
      const drop = new Set(thin(points, NOW))
      const kept = points.filter((p) => !drop.has(p.seq))
      const label = `seed ${seed} round ${round}`

      expect(drop.has(points.length), label).toBe(false)
      // one per bucket, and it is the newest of its bucket
      const keptByBucket = new Map<string, Point>()
      for (const p of kept) {
        expect(keptByBucket.has(bucketOf(p)), `${label}: two kept in ${bucketOf(p)}`).toBe(false)
        keptByBucket.set(bucketOf(p), p)
      }
      for (const p of points) expect(keptByBucket.get(bucketOf(p))!.seq, label).toBeGreaterThanOrEqual(p.seq)
      // at most 60 + 24 + 30 + 53 buckets (with edges) exist in a year
      expect(kept.length, label).toBeLessThanOrEqual(61 + 25 + 31 + 54)
      // thinning what is left drops nothing more
      expect(thin(kept, NOW), label).toEqual([])
    }
  })
})
