/**
 * Undo of one's own changes (client/editor/undo.ts), on plain Y.Docs: undoing the creation of a
 * block someone else wrote in keeps their text and the block's attributes (a heading's level);
 * a later change of those attributes is still undone; a block only this person wrote in goes entirely,
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

/** Adds a `name` block with `attrs` holding `text` at the end of `doc`'s content, as the editor would. */
function addBlock(doc: Y.Doc, name: string, text: string, attrs: Record<string, unknown> = {}): void {
  doc.transact(() => {
    const block = new Y.XmlElement(name)
    const inner = new Y.XmlText()
    inner.insert(0, text)
    block.insert(0, [inner])
    // y-prosemirror sets a block's attributes as values, not strings
    for (const [key, value] of Object.entries(attrs)) block.setAttribute(key, value as string)
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

  it("keeps the level of a heading (the language of a code block) it keeps for the other person's text", () => {
    const { a, b, sync } = pair()
    const undo = createUndoManager(a.getXmlFragment('content'))
    addBlock(a, 'heading', 'Plan', { level: 2 })
    undo.stopCapturing()
    addBlock(a, 'code_block', 'let x', { language: 'js' })
    sync()
    for (const index of [0, 1]) ((b.getXmlFragment('content').get(index) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'Bob ')
    sync()
    undo.undo()
    undo.undo()
    sync()
    for (const doc of [a, b]) {
      const [heading, code] = doc.getXmlFragment('content').toArray() as Y.XmlElement[]
      expect([heading!.toString(), heading!.getAttribute('level')]).toEqual(['<heading level="2">Bob </heading>', 2])
      expect([code!.toString(), code!.getAttribute('language')]).toEqual(['<code_block language="js">Bob </code_block>', 'js'])
    }
  })

  it('still takes back a change of level made to a heading the other person wrote in', () => {
    const { a, b, sync } = pair()
    const undo = createUndoManager(a.getXmlFragment('content'))
    addBlock(a, 'heading', 'Plan', { level: 2 })
    sync()
    ;((b.getXmlFragment('content').get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(4, ' by Bob')
    sync()
    undo.stopCapturing()
    a.transact(() => (a.getXmlFragment('content').get(0) as Y.XmlElement).setAttribute('level', 3 as unknown as string), ySyncPluginKey)
    undo.undo()
    sync()
    for (const doc of [a, b]) expect((doc.getXmlFragment('content').get(0) as Y.XmlElement).getAttribute('level')).toBe(2)
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
