/**
 * The command line, with the real server in a child process: flags and environment, clear errors
 * for bad values and unknown flags, the one "listening on" line, a second server on the same data
 * directory, and graceful shutdown on SIGTERM and SIGINT (close 1001, everything flushed, exit 0
 * within 5 s), which runs to its end: the last compaction done, its process gone, the journal
 * emptied into the store.
 */
import { spawn as spawnProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SERVER_ENV_DEFAULTS, SERVER_NODE_OPTIONS } from '../../server/runtime-env.js'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import { Close } from '../../shared/protocol.js'
import { ROOT, descendantsRunning, ensureBuilt, runToExit, spawn, type ChildServer } from '../helpers/child.js'
import { connect, tempDir } from '../helpers/server.js'
import { nextEvent, waitFor } from '../helpers/wait.js'
import { storedText } from '../helpers/ydoc.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function track(server: ChildServer) {
  cleanups.push(async () => {
    server.kill('SIGKILL')
    await server.exited
  })
  return server
}

describe('command line', () => {
  it('--port 0 prints one line with the address, and serves', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = track(await spawn(['--port', '0', '--data', data.dir]))
    expect(server.stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n$/)
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect((await health.json()).status).toBe('ok')
  })

  it('npm start runs the server with its environment, passes flags and signals on, and exits with its code', async () => {
    await ensureBuilt()
    const data = tempDir()
    cleanups.push(data.cleanup)
    const start = (args: string[]) => {
      const child = spawnProcess(process.execPath, [join(ROOT, 'scripts', 'start.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      cleanups.push(() => child.kill('SIGKILL'))
      let stdout = ''
      child.stdout.on('data', (c) => (stdout += c))
      return { child, stdout: () => stdout, exit: nextEvent<[number | null]>(child, 'exit', 20_000) }
    }
    const bad = start(['--port', 'abc'])
    expect((await bad.exit)[0]).toBe(2)

    const good = start(['--port', '0', '--data', data.dir])
    const url = await waitFor('the listening line', () => /^listening on (\S+)\n/.exec(good.stdout())?.[1], 20_000)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const server = Number(readFileSync(`/proc/${good.child.pid}/task/${good.child.pid}/children`, 'utf8').trim())
    const environ = readFileSync(`/proc/${server}/environ`, 'utf8').split('\0')
    expect(environ).toContain(`MALLOC_MMAP_THRESHOLD_=${SERVER_ENV_DEFAULTS.MALLOC_MMAP_THRESHOLD_}`)
    expect(environ.find((v) => v.startsWith('NODE_OPTIONS='))).toMatch(new RegExp(`^NODE_OPTIONS=${SERVER_NODE_OPTIONS}( |$)`))
    good.child.kill('SIGTERM')
    expect((await good.exit)[0]).toBe(0)
    expect(existsSync(`/proc/${server}`)).toBe(false)
  })

  it('takes its settings from the environment, flags winning', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = track(await spawn(['--port', '0'], { PORT: '1', DATA_DIR: data.dir, HOST: '127.0.0.1' }))
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.url).not.toMatch(/:1$/)
  })

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'abc'], /--port \(PORT\) "abc": must be a whole number/],
    [['--port', '70000'], /--port \(PORT\) "70000"/],
    [['--max-message', '12 parsecs'], /--max-message \(MAX_MESSAGE\) "12 parsecs": .*not a size/],
    [['--log-level', 'loud'], /--log-level \(LOG_LEVEL\) "loud"/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('rejects %j with a clear message and exit code 2', async (args, message) => {
    const result = await runToExit([...args, '--data', ':memory:'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(result.stdout).toBe('')
  })

  it('a --host nobody can look up and a --jwt-public-key that is no key are named in the error, with exit code 1', async () => {
    const host = await runToExit(['--port', '0', '--data', ':memory:', '--host', 'no-such-host.invalid'])
    expect(host.code).toBe(1)
    expect(host.stderr).toContain('--host no-such-host.invalid is neither an address nor a name this machine can look up')
    expect(host.stderr).not.toMatch(/\n\s+at /)

    const data = tempDir()
    cleanups.push(data.cleanup)
    const notAKey = join(data.dir, 'key.pem')
    writeFileSync(notAKey, 'this is not a PEM key\n')
    const key = await runToExit(['--port', '0', '--data', ':memory:', '--auth', 'token', '--jwt-public-key', notAKey])
    expect(key.code).toBe(1)
    expect(key.stderr).toContain(`--jwt-public-key ${notAKey} is not a usable token key`)
    expect(key.stderr).not.toMatch(/\n\s+at /)
  })

  it('rejects a bad environment value naming the variable', async () => {
    const result = await runToExit(['--data', ':memory:'], { PING_INTERVAL: 'soon' })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--ping-interval \(PING_INTERVAL\) "soon"/)
  })

  it('warns loudly about open mode when another machine can reach the server, a trusted proxy included', async () => {
    const local = track(await spawn(['--port', '0', '--data', ':memory:']))
    // the warning is written before the listening lines (main.ts)
    await waitFor('the listening log line', () => local.stderr.includes('"msg":"listening"'))
    expect(local.stderr).not.toContain('WARNING')
    const proxied = track(await spawn(['--port', '0', '--data', ':memory:', '--trust-proxy', '--auth', 'open']))
    await waitFor('the listening log line', () => proxied.stderr.includes('"msg":"listening"'))
    expect(proxied.stderr).toMatch(/WARNING: open mode behind a proxy: ANYONE who can reach/)
  })

  it('a second server on the same data directory fails at once with a clear message', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    track(await spawn(['--port', '0', '--data', data.dir]))
    const second = await runToExit(['--port', '0', '--data', data.dir])
    expect(second.code).not.toBe(0)
    expect(second.ms).toBeLessThan(5000)
    expect(second.stderr).toContain(`the data directory ${data.dir} is in use by another Tandem server`)
    expect(second.stderr).not.toMatch(/\n\s+at /)
  })

  it.each(['SIGTERM', 'SIGINT'] as const)('%s closes sockets with 1001, flushes everything and exits 0 within 5 s', async (signal) => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = await spawn(['--port', '0', '--data', data.dir])
    const a = connect(server.wsUrl, 'shutdown')
    const b = connect(server.wsUrl, 'shutdown')
    cleanups.push(() => a.destroy(), () => b.destroy())
    await Promise.all([a.synced(), b.synced()])
    const text = a.doc.getText('body')
    for (let i = 0; i < 500; i++) text.insert(text.length, `${i},`)
    await waitFor('b to have everything', () => b.doc.getText('body').toString() === text.toString())
    // edits still in flight when the signal lands
    for (let i = 0; i < 50; i++) text.insert(0, 'late ')
    // the first close each client sees (later ones are failed reconnects to a stopped server)
    const closeCodes = new Map<typeof a, number>()
    let seenByB: Uint8Array | null = null
    for (const c of [a, b]) {
      c.provider.on('connection-close', (e: CloseEvent | null) => {
        if (e && !closeCodes.has(c)) closeCodes.set(c, e.code)
        if (c === b) seenByB ??= Y.encodeStateAsUpdate(b.doc)
      })
    }
    const stopped = Date.now()
    server.kill(signal)
    const exit = await server.exited
    const ms = Date.now() - stopped
    expect(exit.code).toBe(0)
    expect(ms).toBeLessThan(5000)
    await waitFor('both clients to see the close', () => closeCodes.size === 2)
    expect([...closeCodes.values()]).toEqual([Close.GoingAway.code, Close.GoingAway.code])
    a.destroy()
    b.destroy()

    const restarted = track(await spawn(['--port', '0', '--data', data.dir]))
    const reader = connect(restarted.wsUrl, 'shutdown')
    cleanups.push(() => reader.destroy())
    await reader.synced()
    // everything relayed before the shutdown is on disk (relaying happens only after writing),
    // and so is all that came before the late edits
    const merged = new Y.Doc()
    Y.applyUpdate(merged, Y.encodeStateAsUpdate(reader.doc))
    Y.applyUpdate(merged, seenByB!)
    expect(merged.getText('body').toString()).toBe(reader.doc.getText('body').toString())
    expect(reader.doc.getText('body').toString()).toContain('499,')
  })

  it('a graceful stop runs to its end: the last compaction is written, its process is gone, the journal is emptied', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = track(await spawn(['--port', '0', '--data', data.dir]))
    const writer = connect(server.wsUrl, 'last-fold')
    const watcher = connect(server.wsUrl, 'last-fold')
    cleanups.push(() => writer.destroy(), () => watcher.destroy())
    await Promise.all([writer.synced(), watcher.synced()])
    // one transaction: one log entry, so the first store write holds all of it
    const text = writer.doc.getText('body')
    writer.doc.transact(() => {
      for (let i = 0; i < 2000; i++) text.insert(text.length, `${i % 10}`)
    })
    const expected = text.toString()
    await waitFor('the watcher to have it', () => watcher.doc.getText('body').toString() === expected)
    const storeWrites = async () => Number(/^tandem_persist_batch_seconds_count (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0)
    await waitFor('the store write', async () => (await storeWrites()) >= 1)
    expect(readdirSync(join(data.dir, 'journal'))).not.toEqual([])

    // the peers leave on SIGTERM, so the document unloads and is compacted on the way out, in a
    // child process; the server must wait for it rather than end when nothing else is left to do
    const compactors = new Set<number>()
    const watch = setInterval(() => {
      for (const pid of descendantsRunning(server.pid, 'compact-process.js')) compactors.add(pid)
    }, 2)
    server.kill('SIGTERM')
    const exit = await server.exited
    clearInterval(watch)
    expect(exit.code).toBe(0)
    expect(server.stderr).toMatch(/"msg":"stopped"/)
    // reaped by the server before it exited, not left behind running
    expect(compactors.size).toBeGreaterThan(0)
    for (const pid of compactors) expect(existsSync(`/proc/${pid}`), `compaction process ${pid} outlived the server`).toBe(false)
    expect(readdirSync(join(data.dir, 'journal'))).toEqual([])

    const storage = await openLevelStorage(data.dir)
    try {
      const history = await storage.history('last-fold')
      expect(history.map((p) => p.kind)).toEqual(['checkpoint'])
      expect(await storedText(storage, 'last-fold')).toBe(expected)
    } finally {
      await storage.close()
    }
  })
})
