/**
 * `npm run bench`: runs every scenario against the raw relay, @y/websocket-server and Tandem,
 * interleaved (each repetition starting with the next server), prints one table and writes
 * docs/benchmarks.md (a full run) or bench/.results/last.md (--quick, --only). Every child
 * process is stopped when it ends.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { killEverything } from './children.js'
import { DATA_DIR, REPORT_FILE, RESULTS_DIR, ROOT } from './paths.js'
import { describeMachine, hasTaskset, loadAverage, OtherLoad } from './proc.js'
import { median } from './stats.js'
import { markdown, table, type Report } from './report.js'
import { JOIN_EDITS, joins, LOADED_EDITS, loaded } from './scenarios/documents.js'
import { cpu, cursors, fanout } from './scenarios/fanout.js'
import { crowd, idle } from './scenarios/idle.js'
import { ramp } from './scenarios/ramp.js'
import { replay } from './scenarios/replay.js'
import type { Context, Results, Row, Scenario } from './scenarios/scenario.js'
import { ensurePeer } from './servers/peer.js'
import { SERVER_KINDS, SERVER_LABEL, type ServerKind } from './servers/server.js'
import { traceFiles, type TraceFiles } from './trace.js'

/** Every scenario, in the order a full run takes them (each has its own result type). */
export const SCENARIOS: ReadonlyArray<Scenario<any>> = [cpu, fanout, cursors, ramp, idle, loaded, joins, crowd, replay]

const USAGE = `Usage: npm run bench [-- options]

  --quick            short version (smoke test, under 2 minutes)
  --only <ids>       run only these scenarios (comma separated; see below)
  --reps <n>         repetitions per scenario (default: 5 for fan-out and CPU, 4 for joins, 3 for the cursor storm, fewer for the slow ones; 1 with --quick)
  --servers <kinds>  run only against these servers (comma separated): raw, peer, tandem
  --out <file>       write the report here (default: docs/benchmarks.md for a full run, bench/.results/last.md otherwise)
  --help             this text

Environment: BENCH_SERVER_PROF=<dir> writes a V8 CPU profile of every server run into <dir>/<server>/
(BENCH_SERVER_PROF_US=<n> samples every n microseconds),
BENCH_PROFILE_DIR=<dir> one of every generator worker (open them in Chrome DevTools or speedscope),
BENCH_NO_TRACE=1 uses the generated trace even where ../shared/traces has the real one,
BENCH_TANDEM_DATA=<dir or :memory:> gives Tandem that --data (diagnosis: :memory: runs it without storage),
BENCH_RAW_JOURNAL=<dir> makes the raw relay write-ahead: each turn's messages appended to a file there with
one write before they are relayed (diagnosis: what durability alone costs),
BENCH_SERVER_FLAGS="<flags>" passes Node/V8 flags to every server (--trace-gc, --perf-basic-prof for perf),
BENCH_SERVER_OUT=<dir> keeps each server's stdout in <dir>/<server>-<pid>.log.

Scenarios:
${SCENARIOS.map((s) => `  ${s.id.padEnd(9)}${s.title}`).join('\n')}`

function commit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || 'unknown'
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'server', 'shared'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim()
  return dirty ? `${head} (with uncommitted changes in server/ or shared/)` : head
}

/** A mistake on the command line: reported with the usage, exit code 2. */
class UsageError extends Error {}

