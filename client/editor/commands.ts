/**
 * Editing commands of the Tandem editor. Each is a ProseMirror command `(state, dispatch?) =>
 * boolean`: called without `dispatch` it only says whether it applies (the toolbar uses that for
 * enabled states), so all of it runs on a bare EditorState without a DOM.
 */
import { lift, setBlockType, toggleMark, wrapIn } from 'prosemirror-commands'
import type { MarkType, Node as PMNode, NodeType, ResolvedPos } from 'prosemirror-model'
import { liftListItem, sinkListItem, wrapInList } from 'prosemirror-schema-list'
import { Selection, TextSelection, type Command, type EditorState, type Transaction } from 'prosemirror-state'
import { CODE_LANGUAGES, cleanLanguage } from '../../shared/code-language.js'
import { LIST_ITEM_OF, normalizeLinkInput, schema } from '../../shared/schema.js'

const { nodes, marks } = schema

/** Toggles bold on the selection (or the stored marks at a cursor). */
export const toggleBold: Command = toggleMark(marks.bold!)
/** Toggles italic. */
export const toggleItalic: Command = toggleMark(marks.italic!)
/** Toggles underline. */
export const toggleUnderline: Command = toggleMark(marks.underline!)
/** Toggles strikethrough. */
export const toggleStrike: Command = toggleMark(marks.strike!)
/** Toggles inline code. */
export const toggleCode: Command = toggleMark(marks.code!)

/** True when `type` is active: on the whole selection, or in the stored marks at a cursor. */
export function markActive(state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection
  if (empty) return !!type.isInSet(state.storedMarks ?? $from.marks())
  return state.doc.rangeHasMark(from, to, type)
}

/** True when the selection's textblock is of `type` (and has `attrs`, when given). */
export function blockActive(state: EditorState, type: NodeType, attrs: Record<string, unknown> = {}): boolean {
  const { $from, to } = state.selection
  if (to > $from.end()) return false
  const parent = $from.parent
  return parent.type === type && Object.entries(attrs).every(([k, v]) => parent.attrs[k] === v)
}

/** Depth of the innermost ancestor of `$pos` that matches, or -1. */
function ancestorDepth($pos: ResolvedPos, match: (node: PMNode) => boolean): number {
  for (let d = $pos.depth; d > 0; d--) if (match($pos.node(d))) return d
  return -1
}

/** The innermost list around the selection: its node, position and depth; null outside lists. */
export function currentList(state: EditorState): { node: PMNode; pos: number; depth: number } | null {
  const { $from } = state.selection
  const depth = ancestorDepth($from, (n) => LIST_ITEM_OF.has(n.type.name))
  if (depth < 0) return null
  return { node: $from.node(depth), pos: $from.before(depth), depth }
}

/** True when the innermost list around the selection is of `type`. */
export function listActive(state: EditorState, type: NodeType): boolean {
  return currentList(state)?.node.type === type
}

/** True when the selection is inside a blockquote. */
export function inBlockquote(state: EditorState): boolean {
  return ancestorDepth(state.selection.$from, (n) => n.type === nodes.blockquote) >= 0
}

/** Makes the selected textblocks paragraphs. */
export const setParagraph: Command = setBlockType(nodes.paragraph!)

/** Makes the selected textblocks headings of `level`, or paragraphs again when they already are. */
export function toggleHeading(level: 1 | 2 | 3): Command {
  return (state, dispatch) => {
    if (blockActive(state, nodes.heading!, { level })) return setParagraph(state, dispatch)
    return setBlockType(nodes.heading!, { level })(state, dispatch)
  }
}

/** Makes the selected textblocks a code block, or paragraphs again when they already are one. */
export const toggleCodeBlock: Command = (state, dispatch) => {
  if (blockActive(state, nodes.code_block!)) return setParagraph(state, dispatch)
  return setBlockType(nodes.code_block!)(state, dispatch)
}

/**
 * Backspace at the start of a code block: makes it a paragraph, its lines line breaks. Joining it
 * to the block above instead (ProseMirror's default) put code into that paragraph or list item.
 */
export const codeBlockToParagraph: Command = (state, dispatch) => {
  const $cursor = state.selection instanceof TextSelection ? state.selection.$cursor : null
  if (!$cursor || $cursor.parentOffset > 0 || $cursor.parent.type !== nodes.code_block) return false
  return setParagraph(state, dispatch)
}

/** Wraps the selected blocks in a blockquote, or lifts them out of the one they are in. */
export const toggleBlockquote: Command = (state, dispatch) => {
  if (inBlockquote(state)) return lift(state, dispatch)
  return wrapIn(nodes.blockquote!)(state, dispatch)
}

/** Restores `state`'s selection in `tr` when the document shape around it did not change. */
function keepSelection(tr: Transaction, state: EditorState): Transaction {
  const sel = state.selection
  if (sel instanceof TextSelection) return tr.setSelection(TextSelection.create(tr.doc, sel.anchor, sel.head))
  return tr.setSelection(Selection.near(tr.doc.resolve(Math.min(sel.from, tr.doc.content.size))))
}

