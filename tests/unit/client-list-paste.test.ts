import { Fragment, Slice } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'
import { listsStayWhole, pastedLinesAsItems } from '../../client/editor/list-paste.js'
import { b, posOf, stateOf } from './client-editor-helpers.js'

const lines = (...texts: string[]) => new Slice(Fragment.from(texts.map((t) => b.p(t))), 1, 1)

describe('pastedLinesAsItems', () => {
  it('makes pasted paragraphs task items (unchecked) in a task, list items in a list', () => {
    const tasks = b.doc(b.tasks(b.task(true, b.p('done'))))
    const slice = pastedLinesAsItems(lines('a', 'b'), stateOf(tasks, posOf(tasks, 'done')))
    expect(slice.content.toJSON()).toEqual([b.task(false, b.p('a')).toJSON(), b.task(false, b.p('b')).toJSON()])
    expect([slice.openStart, slice.openEnd]).toEqual([2, 2])
    const list = b.doc(b.ul(b.li(b.p('x'))))
    expect(pastedLinesAsItems(lines('a', 'b'), stateOf(list, posOf(list, 'x'))).content.firstChild!.type.name).toBe('list_item')
  })

  it('leaves alone one line, other blocks, and pastes outside lists', () => {
    const list = b.doc(b.ul(b.li(b.p('x'))))
    const at = posOf(list, 'x')
    const one = lines('a')
    expect(pastedLinesAsItems(one, stateOf(list, at))).toBe(one)
    const mixed = new Slice(Fragment.from([b.p('a'), b.h(1, 'b')]), 1, 1)
    expect(pastedLinesAsItems(mixed, stateOf(list, at))).toBe(mixed)
    const plain = b.doc(b.p('x'))
    const two = lines('a', 'b')
    expect(pastedLinesAsItems(two, stateOf(plain, posOf(plain, 'x')))).toBe(two)
  })

  it('closes a list at the ends of a paste into paragraph text, and only there', () => {
    const list = new Slice(Fragment.from(b.ul(b.li(b.p('a')), b.li(b.p('b')))), 3, 3)
    // a word copied out of a list item: its list comes along, and it stays text
    const word = new Slice(Fragment.from(b.ul(b.li(b.p('a')))), 3, 3)
    const para = b.doc(b.p('text'))
    const mid = listsStayWhole(list, stateOf(para, posOf(para, 'te')))
    expect([mid.openStart, mid.openEnd]).toEqual([0, 0])
    const end = listsStayWhole(list, stateOf(para, posOf(para, 'text')))
    expect([end.openStart, end.openEnd]).toEqual([0, 3])
    expect(listsStayWhole(list, stateOf(b.doc(b.p()), 1))).toBe(list)
    expect(listsStayWhole(word, stateOf(para, posOf(para, 'te')))).toBe(word)
    const item = b.doc(b.ul(b.li(b.p('text'))))
    expect(listsStayWhole(list, stateOf(item, posOf(item, 'te')))).toBe(list)
  })
})
