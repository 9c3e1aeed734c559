/**
 * What a scenario is: it runs once per (repetition, server), interleaved by the runner so drift
 * on a noisy machine hits every server alike, and turns its results into rows of the table.
 */
import type { ServerKind } from '../servers/server.js'
import type { TraceFiles } from '../trace.js'

/** What every scenario run gets. */
export interface Context {
  /** Short version for smoke tests. */
  readonly quick: boolean
  /** Progress line on stderr. */
  log(line: string): void
  /** The trace documents (built on first use). */
  trace(): TraceFiles
  /** True when taskset can pin processes to cores. */
  readonly taskset: boolean
}

/** One line of the results table. */
export interface Row {
  readonly figure: string
  readonly unit: string
  /** Median per server; NaN or missing shows as a dash. */
  readonly values: Partial<Record<ServerKind, number>>
  readonly digits?: number
  /** Show Tandem / raw. */
  readonly ratio?: boolean
  /** The target, in words. */
  readonly target?: string
  /** Whether Tandem meets it (null: not measured or not applicable). */
  readonly met?: boolean | null
}

/** Results of one scenario: per server, one entry per repetition. */
export type Results<R> = Partial<Record<ServerKind, R[]>>

/** A scenario. */
export interface Scenario<R> {
  /** Name for --only. */
  readonly id: string
  readonly title: string
  /** How it works and what it measures (one paragraph of docs/benchmarks.md). */
  readonly method: string
  /** Servers it runs against, in interleaving order. */
  readonly kinds: readonly ServerKind[]
  /** Repetitions. */
  reps(ctx: Context): number
  /** One run against one server; starts and stops everything it uses. */
  run(kind: ServerKind, ctx: Context): Promise<R>
  /** Table rows from all runs. */
  rows(results: Results<R>, ctx: Context): Row[]
  /** A one-line summary of one run, for progress output and the details section. */
  brief(result: R): string
}

/** Median of `pick` over a server's runs. */
export function med<R>(results: Results<R>, kind: ServerKind, pick: (r: R) => number): number {
  const runs = results[kind] ?? []
  const values = runs.map(pick).filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (values.length === 0) return NaN
  const mid = values.length >> 1
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2
}

/** Medians of `pick` for every server. */
export function meds<R>(results: Results<R>, pick: (r: R) => number): Partial<Record<ServerKind, number>> {
  return { raw: med(results, 'raw', pick), peer: med(results, 'peer', pick), tandem: med(results, 'tandem', pick) }
}

/** `a <= b`, or null when either is not a number. */
export function atMost(a: number | undefined, b: number | undefined): boolean | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return null
  return a <= b
}

/** Waits `ms` (a measurement window or a settling period, never a synchronisation). */
export function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