/** Runs the benchmark; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv)
  } catch (err) {
    if (!(err instanceof UsageError) && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw err
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}\n`)
    return 2
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      reps: { type: 'string' },
      out: { type: 'string' },
      servers: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const only = (values.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)
  for (const id of only) if (!SCENARIOS.some((s) => s.id === id)) throw new UsageError(`unknown scenario "${id}"; known: ${SCENARIOS.map((s) => s.id).join(', ')}`)
  const selected = only.length > 0 ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS
  const quick = values.quick === true
  const repsOverride = values.reps === undefined ? undefined : Number(values.reps)
  if (repsOverride !== undefined && !(Number.isInteger(repsOverride) && repsOverride > 0)) throw new UsageError(`--reps takes a whole number above 0, not "${values.reps}"`)
  const servers = values.servers?.split(',').map((s) => s.trim()) ?? null
  for (const k of servers ?? []) if (!SERVER_KINDS.includes(k as ServerKind)) throw new UsageError(`unknown server "${k}"; known: ${SERVER_KINDS.join(', ')}`)
  const full = !quick && only.length === 0 && repsOverride === undefined && servers === null
  const started = Date.now()
  const loadAtStart = loadAverage()
  const tandemCommit = commit()
  const log = (line: string) => process.stderr.write(`${line}\n`)

  if (Number(loadAtStart.split(' ')[0]) > 1) log(`note: load average ${loadAtStart} with ${describeMachine().cores} cores: other work is running, figures will be noisy`)
  removeLeftovers()
  // the peer is installed only when a run needs it (installing it needs the npm registry)
  const needsPeer = (servers === null || servers.includes('peer')) && selected.some((s) => s.kinds.includes('peer'))
  const peerVersions = needsPeer ? ensurePeer(log) : null
  let trace: TraceFiles | null = null
  const ctx: Context = {
    quick,
    log,
    trace: () => (trace ??= traceFiles([LOADED_EDITS, JOIN_EDITS], log)),
    taskset: hasTaskset(),
  }

  const rows: Row[] = []
  // seconds a run may spend repeating single runs that other work starved
  let retryBudgetS = quick ? 0 : 180
  const othersAll: Partial<Record<ServerKind, number[]>> = {}
  const sections: Array<{ title: string; method: string; runs: string[]; seconds: number }> = []
  const errors: string[] = []
  const json: Record<string, unknown> = {}
  try {
    for (const scenario of selected) {
      const scenarioStarted = Date.now()
      const reps = repsOverride ?? scenario.reps(ctx)
      const results: Results<unknown> = {}
      const others: Partial<Record<ServerKind, number[]>> = {}
      const runs: string[] = []
      log(`\n== ${scenario.title} (${reps} repetition${reps === 1 ? '' : 's'})`)
      const kinds = scenario.kinds.filter((k) => servers === null || servers.includes(k))
      for (let rep = 1; rep <= reps; rep++) {
        for (const kind of rotated(kinds, rep - 1)) {
          // a scenario run once gets one more try when other work starved it, while the budget lasts
          for (let attempt = 1; attempt <= 2; attempt++) {
            const t = Date.now()
            const other = new OtherLoad()
            const label = `${SERVER_LABEL[kind]} #${rep}${attempt > 1 ? ' (again)' : ''}`
            try {
              const result = await scenario.run(kind, ctx)
              const othersPct = other.percent()
              ;(results[kind] ??= []).push(result)
              ;(others[kind] ??= []).push(othersPct)
              const line = `${label}: ${scenario.brief(result)}; other work ${othersPct.toFixed(0)}% of a core`
              runs.push(line)
              const seconds = (Date.now() - t) / 1000
              log(`  ${line} [${seconds.toFixed(0)} s]`)
              if (!(reps === 1 && othersPct > NOISY_PCT && retryBudgetS >= seconds)) break
              retryBudgetS -= seconds
            } catch (err) {
              const line = `${scenario.id}, ${label}: ${(err as Error).message.split('\n')[0]}`
              errors.push(line)
              runs.push(`${label}: FAILED: ${(err as Error).message.split('\n')[0]}`)
              log(`  FAILED ${line}\n${(err as Error).stack ?? ''}`)
              break
            }
          }
        }
      }
      const { kept, dropped } = quietRuns(results, others)
      for (const [kind, n] of Object.entries(dropped)) if (n > 0) runs.push(`${SERVER_LABEL[kind as ServerKind]}: ${n} run(s) left out of the medians (other work over ${NOISY_PCT}% of a core, quieter runs exist)`)
      for (const kind of SERVER_KINDS) for (const pct of othersKept(others, kind)) (othersAll[kind] ??= []).push(pct)
      const scenarioRows = scenario.rows(kept, ctx)
      rows.push(...scenarioRows)
      sections.push({ title: scenario.title, method: scenario.method, runs, seconds: (Date.now() - scenarioStarted) / 1000 })
      json[scenario.id] = results
      log(`\n${table(scenarioRows)}`)
    }
  } finally {
    killEverything()
  }
  rows.push({
    figure: 'other work on the machine during the runs above (median % of one core; not part of any figure)',
    unit: '%',
    values: Object.fromEntries(SERVER_KINDS.map((k) => [k, median(othersAll[k] ?? [])])),
    digits: 0,
  })

  const report: Report = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: describeMachine(),
    commit: tandemCommit,
    peerVersions,
    mode: full ? 'full' : [quick ? 'quick' : '', only.length > 0 ? `only ${only.join(',')}` : '', repsOverride ? `${repsOverride} reps` : '', servers ? `servers ${servers.join(',')}` : ''].filter(Boolean).join(', '),
    durationS: (Date.now() - started) / 1000,
    load: { start: loadAtStart, end: loadAverage() },
    traceSource: trace === null ? 'not used in this run' : describeTrace(trace),
    rows,
    sections,
    errors,
  }
  const out = values.out ?? (full ? REPORT_FILE : join(RESULTS_DIR, 'last.md'))
  mkdirSync(join(out, '..'), { recursive: true })
  writeFileSync(out, `${markdown(report)}\n`)
  mkdirSync(RESULTS_DIR, { recursive: true })
  writeFileSync(join(RESULTS_DIR, 'last.json'), JSON.stringify({ report, results: json }, (_k, v: unknown) => (v instanceof Float64Array ? `${v.length} samples` : v), 1))
  process.stdout.write(`\n${table(rows)}\n\nreport: ${relative(process.cwd(), out)} (${Math.round(report.durationS)} s)\n`)
  if (errors.length > 0) process.stdout.write(`\n${errors.length} run(s) failed:\n${errors.map((e) => `  ${e}`).join('\n')}\n`)
  return errors.length > 0 ? 1 : 0
}

/**
 * `list` starting at its `by`-th element, wrapping around. Each repetition starts with the next
 * server: on a machine that drifts through a run (this one slows by a third over a few minutes at
 * times), a fixed order would always measure the first server on the faster side of each round.
 */
