/**
 * The caret (or selection) stays where it was in the text when another person rewrites the block
 * it is in: makes it a heading, a list item, a quote or code, or joins it to the block above.
 * y-prosemirror puts the selection back after a remote change from positions tied to Yjs items.
 * A Yjs element can neither change its type nor move, so such a change deletes the block and
 * writes its text anew: those positions then point into deleted content, and the caret went to
 * the end of the block (or of the joined one), where whatever one typed next landed.
 *
 * When that happens, the selection is found again by comparing the documents before and after:
 * a position in the unchanged content around the change moves with it, and one inside the change
 * keeps its textblock and offset when the blocks there hold the same text as before.
 */
import type { Node as PMNode } from 'prosemirror-model'
import { Plugin, TextSelection } from 'prosemirror-state'
import { ySyncPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'

/** The sync plugin's state, as far as used here. */
interface SyncState {
  readonly doc: Y.Doc
  readonly binding: {
    /** The selection's ends as Yjs positions, which y-prosemirror notes before each Yjs transaction and puts the selection back from. */
    readonly beforeTransactionSelection: { readonly anchor: Y.RelativePosition | null; readonly head: Y.RelativePosition | null } | null
  }
}

/** True when `pos` now resolves into a type that was deleted (or cannot be resolved at all). */
function pointsIntoDeleted(pos: Y.RelativePosition, doc: Y.Doc): boolean {
  const resolved = Y.createAbsolutePositionFromRelativePosition(pos, doc)
  if (resolved === null) return true
  for (let item = resolved.type._item; item !== null; item = (item.parent as Y.AbstractType<unknown>)._item) if (item.deleted) return true
  return false
}

/** The textblocks of `doc` that overlap `from` to `to`, with their positions. */
function textblocksIn(doc: PMNode, from: number, to: number): Array<{ pos: number; node: PMNode }> {
  const blocks: Array<{ pos: number; node: PMNode }> = []
  doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isTextblock) return true
    blocks.push({ pos, node })
    return false
  })
  return blocks
}

/**
 * Where `pos` of `before` is in `after`, judged by their content alone: the same place in the
 * unchanged content around what changed, or in a changed range whose textblocks hold the same
 * text (a block of another type, wrapped or unwrapped). Null when it cannot be told.
 */
export function mapByContent(before: PMNode, after: PMNode, pos: number): number | null {
  const start = before.content.findDiffStart(after.content)
  if (start === null) return pos
  let { a: endA, b: endB } = before.content.findDiffEnd(after.content)!
  // the unchanged start and end overlap when the change repeats what is next to it ("aa" to "aaa")
  const overlap = start - Math.min(endA, endB)
  if (overlap > 0) {
    endA += overlap
    endB += overlap
  }
  if (pos <= start) return pos
  if (pos >= endA) return pos - endA + endB
  const was = textblocksIn(before, start, endA)
  const now = textblocksIn(after, start, endB)
  if (was.length !== now.length) return null
  for (let i = 0; i < was.length; i++) {
    const [old, next] = [was[i]!, now[i]!]
    if (old.node.content.size !== next.node.content.size || old.node.textContent !== next.node.textContent) return null
  }
  const index = was.findIndex((b) => pos > b.pos && pos < b.pos + b.node.nodeSize)
  return index < 0 ? null : now[index]!.pos + (pos - was[index]!.pos)
}

/** Keeps the selection in place in the text of a block another person rewrote (see the module doc). */
export function rewrittenBlockPlugin(): Plugin {
  return new Plugin({
    appendTransaction(transactions, old, state) {
      // another person's change (an undo of one's own puts back its own selection)
      const remote = transactions.some((tr) => {
        const meta = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean; isUndoRedoOperation?: boolean } | undefined
        return meta?.isChangeOrigin === true && !meta.isUndoRedoOperation
      })
      const sync = ySyncPluginKey.getState(state) as SyncState | undefined
      // y-prosemirror's own note of the selection before the change (kept until all of it is applied)
      const ends = sync?.binding.beforeTransactionSelection
      if (!remote || !sync || !ends?.anchor || !ends.head || !(old.selection instanceof TextSelection)) return null
      if (!pointsIntoDeleted(ends.anchor, sync.doc) && !pointsIntoDeleted(ends.head, sync.doc)) return null
      const anchor = mapByContent(old.doc, state.doc, old.selection.anchor)
      const head = mapByContent(old.doc, state.doc, old.selection.head)
      if (anchor === null || head === null) return null
      const selection = TextSelection.between(state.doc.resolve(anchor), state.doc.resolve(head))
      return selection.eq(state.selection) ? null : state.tr.setSelection(selection)
    },
  })
}
