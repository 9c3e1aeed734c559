/**
 * Commands the benchmark sends to its generator workers and what they answer. Workers are
 * node:child_process forks talking over IPC with the 'advanced' serialization, so typed arrays
 * of samples travel as they are.
 */

/** How emulated clients use awareness. */
export type AwarenessMode =
  /** no presence at all (observers, the 10,000-connection scenario) */
  | 'none'
  /** announce a presence once on connect, like a stock provider */
  | 'announce'
  /** announce, then move the cursor after every edit; ignore others' presence */
  | 'cursor'
  /** like 'cursor', and re-broadcast every remote presence change received, like the stock client */
  | 'storm'

/** One document and how many clients of this worker join it. */
export interface DocSpec {
  readonly name: string
  /** Index of the document among all documents of the run (spreads send times). */
  readonly index: number
  readonly clients: number
  /** When one document's clients are split over workers: the number of this worker's first one. */
  readonly firstClient?: number
}

/** Connects clients and waits until every one got its sync step 2. */
export interface SetupCommand {
  readonly type: 'setup'
  /** `ws://host:port/sync`. */
  readonly wsBase: string
  readonly docs: readonly DocSpec[]
  /** Documents and clients per document in the whole run (for send offsets). */
  readonly totalDocs: number
  readonly clientsPerDoc: number
  /** Clients make edits (a Y.Doc each) or only watch. */
  readonly editing: boolean
  readonly awareness: AwarenessMode
  /** Connection handshakes in flight at once. */
  readonly concurrency: number
  readonly timeoutMs: number
}

/** What setup achieved. */
export interface SetupResult {
  readonly clients: number
  readonly synced: number
  readonly failed: number
  readonly ms: number
}

/** Pre-encodes `updates` more edits per editing client (outside any measured window). */
export interface PrepareCommand {
  readonly type: 'prepare'
  readonly updates: number
}

/**
 * Sends edits on a fixed schedule: each editing client `rate` times a second from `t0` for
 * `durationMs` (shared clock), then waits up to `drainMs` for every delivery. Samples latency of
 * updates sent inside [windowStart, windowEnd) and counts deliveries received inside it.
 */
export interface RunCommand {
  readonly type: 'run'
  readonly t0: number
  readonly rate: number
  readonly durationMs: number
  readonly windowStart: number
  readonly windowEnd: number
  readonly drainMs: number
}

/** Counts of one run of one worker. */
export interface RunResult {
  /** Fan-out latency samples (ms) of updates sent in the window. */
  readonly latencies: Float64Array
  /** How late sends went out against their schedule (ms), sampled in the window. */
  readonly lag: Float64Array
  readonly sentWindow: number
  readonly deliveredWindow: number
  readonly sentTotal: number
  readonly deliveredTotal: number
  readonly expectedTotal: number
  readonly duplicates: number
  readonly outOfOrder: number
  /** Updates that came back to their own sender (the stock server echoes). */
  readonly echoes: number
  readonly unknown: number
  /** Awareness messages the clients sent / received inside the window. */
  readonly awarenessSentWindow: number
  readonly awarenessReceivedWindow: number
  /** Sockets the server closed after they had synced. */
  readonly disconnects: number
  /** False when the drain timed out. */
  readonly drained: boolean
}

/** Checks that every client has every update of its document, and that replicas agree. */
export interface VerifyCommand {
  readonly type: 'verify'
}

/** Convergence of one worker's documents. */
export interface VerifyResult {
  readonly docs: number
  /** Documents whose verifier replica equals the union of all edits. */
  readonly converged: number
  /** (client, sender) pairs that miss updates. */
  readonly missing: number
  readonly detail: string[]
}

/** Uploads the document in `file` as one sync step 2 to each of this worker's documents whose name starts with `prefix`. */
export interface UploadCommand {
  readonly type: 'upload'
  readonly file: string
  readonly prefix: string
  readonly timeoutMs: number
}

/** Arms the probe: count the next update at every client. */
export interface ProbeArmCommand {
  readonly type: 'probe-arm'
}

/** Sends one edit from this worker's first client; answers its send time. */
export interface ProbeSendCommand {
  readonly type: 'probe-send'
}

/** Waits until every armed client got the probe (or `timeoutMs`). */
export interface ProbeWaitCommand {
  readonly type: 'probe-wait'
  readonly timeoutMs: number
}

/** Probe outcome of one worker. */
export interface ProbeResult {
  readonly expected: number
  readonly received: number
  /** Shared-clock time of the last reception. */
  readonly lastAt: number
}

/** Applies the document in `file` a few times so later joins measure warm code. */
export interface WarmCommand {
  readonly type: 'warm'
  readonly file: string
}

/** One fresh client joins, syncs and applies the document; answers timings. */
export interface JoinCommand {
  readonly type: 'join'
  readonly url: string
  /** Expected text length after the join (convergence check). */
  readonly textLength: number
  readonly timeoutMs: number
}

/** Timings of one join (ms). */
export interface JoinResult {
  /** From opening the socket to the document applied. */
  readonly total: number
  /** From creating the socket to its open event (TCP connect and the HTTP upgrade). */
  readonly open: number
  /** From sending sync step 1 to receiving sync step 2. */
  readonly answer: number
  /** Applying sync step 2 to a fresh Y.Doc. */
  readonly apply: number
  readonly bytes: number
  readonly ok: boolean
}

/** Connects a watcher that collects `count` updates and checks the text it ends with. */
export interface ReplayWatchCommand {
  readonly type: 'replay-watch'
  readonly url: string
  readonly count: number
  readonly expectedFile: string
  readonly timeoutMs: number
}

/** Connects a sender, waits for sync, and on `replay-go` sends the first `count` frames of `file`. */
export interface ReplaySendCommand {
  readonly type: 'replay-send'
  readonly url: string
  readonly file: string
  readonly count: number
}

/** Starts the replay (after both sides are connected). */
export interface ReplayGoCommand {
  readonly type: 'replay-go'
}

/** Waits for the watcher's result. */
export interface ReplayResultCommand {
  readonly type: 'replay-result'
}

/** Watcher's outcome. */
export interface ReplayWatchResult {
  readonly received: number
  readonly firstAt: number
  readonly lastAt: number
  readonly converged: boolean
  readonly applyMs: number
  /** The code the server closed the watcher with before the last update, if it did. */
  readonly closeCode: number | null
  /** Times the watcher reconnected after the server closed it as a slow reader. */
  readonly reconnects: number
}

/** Closes every socket; the worker exits after answering. */
export interface CloseCommand {
  readonly type: 'close'
}

/** Any command. */
export type Command =
  | SetupCommand
  | PrepareCommand
  | RunCommand
  | VerifyCommand
  | UploadCommand
  | ProbeArmCommand
  | ProbeSendCommand
  | ProbeWaitCommand
  | WarmCommand
  | JoinCommand
  | ReplayWatchCommand
  | ReplaySendCommand
  | ReplayGoCommand
  | ReplayResultCommand
  | CloseCommand

/** A request as sent over IPC. */
export interface Request {
  readonly id: number
  readonly cmd: Command
}

/** A reply as sent over IPC. */
export type Reply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string }
