/**
 * Starts one of the three servers in its own child process, so its CPU time and memory can be
 * read from /proc/<pid>: the raw relay (the ceiling), @y/websocket-server (in memory) and Tandem
 * (write-ahead LevelDB in a fresh data directory). Every one prints `listening on http://...`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import WebSocket from 'ws'
import { stop, track } from '../children.js'
import { DATA_DIR, RAW_RELAY, ROOT, TANDEM_MAIN } from '../paths.js'
import { pin, treeCpuSeconds, treeRssBytes } from '../proc.js'
import { PEER_DIR, PEER_MAIN } from './peer.js'

/** The servers compared. */
export type ServerKind = 'raw' | 'peer' | 'tandem'

/** Every server, in the order runs are interleaved. */
export const SERVER_KINDS: readonly ServerKind[] = ['raw', 'peer', 'tandem']

/** Column headings. */
export const SERVER_LABEL: Readonly<Record<ServerKind, string>> = {
  raw: 'raw ws relay',
  peer: '@y/websocket-server',
  tandem: 'Tandem',
}

/** A running server. */
export interface ServerHandle {
  readonly kind: ServerKind
  readonly pid: number
  /** `ws://host:port/sync`: clients connect to `${wsBase}/${docId}`. */
  readonly wsBase: string
  /** Tandem's data directory (kept across a restart when passed in). */
  readonly dataDir: string | null
  /** CPU seconds used so far (all threads, its helper processes included). */
  cpu(): number
  /** Resident memory in bytes (its helper processes included). */
  rss(): number
  /** The last lines the server wrote to stderr. */
  stderrTail(): string
  /**
   * Runs a full garbage collection in the server (V8 inspector, HeapProfiler.collectGarbage);
   * only for servers started with `inspect`.
   */
  collectGarbage(): Promise<void>
  /** Stops it (SIGTERM, then SIGKILL after 5 s); removes a data directory it created. */
  stop(): Promise<void>
}

/** Environment Tandem runs with: limits meant for one person per address, lifted for the generator. */
export const TANDEM_ENV: Readonly<Record<string, string>> = {
  MAX_CONNECTIONS_PER_IP: '1000000',
  MAX_MESSAGES_PER_SECOND: '1000000',
  MAX_BYTES_PER_SECOND: '1GiB',
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Tandem: use this data directory (a restart) instead of a fresh one, and keep it. */
  readonly dataDir?: string
  /** Pin every thread of the server to these cores (taskset -c). */
  readonly cpus?: string
  /** Open the V8 inspector on a free loopback port, so memory can be read after a full collection. */
  readonly inspect?: boolean
}

function command(kind: ServerKind, dataDir: string | null): { args: string[]; cwd: string } {
  switch (kind) {
    case 'raw':
      return { args: [RAW_RELAY, '--port', '0'], cwd: ROOT }
    case 'peer':
      return { args: [PEER_MAIN, '--port', '0'], cwd: PEER_DIR }
    case 'tandem':
      return { args: [TANDEM_MAIN, '--port', '0', '--data', process.env.BENCH_TANDEM_DATA ?? dataDir!], cwd: ROOT }
  }
}

/** Starts a server and resolves once it listens. */
export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<ServerHandle> {
  let dataDir: string | null = null
  let ownDir = false
  if (kind === 'tandem') {
    if (options.dataDir) dataDir = options.dataDir
    else {
      mkdirSync(DATA_DIR, { recursive: true })
      dataDir = mkdtempSync(join(DATA_DIR, 'tandem-'))
      ownDir = true
    }
  }
  const { args, cwd } = command(kind, dataDir)
  let env: NodeJS.ProcessEnv = { ...process.env }
  delete env.YPERSISTENCE // the peer would persist with y-leveldb if this were set
  delete env.NODE_OPTIONS
  if (kind === 'tandem') {
    // Every generated client comes from 127.0.0.1, where a deployment sees one address per
    // person: lift the per-address and per-connection limits (ignored by versions without them).
    Object.assign(env, TANDEM_ENV)
    // and start it with the environment `npm start` gives it (dist/server/runtime-env.js)
    const runtime = (await import(pathToFileURL(join(dirname(TANDEM_MAIN), 'runtime-env.js')).href)) as { serverEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv }
    env = runtime.serverEnv(env)
  }
  // BENCH_SERVER_PROF=<dir> writes a CPU profile of every server into <dir>/<kind>/ when it stops,
  // sampled every BENCH_SERVER_PROF_US microseconds (default 1000)
  const interval = process.env.BENCH_SERVER_PROF_US ? [`--cpu-prof-interval=${Number(process.env.BENCH_SERVER_PROF_US)}`] : []
  const profile = process.env.BENCH_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env.BENCH_SERVER_PROF, kind)}`, ...interval] : []
  const inspect = options.inspect ? ['--inspect=127.0.0.1:0'] : []
  // BENCH_SERVER_FLAGS="--trace-gc ..." passes Node/V8 flags to every server (diagnosis only)
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(/\s+/).filter((f) => f !== '')
  const child: ChildProcess = track(spawn(process.execPath, [...flags, ...profile, ...inspect, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }))
  let stderrAll = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
    if (options.inspect && stderrAll.length < 4000) stderrAll += chunk
  })
  let stdout = ''
  // BENCH_SERVER_OUT=<dir> keeps each server's stdout in <dir>/<kind>-<pid>.log (with --trace-gc, say)
  const out = process.env.BENCH_SERVER_OUT
  if (out) {
    mkdirSync(out, { recursive: true })
    child.stdout!.pipe(createWriteStream(join(out, `${kind}-${child.pid}.log`)))
  }
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start within 20 s\n${stderr}`)), 20_000)
    let listening = false
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (listening) return
      stdout += chunk
      const m = /listening on (http:\/\/\S+)/.exec(stdout)
      if (m) {
        listening = true
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${kind} exited before listening (${code ?? signal})\n${stderr}`))
    })
  })
  const pid = child.pid!
  if (options.cpus !== undefined && !pin(pid, options.cpus)) throw new Error(`could not pin ${kind} to cores ${options.cpus}`)
  return {
    kind,
    pid,
    wsBase: `${url.replace(/^http/, 'ws')}/sync`,
    dataDir,
    // a server's helper processes (Tandem's compaction) count as its own
    cpu: () => treeCpuSeconds(pid),
    rss: () => treeRssBytes(pid),
    stderrTail: () => stderr,
    collectGarbage: async () => {
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderrAll)
      if (!m) throw new Error(`${kind} was not started with the inspector`)
      await inspectorCall(m[1]!, 'HeapProfiler.collectGarbage')
    },
    async stop() {
      await stop(child)
      if (ownDir && dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Sends one inspector command and resolves with its answer. */
function inspectorCall(url: string, method: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`inspector ${method} timed out`))
    }, 30_000)
    ws.on('open', () => ws.send(JSON.stringify({ id: 1, method })))
    ws.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown; error?: { message: string } }
      if (reply.id !== 1) return
      clearTimeout(timer)
      ws.close()
      if (reply.error) reject(new Error(`inspector ${method}: ${reply.error.message}`))
      else resolve(reply.result)
    })
    ws.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

/** Removes a data directory kept across a restart. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}
