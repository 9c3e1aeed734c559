/**
 * server/sync/presence-batch.ts: awareness changes held for the end of an interval go out as the
 * latest entry per client id, each sender getting only the others' entries.
 */
import { describe, expect, it } from 'vitest'
import { REMOVED, type AwarenessEntry } from '../../shared/awareness.js'
import { PresenceBatch } from '../../server/sync/presence-batch.js'

const at = (clientId: number, clock: number): AwarenessEntry => ({ clientId, clock, state: JSON.stringify({ cursor: clock }) })
const ids = (entries: readonly AwarenessEntry[]) => entries.map((e) => `${e.clientId}@${e.clock}`).sort()

describe('PresenceBatch', () => {
  it('keeps the latest entry per client id, and each sender gets only the others', () => {
    const batch = new PresenceBatch<string>()
    expect(batch.empty).toBe(true)
    batch.add('a', [at(1, 1)])
    batch.add('a', [at(1, 2), at(11, 1)])
    batch.add('b', [at(2, 7)])
    batch.add('c', [at(3, 1)])
    batch.add('c', [at(3, 4)])
    expect(batch.empty).toBe(false)
    const burst = batch.take()
    expect(ids(burst.all)).toEqual(['11@1', '1@2', '2@7', '3@4'])
    expect([...burst.others.keys()].sort()).toEqual(['a', 'b', 'c'])
    expect(ids(burst.others.get('a')!)).toEqual(['2@7', '3@4'])
    expect(ids(burst.others.get('b')!)).toEqual(['11@1', '1@2', '3@4'])
    expect(ids(burst.others.get('c')!)).toEqual(['11@1', '1@2', '2@7'])
    // taking empties it
    expect(batch.empty).toBe(true)
    expect(batch.take().all).toEqual([])
  })

  it('a lone sender gets nothing back', () => {
    const batch = new PresenceBatch<string>()
    batch.add('a', [at(1, 1), at(1, 2)])
    const burst = batch.take()
    expect(ids(burst.all)).toEqual(['1@2'])
    expect(burst.others.get('a')).toEqual([])
  })

  it('forgets what a leaving peer sent, and everything when cleared', () => {
    const batch = new PresenceBatch<string>()
    batch.add('a', [at(1, 1)])
    batch.add('b', [at(2, 1)])
    batch.drop('a')
    const burst = batch.take()
    expect(ids(burst.all)).toEqual(['2@1'])
    expect([...burst.others.keys()]).toEqual(['b'])
    batch.add('a', [at(1, 3)])
    batch.drop('a')
    expect(batch.empty).toBe(true)
    batch.add('b', [at(2, 2)])
    batch.clear()
    expect(batch.empty).toBe(true)
    expect(batch.take().all).toEqual([])
  })

  it("keeps a leaving peer's own removals: nothing else would tell the others", () => {
    const batch = new PresenceBatch<string>()
    batch.add('a', [at(1, 1), { clientId: 11, clock: 2, state: REMOVED }])
    batch.add('b', [at(2, 1)])
    batch.drop('a')
    expect(ids(batch.take().all)).toEqual(['11@2', '2@1'])
  })
})
