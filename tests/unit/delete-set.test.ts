/**
 * Delete sets read from update bytes: merged across updates, and compared range by range.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { covers, deleteSetOf, union } from '../../server/sync/delete-set.js'

/** A document of one client with `text`, and the updates of each change, in order. */
function typed(): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc()
  doc.clientID = 7
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  return { doc, updates }
}

describe('delete sets', () => {
  it('merges the ranges of several updates, touching ones into one', () => {
    const { doc, updates } = typed()
    const text = doc.getText('t')
    text.insert(0, 'abcdefghij')
    text.delete(2, 2) // clocks 2-3
    text.delete(2, 2) // clocks 4-5: touches the first
    text.delete(4, 1) // clock 8
    expect(deleteSetOf(updates)).toEqual(new Map([[7, [2, 6, 8, 9]]]))
  })

  it('unites two sets, merging ranges that touch or overlap', () => {
    const a = new Map([[1, [0, 2, 10, 12]]])
    const b = new Map([[1, [2, 4, 11, 15, 20, 21]], [2, [5, 6]]])
    expect(union(a, b)).toEqual(new Map([[1, [0, 4, 10, 15, 20, 21]], [2, [5, 6]]]))
    expect(union(a, new Map())).toBe(a)
  })

  it('covers what a document deleted already, and not a deletion it lacks or of another client', () => {
    const { doc, updates } = typed()
    const text = doc.getText('t')
    text.insert(0, 'abcdefghij')
    text.delete(1, 5)
    const whole = deleteSetOf([Y.encodeStateAsUpdate(doc)])
    // what a client holding the document sends back: no structs, the whole delete set
    const back = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))
    expect(covers(whole, deleteSetOf([back]))).toBe(true)
    expect(covers(whole, deleteSetOf([updates.at(-1)!]))).toBe(true)
    text.delete(0, 1)
    expect(covers(whole, deleteSetOf([updates.at(-1)!]))).toBe(false)
    const other = new Y.Doc()
    other.clientID = 8
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    other.getText('t').insert(0, 'x')
    other.getText('t').delete(0, 1)
    expect(covers(whole, deleteSetOf([Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc))]))).toBe(false)
  })
})
