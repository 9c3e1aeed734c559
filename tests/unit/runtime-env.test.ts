/**
 * server/runtime-env.ts: the environment every launcher gives the server. The operator's values
 * win, NODE_OPTIONS is joined rather than replaced, and the young-generation cap really takes
 * effect in a Node process started with it.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { SERVER_ENV_DEFAULTS, SERVER_NODE_OPTIONS, serverEnv } from '../../server/runtime-env.js'

/**
 * Largest young generation a Node process reaches while many of its objects outlive a scavenge
 * (a sliding window of live objects: what makes V8 grow it), in bytes.
 */
function largestNursery(env: NodeJS.ProcessEnv): number {
  const script = `
    const v8 = require('node:v8')
    const ring = new Array(200000)
    let max = 0
    for (let i = 0; i < 3e6; i++) {
      ring[i % ring.length] = { i, s: 'x' + i }
      if (i % 10000 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)
    }
    process.stdout.write(String(max))
  `
  const run = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 30_000 })
  expect(run.status, run.stderr).toBe(0)
  return Number(run.stdout)
}

/** The test process's environment without NODE_OPTIONS (vitest may set some). */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return env
}

describe('server runtime environment', () => {
  it('adds the defaults under what the operator set', () => {
    const env = serverEnv({ PATH: '/bin' })
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe(SERVER_ENV_DEFAULTS.MALLOC_MMAP_THRESHOLD_)
    expect(env.NODE_OPTIONS).toBe(SERVER_NODE_OPTIONS)
    expect(env.PATH).toBe('/bin')
    expect(serverEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_).toBe('65536')
  })

  it("puts the operator's NODE_OPTIONS after the server's, so a flag they repeat wins", () => {
    expect(serverEnv({ NODE_OPTIONS: ' --max-old-space-size=512 ' }).NODE_OPTIONS).toBe(`${SERVER_NODE_OPTIONS} --max-old-space-size=512`)
    expect(serverEnv({ NODE_OPTIONS: '' }).NODE_OPTIONS).toBe(SERVER_NODE_OPTIONS)
  })

  it('caps the young generation of a process started with it at 4 MiB per semi-space', () => {
    const capped = largestNursery(serverEnv(baseEnv()))
    const uncapped = largestNursery(baseEnv())
    expect(capped).toBeLessThanOrEqual(8 * 2 ** 20)
    // without the option the same process grows past it (so the cap is what holds it down)
    expect(uncapped).toBeGreaterThan(capped)
    // and an operator's own value wins
    expect(largestNursery(serverEnv({ ...baseEnv(), NODE_OPTIONS: '--max-semi-space-size=1' }))).toBeLessThanOrEqual(2 * 2 ** 20)
  })
})
