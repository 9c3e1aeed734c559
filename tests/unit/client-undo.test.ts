/**
 * Undo of one's own changes (client/editor/undo.ts), on plain Y.Docs: undoing the creation of a
 * block someone else wrote in keeps their text; a block only this person wrote in goes entirely,
 * and an empty paragraph takes the place of the body's last block.
 */
import { describe, expect, it } from 'vitest'
import { ySyncPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'
import { createUndoManager } from '../../client/editor/undo.js'

/** Two replicas kept in sync by hand, as the relay would. */
function pair() {
  const a = new Y.Doc()
  const b = new Y.Doc()
  const sync = () => {
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
  }
  return { a, b, sync }
}

/** Adds a `name` block holding `text` at the end of `doc`'s content, as the editor would. */
function addBlock(doc: Y.Doc, name: string, text: string): void {
  doc.transact(() => {
    const block = new Y.XmlElement(name)
    const inner = new Y.XmlText()
    inner.insert(0, text)
    block.insert(0, [inner])
    doc.getXmlFragment('content').push([block])
  }, ySyncPluginKey)
}

describe('createUndoManager', () => {
  it("keeps the other person's text inside a heading this person made, when this person undoes it", () => {
    const { a, b, sync } = pair()
    const undo = createUndoManager(a.getXmlFragment('content'))
    addBlock(a, 'heading', 'Plan')
    sync()
    const inner = (b.getXmlFragment('content').get(0) as Y.XmlElement).get(0) as Y.XmlText
    inner.insert(4, ' by Bob')
    sync()
    undo.undo()
    sync()
    expect(a.getXmlFragment('content').toString()).toBe('<heading> by Bob</heading>')
    expect(b.getXmlFragment('content').toString()).toBe('<heading> by Bob</heading>')
  })

  it('takes away a heading or list only this person wrote in', () => {
    const { a, sync } = pair()
    const undo = createUndoManager(a.getXmlFragment('content'))
    addBlock(a, 'heading', 'Plan')
    undo.stopCapturing()
    addBlock(a, 'bullet_list', 'point')
    sync()
    undo.undo()
    expect(a.getXmlFragment('content').toString()).toBe('<heading>Plan</heading>')
    undo.undo()
    // never an empty body: an empty paragraph, as the editor shows it
    expect(a.getXmlFragment('content').toString()).toBe('<paragraph></paragraph>')
  })

  it('leaves an empty paragraph in place of the last block it takes away, in the same step: redo takes it away again', () => {
    const { a, b, sync } = pair()
    const undo = createUndoManager(a.getXmlFragment('content'))
    addBlock(a, 'paragraph', 'hello')
    sync()
    undo.undo()
    sync()
    for (const doc of [a, b]) expect(doc.getXmlFragment('content').toString()).toBe('<paragraph></paragraph>')
    expect(undo.undoStack.length).toBe(0)
    undo.redo()
    sync()
    for (const doc of [a, b]) expect(doc.getXmlFragment('content').toString()).toBe('<paragraph>hello</paragraph>')
    undo.undo()
    expect(a.getXmlFragment('content').toString()).toBe('<paragraph></paragraph>')
  })

  it('leaves an empty paragraph in place of a list that was the only block', () => {
    const doc = new Y.Doc()
    const undo = createUndoManager(doc.getXmlFragment('content'))
    addBlock(doc, 'bullet_list', 'point')
    undo.undo()
    expect(doc.getXmlFragment('content').toString()).toBe('<paragraph></paragraph>')
    undo.redo()
    expect(doc.getXmlFragment('content').toString()).toBe('<bullet_list>point</bullet_list>')
  })
})
