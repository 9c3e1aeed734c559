/**
 * server/docs/compact.js: compactUpdates folds a document's updates into one state that rebuilds
 * the same content, is smaller than the raw updates once text was deleted, and reports the title
 * held in the Y.Text 'title'. server/docs/compactor.ts: the worker compactor folds a packed batch
 * in a thread of its own, niced below the relay's.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { compactUpdates, readTitle } from '../../server/docs/compact.js'
import { createWorkerCompactor } from '../../server/docs/compactor.js'
import { PackedUpdates } from '../../server/storage/packed-updates.js'
import { TITLE } from '../../shared/doc-fields.js'
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
})

/** Nice value of every thread of this process, by thread id (Linux: /proc/self/task). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    // the fields after the command name in parentheses: state is field 3, nice field 19
    nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]))
  }
  return nices
}

describe('createWorkerCompactor', () => {
  it.runIf(process.platform === 'linux')('folds in a worker thread that runs below the relay thread’s priority', async () => {
    const a = recordingDoc(1)
    a.doc.getText(TITLE).insert(0, 'Plan')
    for (let i = 0; i < 50; i++) a.doc.getText('body').insert(i, String(i % 10))
    const packed = new PackedUpdates()
    a.updates.forEach((u, i) => packed.push(u, i + 1))
    const before = new Set(threadNices().keys())
    const compactor = createWorkerCompactor(60_000)
    try {
      const { state, title } = await compactor.compact(packed.pack())
      expect(snapshot(load(state))).toBe(snapshot(a.doc))
      expect(title).toBe('Plan')
      // the worker's thread is new and niced; this thread keeps its priority
      const base = getPriority()
      const added = [...threadNices()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice)
      expect(added).toContain(Math.min(19, base + 10))
      expect(threadNices().get(process.pid)).toBe(base)
    } finally {
      await compactor.close()
    }
  })
})
