/**
 * Crash durability with the server in a child process: a client types a burst of 1000 edits while
 * a second client watches; the server is SIGKILLed the moment the watcher has received a (seeded)
 * random number of them; after a restart every edit the watcher had received is in the document.
 * Five rounds on the same data directory, each crash landing on what the last restart recovered.
 * Then the same with large pastes, which the store writes ahead of their batch (spilled): a kill
 * while such a write is under way must not lose or garble a paste anyone saw. And a killed server
 * leaves no compaction process behind.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { statFields } from '../../bench/proc.js'
import { descendantsRunning, spawn, type ChildServer } from '../helpers/child.js'
import { connect, tempDir, type Client } from '../helpers/server.js'
import { seededRandom, testSeed, waitFor } from '../helpers/wait.js'

const data = tempDir('tandem-crash-')
afterAll(() => data.cleanup())

const DOC = 'crash-burst'
const EDITS = 1000

/** True when `doc` holds everything in `snapshot` (applying it changes nothing). */
function holdsAll(doc: Y.Doc, snapshot: Uint8Array): boolean {
  const before = doc.getText('body').toString()
  const probe = new Y.Doc()
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc))
  Y.applyUpdate(probe, snapshot)
  const same = probe.getText('body').toString() === before && Y.encodeStateVector(probe).toString() === Y.encodeStateVector(doc).toString()
  probe.destroy()
  return same
}

