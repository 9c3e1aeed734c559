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
/** Name of the Y.XmlFragment holding the body (mirrors shared/doc-fields.ts). */
const CONTENT = 'content'
/** Most characters of a body's text kept for search (server/docs/search.ts). */
export const MAX_TEXT_LENGTH = 100_000

/**
 * @typedef {object} Compacted
 * @property {Uint8Array} state the whole document as one update, deleted content collected
 * @property {Uint8Array} stateVector the state vector of `state` (what it holds, pending aside)
 * @property {string} title the document title, trimmed, at most 200 characters
 * @property {string} text the body's text, whitespace runs as one space, at most MAX_TEXT_LENGTH characters
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
    return { state: Y.encodeStateAsUpdate(doc), stateVector: Y.encodeStateVector(doc), title: readTitle(doc), text: readText(doc) }
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

/**
 * The text of a loaded document's body for search: the characters of every block, blocks apart,
 * and each image's description as a word of its own; whitespace runs as one space, at most
 * MAX_TEXT_LENGTH characters; '' when it has no body (or holds something else there).
 * @param {Y.Doc} doc
 * @returns {string}
 */
export function readText(doc) {
  if (!doc.share.has(CONTENT)) return ''
  /** @type {string[]} */
  const parts = []
  let length = 0
  /** @param {Y.XmlFragment | Y.XmlElement} parent */
  const walk = (parent) => {
    for (const child of parent.toArray()) {
      if (length > MAX_TEXT_LENGTH) return
      if (child instanceof Y.XmlText) {
        for (const op of child.toDelta()) {
          if (typeof op.insert !== 'string') continue
          parts.push(op.insert)
          length += op.insert.length
        }
      } else if (child instanceof Y.XmlElement) {
        // an image is found by its description
        const alt = child.nodeName === 'image' ? child.getAttribute('alt') : undefined
        if (typeof alt === 'string') {
          parts.push(' ', alt)
          length += alt.length
        }
        walk(child)
        // a block ends a word (so does an inline node such as a line break)
        parts.push(' ')
      }
    }
  }
  try {
    walk(doc.getXmlFragment(CONTENT))
  } catch {
    return ''
  }
  return parts.join('').replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT_LENGTH)
}
