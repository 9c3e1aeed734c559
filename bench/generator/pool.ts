/**
 * The benchmark's side of the generator: forks worker processes (optionally pinned to cores),
 * sends them commands and reads their CPU time from /proc.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { track } from '../children.js'
import { WORKER_JS } from '../paths.js'
import { cpuSeconds, pin } from '../proc.js'
import type { Command, Reply } from './messages.js'

/** One worker process. */
export class Worker {
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()

  constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id)
      if (!w) return
      this.waiting.delete(reply.id)
      if (reply.ok) w.resolve(reply.result)
      else w.reject(new Error(`generator worker: ${reply.error}`))
    })
    child.once('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`generator worker exited (${code ?? signal})`))
      this.waiting.clear()
    })
  }

  /** Process id. */
  get pid(): number {
    return this.child.pid!
  }

  /** Sends a command and resolves with the worker's answer. */
  request<T>(cmd: Command): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.send({ id, cmd })
    })
  }

  /** CPU seconds used so far. */
  cpu(): number {
    try {
      return cpuSeconds(this.pid)
    } catch {
      return NaN
    }
  }

  /** Asks the worker to close its sockets and exit; kills it if it has not within 3 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.request({ type: 'close' }).catch(() => {})
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
}

/** Options of {@link startWorkers}. */
export interface PoolOptions {
  /** Pin every worker to these cores (taskset -c). */
  readonly cpus?: string
}

/** Forks `n` generator workers. */
export async function startWorkers(n: number, options: PoolOptions = {}): Promise<Worker[]> {
  const workers: Worker[] = []
  for (let i = 0; i < n; i++) {
    // BENCH_PROFILE_DIR=<dir> writes a CPU profile of every worker there (to see what the generator costs)
    const profile = process.env.BENCH_PROFILE_DIR
    const execArgv = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []
    const child = track(fork(WORKER_JS, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv }))
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve())
      child.once('error', reject)
    })
    if (options.cpus !== undefined && !pin(child.pid!, options.cpus)) throw new Error(`could not pin a generator worker to cores ${options.cpus}`)
    workers.push(new Worker(child))
  }
  return workers
}

/** Total CPU seconds of the workers. */
export function workersCpu(workers: readonly Worker[]): number {
  return workers.reduce((n, w) => n + w.cpu(), 0)
}

/** Closes every worker. */
export async function closeWorkers(workers: readonly Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.close()))
}
