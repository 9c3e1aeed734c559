/**
 * The title binding: an <input> edit becomes the smallest Y.Text edit (so two people typing in
 * the title at once both keep their text), and remote edits move the local caret with the text.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyInput, diffText, mapOffset, type DeltaOp } from '../../client/editor/title.js'

describe('diffText', () => {
  it('finds the single changed span', () => {
    expect(diffText('Hello world', 'Hello brave world')).toEqual({ index: 6, remove: 0, insert: 'brave ' })
    expect(diffText('Hello world', 'Hello')).toEqual({ index: 5, remove: 6, insert: '' })
    expect(diffText('abc', 'aXc')).toEqual({ index: 1, remove: 1, insert: 'X' })
    expect(diffText('same', 'same')).toEqual({ index: 4, remove: 0, insert: '' })
    expect(diffText('', 'new')).toEqual({ index: 0, remove: 0, insert: 'new' })
  })

  it('uses the caret to place an edit in repeated text', () => {
    // typing "a" at the start of "aa"
    expect(diffText('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' })
    expect(diffText('aa', 'aaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' })
  })

  it('never splits a surrogate pair', () => {
    const edit = diffText('a😀b', 'a😃b')
    expect(edit).toEqual({ index: 1, remove: 2, insert: '😃' })
  })
})

describe('applyInput', () => {
  it('merges concurrent title edits from two people instead of overwriting', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    a.getText('title').insert(0, 'Plan')
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    const origin = Symbol('local')
    applyInput(a.getText('title'), 'Project Plan', origin)
    applyInput(b.getText('title'), 'Plan for Q3', origin)
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    expect(a.getText('title').toString()).toBe('Project Plan for Q3')
    expect(b.getText('title').toString()).toBe('Project Plan for Q3')
  })

  it('tags the transaction with the given origin and skips no-op edits', () => {
    const doc = new Y.Doc()
    const origins: unknown[] = []
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin))
    const origin = Symbol('local')
    applyInput(doc.getText('title'), 'x', origin)
    applyInput(doc.getText('title'), 'x', origin)
    expect(origins).toEqual([origin])
  })
})

describe('mapOffset', () => {
  const delta = (ops: DeltaOp[]) => ops
  it('moves the caret past text inserted before it, not after it', () => {
    expect(mapOffset(5, delta([{ retain: 2 }, { insert: 'abc' }]))).toBe(8)
    expect(mapOffset(1, delta([{ retain: 2 }, { insert: 'abc' }]))).toBe(1)
    expect(mapOffset(2, delta([{ retain: 2 }, { insert: 'abc' }]), true)).toBe(2)
    expect(mapOffset(2, delta([{ retain: 2 }, { insert: 'abc' }]), false)).toBe(5)
  })

  it('pulls the caret back over deleted text, and into a deletion that spans it', () => {
    expect(mapOffset(5, delta([{ delete: 2 }]))).toBe(3)
    expect(mapOffset(5, delta([{ retain: 3 }, { delete: 5 }]))).toBe(3)
    expect(mapOffset(5, delta([{ retain: 6 }, { delete: 1 }]))).toBe(5)
  })

  it('agrees with a real Y.Text event', () => {
    const doc = new Y.Doc()
    const text = doc.getText('title')
    text.insert(0, 'Hello world')
    let mapped = -1
    text.observe((event) => (mapped = mapOffset(7, event.delta as DeltaOp[], true)))
    doc.transact(() => {
      text.delete(0, 5)
      text.insert(0, 'Goodbye')
    })
    expect(text.toString()).toBe('Goodbye world')
    // the caret was after "w" of "world"; it still is
    expect(text.toString().slice(0, mapped)).toBe('Goodbye w')
  })
})
