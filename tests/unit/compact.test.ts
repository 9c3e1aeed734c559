/**
 * server/docs/compact.js: compactUpdates folds a document's updates into one state that rebuilds
 * the same content, is smaller than the raw updates once text was deleted, and reports the title
 * held in the Y.Text 'title' and the body's text. server/docs/compactor.ts: the inline and process compactors fold a
 * packed batch and fail a job on bad input; the process compactor runs in a child process whose
 * threads are all below the relay's priority, reports a crashed child as failed jobs, stops a
 * child that holds a job too long, and goes on with a new child. A job in hand keeps the process
 * alive (a shutdown waits for its last compaction); an idle child does not.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { getPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { compactUpdates, MAX_TEXT_LENGTH, readText, readTitle } from '../../server/docs/compact.js'
import { CompactionStoppedError, createInlineCompactor, createProcessCompactor, defaultJobTimeoutMs, type Compactor } from '../../server/docs/compactor.js'
import { PackedUpdates } from '../../server/storage/packed-updates.js'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import { CONTENT, TITLE } from '../../shared/doc-fields.js'
import { schema } from '../../shared/schema.js'
import { statFields } from '../../bench/proc.js'
import { descendantsRunning, ensureBuilt, nodeThatHangs, ROOT, standInNode } from '../helpers/child.js'
import { waitFor } from '../helpers/wait.js'
import { recordingDoc } from '../helpers/ydoc.js'

const load = (update: Uint8Array) => {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}

const snapshot = (doc: Y.Doc) =>
  JSON.stringify({
    title: doc.getText(TITLE).toString(),
    body: doc.getText('body').toDelta(),
    meta: doc.getMap('meta').toJSON(),
    content: doc.getXmlFragment('content').toString(),
  })

describe('compactUpdates', () => {
  it('folds updates into one state that rebuilds the same content', () => {
    const a = recordingDoc(1)
    const b = recordingDoc(2)
    a.doc.getText(TITLE).insert(0, 'Minutes')
    a.doc.getText('body').insert(0, 'first line')
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
    b.doc.getText('body').insert(0, 'B: ')
    b.doc.getText('body').format(0, 2, { bold: true })
    b.doc.getMap('meta').set('tags', ['x', 'y'])
    const p = new Y.XmlElement('paragraph')
    b.doc.getXmlFragment('content').insert(0, [p])
    p.insert(0, [new Y.XmlText('hello')])
    a.doc.getText('body').insert(a.doc.getText('body').length, ' (a)')
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc))
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))

    const all = [...a.updates, ...b.updates.filter((u) => !a.updates.includes(u))]
    const { state, title } = compactUpdates(all)
    expect(snapshot(load(state))).toBe(snapshot(a.doc))
    expect(snapshot(load(state))).toBe(snapshot(b.doc))
    expect(load(state).getText('body').toString()).toBe('B: first line (a)')
    expect(title).toBe('Minutes')
    // the state vector is complete
    expect(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(state))).toEqual(Y.decodeStateVector(Y.encodeStateVector(a.doc)))
  })

  it('is smaller than the merged raw updates for a document with deletions', () => {
    const r = recordingDoc(7)
    const body = r.doc.getText('body')
    let deleted = 0
    for (let i = 0; i < 200; i++) {
      body.insert(body.length, `line ${i} with some words in it\n`)
      if (i % 2 === 1) {
        body.delete(0, 20)
        deleted += 20
      }
    }
    const merged = Y.mergeUpdates(r.updates)
    const { state } = compactUpdates(r.updates)
    expect(load(state).getText('body').toString()).toBe(body.toString())
    // the deleted text is gone from the state, not just marked deleted
    expect(merged.length - state.length).toBeGreaterThanOrEqual(deleted)
    expect(new TextDecoder().decode(state)).not.toContain('line 0 with')
    expect(new TextDecoder().decode(merged)).toContain('line 0 with')
  })

  it('accepts its own output plus later updates (a checkpoint followed by the log)', () => {
    const r = recordingDoc(3)
    r.doc.getText('body').insert(0, 'abc')
    const first = compactUpdates(r.updates.splice(0)).state
    r.doc.getText('body').insert(3, 'def')
    r.doc.getText('body').delete(0, 1)
    const second = compactUpdates([first, ...r.updates]).state
    expect(load(second).getText('body').toString()).toBe('bcdef')
  })

  it('of nothing is the empty document', () => {
    const { state, title } = compactUpdates([])
    expect([...state]).toEqual([0, 0])
    expect(title).toBe('')
  })

  it('reads the title trimmed, with whitespace collapsed, at most 200 characters', () => {
    const r = recordingDoc(1)
    r.doc.getText(TITLE).insert(0, '  Quarterly \n\t plan  ')
    expect(compactUpdates(r.updates).title).toBe('Quarterly plan')
    const long = recordingDoc(2)
    long.doc.getText(TITLE).insert(0, 'x'.repeat(500))
    expect(compactUpdates(long.updates).title).toBe('x'.repeat(200))
  })

  it("gives '' when there is no title, or 'title' holds something else", () => {
    const none = recordingDoc(1)
    none.doc.getText('body').insert(0, 'no title here')
    expect(compactUpdates(none.updates).title).toBe('')
    const map = recordingDoc(2)
    map.doc.getMap(TITLE).set('not', 'text')
    expect(compactUpdates(map.updates).title).toBe('')
    expect(readTitle(new Y.Doc())).toBe('')
  })

  it('reads the body text for search: blocks and inline nodes a space apart, marks ignored, at most MAX_TEXT_LENGTH', () => {
    const r = recordingDoc(1)
    prosemirrorJSONToYXmlFragment(
      schema,
      {
        type: 'doc',
        content: [
          { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Plan' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Bold', marks: [{ type: 'bold' }] }, { type: 'text', text: 'ly  going' }, { type: 'hard_break' }, { type: 'text', text: 'on' }] },
          { type: 'bullet_list', content: [{ type: 'list_item', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] }] },
          { type: 'code_block', content: [{ type: 'text', text: 'let x =\n\t1' }] },
          { type: 'paragraph' },
          { type: 'paragraph', content: [{ type: 'text', text: 'see' }, { type: 'image', attrs: { src: '/x.png', alt: 'Q3 revenue chart' } }, { type: 'text', text: 'above' }] },
        ],
      },
      r.doc.getXmlFragment(CONTENT),
    )
    expect(compactUpdates(r.updates).text).toBe('Plan Boldly going on one let x = 1 see Q3 revenue chart above')
    const big = recordingDoc(2)
    prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: Array.from({ length: 30 }, () => ({ type: 'paragraph', content: [{ type: 'text', text: 'y'.repeat(5000) }] })) }, big.doc.getXmlFragment(CONTENT))
    expect(compactUpdates(big.updates).text).toHaveLength(MAX_TEXT_LENGTH)
  })

  it("gives '' as the text when there is no body, or 'content' holds something else", () => {
    const none = recordingDoc(1)
    none.doc.getText(TITLE).insert(0, 'title only')
    expect(compactUpdates(none.updates).text).toBe('')
    const other = recordingDoc(2)
    other.doc.getText(CONTENT).insert(0, 'not a fragment')
    expect(compactUpdates(other.updates).text).toBe('')
    expect(readText(new Y.Doc())).toBe('')
  })
})

/** Nice value of every thread of process `pid`, by thread id (Linux: /proc/<pid>/task). */
function threadNices(pid: number = process.pid): Map<number, number> {
  return new Map(readdirSync(`/proc/${pid}/task`).map((tid) => [Number(tid), Number(statFields(pid, Number(tid))[16])]))
}

