import { describe, expect, it } from 'vitest'
import { plainTextSlice } from '../../client/editor/plain-paste.js'
import { textLines } from '../../shared/plain-text.js'
import { vscodeSlice } from '../../client/editor/vscode-paste.js'
import { b, posOf, stateOf } from './client-editor-helpers.js'

describe('textLines', () => {
  it('splits on LF, CR LF and CR, keeps blank lines, and starts no line after a final line ending', () => {
    expect(textLines('one\n\ntwo')).toEqual(['one', '', 'two'])
    expect(textLines('one\r\n\r\ntwo\r\n')).toEqual(['one', '', 'two'])
    expect(textLines('one\rtwo\r')).toEqual(['one', 'two'])
    expect(textLines('one\n\n')).toEqual(['one', ''])
    expect(textLines('\n')).toEqual([''])
    expect(textLines('')).toEqual([''])
  })
})

describe('plainTextSlice', () => {
  it('makes a paragraph of each line, an empty one of a blank line, open at both ends, in the marks at the caret', () => {
    const doc = b.doc(b.p(b.marked('bold', 'bold')))
    const slice = plainTextSlice('a\n\n  b', stateOf(doc, posOf(doc, 'ld')).selection.$from)
    expect(slice.content.toJSON()).toEqual([b.p(b.marked('a', 'bold')).toJSON(), b.p().toJSON(), b.p(b.marked('  b', 'bold')).toJSON()])
    expect([slice.openStart, slice.openEnd]).toEqual([1, 1])
  })
})

describe('vscodeSlice', () => {
  const doc = b.doc(b.p('xy'))
  const $x = stateOf(doc, posOf(doc, 'y')).selection.$from

  it('makes several lines one closed code block holding their text, without the final line ending', () => {
    const slice = vscodeSlice('if (a) {\r\n  b()\r\n\r\n}\r\n', $x)
    expect(slice.content.toJSON()).toEqual([b.pre('if (a) {\n  b()\n\n}').toJSON()])
    expect([slice.openStart, slice.openEnd]).toEqual([0, 0])
  })

  it('makes a single line text that joins the line it is pasted into', () => {
    const slice = vscodeSlice('  call()\n', $x)
    expect(slice.content.toJSON()).toEqual([b.p('  call()').toJSON()])
    expect([slice.openStart, slice.openEnd]).toEqual([1, 1])
  })
})
