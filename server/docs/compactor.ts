/**
 * Runs compaction (./compact.js) off the relay's event loop, in a child process at a lower
 * priority. It starts on first use and stops after a quiet spell, so an idle server holds no
 * extra process.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { PackedBatch } from '../storage/packed-updates.js'
import { compactUpdates, unpack } from './compact.js'

/** The result of folding a document's updates. */
export interface Compacted {
  /** The whole document as one garbage-collected update. */
  readonly state: Uint8Array
  /** Its state vector. */
  readonly stateVector: Uint8Array
  /** The document's title ('' when none). */
  readonly title: string
  /** The body's text for search ('' when none; compact.js readText). */
  readonly text: string
}

/** Folds a document's updates (oldest first, laid end to end) into one compact update. */
export interface Compactor {
  compact(input: PackedBatch): Promise<Compacted>
  /**
   * The server is stopping: jobs not done within `ms`, queued or given later, reject with
   * CompactionStoppedError then, and the process running them is stopped.
   */
  windDown(ms: number): void
  /** Stops the process running jobs, if any; pending jobs reject (CompactionStoppedError). Resolves once every process it started has exited. */
  close(): Promise<void>
}

/** A compaction given up because the server is stopping: the next load folds the document. */
export class CompactionStoppedError extends Error {
  constructor(message = 'the server is stopping') {
    super(`compaction stopped: ${message}`)
    this.name = 'CompactionStoppedError'
  }
}

/** A compactor that runs on the calling thread (tests, tiny deployments). */
export function createInlineCompactor(): Compactor {
  return {
    compact: async (input) => compactUpdates(unpack(input)),
    // a job runs to its end on the caller's thread: nothing is left to stop
    windDown: () => {},
    close: async () => {},
  }
}

interface Job {
  resolve(result: Compacted): void
  reject(error: Error): void
  /** The runner doing it: when that one dies, only its own jobs fail. */
  readonly runner: Runner
  /** Longest it may run, from the moment its runner starts on it. */
  readonly timeoutMs: number
}

/** A compaction job as it crosses to the process that runs it. */
interface Request extends PackedBatch {
  readonly id: number
}

/** The answer to a Request. */
interface Reply {
  readonly id: number
  readonly state?: Uint8Array
  readonly stateVector?: Uint8Array
  readonly title?: string
  readonly text?: string
  readonly error?: string
}

/** What the compactor needs of the process running its jobs. */
interface Runner {
  post(request: Request): void
  stop(): Promise<void>
}

/** How a runner tells the compactor what happened. */
interface RunnerEvents {
  reply(reply: Reply): void
  crashed(error: Error): void
  exited(): void
}

/**
 * Job bookkeeping, apart from how jobs cross to the runner: starts a runner on first use,
 * matches replies to jobs, fails pending jobs when the runner dies, stops a runner that works on
 * one job longer than `jobTimeoutMs` allows (failing its jobs), and stops it after `idleMs`
 * without work. A runner takes its jobs one at a time, in order.
 */
function createRunnerCompactor(start: (events: RunnerEvents) => Runner, idleMs: number, jobTimeoutMs: (inputBytes: number) => number): Compactor {
  let runner: Runner | null = null
  let nextId = 1
  /** Pending jobs, oldest first: the first is the one the runner works on. */
  const jobs = new Map<number, Job>()
  let idleTimer: NodeJS.Timeout | null = null
  let watchdog: NodeJS.Timeout | null = null
  /** Set by windDown: when it fires, what is left is stopped. */
  let windingDown: NodeJS.Timeout | null = null
  /** Wound down or closed: new jobs reject at once. */
  let stopped = false
  /** Runners told to stop (idle, stuck or failed) that have not exited yet: close() waits for them. */
  const stopping = new Set<Promise<void>>()
  const retire = (r: Runner) => {
    const stopped = r.stop().finally(() => stopping.delete(stopped))
    stopping.add(stopped)
  }

  /** Fails the jobs of runner `r` (of every runner when null). */
  const fail = (error: Error, r: Runner | null) => {
    for (const [id, job] of jobs) {
      if (r !== null && job.runner !== r) continue
      jobs.delete(id)
      job.reject(error)
    }
    watch()
  }
  /** Fails every job, now and later, and stops the runner. */
  const stopAll = (why: string) => {
    stopped = true
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = null
    const r = runner
    runner = null
    fail(new CompactionStoppedError(why), null)
    if (r) retire(r)
  }
  const stopWhenIdle = () => {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = null
    if (jobs.size === 0 && runner) {
      idleTimer = setTimeout(() => {
        idleTimer = null
        if (jobs.size === 0 && runner) {
          retire(runner)
          runner = null
        }
      }, idleMs)
      idleTimer.unref()
    }
  }
  /**
   * Times the job being worked on, the oldest: a job queued behind others is not late for
   * their time. Past its limit the runner may be stuck, so it goes, with its jobs.
   */
  const watch = () => {
    if (watchdog) clearTimeout(watchdog)
    watchdog = null
    const current = jobs.values().next().value
    if (current === undefined) return
    const { runner: r, timeoutMs } = current
    watchdog = setTimeout(() => {
      watchdog = null
      if (runner === r) runner = null
      fail(new Error(`compaction timed out after ${Math.round(timeoutMs)} ms; its process was stopped`), r)
      retire(r)
    }, timeoutMs)
    watchdog.unref()
  }
  const open = (): Runner => {
    const r: Runner = start({
      reply(msg) {
        const job = jobs.get(msg.id)
        if (!job) return
        jobs.delete(msg.id)
        watch()
        if (msg.error !== undefined || !msg.state || !msg.stateVector) job.reject(new Error(`compaction failed: ${msg.error}`))
        else job.resolve({ state: msg.state, stateVector: msg.stateVector, title: msg.title ?? '', text: msg.text ?? '' })
        stopWhenIdle()
      },
      crashed(err) {
        // a failed runner is not used again: the next job starts a new one (a process that
        // could not be started never exits, so waiting for its exit would leave it in place)
        if (runner === r) {
          runner = null
          retire(r)
        }
        fail(new Error(`compaction ${err.message}`), r)
      },
      exited() {
        if (runner === r) runner = null
        fail(new Error('compaction runner exited'), r)
      },
    })
    return r
  }

  return {
    compact({ bytes, lengths }) {
      if (stopped) return Promise.reject(new CompactionStoppedError())
      if (idleTimer) clearTimeout(idleTimer)
      idleTimer = null
      runner ??= open()
      const id = nextId++
      const r = runner
      return new Promise<Compacted>((resolve, reject) => {
        jobs.set(id, { resolve, reject, runner: r, timeoutMs: jobTimeoutMs(bytes.length) })
        if (jobs.size === 1) watch()
        r.post({ id, bytes, lengths })
      })
    },
    windDown(ms) {
      if (stopped || windingDown) return
      windingDown = setTimeout(() => {
        windingDown = null
        stopAll(`its ${ms} ms were up`)
      }, ms)
    },
    async close() {
      if (windingDown) clearTimeout(windingDown)
      windingDown = null
      stopAll('the compactor closed')
      await Promise.all([...stopping])
    },
  }
}

