/**
 * The real server in a child process (`node dist/server/main.js`), for tests that need what an
 * in-process server cannot give: its own memory figures, signals, crashes and restarts. The
 * build is refreshed first when a source file is newer than dist/.
 */
import { spawn as spawnProcess, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { processTree, rssBytes, treeRssBytes } from '../../bench/proc.js'
import { serverEnv } from '../../server/runtime-env.js'
import { nextEvent, waitFor } from './wait.js'

/** The repository root (this file is tests/helpers/child.ts). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The built server entry point. */
export const MAIN_JS = join(ROOT, 'dist', 'server', 'main.js')

/** A server running in a child process. */
export interface ChildServer {
  /** `http://host:port` from the "listening on" line. */
  readonly url: string
  /** `ws://host:port/sync`, the stock provider's serverUrl. */
  readonly wsUrl: string
  readonly pid: number
  readonly process: ChildProcess
  /** Sends a signal (default SIGTERM); a no-op once the process has exited. */
  kill(signal?: NodeJS.Signals): void
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Everything the process wrote so far. */
  readonly stdout: string
  readonly stderr: string
  /** Resident set size in bytes, from /proc (Linux). */
  rss(): number
  /** Resident set size of the server and its helper processes (compaction) together. */
  treeRss(): number
}

/** Options of {@link spawn}. */
export interface SpawnOptions {
  /** Longest wait for the "listening on" line. Default 15 s. */
  readonly timeoutMs?: number
  /** Extra node flags, e.g. ['--max-old-space-size=64']. */
  readonly nodeArgs?: readonly string[]
  /** What node runs instead of dist/server/main.js (spawnTuned). */
  readonly entry?: readonly string[]
}

const live = new Set<ChildProcess>()
let exitHook = false

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path))
    else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

/**
 * Builds dist/ (`tsc -p tsconfig.build.json`) unless dist/server/main.js is newer than every
 * source under server/ and shared/. A lock directory keeps parallel test files from building at
 * once. Type errors are reported but do not stop the tests when tsc still emitted the files.
 */
export async function ensureBuilt(): Promise<void> {
  const fresh = () => existsSync(MAIN_JS) && statSync(MAIN_JS).mtimeMs >= Math.max(newestMtime(join(ROOT, 'server')), newestMtime(join(ROOT, 'shared')))
  if (fresh()) return
  const lock = join(ROOT, 'dist', '.build-lock')
  mkdirSync(join(ROOT, 'dist'), { recursive: true })
  await waitFor(
    'the build lock',
    () => {
      try {
        mkdirSync(lock)
        return true
      } catch {
        // a lock left behind by a killed run is stale after a minute
        if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 60_000) rmdirSync(lock)
        return false
      }
    },
    60_000,
    50,
  )
  try {
    if (fresh()) return
    const started = Date.now()
    const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' })
    if (!existsSync(MAIN_JS) || statSync(MAIN_JS).mtimeMs < started - 1000) {
      throw new Error(`building dist/ failed:\n${result.stdout}${result.stderr}`)
    }
    if (result.status !== 0) console.warn(`[child] tsc reported errors but emitted dist/:\n${result.stdout}`)
  } finally {
    rmdirSync(lock)
  }
}

/** Pids of the live processes below `parent` whose command line mentions `script` (Linux). */
export function descendantsRunning(parent: number, script: string): number[] {
  return processTree(parent)
    .slice(1)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script)
      } catch {
        return false // gone meanwhile
      }
    })
}

/**
 * Writes into `dir` an executable that stands in for the Node binary of a forked child (its
 * `execPath`, given the child's script, which it ignores): Node running `source` instead, with
 * the IPC channel of a forked child. `marker` appears in its command line, to find it among this
 * process's children. `source` must not hold double quotes, `$` or backticks (it goes through sh).
 */
