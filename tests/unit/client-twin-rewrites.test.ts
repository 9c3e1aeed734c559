/**
 * A block two people gave a new type at the same time (client/collab/twin-rewrites.ts), on plain
 * Y.Docs changed by y-prosemirror's own updateYFragment: one block stays, the one written by the
 * higher client id, for both; twins whose text differs both stay; a rewrite nobody else made
 * concurrently, and blocks merely written next to each other, are left alone.
 */
import type { Node as PMNode } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'
import { prosemirrorToYXmlFragment, updateYFragment } from 'y-prosemirror'
import * as Y from 'yjs'
import { dropTwinRewrites } from '../../client/collab/twin-rewrites.js'
import { schema } from '../../shared/schema.js'

const REMOTE = Symbol('remote')

const p = (text: string) => schema.node('paragraph', null, text ? [schema.text(text)] : [])
const h = (level: number, text: string) => schema.node('heading', { level }, [schema.text(text)])
const bullet = (text: string) => schema.node('bullet_list', null, [schema.node('list_item', null, [p(text)])])
const doc = (...blocks: PMNode[]) => schema.node('doc', null, blocks)

const body = (ydoc: Y.Doc) => ydoc.getXmlFragment('content')

/** Writes `next` into `ydoc` as the editor does. */
function edit(ydoc: Y.Doc, next: PMNode): void {
  ydoc.transact(() => updateYFragment(ydoc, body(ydoc), next, { mapping: new Map(), isOMark: new Map() }))
}

/** Two people, client ids 1 and 2, both holding `start`, each guarded as the editor is. */
function pair(start: PMNode) {
  const origin = new Y.Doc()
  prosemirrorToYXmlFragment(start, body(origin))
  const [low, high] = [1, 2].map((clientID) => {
    const ydoc = new Y.Doc()
    ydoc.clientID = clientID
    Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(origin))
    dropTwinRewrites(ydoc, REMOTE)
    return ydoc
  }) as [Y.Doc, Y.Doc]
  /** Exchanges updates, as the provider would, until neither has anything new for the other. */
  const meet = () => {
    for (let round = 0; round < 3; round++) {
      Y.applyUpdate(low, Y.encodeStateAsUpdate(high, Y.encodeStateVector(low)), REMOTE)
      Y.applyUpdate(high, Y.encodeStateAsUpdate(low, Y.encodeStateVector(high)), REMOTE)
    }
  }
  return { low, high, meet }
}

describe('twin rewrites', () => {
  it('one heading, not two, when both make the same paragraph a heading', () => {
    const { low, high, meet } = pair(doc(p('First'), p('Hello world')))
    edit(low, doc(p('First'), h(2, 'Hello world')))
    edit(high, doc(p('First'), h(2, 'Hello world')))
    meet()
    const want = '<paragraph>First</paragraph><heading level="2">Hello world</heading>'
    expect(body(low).toString()).toBe(want)
    expect(body(high).toString()).toBe(want)
  })

  it('the block of the higher client id stays, whoever received first', () => {
    for (const [lowMakes, highMakes] of [
      [bullet('Hello world'), h(1, 'Hello world')],
      [h(1, 'Hello world'), bullet('Hello world')],
    ]) {
      const { low, high, meet } = pair(doc(p('Hello world'), p('Last')))
      edit(low, doc(lowMakes!, p('Last')))
      edit(high, doc(highMakes!, p('Last')))
      meet()
      const kept = new Y.Doc()
      prosemirrorToYXmlFragment(doc(highMakes!, p('Last')), body(kept))
      expect(body(low).toString()).toBe(body(kept).toString())
      expect(body(high).toString()).toBe(body(kept).toString())
    }
  })

  it('both stay when one was typed into: nothing typed is deleted', () => {
    const { low, high, meet } = pair(doc(p('First'), p('Hello world')))
    edit(low, doc(p('First'), h(2, 'Hello world, more')))
    edit(high, doc(p('First'), h(3, 'Hello world')))
    meet()
    for (const ydoc of [low, high]) expect(body(ydoc).toString()).toMatch(/Hello world, more/)
    expect(body(low).toString()).toBe(body(high).toString())
    expect(body(low).length).toBe(3)
  })

  it('leaves alone a rewrite made once, and the same text written twice as new blocks', () => {
    const { low, high, meet } = pair(doc(p('First'), p('Hello world')))
    edit(high, doc(p('First'), h(2, 'Hello world')))
    meet()
    expect(body(low).toString()).toBe('<paragraph>First</paragraph><heading level="2">Hello world</heading>')
    // both add the same line at the end, no block deleted: two lines, as typed
    edit(low, doc(p('First'), h(2, 'Hello world'), p('Same')))
    edit(high, doc(p('First'), h(2, 'Hello world'), p('Same')))
    meet()
    for (const ydoc of [low, high]) expect(body(ydoc).length).toBe(4)
  })
})