describe('crash durability', () => {
  it('every edit a watcher received survives SIGKILL within 50 ms of receiving it (5 rounds)', async () => {
    const seed = testSeed('crash')
    const rand = seededRandom(seed)
    let recovered: Uint8Array | null = null

    for (let round = 1; round <= 5; round++) {
      const server: ChildServer = await spawn(['--port', '0', '--data', data.dir, '--log-level', 'warn'])
      const writer: Client = connect(server.wsUrl, DOC)
      const watcher: Client = connect(server.wsUrl, DOC)
      await Promise.all([writer.synced(), watcher.synced()])
      if (recovered) expect(holdsAll(watcher.doc, recovered), `round ${round}: the restart lost what the last round recovered`).toBe(true)

      // the kill fires from inside the watcher's update handler: well within 50 ms of receipt
      const killAfter = 100 + Math.floor(rand() * (EDITS - 150))
      let received = 0
      let snapshot: Uint8Array | null = null
      let killedAt = 0
      watcher.doc.on('update', (_u: Uint8Array, origin: unknown) => {
        if (origin !== watcher.provider || snapshot) return
        received++
        if (received >= killAfter) {
          snapshot = Y.encodeStateAsUpdate(watcher.doc)
          killedAt = performance.now()
          server.kill('SIGKILL')
        }
      })
      const text = writer.doc.getText('body')
      for (let i = 0; i < EDITS && !snapshot; i++) {
        const at = Math.floor(rand() * (text.length + 1))
        if (i % 7 === 6 && text.length > 3) text.delete(Math.floor(rand() * (text.length - 2)), 2)
        else text.insert(at, `${round}.${i} `)
        // typing pace: a few edits per turn so frames spread over many batches
        if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve))
      }
      await waitFor(`round ${round}: the kill`, () => snapshot !== null, 20_000)
      const exit = await server.exited
      expect(exit.signal).toBe('SIGKILL')
      const killMs = performance.now() - killedAt
      writer.destroy()
      watcher.destroy()

      const restarted = await spawn(['--port', '0', '--data', data.dir, '--log-level', 'warn'])
      const reader = connect(restarted.wsUrl, DOC)
      await reader.synced()
      expect(holdsAll(reader.doc, snapshot!), `round ${round} (seed ${seed}): an edit the watcher had received was lost`).toBe(true)
      console.log(`round ${round}: killed after the watcher received ${received} updates (${killMs.toFixed(1)} ms to exit), all recovered; doc has ${reader.doc.getText('body').length} chars`)
      recovered = Y.encodeStateAsUpdate(reader.doc)
      reader.destroy()
      restarted.kill('SIGTERM')
      expect((await restarted.exited).code).toBe(0)
    }
  }, 180_000)

  it('large pastes a watcher received survive SIGKILL while the store writes them (4 rounds)', async () => {
    const seed = testSeed('crash-paste')
    const rand = seededRandom(seed)
    const doc = 'crash-paste'
    const pastes: string[] = []
    for (let round = 1; round <= 4; round++) {
      const server: ChildServer = await spawn(['--port', '0', '--data', data.dir, '--log-level', 'warn'])
      const writer: Client = connect(server.wsUrl, doc)
      const watcher: Client = connect(server.wsUrl, doc)
      await Promise.all([writer.synced(), watcher.synced()])
      // every paste of earlier rounds was seen before its crash, so it must be here
      for (const p of pastes) expect(watcher.doc.getText('body').toString(), `round ${round}: a paste of an earlier round is gone`).toContain(p)

      // pastes of 80-300 KB: each is stored ahead of its batch, and two pass the at-once backlog
      const count = 3 + Math.floor(rand() * 3)
      const killAt = 1 + Math.floor(rand() * count)
      let seen = 0
      let killed = false
      watcher.doc.on('update', (_u: Uint8Array, origin: unknown) => {
        if (origin !== watcher.provider || killed) return
        if (++seen >= killAt) {
          killed = true
          server.kill('SIGKILL')
        }
      })
      const sent: string[] = []
      for (let i = 0; i < count && !killed; i++) {
        const size = 80_000 + Math.floor(rand() * 220_000)
        const paste = `[r${round}p${i}:${String.fromCharCode(97 + Math.floor(rand() * 26)).repeat(size)}]`
        sent.push(paste)
        writer.doc.getText('body').insert(0, paste)
        await new Promise((resolve) => setImmediate(resolve))
      }
      await waitFor(`round ${round}: the kill`, () => killed, 20_000)
      expect((await server.exited).signal).toBe('SIGKILL')
      const received = watcher.doc.getText('body').toString()
      for (const p of sent) if (received.includes(p)) pastes.push(p)
      writer.destroy()
      watcher.destroy()

      const restarted = await spawn(['--port', '0', '--data', data.dir, '--log-level', 'warn'])
      const reader = connect(restarted.wsUrl, doc)
      await reader.synced()
      const text = reader.doc.getText('body').toString()
      for (const p of pastes) expect(text.includes(p), `round ${round} (seed ${seed}): a paste the watcher had received was lost`).toBe(true)
      console.log(`paste round ${round}: killed after the watcher received ${seen} of ${count} pastes; document ${text.length} chars, all recovered`)
      reader.destroy()
      restarted.kill('SIGTERM')
      expect((await restarted.exited).code).toBe(0)
    }
  }, 180_000)

  it('a SIGKILLed server leaves no compaction process behind', async () => {
    const own = tempDir('tandem-orphan-')
    const server = await spawn(['--port', '0', '--data', own.dir, '--log-level', 'warn'])
    try {
      const writer = connect(server.wsUrl, 'orphan')
      await writer.synced()
      // 1.5 MiB of 64 KiB values, each replacing the last: past the 1 MiB that starts a compaction
      for (let i = 0; i < 24; i++) {
        const blob = new Uint8Array(64 * 1024)
        blob[0] = i
        writer.doc.getMap('m').set('blob', blob)
      }
      const child = await waitFor('the compaction process to start', () => descendantsRunning(server.pid, 'compact-process.js')[0], 20_000)
      writer.destroy()
      server.kill('SIGKILL')
      await server.exited
      // it notices the closed channel and exits (a zombie, if no one reaps it here, has exited)
      await waitFor('the compaction process to exit', () => processState(child) === null || processState(child) === 'Z', 10_000)
    } finally {
      server.kill('SIGKILL')
      await server.exited
      own.cleanup()
    }
  })
})

/** The state letter of process `pid` (R, S, Z, ...), or null when it is gone. */
function processState(pid: number): string | null {
  try {
    return statFields(pid)[0]!
  } catch {
    return null
  }
}