/** The list `node` turned into `type`, its items converted (task items keep their checked state). */
function convertList(node: PMNode, type: NodeType): PMNode {
  const itemType = schema.nodes[LIST_ITEM_OF.get(type.name)!]!
  const items: PMNode[] = []
  node.forEach((item) => {
    const attrs = itemType === nodes.task_item ? { checked: item.attrs.checked === true } : null
    items.push(itemType.create(attrs, item.content, item.marks))
  })
  return type.create(null, items)
}

/**
 * The toolbar's list buttons: outside a list, wraps the selection in a `type` list; in a list of
 * `type`, lifts the selected items out; in another kind of list, turns that list into `type`.
 */
export function toggleList(type: NodeType): Command {
  const itemType = schema.nodes[LIST_ITEM_OF.get(type.name)!]!
  return (state, dispatch) => {
    const list = currentList(state)
    const { $to } = state.selection
    const sameList = list !== null && $to.depth >= list.depth && $to.before(list.depth) === list.pos
    if (list && sameList && list.node.type === type) return liftListItem(itemType)(state, dispatch)
    if (list && sameList) {
      if (dispatch) {
        const tr = state.tr.replaceWith(list.pos, list.pos + list.node.nodeSize, convertList(list.node, type))
        dispatch(keepSelection(tr, state).scrollIntoView())
      }
      return true
    }
    return wrapInList(type)(state, dispatch)
  }
}

/** Indents the selected list items (into the item above). */
export const sinkItem: Command = (state, dispatch) => sinkListItem(nodes.list_item!)(state, dispatch) || sinkListItem(nodes.task_item!)(state, dispatch)

/** Outdents the selected list items. */
export const liftItem: Command = (state, dispatch) => liftListItem(nodes.list_item!)(state, dispatch) || liftListItem(nodes.task_item!)(state, dispatch)

/**
 * Tab: indents the selected list items. In a list item that cannot be indented (the first of its
 * list) it does nothing but still takes the key, so the focus stays in the editor.
 */
export const indentItem: Command = (state, dispatch) => sinkItem(state, dispatch) || currentList(state) !== null

/** Shift-Tab: outdents the selected list items; inside a list it always takes the key (see indentItem). */
export const outdentItem: Command = (state, dispatch) => liftItem(state, dispatch) || currentList(state) !== null

/** Flips the checked state of the task item around the cursor. */
export const toggleTaskChecked: Command = (state, dispatch) => {
  const { $from } = state.selection
  const depth = ancestorDepth($from, (n) => n.type === nodes.task_item)
  if (depth < 0) return false
  if (dispatch) {
    const item = $from.node(depth)
    dispatch(state.tr.setNodeMarkup($from.before(depth), null, { ...item.attrs, checked: item.attrs.checked !== true }))
  }
  return true
}

/** Sets the checked state of the task item at `pos` (used by the checkbox of a task item). */
export function setTaskChecked(pos: number, checked: boolean): Command {
  return (state, dispatch) => {
    const node = state.doc.nodeAt(pos)
    if (!node || node.type !== nodes.task_item) return false
    if (dispatch) dispatch(state.tr.setNodeMarkup(pos, null, { ...node.attrs, checked }))
    return true
  }
}

/** Sets the language of the code block at `pos` (null: plain text); used by the block's language picker. */
export function setCodeLanguage(pos: number, language: string | null): Command {
  return (state, dispatch) => {
    const node = state.doc.nodeAt(pos)
    if (!node || node.type !== nodes.code_block) return false
    if (dispatch) dispatch(state.tr.setNodeMarkup(pos, null, { ...node.attrs, language: cleanLanguage(language) }))
    return true
  }
}

/**
 * The language typed as the whole text of a code block without one, the caret at its end (`js`
 * right after ``` made the block, as a Markdown fence names it), made the block's language: the
 * transaction, or null when there is none. Only the languages offered (and their aliases), so
 * code that merely starts with a word stays code.
 */
export function typedFenceLanguage(state: EditorState): Transaction | null {
  const { $from, empty } = state.selection
  const block = $from.parent
  if (!empty || block.type !== nodes.code_block || block.attrs.language !== null || $from.parentOffset !== block.content.size) return null
  const language = cleanLanguage(block.textContent)
  if (!language || !CODE_LANGUAGES.some((l) => l.id === language)) return null
  return state.tr.delete($from.start(), $from.end()).setNodeMarkup($from.before(), null, { ...block.attrs, language })
}

/** Enter after ```js: the typed name becomes the code block's language (see typedFenceLanguage); Ctrl+Z brings it back. */
export const setTypedFenceLanguage: Command = (state, dispatch) => {
  const tr = typedFenceLanguage(state)
  if (!tr) return false
  if (dispatch) dispatch(tr)
  return true
}