export function standInNode(dir: string, marker: string, source: string): string {
  const path = join(dir, `node-${marker}`)
  writeFileSync(path, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} -e "${source}" ${marker}\n`, { mode: 0o755 })
  return path
}

/** A stand-in Node (standInNode) that takes IPC messages and never answers, like a compaction that never ends. */
export function nodeThatHangs(dir: string, marker: string): string {
  return standInNode(dir, marker, "process.on('message', () => {})")
}

/**
 * Starts `node dist/server/main.js ...args` (build refreshed first) with `env` over this
 * process's environment, and resolves once it printed `listening on http://HOST:PORT`. Rejects
 * with its output if it exits or stays silent first. Every child is killed when the test
 * process exits; callers still kill it (and await `exited`) when done.
 */
export async function spawn(args: readonly string[], env: Record<string, string | undefined> = {}, options: SpawnOptions = {}): Promise<ChildServer> {
  await ensureBuilt()
  const child = spawnProcess(process.execPath, [...(options.nodeArgs ?? []), ...(options.entry ?? [MAIN_JS]), ...args], {
    cwd: ROOT,
    env: serverEnv({ ...process.env, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  if (!exitHook) {
    exitHook = true
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL')
    })
  }
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child)
      resolve({ code, signal })
    })
  })
  let gone: { code: number | null; signal: NodeJS.Signals | null } | null = null
  void exited.then((result) => (gone = result))

  const timeoutMs = options.timeoutMs ?? 15_000
  let url: string
  try {
    const found = await waitFor(
      'the child server to print its address',
      () => {
        const m = /^listening on (http:\/\/\S+)$/m.exec(stdout)
        if (m) return { url: m[1]!, exited: null }
        return gone ? { url: null, exited: gone } : null
      },
      timeoutMs,
      20,
    )
    if (found.url === null) throw new Error(`the child server exited before listening (${JSON.stringify(found.exited)})`)
    url = found.url
  } catch (err) {
    child.kill('SIGKILL')
    throw new Error(`${(err as Error).message}\nstdout:\n${stdout}\nstderr:\n${stderr}`)
  }
  return {
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/sync`,
    pid: child.pid!,
    process: child,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    exited,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    rss: () => rssBytes(child.pid!),
    treeRss: () => treeRssBytes(child.pid!),
  }
}

/** Runs the built server expecting it to exit by itself; resolves with its exit code, output and how long it ran. */
export async function runToExit(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 20_000) {
  await ensureBuilt()
  const child = spawnProcess(process.execPath, [MAIN_JS, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => (stdout += c))
  child.stderr.on('data', (c) => (stderr += c))
  const started = Date.now()
  let code: number | null
  try {
    ;[code] = (await nextEvent(child, 'exit', timeoutMs)) as [number | null]
  } catch (err) {
    // a server that started when it should have refused would otherwise outlive the test run
    child.kill('SIGKILL')
    throw new Error(`${(err as Error).message}\nstdout:\n${stdout}\nstderr:\n${stderr}`)
  }
  return { code, stdout, stderr, ms: Date.now() - started }
}

/**
 * Like spawn, but the server is started through startTandem with `tuning`: settings no flag
 * exposes (compactMinBytes, say). For tests whose failure could block the event loop, which in the
 * test's own process would stop the test runner too. `args` are the usual flags.
 */
export function spawnTuned(args: readonly string[], tuning: Record<string, unknown>): Promise<ChildServer> {
  const dist = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'server', path)).href)
  const source = `
    import { startTandem } from ${dist('app.js')}
    import { parseConfig } from ${dist('config.js')}
    import { createLogger } from ${dist('log.js')}
    const config = parseConfig(process.argv.slice(1), {})
    const tandem = await startTandem(config, { log: createLogger(config.logLevel) }, ${JSON.stringify(tuning)})
    process.stdout.write('listening on ' + tandem.url + '\\n')
    process.on('SIGTERM', () => tandem.close().then(() => process.exit(0)))
  `
  return spawn(args, {}, { entry: ['--input-type=module', '-e', source, '--'] })
}