/**
 * Longest a fold of `inputBytes` may take before its process is deemed stuck: a minute, plus ten
 * seconds per MiB. A 200k-update document of 29 MiB folds here in 9 s in a niced child on an idle
 * machine (350 s allowed); at nice 10 against a relay that saturates both cores it gets about a
 * tenth of a core, so that could take some 90 s.
 */
export function defaultJobTimeoutMs(inputBytes: number): number {
  return 60_000 + (inputBytes / 2 ** 20) * 10_000
}

/** Options of the process compactor. */
export interface ProcessCompactorOptions {
  /** The child exits after this long without work (default 10 s). */
  readonly idleMs?: number
  /**
   * Longest a job of this many input bytes may take, from the moment the child starts on it,
   * before the child is stopped and its jobs fail (defaultJobTimeoutMs). A fold that never ended
   * would otherwise hold its document's writers, who wait while compaction lags, for good;
   * failed, the room stops waiting for compaction and tries again later, in a new child.
   */
  readonly jobTimeoutMs?: (inputBytes: number) => number
  /** The Node binary the child runs (this process's by default). */
  readonly execPath?: string
}

/**
 * A compactor backed by one child process (./compact-process.js) whose threads all run at a
 * lower priority, so compaction and the garbage collection of its Y.Doc yield the CPU to the
 * relay. It exits after a spell without work, and when this process goes away.
 */
export function createProcessCompactor({ idleMs = 10_000, jobTimeoutMs = defaultJobTimeoutMs, execPath = process.execPath }: ProcessCompactorOptions = {}): Compactor {
  return createRunnerCompactor((events) => {
    const child = fork(fileURLToPath(new URL('./compact-process.js', import.meta.url)), [], {
      execPath,
      // typed arrays cross as binary (V8 serialisation), not as JSON arrays of numbers
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // not the relay's own flags (a debugger port, a profiler); NODE_OPTIONS still applies
      execArgv: [],
    })
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    // an idle child does not keep this process alive; one with work does, so a shutdown that
    // waits for a last compaction (and then for the child's exit) is not cut short by an empty loop
    let working = 0
    child.unref()
    child.channel?.unref()
    child.on('message', (msg) => {
      if (--working === 0) child.unref()
      events.reply(msg as Reply)
    })
    child.on('error', (err) => events.crashed(new Error(`process failed: ${err.message}`)))
    child.on('exit', (code, signal) => {
      if (code !== 0 && code !== null) events.crashed(new Error(`process exited with code ${code}`))
      else if (signal && signal !== 'SIGTERM') events.crashed(new Error(`process killed by ${signal}`))
      events.exited()
    })
    return {
      post: (req) => {
        if (working++ === 0) child.ref()
        child.send(req)
      },
      stop: async () => {
        // never started (spawn failed): there is nothing to stop and no exit to wait for
        if (child.pid === undefined) return
        if (child.exitCode === null && child.signalCode === null) {
          child.ref()
          child.kill('SIGTERM')
        }
        await exited
      },
    }
  }, idleMs, jobTimeoutMs)
}
