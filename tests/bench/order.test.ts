/** The order the benchmark runs servers in: each repetition starts with the next one. */
import { describe, expect, it } from 'vitest'
import { rotated } from '../../bench/main.js'

describe('rotated', () => {
  const servers = ['raw', 'peer', 'tandem'] as const

  it('starts each repetition with the next server, so each is first, second and third once in three', () => {
    const orders = [0, 1, 2].map((rep) => rotated(servers, rep))
    expect(orders).toEqual([
      ['raw', 'peer', 'tandem'],
      ['peer', 'tandem', 'raw'],
      ['tandem', 'raw', 'peer'],
    ])
    for (const kind of servers) expect(orders.map((o) => o.indexOf(kind)).sort()).toEqual([0, 1, 2])
  })

  it('wraps around past the last server and leaves the list it was given alone', () => {
    expect(rotated(servers, 4)).toEqual(['peer', 'tandem', 'raw'])
    expect(rotated(['tandem'], 3)).toEqual(['tandem'])
    expect(rotated([], 2)).toEqual([])
    expect(servers).toEqual(['raw', 'peer', 'tandem'])
  })
})
