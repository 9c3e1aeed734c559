/**
 * Undo of one's own changes only. Yjs undoes an insertion by deleting what was inserted; when one
 * person made a block (a heading, a list, a quote) and another wrote inside it, deleting the
 * block would take the other person's text with it. y-prosemirror guards paragraphs and text
 * nodes that are not empty, not other blocks: here no block is deleted while it holds anything
 * someone else wrote. It stays with their text; what this person wrote in it is still undone.
 * Nor does an undo leave the body empty (see bodyDeleteFilter).
 */
import { ySyncPluginKey, defaultDeleteFilter, defaultProtectedNodes } from 'y-prosemirror'
import * as Y from 'yjs'

/** What a step of the undo history inserted (Yjs does not export the type by name). */
type Insertions = Y.UndoManager['undoStack'][number]['insertions']

/** True when `type`, or a type inside it, holds content (not formatting) a client other than `own` wrote. */
export function holdsOthersContent(type: Y.AbstractType<unknown>, own: number): boolean {
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted) continue
    if (item.countable && item.id.client !== own) return true
    if (item.content instanceof Y.ContentType && holdsOthersContent(item.content.type, own)) return true
  }
  return false
}

/**
 * Whether undo may delete `item` (one of this client's insertions): not while others wrote inside
 * it, nor when it is an attribute (a heading's level, a code block's language) of a block made in
 * the same step `undone` (that step's insertions) and kept because others wrote inside it.
 */
export function undoDeleteFilter(item: Y.Item, undone?: Insertions): boolean {
  if (!defaultDeleteFilter(item, defaultProtectedNodes)) return false
  if (item.content instanceof Y.ContentType && holdsOthersContent(item.content.type, item.id.client)) return false
  // an attribute is an entry of its element's map: the undo that keeps the block would otherwise
  // strip it, and a kept second-level heading became a first-level one (the schema's default)
  const block = item.parentSub !== null ? (item.parent as Y.AbstractType<unknown>)._item : null
  if (undone !== undefined && block !== null && !block.deleted && Y.isDeleted(undone, block.id)) return undoDeleteFilter(block)
  return true
}

/**
 * undoDeleteFilter for the body `fragment`, and one thing more: an undo or redo that deletes the
 * body's last block puts an empty paragraph in its place, in the same transaction. So the step
 * holds the paragraph (redo takes it away again) and the others receive both changes at once.
 *
 * y-prosemirror (1.3.7) cannot show an empty body: ySyncPlugin renders it into a ProseMirror doc,
 * which needs a block, so ProseMirror fills in an empty paragraph, and the sync plugin's write
 * back of the view is skipped because the render runs inside the binding's own mutex. The editor
 * showed a paragraph the shared document lacked until the next unrelated transaction (the redraw
 * of one's own cursor) wrote it as a new change of this person: that emptied the redo stack, and
 * every other editor receiving the undo did the same, each adding a paragraph of its own. Undoing
 * the first typing in a new document did this every time.
 */
export function bodyDeleteFilter(fragment: Y.XmlFragment, undone: () => Insertions | undefined = () => undefined): (item: Y.Item) => boolean {
  return (item) => {
    if (!undoDeleteFilter(item, undone())) return false
    // children are deleted before their parents, so a block's own content is already gone here
    if (item.parent === fragment && !item.deleted && fragment.length === 1) fragment.insert(0, [new Y.XmlElement('paragraph')])
    return true
  }
}

/** The undo manager of an editor bound to `fragment`: y-prosemirror's, with bodyDeleteFilter. */
export function createUndoManager(fragment: Y.XmlFragment): Y.UndoManager {
  // the insertions of the step being undone or redone: Yjs pops it before it calls the filter
  let step: Insertions | undefined
  const manager = new Y.UndoManager(fragment, {
    trackedOrigins: new Set([ySyncPluginKey]),
    deleteFilter: bodyDeleteFilter(fragment, () => step),
    // as y-prosemirror's own: transactions marked addToHistory: false stay out of the history
    captureTransaction: (tr) => tr.meta.get('addToHistory') !== false,
  })
  for (const name of ['undo', 'redo'] as const) {
    const run = manager[name].bind(manager)
    manager[name] = () => {
      const stack = name === 'undo' ? manager.undoStack : manager.redoStack
      step = stack[stack.length - 1]?.insertions
      try {
        return run()
      } finally {
        step = undefined
      }
    }
  }
  return manager
}
