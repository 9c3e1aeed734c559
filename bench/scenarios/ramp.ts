/**
 * The saturation ramp: the server pinned to core 0, the generator to core 1 (taskset), 20
 * documents x 5 clients, the update rate raised step by step on the same connections until a
 * step misses the bar (fan-out p99 over 50 ms, or an update lost, duplicated or late past the
 * drain). The figure is the highest delivered rate that still met it.
 */
import { startServer, type ServerKind } from '../servers/server.js'
import { complete, LoadSession, type PhaseResult } from './load.js'
import { meds, type Context, type Scenario } from './scenario.js'

/** p99 a step must stay under to count as sustained (ms). */
export const RAMP_P99_MS = 50

/** One step of the ramp. */
export interface RampStep {
  readonly rate: number
  readonly result: PhaseResult
  readonly ok: boolean
}

/** One ramp against one server. */
export interface RampResult {
  readonly steps: RampStep[]
  /** Highest delivered updates/s of a step that met the bar (0 when none did). */
  readonly sustained: number
  /** Server CPU per delivery at the highest sustained step (µs). */
  readonly cpuPerDeliveryUs: number
  readonly pinned: boolean
}

const FULL_RATES = [16, 32, 48, 64, 96, 128, 160, 192, 256]
const DOCS = 20
const CLIENTS = 5

function rates(ctx: Context): number[] {
  return ctx.quick ? [32, 128] : FULL_RATES
}

async function runRamp(kind: ServerKind, ctx: Context): Promise<RampResult> {
  const pinned = ctx.taskset
  const server = await startServer(kind, pinned ? { cpus: '0' } : {})
  let session: LoadSession | null = null
  const steps: RampStep[] = []
  try {
    session = await LoadSession.open(server, { docs: DOCS, clientsPerDoc: CLIENTS, awareness: 'none', workers: 1, workerCpus: pinned ? '1' : undefined })
    for (const rate of rates(ctx)) {
      const result = await session.phase({ rate, warmupMs: ctx.quick ? 500 : 1000, windowMs: ctx.quick ? 2000 : 3000, drainMs: 3000 })
      const ok = complete(result) && result.latency.p99 <= RAMP_P99_MS
      steps.push({ rate, result, ok })
      if (!ok) break
    }
  } finally {
    await server.stop()
    await session?.close()
  }
  const best = steps.filter((s) => s.ok).at(-1)
  return { steps, sustained: best?.result.deliveredPerSec ?? 0, cpuPerDeliveryUs: best?.result.cpuPerDeliveryUs ?? NaN, pinned }
}

/** The saturation ramp scenario. */
export const ramp: Scenario<RampResult> = {
  id: 'ramp',
  title: 'Saturation ramp, server on core 0, generator on core 1',
  method:
    `20 documents x 5 clients; each step raises the rate per client (${FULL_RATES.join(', ')} updates/s, ` +
    `i.e. 400x that in deliveries/s) for a 1 s warm-up and a 3 s window on the same connections, until a step has a fan-out ` +
    `p99 over ${RAMP_P99_MS} ms or loses, duplicates or reorders an update. The server is pinned to core 0 and the ` +
    'generator (one worker process) to core 1 with taskset; the generator\'s CPU is shown per step so a generator-bound ' +
    'step can be told from a server-bound one.',
  kinds: ['raw', 'peer', 'tandem'],
  reps: () => 1,
  run: runRamp,
  brief(r) {
    const steps = r.steps
      .map((s) => `${s.rate}/s: ${Math.round(s.result.deliveredPerSec)} del/s p99 ${s.result.latency.p99.toFixed(1)} ms srv ${s.result.serverCpuPct.toFixed(0)}% gen ${s.result.generatorCpuPct.toFixed(0)}% other work ${s.result.otherCpuPct.toFixed(0)}%${s.ok ? '' : ' (missed)'}`)
      .join('; ')
    return `sustained ${Math.round(r.sustained)} deliveries/s${r.pinned ? '' : ' (NOT pinned: no taskset)'} — ${steps}`
  },
  rows(results) {
    return [
      { figure: `saturation: highest delivered updates/s with p99 <= ${RAMP_P99_MS} ms, no loss (server alone on one core)`, unit: '/s', values: meds(results, (r) => r.sustained), digits: 0, ratio: true },
      { figure: 'saturation: server CPU per delivered update at that step', unit: 'us', values: meds(results, (r) => r.cpuPerDeliveryUs), digits: 1, ratio: true },
    ]
  },
}
