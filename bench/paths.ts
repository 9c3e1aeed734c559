/**
 * Where things are. Compiled modules live in bench/.build/, so paths are resolved from this
 * file's location up to bench/ and the repository root.
 */
import { existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** bench/ (the source folder, whether running from source or from bench/.build/). */
export const BENCH_DIR = basename(here) === '.build' ? dirname(here) : here
/** The repository root. */
export const ROOT = dirname(BENCH_DIR)
/** Compiled benchmark modules. */
export const BUILD_DIR = join(BENCH_DIR, '.build')
/** Peer servers, each installed into its own folder on first use (git-ignored). */
export const PEERS_DIR = join(BENCH_DIR, '.peers')
/** Encoded documents and traces built once and reused (git-ignored). */
export const CACHE_DIR = join(BENCH_DIR, '.cache')
/** Data directories of Tandem runs, removed after each run (git-ignored). */
export const DATA_DIR = join(BENCH_DIR, '.data')
/** Results of partial runs (--quick, --only), and the JSON of every run (git-ignored). */
export const RESULTS_DIR = join(BENCH_DIR, '.results')
/** The built Tandem server. */
export const TANDEM_MAIN = join(ROOT, 'dist', 'server', 'main.js')
/** The raw relay (plain JS, run as is). */
export const RAW_RELAY = join(BENCH_DIR, 'servers', 'raw-relay.mjs')
/** The load generator's worker process entry. */
export const WORKER_JS = join(BUILD_DIR, 'generator', 'worker.js')
/** The real editing trace beside the checkout, when present (never copied into the repository). */
export const TRACE_FILE = join(ROOT, '..', 'shared', 'traces', 'automerge-paper.json.gz')
/** The generated report. */
export const REPORT_FILE = join(ROOT, 'docs', 'benchmarks.md')

/** True when the real trace is available (BENCH_NO_TRACE=1 pretends it is not, to try the fallback). */
export function hasTrace(): boolean {
  return process.env.BENCH_NO_TRACE !== '1' && existsSync(TRACE_FILE)
}
