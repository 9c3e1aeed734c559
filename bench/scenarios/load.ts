/**
 * A load session: generator workers with their clients connected to one server, and phases of
 * edits sent at a fixed rate. Each phase measures, in its window: fan-out latency, delivered
 * updates per second, server CPU (from /proc) per delivered update, server RSS, and the
 * generator's own CPU and schedule lag; and it checks that every update arrived.
 */
import { now } from '../clock.js'
import type { AwarenessMode, RunResult, SetupResult, VerifyResult } from '../generator/messages.js'
import { closeWorkers, startWorkers, workersCpu, type Worker } from '../generator/pool.js'
import { machineBusySeconds, ownCpuSeconds } from '../proc.js'
import type { ServerHandle } from '../servers/server.js'
import { concat, quantile, summarize, type LatencySummary } from '../stats.js'
import { wait } from './scenario.js'

/** Shape of the load. */
export interface LoadSpec {
  readonly docs: number
  readonly clientsPerDoc: number
  readonly awareness: AwarenessMode
  /** Generator worker processes (documents are dealt round-robin). */
  readonly workers: number
  /** Pin the workers to these cores. */
  readonly workerCpus?: string
}

/** Timing of one phase. */
export interface PhaseSpec {
  /** Updates per second per client. */
  readonly rate: number
  readonly warmupMs: number
  readonly windowMs: number
  /** Longest wait for stragglers after the last send. */
  readonly drainMs: number
}

/** What one phase measured. */
export interface PhaseResult {
  readonly latency: LatencySummary
  /** Updates sent per second in the window. */
  readonly sentPerSec: number
  /** Updates received by clients per second in the window. */
  readonly deliveredPerSec: number
  /** Messages per second the server received in the window (updates plus awareness). */
  readonly serverInPerSec: number
  /** Server CPU seconds in the window. */
  readonly serverCpu: number
  /** Server CPU per delivered update (µs). */
  readonly cpuPerDeliveryUs: number
  /** Server CPU as a share of one core (%). */
  readonly serverCpuPct: number
  /** Generator CPU as a share of one core (%), all workers together. */
  readonly generatorCpuPct: number
  /** CPU used by everything else on the machine (other people's work), as a share of one core (%). */
  readonly otherCpuPct: number
  /** 99th percentile of how late sends went out (ms): high means the generator fell behind. */
  readonly lagP99: number
  readonly rssBytes: number
  readonly lost: number
  readonly duplicates: number
  readonly outOfOrder: number
  readonly echoes: number
  readonly disconnects: number
}

/** Clients of one run connected to a server. */
export class LoadSession {
  private constructor(
    private readonly server: ServerHandle,
    private readonly workers: Worker[],
    readonly setup: SetupResult,
  ) {}

  /** Starts the workers and connects every client; throws unless all synced. */
  static async open(server: ServerHandle, spec: LoadSpec, editing = true): Promise<LoadSession> {
    const workers = await startWorkers(spec.workers, { cpus: spec.workerCpus })
    try {
      const results = await Promise.all(
        workers.map((w, i) => {
          const docs = []
          for (let d = i; d < spec.docs; d += spec.workers) docs.push({ name: `d${d}`, index: d, clients: spec.clientsPerDoc })
          return w.request<SetupResult>({
            type: 'setup',
            wsBase: server.wsBase,
            docs,
            totalDocs: spec.docs,
            clientsPerDoc: spec.clientsPerDoc,
            editing,
            awareness: spec.awareness,
            concurrency: 32,
            timeoutMs: 20_000,
          })
        }),
      )
      const setup = results.reduce((a, r) => ({ clients: a.clients + r.clients, synced: a.synced + r.synced, failed: a.failed + r.failed, ms: Math.max(a.ms, r.ms) }))
      if (setup.synced !== setup.clients) throw new Error(`only ${setup.synced} of ${setup.clients} clients synced with ${server.kind}\n${server.stderrTail().slice(-1500)}`)
      return new LoadSession(server, workers, setup)
    } catch (err) {
      await closeWorkers(workers)
      throw err
    }
  }

  /** Runs one phase at `rate` updates per second per client. */
  async phase(p: PhaseSpec): Promise<PhaseResult> {
    const total = p.warmupMs + p.windowMs
    const updates = Math.ceil((p.rate * total) / 1000) + 1
    await Promise.all(this.workers.map((w) => w.request({ type: 'prepare', updates })))
    const t0 = now() + 300
    const windowStart = t0 + p.warmupMs
    const windowEnd = windowStart + p.windowMs
    const runs = Promise.all(
      this.workers.map((w) => w.request<RunResult>({ type: 'run', t0, rate: p.rate, durationMs: total, windowStart, windowEnd, drainMs: p.drainMs })),
    )
    await wait(windowStart - now())
    const cpu0 = this.server.cpu()
    const gen0 = workersCpu(this.workers)
    const machine0 = machineBusySeconds() - ownCpuSeconds()
    await wait(windowEnd - now())
    const cpu1 = this.server.cpu()
    const gen1 = workersCpu(this.workers)
    const machine1 = machineBusySeconds() - ownCpuSeconds()
    const rssBytes = this.server.rss()
    const results = await runs
    const seconds = p.windowMs / 1000
    const sum = (pick: (r: RunResult) => number) => results.reduce((n, r) => n + pick(r), 0)
    const delivered = sum((r) => r.deliveredWindow)
    const serverCpu = cpu1 - cpu0
    return {
      latency: summarize(concat(results.map((r) => r.latencies))),
      sentPerSec: sum((r) => r.sentWindow) / seconds,
      deliveredPerSec: delivered / seconds,
      serverInPerSec: (sum((r) => r.sentWindow) + sum((r) => r.awarenessSentWindow)) / seconds,
      serverCpu,
      cpuPerDeliveryUs: delivered > 0 ? (serverCpu / delivered) * 1e6 : NaN,
      serverCpuPct: (serverCpu / seconds) * 100,
      generatorCpuPct: ((gen1 - gen0) / seconds) * 100,
      otherCpuPct: Math.max(0, ((machine1 - machine0 - (cpu1 - cpu0) - (gen1 - gen0)) / seconds) * 100),
      lagP99: quantile(concat(results.map((r) => r.lag)), 0.99),
      rssBytes,
      lost: sum((r) => r.expectedTotal - r.deliveredTotal),
      duplicates: sum((r) => r.duplicates),
      outOfOrder: sum((r) => r.outOfOrder),
      echoes: sum((r) => r.echoes),
      disconnects: sum((r) => r.disconnects),
    }
  }

  /** Convergence over all workers. */
  async verify(): Promise<VerifyResult> {
    const results = await Promise.all(this.workers.map((w) => w.request<VerifyResult>({ type: 'verify' })))
    return results.reduce((a, r) => ({ docs: a.docs + r.docs, converged: a.converged + r.converged, missing: a.missing + r.missing, detail: [...a.detail, ...r.detail] }))
  }

  /** Closes every client and worker. */
  async close(): Promise<void> {
    await closeWorkers(this.workers)
  }
}

/** True when a phase delivered everything, to everyone, once and in order. */
export function complete(r: PhaseResult): boolean {
  return r.lost === 0 && r.duplicates === 0 && r.outOfOrder === 0 && r.disconnects === 0
}
