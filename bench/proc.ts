/**
 * Process figures from /proc (Linux): CPU time and resident memory of a process by pid, the
 * machine's description, and CPU pinning with taskset.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as os from 'node:os'

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run). */
const TICKS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  const n = Number(r.stdout?.trim())
  return Number.isFinite(n) && n > 0 ? n : 100
})()

/** CPU seconds (user + system, all threads) used so far by process `pid`. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // the command name (field 2) may hold spaces; fields after it are space separated
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); utime is field 14, stime field 15
  return (Number(fields[11]) + Number(fields[12])) / TICKS
}

/**
 * Fields 3 onwards of /proc/<pid>/stat, or of thread `tid`'s stat (fields[0] is the state, field
 * 3; fields[1] the parent pid; fields[16] the nice value).
 */
export function statFields(pid: number, tid?: number): string[] {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8')
  // the command name (field 2) may hold spaces and parentheses; fields after it are space separated
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** `pid` and every live process below it (children, their children, ...). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const ppid = Number(statFields(Number(name))[1])
      const list = children.get(ppid) ?? []
      list.push(Number(name))
      children.set(ppid, list)
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []))
  return tree
}

/**
 * CPU seconds used so far by process `pid` and everything it started: its live descendants and
 * the children it has reaped (a server's helper processes count as the server's work).
 */
export function treeCpuSeconds(pid: number): number {
  const root = statFields(pid)
  // fields 16-17: cutime, cstime (reaped children, and what they reaped)
  let ticks = Number(root[13]) + Number(root[14])
  for (const p of processTree(pid)) {
    try {
      const f = p === pid ? root : statFields(p)
      ticks += Number(f[11]) + Number(f[12])
    } catch {
      // exited between the scan and now: its time shows in cutime from the next reading
    }
  }
  return ticks / TICKS
}

/** CPU seconds the whole machine spent busy (all cores, from the first line of /proc/stat). */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const [, ...ticks] = line.trim().split(/\s+/)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks.map(Number)
  return (user + nice + system + irq + softirq + steal) / TICKS
}

/** CPU seconds this process used so far. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** CPU seconds this process and its children that have exited (and were reaped) used so far. */
export function ownAndExitedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields 14-17: utime, stime, cutime, cstime
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS
}

/**
 * Measures how much CPU everything else on the machine used between two points in time, when
 * every child this process started in between has exited by the end (so /proc/self/stat counts it).
 */
export class OtherLoad {
  private readonly machine = machineBusySeconds()
  private readonly ours = ownAndExitedChildrenCpuSeconds()
  private readonly started = performance.now()

  /** Other work's CPU since construction, as a share of one core (%). */
  percent(): number {
    const seconds = (performance.now() - this.started) / 1000
    const other = machineBusySeconds() - this.machine - (ownAndExitedChildrenCpuSeconds() - this.ours)
    return Math.max(0, (other / seconds) * 100)
  }
}

/** Resident set size of process `pid` in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status)
  if (!m) throw new Error(`no VmRSS for process ${pid}`)
  return Number(m[1]) * 1024
}

/** Resident set size of process `pid` and its live descendants together, in bytes. */
export function treeRssBytes(pid: number): number {
  let total = 0
  for (const p of processTree(pid)) {
    try {
      total += rssBytes(p)
    } catch {
      // exited meanwhile
    }
  }
  return total
}

/** True while process `pid` exists. */
export function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`)
}

/** True when taskset (util-linux) can pin processes to cores. */
export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { encoding: 'utf8' }).status === 0
}

/** Pins every thread of process `pid` to `cpus` (e.g. "0" or "1"); false when it could not. */
export function pin(pid: number, cpus: string): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' }).status === 0
}

/** The machine as the report describes it. */
export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  readonly kernel: string
  readonly node: string
}

/** Reads the CPU model, core count, memory, OS and Node version. */
export function describeMachine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown'
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]
    const mhz = /^cpu MHz\s*:\s*([\d.]+)$/m.exec(info)?.[1]
    if (model) cpu = mhz ? `${model} (${Math.round(Number(mhz))} MHz)` : model
  } catch {
    // not Linux: keep what os.cpus() said
  }
  let osName = `${os.type()} ${os.release()}`
  try {
    const rel = readFileSync('/etc/os-release', 'utf8')
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(rel)?.[1]
    if (pretty) osName = pretty
  } catch {
    // keep the kernel name
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    os: osName,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  }
}

/** The 1, 5 and 15 minute load averages (runnable processes), or '' where /proc has none. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return ''
  }
}