/** Pids of this process's live children running `script`. */
const childrenRunning = (script: string) => descendantsRunning(process.pid, script)

/** A small document's updates, packed as rooms hand them to the compactor. */
function sample(title = 'Plan') {
  const a = recordingDoc(1)
  a.doc.getText(TITLE).insert(0, title)
  for (let i = 0; i < 50; i++) a.doc.getText('body').insert(i, String(i % 10))
  const packed = new PackedUpdates()
  a.updates.forEach((u, i) => packed.push(u, i + 1))
  return { doc: a.doc, packed }
}

const compactors: Array<[string, (idleMs: number) => Compactor]> = [
  ['createInlineCompactor', () => createInlineCompactor()],
  ['createProcessCompactor', (idleMs) => createProcessCompactor({ idleMs })],
]

describe.each(compactors)('%s', (name, create) => {
  it('folds batches, fails a job on bytes that are no update, and goes on', async () => {
    const compactor = create(60_000)
    try {
      const good = sample()
      const bad = new PackedUpdates()
      bad.push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), 1)
      const results = await Promise.allSettled([compactor.compact(bad.pack()), compactor.compact(good.packed.pack())])
      expect(results[0].status).toBe('rejected')
      expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(Error)
      expect(results[1].status).toBe('fulfilled')
      const { state, stateVector, title } = (results[1] as PromiseFulfilledResult<Awaited<ReturnType<Compactor['compact']>>>).value
      expect(snapshot(load(state))).toBe(snapshot(good.doc))
      expect(stateVector).toEqual(Y.encodeStateVector(good.doc))
      expect(title).toBe('Plan')
      // still serving after the failed job
      const again = sample('Again')
      expect((await compactor.compact(again.packed.pack())).title).toBe('Again')
    } finally {
      await compactor.close()
    }
  })

  it.runIf(name !== 'createInlineCompactor')('rejects pending jobs on close', async () => {
    const compactor = create(60_000)
    const rejected = expect(compactor.compact(sample().packed.pack())).rejects.toThrow(/closed|exited/)
    await compactor.close()
    await rejected
  })
})

