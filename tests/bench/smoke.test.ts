/**
 * The benchmark still runs end to end: `npm run bench -- --quick` against the raw relay and
 * Tandem (the peer needs the npm registry; full runs cover it). Every scenario must finish, every
 * run must converge, and the report's data (bench/.results/last.json) must hold a Tandem figure
 * for each. No figure is compared with its target here: the suite has no timed assertions, and
 * the machine running it is busy.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESULTS_DIR } from '../../bench/paths.js'
import type { Report } from '../../bench/report.js'
import { ensureBuilt, ROOT } from '../helpers/child.js'
import { tempDir } from '../helpers/server.js'
import { nextEvent } from '../helpers/wait.js'

/** What every run writes besides its report: the report's data and each scenario's raw results. */
const RESULTS_JSON = join(RESULTS_DIR, 'last.json')

describe('npm run bench -- --quick', () => {
  const dir = tempDir('tandem-bench-')
  let child: ChildProcess | null = null
  afterAll(() => {
    // a run that overran its time is stopped (the benchmark stops its servers and generators)
    if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    dir.cleanup()
  })
  let code: number | null = null
  let output = ''
  let report: Report | null = null
  let results: Record<string, Record<string, unknown[]>> = {}

  beforeAll(async () => {
    await ensureBuilt()
    // what an earlier run left must not pass for this run's results
    rmSync(RESULTS_JSON, { force: true })
    child = spawn(process.execPath, [join(ROOT, 'scripts', 'bench.mjs'), '--quick', '--servers', 'raw,tandem', '--out', join(dir.dir, 'report.md')], {
      cwd: ROOT,
      // none of the diagnosis switches (profiles, another data directory) a developer may have set
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BENCH_'))),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (c) => (output += c))
    child.stderr!.on('data', (c) => (output += c))
    ;[code] = (await nextEvent(child, 'exit', 280_000)) as [number | null]
    if (code === 0) ({ report, results } = JSON.parse(readFileSync(RESULTS_JSON, 'utf8')))
  }, 300_000)

  it('finishes every scenario without a failed run', () => {
    if (code !== 0) console.log(output)
    expect(code).toBe(0)
    expect(output).not.toContain('FAILED')
    expect(report!.errors).toEqual([])
  })

  it('converges in every run of every scenario', () => {
    const converged = report!.rows.filter((r) => r.figure.startsWith('runs converged') || r.figure.includes('watcher ended with the trace'))
    // fan-out, CPU, cursor storm, and the trace replay
    expect(converged.length).toBe(4)
    for (const r of converged) expect([r.figure, r.values.raw, r.values.tandem]).toEqual([r.figure, 1, 1])
    // every idle connection of the crowd scenario connected and synced
    const crowd = results.crowd!.tandem as Array<{ connections: number; synced: number }>
    expect(crowd.length).toBeGreaterThan(0)
    for (const run of crowd) expect(run.synced).toBe(run.connections)
    expect(crowd[0]!.connections).toBeGreaterThan(0)
  })

  it('reports a Tandem figure for every scenario', () => {
    const figures = [
      'server CPU per delivered update',
      'fan-out p99, 50 docs x 4 clients x 5 upd/s',
      'cursor storm: fan-out p99',
      'RSS per idle connection after a full GC',
      'RSS per loaded doc after a full GC, as a multiple of its encoded size',
      'first join after the 260k-edit doc was uploaded',
      'cold load: first join right after a restart',
      'trace replay',
    ]
    // memory figures are the growth between two readings of the server's RSS: on a busy machine
    // with --quick's few connections, what the allocator gives back can outweigh it (seen: -1.1 KiB)
    const growth = (figure: string) => figure.startsWith('RSS per')
    for (const figure of figures) {
      const value = report!.rows.find((r) => r.figure.startsWith(figure))?.values.tandem
      if (growth(figure)) expect(Number.isFinite(value), `${figure}: ${value}`).toBe(true)
      else expect(value, figure).toBeGreaterThan(0)
    }
    // the saturation figure is 0 when no step kept its p99 under the bar, which a busy machine can
    // cause: the ramp must have run its steps and delivered, and the report must give the figure
    expect(report!.rows.find((r) => r.figure.startsWith('saturation: highest delivered updates/s'))?.values.tandem).toBeGreaterThanOrEqual(0)
    const ramps = results.ramp!.tandem as Array<{ steps: Array<{ result: { deliveredPerSec: number } }> }>
    expect(ramps.length).toBeGreaterThan(0)
    for (const run of ramps) expect(run.steps.some((step) => step.result.deliveredPerSec > 0)).toBe(true)
    expect(report!.rows.length).toBeGreaterThan(20)
    // the peer was not started: the report says so instead of listing versions
    expect(report!.peerVersions).toBeNull()
  })
})