/** Inserts a horizontal rule after the selected block and puts the cursor after it. */
export const insertHorizontalRule: Command = (state, dispatch) => {
  const hr = nodes.horizontal_rule!
  const { $from } = state.selection
  if (!$from.parent.isTextblock || $from.parent.type.spec.code) return false
  let found = false
  for (let d = $from.depth; d >= 0 && !found; d--) {
    const index = $from.index(d)
    if ($from.node(d).canReplaceWith(index, index, hr)) found = true
  }
  if (!found) return false
  if (dispatch) {
    const tr = state.tr.replaceSelectionWith(hr.create())
    dispatch(tr.scrollIntoView())
  }
  return true
}

/** Inserts a line break inside the current block (Shift-Enter). */
export const insertHardBreak: Command = (state, dispatch) => {
  const br = nodes.hard_break!
  const { $from } = state.selection
  if (!$from.parent.inlineContent || !$from.parent.type.contentMatch.matchType(br)) {
    if (!$from.parent.type.spec.code) return false
    if (dispatch) dispatch(state.tr.insertText('\n').scrollIntoView())
    return true
  }
  if (dispatch) dispatch(state.tr.replaceSelectionWith(br.create()).scrollIntoView())
  return true
}

/** The link at the cursor (either side of it) or at the selection start: its href and extent. */
export function linkAt(state: EditorState): { href: string; from: number; to: number } | null {
  const type = marks.link!
  const { $from, empty } = state.selection
  const around = empty ? [...($from.nodeBefore?.marks ?? []), ...($from.nodeAfter?.marks ?? [])] : [...($from.nodeAfter?.marks ?? [])]
  const mark = type.isInSet(around)
  if (!mark) return null
  // the contiguous run of inline nodes in this textblock carrying this very mark
  const runs: Array<{ from: number; to: number }> = []
  let pos = $from.start()
  $from.parent.forEach((child) => {
    const from = pos
    pos += child.nodeSize
    if (!mark.isInSet(child.marks)) return
    const last = runs[runs.length - 1]
    if (last && last.to === from) last.to = pos
    else runs.push({ from, to: pos })
  })
  const run = runs.find((r) => r.from <= $from.pos && $from.pos <= r.to)
  return run ? { href: mark.attrs.href as string, ...run } : null
}

/**
 * Links the selection to `input` (normalised: `example.com` becomes https://example.com; only
 * http, https and mailto are accepted). With a cursor inside a link, changes that link; with a
 * bare cursor, inserts the URL as linked text. Returns false for an unacceptable URL.
 */
export function setLink(input: string): Command {
  return (state, dispatch) => {
    const href = normalizeLinkInput(input)
    if (href === null) return false
    const type = marks.link!
    const { from, to, empty, $from } = state.selection
    if ($from.parent.type.spec.code) return false
    if (dispatch) {
      const tr = state.tr
      if (!empty) {
        tr.removeMark(from, to, type).addMark(from, to, type.create({ href }))
      } else {
        const existing = linkAt(state)
        if (existing) {
          tr.removeMark(existing.from, existing.to, type).addMark(existing.from, existing.to, type.create({ href }))
        } else {
          const text = href.replace(/^mailto:/, '')
          tr.insert(from, schema.text(text, [...$from.marks(), type.create({ href })]))
          tr.setSelection(TextSelection.create(tr.doc, from + text.length))
          tr.setStoredMarks($from.marks())
        }
      }
      dispatch(tr.scrollIntoView())
    }
    return true
  }
}

/** Removes the link from the selection, or the whole link around a cursor. */
export const removeLink: Command = (state, dispatch) => {
  const type = marks.link!
  const { from, to, empty } = state.selection
  const range = empty ? linkAt(state) : state.doc.rangeHasMark(from, to, type) ? { from, to } : null
  if (!range) return false
  if (dispatch) dispatch(state.tr.removeMark(range.from, range.to, type))
  return true
}

/** What the toolbar shows: which formats are active and which commands apply here. */
export interface FormatState {
  readonly bold: boolean
  readonly italic: boolean
  readonly underline: boolean
  readonly strike: boolean
  readonly code: boolean
  readonly link: boolean
  /** 0 for a paragraph, 1-3 for headings, -1 for anything else (code block, mixed). */
  readonly heading: number
  readonly codeBlock: boolean
  readonly blockquote: boolean
  readonly bulletList: boolean
  readonly orderedList: boolean
  readonly taskList: boolean
  /** True where marks can be applied (not inside a code block). */
  readonly canFormat: boolean
}

/** The toolbar state for `state`. */
export function formatState(state: EditorState): FormatState {
  const parent = state.selection.$from.parent
  const heading = blockActive(state, nodes.heading!) ? (parent.attrs.level as number) : blockActive(state, nodes.paragraph!) ? 0 : -1
  return {
    bold: markActive(state, marks.bold!),
    italic: markActive(state, marks.italic!),
    underline: markActive(state, marks.underline!),
    strike: markActive(state, marks.strike!),
    code: markActive(state, marks.code!),
    link: markActive(state, marks.link!),
    heading,
    codeBlock: blockActive(state, nodes.code_block!),
    blockquote: inBlockquote(state),
    bulletList: listActive(state, nodes.bullet_list!),
    orderedList: listActive(state, nodes.ordered_list!),
    taskList: listActive(state, nodes.task_list!),
    canFormat: toggleBold(state),
  }
}
