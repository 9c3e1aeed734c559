/**
 * Import and export off the relay's thread: each job runs in a worker thread of its own
 * (./file-worker.ts), at most `concurrency` at a time, others waiting in order. A large file
 * takes seconds to parse or write; the relay goes on meanwhile. A job past its time limit is
 * stopped and fails.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { ExportFormat } from '../../shared/export.js'
import type { ImportFormat } from '../../shared/import.js'

/**
 * The worker's script: next to this module in the build; run from the TypeScript sources (the
 * tests), the built one, which `npm test` builds first.
 */
function workerScript(): URL {
  const beside = new URL('./file-worker.js', import.meta.url)
  if (existsSync(fileURLToPath(beside))) return beside
  const built = new URL('../../dist/server/docs/file-worker.js', import.meta.url)
  if (existsSync(fileURLToPath(built))) return built
  throw new FileJobError('the file worker is not built (npm run build)')
}

/**
 * Which images an import keeps: those of this server (site-relative, or absolute under one of
 * `origins`) whose `<docId>/<name>` is in `keep` (copied into the new document `docId` already),
 * pointed at the new document. Every other image becomes its alt text (shared/import.ts keepImages).
 */
export interface ImportImages {
  readonly docId: string
  readonly origins: readonly string[]
  readonly keep: readonly string[]
}

/** A job for the worker. */
export type FileJob =
  | {
      readonly kind: 'import'
      readonly format: ImportFormat
      readonly text: string
      readonly fallbackTitle: string
      readonly title: string | null
      readonly images: ImportImages | null
    }
  | { readonly kind: 'export'; readonly format: ExportFormat; readonly state: Uint8Array }

/** What the worker answers. */
export type FileResult =
  | { readonly kind: 'import'; readonly title: string; readonly update: Uint8Array }
  | { readonly kind: 'export'; readonly title: string; readonly text: string }

/** A file job failed: its message says why; `unreadable` when the file is not of its format. */
export class FileJobError extends Error {
  constructor(
    message: string,
    readonly unreadable = false,
  ) {
    super(message)
    this.name = 'FileJobError'
  }
}

/** Too many file requests are in: the caller answers 503 and the client tries again later. */
export class FileJobsBusyError extends Error {
  constructor(admitted: number) {
    super(`the server is busy with ${admitted} other files; try again in a few seconds`)
    this.name = 'FileJobsBusyError'
  }
}

/** Options of the file jobs. */
export interface FileJobsOptions {
  /** File requests taken in at once, reading their body, waiting or running (default 8); more are refused. */
  readonly maxAdmitted?: number
  /** Jobs running at once (default 1: the machine has other work). */
  readonly concurrency?: number
  /** Longest a job may run (default 60 s). */
  readonly timeoutMs?: number
}

/** Runs import and export jobs in worker threads. */
export class FileJobs {
  private running = 0
  private admitted = 0
  private readonly queue: Array<() => void> = []
  private readonly workers = new Set<Worker>()
  private closed = false

  constructor(private readonly options: FileJobsOptions = {}) {}

  /** A new document's title and first update (title and body) from a file. */
  async importFile(
    format: ImportFormat,
    text: string,
    title: string | null,
    fallbackTitle: string,
    images: ImportImages | null = null,
  ): Promise<{ title: string; update: Uint8Array }> {
    const result = await this.run({ kind: 'import', format, text, title, fallbackTitle, images })
    if (result.kind !== 'import') throw new FileJobError('the import answered as an export')
    return { title: result.title, update: result.update }
  }

  /** A document's title and its file in `format`, from its state (images by site-relative URL). */
  async exportFile(format: ExportFormat, state: Uint8Array): Promise<{ title: string; text: string }> {
    const result = await this.run({ kind: 'export', format, state })
    if (result.kind !== 'export') throw new FileJobError('the export answered as an import')
    return { title: result.title, text: result.text }
  }

  /**
   * Takes in one file request (an import whose body is still to be read, an export) or throws
   * FileJobsBusyError when `maxAdmitted` are in: each holds its file in memory while it waits its
   * turn, and a few hundred 2 MB imports sent at once took the server past a gigabyte. Call the
   * function returned once the request is answered.
   */
  admit(): () => void {
    const max = this.options.maxAdmitted ?? 8
    if (this.admitted >= max) throw new FileJobsBusyError(this.admitted)
    this.admitted++
    let released = false
    return () => {
      if (released) return
      released = true
      this.admitted--
    }
  }

  /** Stops the running jobs (they fail) and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.workers].map((w) => w.terminate()))
  }

  private async run(job: FileJob): Promise<FileResult> {
    if (this.closed) throw new FileJobError('the server is stopping')
    if (this.running >= (this.options.concurrency ?? 1)) await new Promise<void>((resolve) => this.queue.push(resolve))
    this.running++
    try {
      return await this.start(job)
    } finally {
      this.running--
      this.queue.shift()?.()
    }
  }

  private start(job: FileJob): Promise<FileResult> {
    return new Promise<FileResult>((resolve, reject) => {
      const worker = new Worker(workerScript(), { workerData: job })
      this.workers.add(worker)
      let settled = false
      const settle = (fn: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        this.workers.delete(worker)
        fn()
      }
      const timeoutMs = this.options.timeoutMs ?? 60_000
      const timer = setTimeout(() => {
        settle(() => reject(new FileJobError(`the ${job.kind} took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`)))
        void worker.terminate()
      }, timeoutMs)
      worker.once('message', (msg: { ok?: FileResult; error?: string; unreadable?: boolean }) => {
        settle(() => (msg.ok ? resolve(msg.ok) : reject(new FileJobError(msg.error ?? `the ${job.kind} failed`, msg.unreadable === true))))
        void worker.terminate()
      })
      worker.once('error', (err) => settle(() => reject(new FileJobError(`the ${job.kind} failed: ${err.message}`))))
      worker.once('exit', (code) => settle(() => reject(new FileJobError(`the ${job.kind} stopped (exit ${code})`))))
    })
  }
}
