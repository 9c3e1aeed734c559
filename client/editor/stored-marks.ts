/**
 * A mark switched on or off at the caret (Ctrl+B, then type) survives another person's change.
 * ProseMirror forgets stored marks on any transaction that changes the document, and
 * y-prosemirror applies each remote change as one: the letters typed next came out plain (the
 * Bold button went off under the person's eyes) whenever someone else typed in between.
 */
import { Plugin, type Transaction } from 'prosemirror-state'
import { ySyncPluginKey } from 'y-prosemirror'

/** True when `tr` applies another person's change (one's own undo or redo is not one). */
function isRemote(tr: Transaction): boolean {
  const meta = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean; isUndoRedoOperation?: boolean } | undefined
  return meta?.isChangeOrigin === true && !meta.isUndoRedoOperation
}

/** Puts back the stored marks a remote change cleared while the caret stays a caret. */
export function storedMarksPlugin(): Plugin {
  return new Plugin({
    appendTransaction(transactions, old, state) {
      if (!old.storedMarks || state.storedMarks || !state.selection.empty) return null
      if (!transactions.every(isRemote)) return null
      return state.tr.setStoredMarks(old.storedMarks)
    },
  })
}
