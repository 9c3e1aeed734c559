/**
 * Pasting and lists, as in other editors:
 *
 * - Lines pasted into a list or task item become items of their own. List items hold
 *   `paragraph block*`, so ProseMirror put every pasted line into the one item the caret was
 *   in: a shopping list pasted into a task became one task of many lines, one checkbox.
 * - A list pasted into the text of a paragraph stays whole, below (and above) that text.
 *   ProseMirror joined its first item to the paragraph, and the rest, no longer fitting,
 *   became loose one-item lists: the nesting was gone.
 */
import { Fragment, Slice, type Node as PMNode, type ResolvedPos } from 'prosemirror-model'
import { Plugin, type EditorState } from 'prosemirror-state'
import { isList, schema } from '../../shared/schema.js'

const { nodes } = schema

/** `slice` as items of the list the selection starts in, when it is paragraphs pasted into one; otherwise `slice`. */
export function pastedLinesAsItems(slice: Slice, state: EditorState): Slice {
  const { $from } = state.selection
  if ($from.depth < 2 || $from.parent.type !== nodes.paragraph) return slice
  const itemType = $from.node(-1).type
  if (itemType !== nodes.list_item && itemType !== nodes.task_item) return slice
  const lines: PMNode[] = []
  slice.content.forEach((node) => lines.push(node))
  if (lines.length < 2 || lines.some((node) => node.type !== nodes.paragraph)) return slice
  const attrs = itemType === nodes.task_item ? { checked: false } : null
  return new Slice(Fragment.from(lines.map((line) => itemType.create(attrs, line))), slice.openStart + 1, slice.openEnd + 1)
}

/** True when `$pos` is inside a list or task item. */
function inItem($pos: ResolvedPos): boolean {
  for (let d = $pos.depth; d > 0; d--) if ($pos.node(d).type === nodes.list_item || $pos.node(d).type === nodes.task_item) return true
  return false
}

/**
 * `slice` closed at an end that is a list of more than one line, when pasted into the text of
 * a paragraph or heading outside lists (at the start: a non-empty one; at the end: with text
 * after the selection).
 */
export function listsStayWhole(slice: Slice, state: EditorState): Slice {
  const { $from, $to } = state.selection
  const target = $from.parent
  if (!target.isTextblock || target.type.spec.code || inItem($from)) return slice
  // a word copied out of a list item comes with its list around it: text, not a list
  let textblocks = 0
  slice.content.descendants((node) => {
    if (node.isTextblock) textblocks++
    return !node.isTextblock
  })
  if (textblocks < 2) return slice
  const first = slice.content.firstChild
  const last = slice.content.lastChild
  const openStart = slice.openStart > 0 && first && isList(first) && target.content.size > 0 ? 0 : slice.openStart
  const openEnd = slice.openEnd > 0 && last && isList(last) && $to.parentOffset < $to.parent.content.size ? 0 : slice.openEnd
  return openStart === slice.openStart && openEnd === slice.openEnd ? slice : new Slice(slice.content, openStart, openEnd)
}

/** Applies pastedLinesAsItems and listsStayWhole to what is pasted. */
export function listPastePlugin(): Plugin {
  return new Plugin({ props: { transformPasted: (slice, view) => listsStayWhole(pastedLinesAsItems(slice, view.state), view.state) } })
}