describe('createProcessCompactor', () => {
  const SCRIPT = 'compact-process.js'

  it.runIf(process.platform === 'linux')('folds in a child process whose every thread runs below the relay’s priority', async () => {
    const { doc, packed } = sample()
    const compactor = createProcessCompactor({ idleMs: 60_000 })
    try {
      const { state, title } = await compactor.compact(packed.pack())
      expect(snapshot(load(state))).toBe(snapshot(doc))
      expect(title).toBe('Plan')
      const [pid, ...others] = childrenRunning(SCRIPT)
      expect(pid).toBeDefined()
      expect(others).toEqual([])
      // all of the child's threads, V8's garbage-collection helpers included, are niced
      const base = getPriority()
      const nices = [...threadNices(pid!).values()]
      expect(nices.length).toBeGreaterThan(1)
      expect(new Set(nices)).toEqual(new Set([Math.min(19, base + 10)]))
      // this process keeps its priority
      expect(threadNices().get(process.pid)).toBe(base)
    } finally {
      await compactor.close()
    }
    expect(childrenRunning(SCRIPT)).toEqual([])
  })

  it.runIf(process.platform === 'linux')('stops the child after the idle spell and starts a new one for the next job', async () => {
    const compactor = createProcessCompactor({ idleMs: 100 })
    try {
      await compactor.compact(sample().packed.pack())
      const [first] = childrenRunning(SCRIPT)
      expect(first).toBeDefined()
      await waitFor('the idle child to exit', () => !existsSync(`/proc/${first}`) || childrenRunning(SCRIPT).length === 0, 10_000)
      expect((await compactor.compact(sample('Next').packed.pack())).title).toBe('Next')
    } finally {
      await compactor.close()
    }
  })

  it.runIf(process.platform === 'linux')('fails the pending job when the child dies, and recovers with a new child', async () => {
    const compactor = createProcessCompactor({ idleMs: 60_000 })
    try {
      await compactor.compact(sample().packed.pack())
      const [pid] = childrenRunning(SCRIPT)
      // a large job keeps the child busy while it is killed
      const big = new PackedUpdates()
      const r = recordingDoc(7)
      for (let i = 0; i < 20_000; i++) r.doc.getText('body').insert(i, 'x')
      r.updates.forEach((u, i) => big.push(u, i + 1))
      const pending = compactor.compact(big.pack())
      process.kill(pid!, 'SIGKILL')
      await expect(pending).rejects.toThrow(/SIGKILL|exited/)
      expect((await compactor.compact(sample('After').packed.pack())).title).toBe('After')
      expect(childrenRunning(SCRIPT)).not.toContain(pid)
    } finally {
      await compactor.close()
    }
  })

  it.runIf(process.platform === 'linux')('keeps the child through a Ctrl-C (SIGINT reaches the whole process group)', async () => {
    const compactor = createProcessCompactor({ idleMs: 60_000 })
    try {
      await compactor.compact(sample().packed.pack())
      const [pid] = childrenRunning(SCRIPT)
      process.kill(pid!, 'SIGINT')
      // the same child answers the next job: the relay, not the signal, decides when it stops
      expect((await compactor.compact(sample('Still').packed.pack())).title).toBe('Still')
      expect(childrenRunning(SCRIPT)).toEqual([pid])
    } finally {
      await compactor.close()
    }
  })

  it('fails jobs when the process cannot be started, and tries to start one again for the next job', async () => {
    const compactor = createProcessCompactor({ execPath: '/nonexistent/node' })
    try {
      await expect(compactor.compact(sample().packed.pack())).rejects.toThrow(/process failed: .*ENOENT/)
      // a new attempt, not the dead process's closed channel
      await expect(compactor.compact(sample().packed.pack())).rejects.toThrow(/process failed: .*ENOENT/)
    } finally {
      await compactor.close()
    }
  })

  it.runIf(process.platform === 'linux')('stops a child that holds a job too long, fails the job, and gives the next job a new child', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-compactor-'))
    const compactor = createProcessCompactor({ idleMs: 60_000, execPath: nodeThatHangs(dir, 'tandem-hangs'), jobTimeoutMs: () => 300 })
    try {
      const first = expect(compactor.compact(sample().packed.pack())).rejects.toThrow(/timed out after 300 ms/)
      const stuck = await waitFor('the child to start', () => descendantsRunning(process.pid, 'tandem-hangs')[0], 10_000)
      await first
      await waitFor('the stuck child to be stopped', () => !descendantsRunning(process.pid, 'tandem-hangs').includes(stuck), 10_000)
      const second = expect(compactor.compact(sample().packed.pack())).rejects.toThrow(/timed out after 300 ms/)
      const next = await waitFor('a new child', () => descendantsRunning(process.pid, 'tandem-hangs')[0], 10_000)
      expect(next).not.toBe(stuck)
      await second
    } finally {
      await compactor.close()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(descendantsRunning(process.pid, 'tandem-hangs')).toEqual([])
  })

  it.runIf(process.platform === 'linux')('wound down for a stop, it fails what is not done in time and stops the child; later jobs fail at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-compactor-'))
    const compactor = createProcessCompactor({ idleMs: 60_000, execPath: nodeThatHangs(dir, 'tandem-winds-down') })
    try {
      const pending = compactor.compact(sample().packed.pack())
      await waitFor('the child to start', () => descendantsRunning(process.pid, 'tandem-winds-down')[0], 10_000)
      compactor.windDown(200)
      await expect(pending).rejects.toThrow(CompactionStoppedError)
      await expect(pending).rejects.toThrow(/its 200 ms were up/)
      await waitFor('the child to be stopped', () => descendantsRunning(process.pid, 'tandem-winds-down').length === 0, 10_000)
      await expect(compactor.compact(sample().packed.pack())).rejects.toThrow(CompactionStoppedError)
      expect(descendantsRunning(process.pid, 'tandem-winds-down')).toEqual([])
    } finally {
      await compactor.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it.runIf(process.platform === 'linux')('counts a job’s time from when the child starts on it, not from when it was queued', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-compactor-'))
    // a "Node" that answers its jobs one at a time, each 200 ms after starting on it
    const slow = standInNode(
      dir,
      'tandem-slow',
      "const queue = []; let busy = false; const next = () => { if (busy || queue.length === 0) return; busy = true; const { id } = queue.shift(); " +
        "setTimeout(() => { process.send({ id, state: Uint8Array.of(0, 0), stateVector: Uint8Array.of(0), title: 'done ' + id }); busy = false; next() }, 200) }; " +
        "process.on('message', (m) => { queue.push(m); next() })",
    )
    // six jobs queued at once take 1.2 s in all, each 200 ms of its own: none is late for its 1 s
    const compactor = createProcessCompactor({ idleMs: 60_000, execPath: slow, jobTimeoutMs: () => 1000 })
    try {
      // the first job's time includes starting the child, which on a loaded machine can take a
      // second by itself: one job first, so the six find it running
      expect((await compactor.compact(sample().packed.pack())).title).toBe('done 1')
      const results = await Promise.all(Array.from({ length: 6 }, () => compactor.compact(sample().packed.pack())))
      expect(results.map((r) => r.title)).toEqual(['done 2', 'done 3', 'done 4', 'done 5', 'done 6', 'done 7'])
      expect(descendantsRunning(process.pid, 'tandem-slow')).toHaveLength(1)
    } finally {
      await compactor.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('gives a fold a minute plus ten seconds per MiB before it counts as stuck', () => {
    expect(defaultJobTimeoutMs(0)).toBe(60_000)
    expect(defaultJobTimeoutMs(32 * 2 ** 20)).toBe(380_000)
  })

  it('a job in hand keeps the process alive, and so does close(); an idle child does not', async () => {
    await ensureBuilt()
    const dist = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'server', path)).href)
    // nothing else holds these processes: a shutdown waiting for a last compaction looks like this
    const prelude = `
      import { createProcessCompactor } from ${dist('docs/compactor.js')}
      import { PackedUpdates } from ${dist('storage/packed-updates.js')}
      const compactor = createProcessCompactor({ idleMs: 60_000 })
      const batch = new PackedUpdates()
      batch.push(Uint8Array.of(0, 0), 1)
      const fold = async () => console.log('folded', (await compactor.compact(batch.pack())).state.length)
    `
    const run = (script: string) => spawnSync(process.execPath, ['--input-type=module', '-e', prelude + script], { encoding: 'utf8', timeout: 30_000 })
    const closing = run(`await fold(); await fold(); await compactor.close(); console.log('closed')`)
    expect(closing.stderr).toBe('')
    expect(closing.stdout).toBe('folded 2\nfolded 2\nclosed\n')
    expect(closing.status).toBe(0)
    // left idle, with a minute to go before it stops, the child does not hold the process
    const idle = run(`await fold()`)
    expect(idle.stdout).toBe('folded 2\n')
    expect(idle.signal).toBe(null)
    expect(idle.status).toBe(0)
  })

  it.runIf(process.platform === 'linux')('runs 10 below a relay that itself runs at a lower priority', async () => {
    await ensureBuilt()
    const dist = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'server', path)).href)
    // a relay at its own priority + 3 starts a compaction and reports the nice values of its child's threads
    const script = `
      import { readdirSync, readFileSync } from 'node:fs'
      import { getPriority, setPriority } from 'node:os'
      import { createProcessCompactor } from ${dist('docs/compactor.js')}
      import { PackedUpdates } from ${dist('storage/packed-updates.js')}
      const keep = setInterval(() => {}, 1000)
      setPriority(getPriority() + 3)
      const compactor = createProcessCompactor({ idleMs: 60_000 })
      const batch = new PackedUpdates()
      batch.push(Uint8Array.of(0, 0), 1)
      await compactor.compact(batch.pack())
      const field = (path, n) => { const s = readFileSync(path, 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[n]) }
      const child = readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).find((n) => {
        try { return field('/proc/' + n + '/stat', 1) === process.pid && readFileSync('/proc/' + n + '/cmdline', 'utf8').includes('compact-process.js') } catch { return false }
      })
      const nices = readdirSync('/proc/' + child + '/task').map((t) => field('/proc/' + child + '/task/' + t + '/stat', 16))
      console.log(JSON.stringify({ relay: getPriority(), nices }))
      await compactor.close()
      clearInterval(keep)
    `
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })
    expect(run.stderr).toBe('')
    const { relay, nices } = JSON.parse(run.stdout) as { relay: number; nices: number[] }
    expect(relay).toBe(Math.min(19, getPriority() + 3))
    expect(nices.length).toBeGreaterThan(1)
    expect(new Set(nices)).toEqual(new Set([Math.min(19, relay + 10)]))
  })
})
