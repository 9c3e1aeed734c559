/**
 * Text typed into a block another person rewrote at the same time (client/collab/rescue.ts), on
 * plain Y.Docs: it is put back into the rewritten block at its place, once, for both, and so is a
 * mark set meanwhile; nothing is
 * put back where the rewrite does not hold the rest of the old text, or the block was deleted.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { keepConcurrentText } from '../../client/collab/rescue.js'

const REMOTE = Symbol('remote')

/** A paragraph holding `text`, as y-prosemirror writes one. */
function block(name: string, text: string): Y.XmlElement {
  const element = new Y.XmlElement(name)
  const inner = new Y.XmlText()
  inner.insert(0, text)
  element.insert(0, [inner])
  return element
}

const body = (doc: Y.Doc) => doc.getXmlFragment('content')
/** The text of block `index`. */
const inner = (doc: Y.Doc, index: number) => (body(doc).get(index) as Y.XmlElement).get(0) as Y.XmlText
const textOf = (doc: Y.Doc, index: number) => inner(doc, index).toString()

/** Rewrites the second block as y-prosemirror does: deleted, and written anew as `name` holding `text`. */
function rewrite(doc: Y.Doc, name: string, text: string): void {
  doc.transact(() => {
    body(doc).delete(1)
    body(doc).insert(1, [block(name, text)])
  })
}

/** Alice (who keeps her text) and Bob, both with `First` and `Hello world`; `apply` hands Bob's update to Alice as the provider would. */
function pair() {
  const alice = new Y.Doc()
  const bob = new Y.Doc()
  body(alice).insert(0, [block('paragraph', 'First'), block('paragraph', 'Hello world')])
  Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice))
  let listener: ((update: Uint8Array) => void) | null = null
  keepConcurrentText(alice, body(alice), REMOTE, (l) => ((listener = l), () => (listener = null)))
  const apply = () => {
    const update = Y.encodeStateAsUpdate(bob, Y.encodeStateVector(alice))
    listener?.(update)
    Y.applyUpdate(alice, update, REMOTE)
    // and Alice's changes back to Bob
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice, Y.encodeStateVector(bob)))
  }
  return { alice, bob, apply }
}

describe('keepConcurrentText', () => {
  it('puts what Alice typed back into the heading Bob made of her paragraph meanwhile, for both', () => {
    const { alice, bob, apply } = pair()
    ;inner(alice, 1).insert(5, ' big')
    rewrite(bob, 'heading', 'Hello world')
    apply()
    for (const doc of [alice, bob]) {
      expect((body(doc).get(1) as Y.XmlElement).nodeName).toBe('heading')
      expect(textOf(doc, 1)).toBe('Hello big world')
      expect(body(doc).length).toBe(2)
    }
  })

  it('puts back the bold Alice set meanwhile on words of the paragraph Bob made a heading', () => {
    const { alice, bob, apply } = pair()
    ;inner(alice, 1).format(6, 5, { bold: {} })
    rewrite(bob, 'heading', 'Hello world')
    apply()
    for (const doc of [alice, bob]) {
      expect((body(doc).get(1) as Y.XmlElement).nodeName).toBe('heading')
      expect(inner(doc, 1).toDelta()).toEqual([{ insert: 'Hello ' }, { insert: 'world', attributes: { bold: {} } }])
    }
    // code holds no marks: bold there would make the editor drop the block
    const code = pair()
    ;inner(code.alice, 1).format(6, 5, { bold: {} })
    rewrite(code.bob, 'code_block', 'Hello world')
    code.apply()
    expect(inner(code.alice, 1).toDelta()).toEqual([{ insert: 'Hello world' }])
  })

  it('puts it back at the end of the paragraph above when Bob joined hers to it', () => {
    const { alice, bob, apply } = pair()
    ;inner(alice, 1).insert(11, '!')
    bob.transact(() => {
      ;inner(bob, 0).insert(5, 'Hello world')
      body(bob).delete(1)
    })
    apply()
    for (const doc of [alice, bob]) expect(body(doc).toString()).toBe('<paragraph>FirstHello world!</paragraph>')
  })

  it('puts nothing back where the rewritten block does not hold the rest of the old text, nor into a paragraph deleted outright', () => {
    const { alice, bob, apply } = pair()
    ;inner(alice, 1).insert(11, ' again')
    // Bob's rewrite also dropped "world", which he knew: where " again" went cannot be told
    rewrite(bob, 'heading', 'Hello ')
    apply()
    expect(textOf(alice, 1)).toBe('Hello ')
    // a paragraph deleted outright takes what was typed into it meanwhile
    const second = pair()
    ;inner(second.alice, 1).insert(11, ' again')
    body(second.bob).delete(1)
    second.apply()
    expect(body(second.alice).toString()).toBe('<paragraph>First</paragraph>')
  })
})
