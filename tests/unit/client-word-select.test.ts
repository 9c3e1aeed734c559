/**
 * The word a double click selects across a remote cursor (client/editor/word-select.ts), on bare
 * nodes: words, the word ending just before a position, spaces and hard breaks between words.
 */
import { describe, expect, it } from 'vitest'
import type { Node as PMNode } from 'prosemirror-model'
import { schema } from '../../shared/schema.js'
import { wordAt } from '../../client/editor/word-select.js'

const p = (...content: PMNode[]) => schema.nodes.paragraph!.create(null, content)

describe('wordAt', () => {
  const line = p(schema.text('alpha beta gamma'))

  it('finds the word around an offset, or the one ending just before it', () => {
    expect(wordAt(line, 8)).toEqual({ from: 6, to: 10 })
    expect(wordAt(line, 6)).toEqual({ from: 6, to: 10 })
    expect(wordAt(line, 10)).toEqual({ from: 6, to: 10 })
    expect(wordAt(line, 16)).toEqual({ from: 11, to: 16 })
  })

  it('finds no word on punctuation, nor in an empty block', () => {
    expect(wordAt(p(schema.text('a -- b')), 3)).toBeNull()
    expect(wordAt(p(), 0)).toBeNull()
  })

  it('keeps offsets of marked text and ends words at a hard break', () => {
    const bold = schema.marks.bold!.create()
    const mixed = p(schema.text('be', [bold]), schema.text('ta'), schema.nodes.hard_break!.create(), schema.text('next'))
    expect(wordAt(mixed, 1)).toEqual({ from: 0, to: 4 })
    expect(wordAt(mixed, 6)).toEqual({ from: 5, to: 9 })
  })
})
