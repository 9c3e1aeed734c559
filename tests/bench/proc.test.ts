/**
 * bench/proc.ts: a server's CPU and memory count the helper processes it starts (Tandem's
 * compaction), both while they run and after they have exited, so a server cannot look cheaper
 * by moving work into a child.
 */
import { spawn } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { cpuSeconds, processTree, rssBytes, treeCpuSeconds, treeRssBytes } from '../../bench/proc.js'
import { waitFor } from '../helpers/wait.js'

/**
 * A parent that starts a child; the child burns 0.4 s of CPU, says "busy-done <pid>" and waits.
 * It counts its own CPU time, not the clock: with other tests on the cores it may get less than a
 * core, and 0.4 s of the clock would then be less than the 0.2 s of CPU the test expects.
 */
const PARENT = `
const { spawn } = require('node:child_process')
const busy = "const used = () => { const u = process.cpuUsage(); return u.user + u.system }; while (used() < 400000); process.send('busy-done ' + process.pid); setInterval(() => {}, 1000)"
const child = spawn(process.execPath, ['-e', busy], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
child.on('message', (m) => console.log(m))
child.on('exit', () => console.log('child-exited'))
setInterval(() => {}, 1000)
`

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

describe.runIf(process.platform === 'linux')('process tree figures', () => {
  it('add a live child to its parent, and keep its CPU once the parent has reaped it', async () => {
    const parent = spawn(process.execPath, ['-e', PARENT], { stdio: ['ignore', 'pipe', 'inherit'] })
    cleanups.push(() => parent.kill('SIGKILL'))
    let out = ''
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    const childPid = Number((await waitFor('the child to burn its CPU', () => /busy-done (\d+)/.exec(out), 20_000))[1])
    const pid = parent.pid!
    cleanups.push(() => {
      try {
        process.kill(childPid, 'SIGKILL')
      } catch {
        // already gone
      }
    })

    expect(processTree(pid)).toEqual([pid, childPid])
    const childCpu = cpuSeconds(childPid)
    expect(childCpu).toBeGreaterThan(0.2)
    const whileAlive = treeCpuSeconds(pid)
    expect(whileAlive).toBeGreaterThanOrEqual(cpuSeconds(pid) + childCpu - 0.02)
    expect(treeRssBytes(pid)).toBeGreaterThanOrEqual(rssBytes(pid) + rssBytes(childPid) - 64 * 1024)

    // once the child is gone and reaped, its CPU stays in the parent's figure
    process.kill(childPid, 'SIGKILL')
    await waitFor('the parent to reap the child', () => out.includes('child-exited'), 10_000)
    expect(processTree(pid)).toEqual([pid])
    expect(treeCpuSeconds(pid)).toBeGreaterThanOrEqual(whileAlive)
  })
})
