// @ts-check
/**
 * Compaction as a pure function: folds a document's updates into one garbage-collected update by
 * loading them into a Y.Doc, and reads what the document list needs. Plain JavaScript so the
 * compaction process can load it without a TypeScript step.
 */
import * as Y from 'yjs'

/** Name of the Y.Text holding the title (mirrors shared/doc-fields.ts). */
const TITLE = 'title'
const MAX_TITLE_LENGTH = 200

/**
 * @typedef {object} Compacted
 * @property {Uint8Array} state the whole document as one update, deleted content collected
 * @property {Uint8Array} stateVector the state vector of `state` (what it holds, pending aside)
 * @property {string} title the document title, trimmed, at most 200 characters
 */

/**
 * Folds updates (oldest first) into one compact update.
 * @param {Uint8Array[]} updates
 * @returns {Compacted}
 */
export function compactUpdates(updates) {
  const doc = new Y.Doc({ gc: true })
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    return { state: Y.encodeStateAsUpdate(doc), stateVector: Y.encodeStateVector(doc), title: readTitle(doc) }
  } finally {
    doc.destroy()
  }
}

/**
 * The updates of a batch laid end to end (PackedUpdates.pack), as views into its buffer.
 * @param {{ bytes: Uint8Array, lengths: ArrayLike<number> }} batch
 * @returns {Uint8Array[]}
 */
export function unpack({ bytes, lengths }) {
  const updates = []
  let pos = 0
  for (let i = 0; i < lengths.length; i++) {
    updates.push(bytes.subarray(pos, pos + lengths[i]))
    pos += lengths[i]
  }
  return updates
}

/**
 * The title of a loaded document, or '' when it has none (or holds something else there).
 * @param {Y.Doc} doc
 * @returns {string}
 */
export function readTitle(doc) {
  if (!doc.share.has(TITLE)) return ''
  try {
    return doc.getText(TITLE).toString().replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_LENGTH)
  } catch {
    return ''
  }
}
