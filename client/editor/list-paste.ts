/**
 * Lines pasted into a list or task item become items of their own, as in other editors. List
 * items hold `paragraph block*`, so ProseMirror put every pasted line into the one item the
 * caret was in: a shopping list pasted into a task became one task of many lines, one checkbox.
 */
import { Fragment, Slice, type Node as PMNode } from 'prosemirror-model'
import { Plugin, type EditorState } from 'prosemirror-state'
import { schema } from '../../shared/schema.js'

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

/** Applies pastedLinesAsItems to what is pasted. */
export function listPastePlugin(): Plugin {
  return new Plugin({ props: { transformPasted: (slice, view) => pastedLinesAsItems(slice, view.state) } })
}
