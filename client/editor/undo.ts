/**
 * Undo of one's own changes only. Yjs undoes an insertion by deleting what was inserted; when one
 * person made a block (a heading, a list, a quote) and another wrote inside it, deleting the
 * block would take the other person's text with it. y-prosemirror guards paragraphs and text
 * nodes that are not empty, not other blocks: here no block is deleted while it holds anything
 * someone else wrote. It stays with their text; what this person wrote in it is still undone.
 */
import { ySyncPluginKey, defaultDeleteFilter, defaultProtectedNodes } from 'y-prosemirror'
import * as Y from 'yjs'

/** True when `type`, or a type inside it, holds content (not formatting) a client other than `own` wrote. */
export function holdsOthersContent(type: Y.AbstractType<unknown>, own: number): boolean {
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue
    if (item.countable && item.id.client !== own) return true
    if (item.content instanceof Y.ContentType && holdsOthersContent(item.content.type, own)) return true
  }
  return false
}

/** Whether undo may delete `item` (one of this client's insertions): not while others wrote inside it. */
export function undoDeleteFilter(item: Y.Item): boolean {
  if (!defaultDeleteFilter(item, defaultProtectedNodes)) return false
  return !(item.content instanceof Y.ContentType && holdsOthersContent(item.content.type, item.id.client))
}

/** The undo manager of an editor bound to `fragment`: y-prosemirror's, with undoDeleteFilter. */
export function createUndoManager(fragment: Y.XmlFragment): Y.UndoManager {
  return new Y.UndoManager(fragment, {
    trackedOrigins: new Set([ySyncPluginKey]),
    deleteFilter: undoDeleteFilter,
    // as y-prosemirror's own: transactions marked addToHistory: false stay out of the history
    captureTransaction: (tr) => tr.meta.get('addToHistory') !== false,
  })
}
