import { Fragment, Slice } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'
import { codeLinesAsBreaks } from '../../client/editor/code-paste.js'
import { b, posOf, stateOf } from './client-editor-helpers.js'

const codeLines = (text: string, ...after: ReturnType<typeof b.p>[]) => new Slice(Fragment.from([b.pre(text), ...after]), 1, 1)

describe('codeLinesAsBreaks', () => {
  it('makes an open code block joining a paragraph a paragraph with line breaks', () => {
    const doc = b.doc(b.p('xy'))
    const slice = codeLinesAsBreaks(codeLines('b\ncd'), stateOf(doc, posOf(doc, 'x')))
    expect(slice.content.toJSON()).toEqual([b.p('b', b.br(), 'cd').toJSON()])
    expect([slice.openStart, slice.openEnd]).toEqual([1, 1])
  })

  it('leaves the code block where it replaces a whole textblock, lands in code, or the slice is closed', () => {
    const empty = b.doc(b.p())
    const one = codeLines('a\nb')
    expect(codeLinesAsBreaks(one, stateOf(empty, 1))).toBe(one)
    const whole = b.doc(b.p('xy'))
    expect(codeLinesAsBreaks(one, stateOf(whole, 1, 3))).toBe(one)
    const code = b.doc(b.pre('xy'))
    expect(codeLinesAsBreaks(one, stateOf(code, posOf(code, 'x')))).toBe(one)
    const closed = new Slice(Fragment.from(b.pre('a\nb')), 0, 0)
    expect(codeLinesAsBreaks(closed, stateOf(whole, posOf(whole, 'x')))).toBe(closed)
  })
})
