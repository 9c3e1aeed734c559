/**
 * Text another person types right after this person's selection stays out of it. y-prosemirror
 * puts the selection back after each remote change from positions tied to the character after
 * each end, so a letter typed at the selection's end joined it: selecting a word and deleting it
 * took that letter too. The end is tied here to the last selected character instead.
 */
import { Plugin, TextSelection, type EditorState } from 'prosemirror-state'
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'

/** The sync plugin's state, as far as used here. */
interface SyncState {
  readonly doc: Y.Doc
  readonly type: Y.XmlFragment
  readonly binding: { readonly mapping: Map<unknown, unknown> }
}

/** A position just after the last selected character (null when the selection does not end in text). */
function endAfterLastChar(state: EditorState, sync: SyncState): Y.RelativePosition | null {
  const { selection } = state
  if (!(selection instanceof TextSelection) || selection.empty || !selection.$to.nodeBefore?.isText) return null
  const last = absolutePositionToRelativePosition(selection.to - 1, sync.type, sync.binding.mapping as never) as Y.RelativePosition | null
  // the character itself, kept with its left side: the end stays after it, or where it was if deleted
  return last?.item ? new Y.RelativePosition(null, null, last.item, -1) : null
}

/** Keeps the end of a non-empty text selection from taking in what others insert right there. */
export function selectionEndPlugin(): Plugin {
  let end: Y.RelativePosition | null = null
  return new Plugin({
    view(view) {
      const sync = ySyncPluginKey.getState(view.state) as SyncState | undefined
      if (!sync) return {}
      // y-prosemirror notes its positions at the same moment, before any Yjs transaction
      const before = () => {
        end = endAfterLastChar(view.state, sync)
      }
      const after = () => {
        end = null
      }
      sync.doc.on('beforeAllTransactions', before)
      sync.doc.on('afterAllTransactions', after)
      return {
        destroy() {
          sync.doc.off('beforeAllTransactions', before)
          sync.doc.off('afterAllTransactions', after)
        },
      }
    },
    appendTransaction(transactions, _old, state) {
      // another person's change (an undo of one's own is also a "change origin": left alone)
      const remote = transactions.some((tr) => {
        const meta = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean; isUndoRedoOperation?: boolean } | undefined
        return meta?.isChangeOrigin === true && !meta.isUndoRedoOperation
      })
      const sync = ySyncPluginKey.getState(state) as SyncState | undefined
      const { selection } = state
      if (!remote || !end || !sync || !(selection instanceof TextSelection) || selection.empty) return null
      const to = relativePositionToAbsolutePosition(sync.doc, sync.type, end, sync.binding.mapping as never)
      if (to === null || to >= selection.to || to <= selection.from) return null
      const [anchor, head] = selection.anchor < selection.head ? [selection.anchor, to] : [to, selection.head]
      return state.tr.setSelection(TextSelection.create(state.doc, anchor, head))
    },
  })
}
