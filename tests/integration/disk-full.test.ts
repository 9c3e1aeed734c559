/**
 * A disk that fills up while the server runs, with the real server in a child process on a small
 * tmpfs of its own: writes fail, /healthz says so, and once there is room again the store takes
 * writes again without a restart, with everything that was acknowledged. Mounting needs root;
 * elsewhere the test is skipped and says why.
 */
import { spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { spawn, type ChildServer } from '../helpers/child.js'
import { tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** Mounts a tmpfs of `bytes` at `dir`; false when this process may not. */
function mountTmpfs(dir: string, bytes: number): boolean {
  if (process.getuid?.() !== 0) return false
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { encoding: 'utf8' })
  return result.status === 0
}

/** Fills the file system holding `dir` with one file until `leave` bytes are free. */
function fill(dir: string, path: string, leave: number): void {
  const fs = statfsSync(dir)
  let todo = fs.bavail * fs.bsize - leave
  const chunk = Buffer.alloc(1024 * 1024)
  const fd = openSync(path, 'w')
  try {
    while (todo > 0) todo -= writeSync(fd, chunk, 0, Math.min(chunk.length, todo))
  } finally {
    closeSync(fd)
  }
}

/** Text that LevelDB cannot compress: lines of base64 from a seeded generator. */
function incompressible(seed: number, bytes: number): string {
  let x = seed >>> 0 || 1
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  let out = ''
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out += (i + 1) % 1000 === 0 ? '\n' : alphabet[(x >>> 0) % 64]
  }
  return out
}

const health = async (server: ChildServer) => (await fetch(`${server.url}/healthz`)).status

describe('a disk that fills up', () => {
  it('stops store writes with /healthz 503, and once there is room again they go on without a restart, losing nothing', async (ctx) => {
    const base = tempDir()
    cleanups.push(base.cleanup)
    const mnt = join(base.dir, 'mnt')
    mkdirSync(mnt)
    if (!mountTmpfs(mnt, 48 * 1024 * 1024)) {
      ctx.skip('mounting a tmpfs needs root')
      return
    }
    cleanups.push(() => spawnSync('umount', ['-l', mnt]))
    const data = join(mnt, 'data')
    let server = await spawn(['--port', '0', '--data', data, '--log-level', 'warn'])
    cleanups.push(async () => {
      server.kill('SIGKILL')
      await server.exited
    })
    const filler = join(mnt, 'filler')
    fill(mnt, filler, 6 * 1024 * 1024)

    // documents of 500 KB until the store refuses: LevelDB's log takes them until it holds 4 MB,
    // then the table it writes them out to does not fit, which LevelDB keeps as an error
    const seed = Date.now() % 1_000_000
    console.log(`disk-full seed ${seed}`)
    const created = new Map<string, string>()
    for (let i = 0; i < 30 && (await health(server)) === 200; i++) {
      const text = incompressible(seed + i, 500_000)
      const res = await fetch(`${server.url}/api/docs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text })
      if (res.status === 201) created.set(((await res.json()) as { id: string }).id, text)
    }
    expect(await health(server)).toBe(503)
    // the failure this is about: a table LevelDB could not write, not only its log
    expect(server.stderr).toMatch(/\d+\.ldb: No space left on device/)
    expect(created.size).toBeGreaterThan(0)

    rmSync(filler)
    await waitFor('/healthz to answer 200 again', async () => (await health(server)) === 200, 15_000, 200)
    const later = incompressible(seed + 100, 500_000)
    const res = await fetch(`${server.url}/api/docs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: later })
    expect(res.status).toBe(201)
    created.set(((await res.json()) as { id: string }).id, later)

    server.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
    server = await spawn(['--port', '0', '--data', data, '--log-level', 'warn'])
    for (const [id, text] of created) {
      const exported = await fetch(`${server.url}/api/docs/${id}/export?format=text`)
      expect(exported.status, id).toBe(200)
      expect((await exported.text()).trim(), id).toBe(text.trim())
    }
  })
})
