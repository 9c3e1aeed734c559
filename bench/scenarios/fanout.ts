/**
 * Steady editing load: D documents x C clients x R typing-like updates per second, the same
 * pre-encoded edits against every server. Three scenarios share it: fan-out latency
 * (50 x 4 x 5/s), server CPU per delivered update (20 x 5 x 64/s) and the cursor storm
 * (1 x 50 x 2/s, a cursor move per edit, clients re-broadcasting presence like the stock one).
 */
import type { AwarenessMode, VerifyResult } from '../generator/messages.js'
import { startServer, type ServerKind } from '../servers/server.js'
import { complete, LoadSession, type PhaseResult } from './load.js'
import { atMost, meds, type Context, type Results, type Scenario } from './scenario.js'

/** One run of a steady-load scenario. */
export interface SteadyResult extends PhaseResult {
  readonly verify: VerifyResult
  /** Every update delivered once, in order, and every verifier replica converged. */
  readonly converged: boolean
}

interface SteadyOptions {
  readonly docs: number
  readonly clientsPerDoc: number
  readonly rate: number
  readonly workers: number
  readonly awareness: (kind: ServerKind) => AwarenessMode
  /**
   * A phase run before the measured one, not measured: a relay serves for days, and what its
   * first seconds cost (compiling its hot code, sizing its heap) is not its steady cost. Given
   * as updates per second per client and length; at a low rate the code takes long to get hot.
   */
  readonly warm?: { readonly rate: number; readonly ms: number }
}

async function runSteady(kind: ServerKind, ctx: Context, o: SteadyOptions): Promise<SteadyResult> {
  const server = await startServer(kind)
  let session: LoadSession | null = null
  try {
    session = await LoadSession.open(server, { docs: o.docs, clientsPerDoc: o.clientsPerDoc, awareness: o.awareness(kind), workers: o.workers })
    if (o.warm && !ctx.quick) await session.phase({ rate: o.warm.rate, warmupMs: 0, windowMs: o.warm.ms, drainMs: 5000 })
    const phase = await session.phase({
      rate: o.rate,
      warmupMs: ctx.quick ? 500 : 2000,
      windowMs: ctx.quick ? 2000 : 6000,
      drainMs: 5000,
    })
    const verify = await session.verify()
    return { ...phase, verify, converged: complete(phase) && verify.missing === 0 && verify.converged === verify.docs }
  } finally {
    // the server goes first, so the sockets' TIME_WAIT stays on its side
    await server.stop()
    await session?.close()
  }
}

/** Renders a latency run briefly. */
function brief(r: SteadyResult): string {
  const l = r.latency
  return (
    `p50 ${l.p50.toFixed(2)} p99 ${l.p99.toFixed(2)} max ${l.max.toFixed(1)} ms, ${Math.round(r.deliveredPerSec)} deliveries/s, ` +
    `server ${r.cpuPerDeliveryUs.toFixed(1)} us/delivery (${r.serverCpuPct.toFixed(0)}% core), in ${Math.round(r.serverInPerSec)} msg/s, ` +
    `rss ${(r.rssBytes / 2 ** 20).toFixed(0)} MiB, generator ${r.generatorCpuPct.toFixed(0)}% lag p99 ${r.lagP99.toFixed(1)} ms, other work in the window ${r.otherCpuPct.toFixed(0)}%` +
    `${r.converged ? '' : `, NOT CONVERGED (lost ${r.lost}, dup ${r.duplicates}, ooo ${r.outOfOrder}, disc ${r.disconnects}, missing ${r.verify.missing}, docs ${r.verify.converged}/${r.verify.docs})`}` +
    `${r.echoes > 0 ? `, ${r.echoes} echoes` : ''}`
  )
}

const reps = (ctx: Context) => (ctx.quick ? 1 : 3)
/**
 * The two figures with ratio targets close to 1 (fan-out p99, CPU per delivery) move 20-40%
 * between runs of the same server on this shared machine: five interleaved runs each, so the
 * median is not a coin toss.
 */
const targetReps = (ctx: Context) => (ctx.quick ? 1 : 5)

/** Share of runs that converged, as a number for the table (1 = all). */
function convergedShare(results: Results<SteadyResult>): Partial<Record<ServerKind, number>> {
  const out: Partial<Record<ServerKind, number>> = {}
  for (const kind of ['raw', 'peer', 'tandem'] as const) {
    const runs = results[kind] ?? []
    out[kind] = runs.length === 0 ? NaN : runs.filter((r) => r.converged).length / runs.length
  }
  return out
}

