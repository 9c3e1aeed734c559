/**
 * Every child process the benchmark starts is registered here and killed when the benchmark
 * ends, however it ends: normal exit, an error, Ctrl-C (SIGINT), SIGTERM or SIGHUP.
 */
import type { ChildProcess } from 'node:child_process'

const live = new Set<ChildProcess>()
let hooked = false

function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  live.clear()
}

function hook(): void {
  if (hooked) return
  hooked = true
  process.once('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping every server and worker\n`)
      killAll()
      process.exit(130)
    })
  }
}

/** Registers a child so it is killed when the benchmark exits; returns it. */
export function track<T extends ChildProcess>(child: T): T {
  hook()
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/** Kills every tracked child now (SIGKILL). */
export function killEverything(): void {
  killAll()
}

/**
 * Stops a child: `signal` first, SIGKILL after `graceMs`. Resolves once it has exited.
 */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
