/**
 * Lines copied from inside a code block and pasted into other text come in as line breaks.
 * Such a copy is an open code block, whose text ProseMirror put into the paragraph as it was,
 * newlines and all: shown as lines (the editor keeps white space) but not line breaks, so they
 * ran together anywhere else (the HTML of a copy, an export) and the caret keys stumbled on them.
 */
import { Slice, type Node as PMNode } from 'prosemirror-model'
import { Plugin, type EditorState } from 'prosemirror-state'
import { schema } from '../../shared/schema.js'

const { nodes } = schema

/** A paragraph holding `code`'s text, its newlines as line breaks. */
function asParagraph(code: PMNode): PMNode {
  const inline: PMNode[] = []
  code.textContent.split('\n').forEach((line, i) => {
    if (i > 0) inline.push(nodes.hard_break!.create())
    if (line) inline.push(schema.text(line))
  })
  return nodes.paragraph!.create(null, inline)
}

/**
 * `slice` with an open code block at its start made a paragraph with line breaks when its text
 * joins the text of a paragraph or heading (a selection that covers the whole textblock is
 * replaced by the code block instead, as is the code block at the open end of several blocks).
 */
export function codeLinesAsBreaks(slice: Slice, state: EditorState): Slice {
  const { $from, $to } = state.selection
  const first = slice.content.firstChild
  const target = $from.parent
  if (slice.openStart === 0 || first?.type !== nodes.code_block || !target.isTextblock || target.type.spec.code) return slice
  const covered = $from.sameParent($to) && $from.parentOffset === 0 && $to.parentOffset === target.content.size
  if (covered) return slice
  return new Slice(slice.content.replaceChild(0, asParagraph(first)), slice.openStart, slice.openEnd)
}

/** Applies codeLinesAsBreaks to what is pasted. */
export function codePastePlugin(): Plugin {
  return new Plugin({ props: { transformPasted: (slice, view) => codeLinesAsBreaks(slice, view.state) } })
}