/** Fan-out latency at 50 documents x 4 clients x 5 updates/s. */
export const fanout: Scenario<SteadyResult> = {
  id: 'fanout',
  title: 'Fan-out latency, 50 docs x 4 clients x 5 upd/s',
  method:
    '200 clients in 50 documents each type 5 updates a second (1,000 updates/s in, 3,000 deliveries/s out), ' +
    'sends spread evenly over each 200 ms period. Latency is from the moment a client hands an update to its ' +
    'socket to the moment another client of the document reads it (shared monotonic clock); percentiles over ' +
    'every delivery of updates sent in the window. Before it, unmeasured, 4 s at 20 updates/s per client ' +
    '(code gets hot by calls, not by time) and 2 s at the measured rate.',
  kinds: ['raw', 'peer', 'tandem'],
  reps: targetReps,
  run: (kind, ctx) => runSteady(kind, ctx, { docs: 50, clientsPerDoc: 4, rate: 5, workers: 2, awareness: () => 'none', warm: { rate: 20, ms: 4000 } }),
  brief,
  rows(results) {
    const p99 = meds(results, (r) => r.latency.p99)
    return [
      { figure: 'fan-out p50, 50 docs x 4 clients x 5 upd/s', unit: 'ms', values: meds(results, (r) => r.latency.p50), digits: 2, ratio: true },
      {
        figure: 'fan-out p99, 50 docs x 4 clients x 5 upd/s',
        unit: 'ms',
        values: p99,
        digits: 2,
        ratio: true,
        target: '<= 1.2x raw, and < @y/websocket-server',
        met: p99.tandem === undefined || p99.raw === undefined || p99.peer === undefined ? null : atMost(p99.tandem, 1.2 * p99.raw) === true && p99.tandem < p99.peer,
      },
      { figure: 'fan-out max, same', unit: 'ms', values: meds(results, (r) => r.latency.max), digits: 1, ratio: true },
      { figure: 'runs converged, same (share)', unit: '', values: convergedShare(results), digits: 2, target: 'all', met: convergedShare(results).tandem === 1 },
    ]
  },
}

/** Server CPU per delivered update at 20 documents x 5 clients x 64 updates/s. */
export const cpu: Scenario<SteadyResult> = {
  id: 'cpu',
  title: 'Server CPU per delivered update, 20 docs x 5 clients x 64 upd/s',
  method:
    '100 clients in 20 documents each send 64 updates a second (6,400/s in, 25,600 deliveries/s out). The ' +
    "server's CPU time (utime + stime of its process, all threads, from /proc/<pid>/stat) used during the window, " +
    'divided by the updates clients received during the window, after 6 s of the same load unmeasured. ' +
    'Server and generator share both cores.',
  kinds: ['raw', 'peer', 'tandem'],
  reps: targetReps,
  run: (kind, ctx) => runSteady(kind, ctx, { docs: 20, clientsPerDoc: 5, rate: 64, workers: 2, awareness: () => 'none', warm: { rate: 64, ms: 4000 } }),
  brief,
  rows(results) {
    const us = meds(results, (r) => r.cpuPerDeliveryUs)
    return [
      {
        figure: 'server CPU per delivered update, 20 docs x 5 clients x 64 upd/s',
        unit: 'us',
        values: us,
        digits: 1,
        ratio: true,
        target: '<= 1.25x raw',
        met: atMost(us.tandem, 1.25 * (us.raw ?? NaN)),
      },
      { figure: 'delivered updates/s, same', unit: '/s', values: meds(results, (r) => r.deliveredPerSec), digits: 0, ratio: true },
      { figure: 'server CPU, same (% of one core)', unit: '%', values: meds(results, (r) => r.serverCpuPct), digits: 0, ratio: true },
      { figure: 'fan-out p99, same', unit: 'ms', values: meds(results, (r) => r.latency.p99), digits: 2, ratio: true },
      { figure: 'server RSS under this load', unit: 'MiB', values: meds(results, (r) => r.rssBytes / 2 ** 20), digits: 0, ratio: true },
      { figure: 'runs converged, same (share)', unit: '', values: convergedShare(results), digits: 2, target: 'all', met: convergedShare(results).tandem === 1 },
    ]
  },
}

/** The cursor storm: 1 document x 50 clients x 2 updates/s, each followed by a cursor move. */
export const cursors: Scenario<SteadyResult> = {
  id: 'cursors',
  title: 'Cursor storm, 1 doc x 50 clients x 2 upd/s with a cursor move per edit',
  method:
    '50 clients in one document each type 2 updates a second and move their cursor (an awareness update ' +
    'shaped like y-prosemirror\'s) after every edit. Against @y/websocket-server and Tandem the clients behave like the ' +
    'stock y-websocket client: every remote presence change they apply is re-broadcast to the server (about 25x ' +
    'the messages). The raw ceiling is measured with clients that do not re-broadcast: relayed verbatim, each ' +
    're-broadcast would reach 49 clients again (about 240,000 deliveries/s), which measures the storm, not a relay.',
  kinds: ['raw', 'peer', 'tandem'],
  reps,
  run: (kind, ctx) => runSteady(kind, ctx, { docs: 1, clientsPerDoc: 50, rate: 2, workers: 1, awareness: (k) => (k === 'raw' ? 'cursor' : 'storm') }),
  brief,
  rows(results) {
    const p99 = meds(results, (r) => r.latency.p99)
    return [
      { figure: 'cursor storm: messages/s into the server (raw: no re-broadcast)', unit: '/s', values: meds(results, (r) => r.serverInPerSec), digits: 0, ratio: true },
      {
        figure: 'cursor storm: fan-out p99, 1 doc x 50 clients x 2 upd/s',
        unit: 'ms',
        values: p99,
        digits: 2,
        ratio: true,
        target: '<= 1.2x raw',
        met: atMost(p99.tandem, 1.2 * (p99.raw ?? NaN)),
      },
      { figure: 'cursor storm: server CPU (% of one core)', unit: '%', values: meds(results, (r) => r.serverCpuPct), digits: 0, ratio: true },
      { figure: 'runs converged, same (share)', unit: '', values: convergedShare(results), digits: 2, target: 'all', met: convergedShare(results).tandem === 1 },
    ]
  },
}
