/**
 * Finding a position again by content (client/editor/rewritten-block.ts), on plain documents:
 * around a change it moves with the unchanged content, inside a block made another type (or
 * wrapped) it keeps its offset in the same text, and where the text changed it cannot be told.
 */
import { describe, expect, it } from 'vitest'
import { mapByContent } from '../../client/editor/rewritten-block.js'
import { b } from './client-editor-helpers.js'

describe('mapByContent', () => {
  const before = b.doc(b.p('First line'), b.p('Hello world'))
  // "Hello|" in the second paragraph
  const caret = 13 + 5

  it('keeps the offset in the text of a block made a heading, a list item, a quote or code', () => {
    expect(mapByContent(before, b.doc(b.p('First line'), b.h(2, 'Hello world')), caret)).toBe(18)
    expect(mapByContent(before, b.doc(b.p('First line'), b.ul(b.li(b.p('Hello world')))), caret)).toBe(20)
    expect(mapByContent(before, b.doc(b.p('First line'), b.quote(b.p('Hello world'))), caret)).toBe(19)
    expect(mapByContent(before, b.doc(b.p('First line'), b.pre('Hello world')), caret)).toBe(18)
  })

  it('moves with the unchanged text around a change: a join, an insertion above', () => {
    expect(mapByContent(before, b.doc(b.p('First lineHello world')), caret)).toBe(16)
    expect(mapByContent(before, b.doc(b.p('New'), b.p('First line'), b.p('Hello world')), caret)).toBe(23)
    expect(mapByContent(before, before, caret)).toBe(caret)
  })

  it('cannot tell where the text itself changed', () => {
    expect(mapByContent(before, b.doc(b.p('First line'), b.h(2, 'Hola world')), caret)).toBeNull()
    expect(mapByContent(before, b.doc(b.p('First line')), caret)).toBeNull()
  })
})
