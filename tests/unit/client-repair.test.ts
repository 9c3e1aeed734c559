/**
 * client/editor/repair.ts: what y-prosemirror cannot render is deleted from the body, before an
 * observer registered after the repair's (y-prosemirror's) sees it, by a transaction that other
 * peers receive; what it renders is left alone.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { REPAIR_ORIGIN, repair, repairObserver, unrenderable } from '../../client/editor/repair.js'

const element = (name: string, ...children: Array<Y.XmlElement | Y.XmlText>): Y.XmlElement => {
  const el = new Y.XmlElement(name)
  el.insert(0, children)
  return el
}

/** Everything y-prosemirror cannot render (six items: two strings are one item), around one paragraph it can. */
function junkUpdate(): Uint8Array {
  const doc = new Y.Doc()
  const body = doc.getXmlFragment('content')
  const text = new Y.XmlText('kept')
  const paragraph = element('paragraph', text)
  body.insert(0, [new Y.XmlText('top'), paragraph, new Y.XmlHook('h') as unknown as Y.XmlElement])
  ;(body as unknown as Y.Array<unknown>).insert(3, ['s', 1])
  paragraph.insert(1, [new Y.XmlHook('h') as unknown as Y.XmlElement, element('hard_break')])
  ;(paragraph as unknown as Y.Array<unknown>).insert(3, ['x'])
  text.insertEmbed(4, { image: 'x' })
  text.format(0, 2, { bold: true })
  return Y.encodeStateAsUpdate(doc)
}

/** What a renderer sees: the blocks and children must be elements and texts, the texts strings. */
function shape(type: Y.XmlFragment): string {
  return type.toArray().map((child) => {
    if (child instanceof Y.XmlElement) return `<${child.nodeName}>${shape(child)}</${child.nodeName}>`
    if (child instanceof Y.XmlText) return child.toDelta().map((d: { insert: unknown }) => (typeof d.insert === 'string' ? d.insert : '?embed')).join('')
    return '?other'
  }).join('')
}

const JUNK = junkUpdate()

describe('editor repair', () => {
  it('deletes what y-prosemirror cannot render, keeps the rest, in a transaction of its own origin', () => {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, JUNK)
    const body = doc.getXmlFragment('content')
    expect(unrenderable(body)).toHaveLength(6)
    const origins: unknown[] = []
    doc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin))
    expect(repair(body)).toBe(6)
    expect(origins).toEqual([REPAIR_ORIGIN])
    expect(shape(body)).toBe('<paragraph>kept<hard_break></hard_break></paragraph>')
    expect(repair(body)).toBe(0)
  })

  it('removes what a remote update adds before a later observer sees it, and peers get the removal', () => {
    const doc = new Y.Doc()
    const body = doc.getXmlFragment('content')
    body.insert(0, [element('paragraph', new Y.XmlText('before'))])
    const peer = new Y.Doc()
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
    body.observeDeep(repairObserver(body))
    const seen: string[] = []
    body.observeDeep(() => seen.push(shape(body)))
    const sent: Uint8Array[] = []
    doc.on('update', (u: Uint8Array, origin: unknown) => origin === REPAIR_ORIGIN && sent.push(u))
    Y.applyUpdate(doc, JUNK)
    expect(seen.every((s) => !s.includes('?'))).toBe(true)
    // the two paragraphs were inserted concurrently at the start: client ids decide their order
    expect([...(seen.at(-1)!.match(/<paragraph>.*?<\/paragraph>/g) ?? [])].sort()).toEqual(['<paragraph>before</paragraph>', '<paragraph>kept<hard_break></hard_break></paragraph>'])
    // the peer that sent the junk applies the repair and ends where this doc is
    Y.applyUpdate(peer, JUNK)
    for (const u of sent) Y.applyUpdate(peer, u)
    expect(shape(peer.getXmlFragment('content'))).toBe(shape(body))
  })
})
