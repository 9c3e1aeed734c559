/**
 * The document title is a Y.Text (`title`) edited through a plain <input>. Local edits become the
 * smallest Yjs edit that turns the old value into the new one (so concurrent typing by two people
 * merges instead of overwriting); remote edits move the local caret along with the text.
 */
import type * as Y from 'yjs'

/** The edit that turns `before` into `after`: at `index`, remove `remove` characters, insert `insert`. */
export interface TextEdit {
  readonly index: number
  readonly remove: number
  readonly insert: string
}

/**
 * The smallest single edit from `before` to `after` (common prefix and suffix kept). `caret` (the
 * caret position in `after`, when known) decides between equally small edits in repeated text.
 */
export function diffText(before: string, after: string, caret?: number): TextEdit {
  let start = 0
  // with a caret, the change ends at the caret: the edit starts no later than caret - growth
  const limit = caret === undefined ? Infinity : Math.max(0, caret - Math.max(0, after.length - before.length))
  const maxStart = Math.min(before.length, after.length, limit)
  while (start < maxStart && before.charCodeAt(start) === after.charCodeAt(start)) start++
  let end = 0
  const maxEnd = Math.min(before.length, after.length) - start
  while (end < maxEnd && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++
  // never split a surrogate pair
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--
  if (end > 0 && isLowSurrogate(before.charCodeAt(before.length - end))) end--
  return { index: start, remove: before.length - start - end, insert: after.slice(start, after.length - end) }
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff

/** Applies an input's new `value` to `text` as one minimal edit in a transaction tagged `origin`. */
export function applyInput(text: Y.Text, value: string, origin: unknown, caret?: number): void {
  const edit = diffText(text.toString(), value, caret)
  if (edit.remove === 0 && edit.insert === '') return
  text.doc!.transact(() => {
    if (edit.remove > 0) text.delete(edit.index, edit.remove)
    if (edit.insert) text.insert(edit.index, edit.insert)
  }, origin)
}

/** One entry of a Y.Text change delta. */
export type DeltaOp = { retain?: number; insert?: unknown; delete?: number }

/** Where offset `offset` of the old text ends up after `delta` (insertions at it push it right unless `stickLeft`). */
export function mapOffset(offset: number, delta: readonly DeltaOp[], stickLeft = false): number {
  let oldPos = 0
  let shift = 0
  for (const op of delta) {
    if (op.retain !== undefined) {
      oldPos += op.retain
      if (oldPos > offset) break
    } else if (op.delete !== undefined) {
      if (oldPos + op.delete <= offset) shift -= op.delete
      else if (oldPos < offset) shift -= offset - oldPos
      oldPos += op.delete
      if (oldPos > offset) break
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1
      if (oldPos < offset || (oldPos === offset && !stickLeft)) shift += length
      else break
    }
  }
  return Math.max(0, offset + shift)
}