export function rotated<T>(list: readonly T[], by: number): T[] {
  if (list.length === 0) return []
  const at = by % list.length
  return [...list.slice(at), ...list.slice(0, at)]
}

/** Removes Tandem data directories a killed run left behind (one benchmark runs at a time). */
function removeLeftovers(): void {
  if (!existsSync(DATA_DIR)) return
  for (const name of readdirSync(DATA_DIR)) if (name.startsWith('tandem-')) rmSync(join(DATA_DIR, name), { recursive: true, force: true })
}

/** Other work above this share of a core (%) makes a run noisy. */
const NOISY_PCT = 50

/**
 * Per server: the runs whose other work stayed under NOISY_PCT, when there is at least one such
 * run; otherwise all of them. The machine is shared, and a run that another job starved says
 * little about the server.
 */
function quietRuns(results: Results<unknown>, others: Partial<Record<ServerKind, number[]>>): { kept: Results<unknown>; dropped: Partial<Record<ServerKind, number>> } {
  const kept: Results<unknown> = {}
  const dropped: Partial<Record<ServerKind, number>> = {}
  for (const kind of SERVER_KINDS) {
    const runs = results[kind]
    if (!runs) continue
    const pcts = others[kind] ?? []
    const quiet = runs.filter((_, i) => (pcts[i] ?? 0) <= NOISY_PCT)
    kept[kind] = quiet.length > 0 ? quiet : runs
    dropped[kind] = runs.length - kept[kind]!.length
  }
  return { kept, dropped }
}

/** The other-work shares of the runs {@link quietRuns} keeps for `kind`. */
function othersKept(others: Partial<Record<ServerKind, number[]>>, kind: ServerKind): number[] {
  const pcts = others[kind] ?? []
  const quiet = pcts.filter((p) => p <= NOISY_PCT)
  return quiet.length > 0 ? quiet : pcts
}

function describeTrace(t: TraceFiles): string {
  const docs = [...t.docs.entries()].map(([n, d]) => `${n.toLocaleString('en-US')} edits = ${(d.bytes / 1024).toFixed(1)} KiB encoded`).join('; ')
  return t.source === 'automerge-paper'
    ? `automerge-paper (259,778 real single-character edits, read from ../shared/traces); ${docs}`
    : `generated (no ../shared/traces/automerge-paper.json.gz here: ${t.edits.toLocaleString('en-US')} seeded typing-like edits); ${docs}`
}
