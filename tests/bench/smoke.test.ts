/**
 * The benchmark still runs end to end: `npm run bench -- --quick` against the raw relay and
 * Tandem (the peer needs the npm registry; full runs cover it). Every scenario must finish, every
 * run must converge, and the report must hold a Tandem figure for each. No figure is compared with
 * its target here: the suite has no timed assertions, and the machine running it is busy.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, ROOT } from '../helpers/child.js'
import { tempDir } from '../helpers/server.js'
import { nextEvent } from '../helpers/wait.js'

/** One row of the report's results table. */
interface Row {
  readonly figure: string
  readonly raw: string
  readonly tandem: string
}

/** The rows of the first results table in a report (the one listing every figure). */
function parseRows(markdown: string): Row[] {
  const rows: Row[] = []
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| figure') || line.startsWith('|---')) continue
    const cells = line.slice(2, -2).split(' | ')
    if (cells.length !== 6) continue
    rows.push({ figure: cells[0]!, raw: cells[1]!, tandem: cells[3]! })
  }
  return rows
}

/** The first number in a cell ("1,825 /s" is 1825), NaN when there is none. */
const numberIn = (cell: string) => Number(/-?[\d,]+(\.\d+)?/.exec(cell)?.[0]?.replace(/,/g, '') ?? NaN)

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
  let report = ''
  let rows: Row[] = []

  beforeAll(async () => {
    await ensureBuilt()
    const out = join(dir.dir, 'report.md')
    child = spawn(process.execPath, [join(ROOT, 'scripts', 'bench.mjs'), '--quick', '--servers', 'raw,tandem', '--out', out], {
      cwd: ROOT,
      // none of the diagnosis switches (profiles, another data directory) a developer may have set
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BENCH_'))),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (c) => (output += c))
    child.stderr!.on('data', (c) => (output += c))
    ;[code] = (await nextEvent(child, 'exit', 280_000)) as [number | null]
    if (code === 0) {
      report = readFileSync(out, 'utf8')
      rows = parseRows(report)
    }
  }, 300_000)

  it('finishes every scenario without a failed run', () => {
    if (code !== 0) console.log(output)
    expect(code).toBe(0)
    expect(output).not.toContain('FAILED')
  })

  it('converges in every run of every scenario', () => {
    const converged = rows.filter((r) => r.figure.startsWith('runs converged') || r.figure.includes('watcher ended with the trace'))
    // fan-out, CPU, cursor storm, and the trace replay
    expect(converged.length).toBe(4)
    for (const r of converged) expect([r.figure, numberIn(r.raw), numberIn(r.tandem)]).toEqual([r.figure, 1, 1])
    // every idle connection of the crowd scenario connected and synced
    const crowd = rows.find((r) => r.figure.endsWith('connected and synced'))
    expect(crowd).toBeDefined()
    expect(numberIn(crowd!.tandem)).toBeGreaterThan(0)
    expect(numberIn(crowd!.tandem)).toBe(numberIn(crowd!.figure))
  })

  it('reports a Tandem figure for every scenario', () => {
    const figures = [
      'server CPU per delivered update',
      'fan-out p99, 50 docs x 4 clients x 5 upd/s',
      'cursor storm: fan-out p99',
      'saturation: highest delivered updates/s',
      'RSS per idle connection after a full GC',
      'RSS per loaded doc after a full GC, as a multiple of its encoded size',
      'first join after the 260k-edit doc was uploaded',
      'cold load: first join right after a restart',
      'trace replay',
    ]
    for (const figure of figures) {
      const row = rows.find((r) => r.figure.startsWith(figure))
      expect(row, figure).toBeDefined()
      expect(numberIn(row!.tandem), figure).toBeGreaterThan(0)
    }
    expect(rows.length).toBeGreaterThan(20)
    // the peer was not started: the report says so instead of listing versions
    expect(report).toContain('- peer: not run')
  })
})
