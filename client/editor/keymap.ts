/**
 * Keyboard shortcuts of the editor, as a map from key names (prosemirror-keymap syntax, `Mod` is
 * Cmd on macOS and Ctrl elsewhere) to commands. The same table feeds the toolbar's tooltips.
 */
import { chainCommands, exitCode } from 'prosemirror-commands'
import { undoInputRule } from 'prosemirror-inputrules'
import { splitListItem } from 'prosemirror-schema-list'
import type { Node as PMNode } from 'prosemirror-model'
import { EditorState, TextSelection, type Command, type Transaction } from 'prosemirror-state'
import { schema } from '../../shared/schema.js'
import {
  codeBlockToParagraph,
  indentItem,
  insertHardBreak,
  liftItem,
  outdentItem,
  setParagraph,
  setTypedFenceLanguage,
  sinkItem,
  toggleBlockquote,
  toggleBold,
  toggleCode,
  toggleCodeBlock,
  toggleHeading,
  toggleItalic,
  toggleList,
  toggleStrike,
  toggleTaskChecked,
  toggleUnderline,
} from './commands.js'

/** Commands the keymap needs from outside: history lives in the y-prosemirror undo plugin. */
export interface KeymapOptions {
  readonly undo?: Command
  readonly redo?: Command
  /** Mod-K: open the link editor. */
  readonly editLink?: Command
}

/** Shortcut labels for tooltips, by action. */
export const SHORTCUTS = {
  bold: 'Mod-b',
  italic: 'Mod-i',
  underline: 'Mod-u',
  strike: 'Mod-Shift-s',
  code: 'Mod-e',
  link: 'Mod-k',
  undo: 'Mod-z',
  redo: 'Shift-Mod-z',
  paragraph: 'Mod-Alt-0',
  heading1: 'Mod-Alt-1',
  heading2: 'Mod-Alt-2',
  heading3: 'Mod-Alt-3',
  orderedList: 'Mod-Shift-7',
  bulletList: 'Mod-Shift-8',
  taskList: 'Mod-Shift-9',
  blockquote: 'Mod-Shift-b',
  codeBlock: 'Mod-Alt-c',
} as const

/** A shortcut as people read it: `Ctrl+Shift+Z`, or `⌘⇧Z` on macOS. */
export function shortcutLabel(key: string, mac: boolean): string {
  const parts = key.split('-')
  const last = parts.pop()!.toUpperCase()
  const names: Record<string, [string, string]> = {
    Mod: ['Ctrl', '⌘'],
    Shift: ['Shift', '⇧'],
    Alt: ['Alt', '⌥'],
    Ctrl: ['Ctrl', '⌃'],
  }
  const mods = parts.map((p) => names[p]?.[mac ? 1 : 0] ?? p)
  return mac ? [...mods, last].join('') : [...mods, last].join('+')
}

const { nodes } = schema

const splitAnyItem: Command = chainCommands(splitListItem(nodes.list_item!), splitListItem(nodes.task_item!, { checked: false }))

/**
 * Enter over a selection from one item into another: deletes it and splits the item there, the
 * second part keeping the checked state of the task the selection ended in. splitListItem alone
 * declines across blocks, and the plain Enter then split the paragraph inside the joined item.
 */
function splitAcross(state: EditorState, dispatch?: (tr: Transaction) => void): boolean {
  const { $to } = state.selection
  let endTask: PMNode | null = null
  for (let d = $to.depth; d > 0 && !endTask; d--) if ($to.node(d).type === nodes.task_item) endTask = $to.node(d)
  const tr = state.tr.deleteSelection()
  // a bare state on the document after the delete: splitListItem needs no plugins
  const deleted = EditorState.create({ doc: tr.doc, selection: tr.selection })
  let split: Transaction | null = null
  if (!splitAnyItem(deleted, (t) => (split = t))) return false
  const done: Transaction = split!
  for (const step of done.steps) tr.step(step)
  tr.setSelection(TextSelection.create(tr.doc, done.selection.anchor))
  const $after = tr.selection.$from
  if (endTask && $after.depth >= 2 && $after.node(-1).type === nodes.task_item) {
    tr.setNodeMarkup($after.before(-1), null, { ...$after.node(-1).attrs, checked: endTask.attrs.checked === true })
  }
  if (dispatch) dispatch(tr.scrollIntoView())
  return true
}

/**
 * Splits a list or task item on Enter, also over a selection into the next item (splitAcross).
 * A new task starts unchecked: after the item (Enter at its end) and before it (Enter at the
 * start of a done task), where the item keeps its state.
 */
export const splitItem: Command = (state, dispatch) => {
  const { $from, $to, empty } = state.selection
  if (!empty && !$from.sameParent($to)) return splitAcross(state, dispatch)
  // splitListItem gives its attributes only to an item after the cursor: at the start, the
  // empty item above was a copy of a done task, checked
  const atTaskStart = empty && $from.parentOffset === 0 && $from.parent.content.size > 0 && $from.depth >= 2 && $from.index(-1) === 0 && $from.node(-1).type === nodes.task_item
  if (!atTaskStart || !dispatch) return splitAnyItem(state, dispatch)
  const itemPos = $from.before(-1)
  return splitAnyItem(state, (tr) => {
    const above = tr.doc.nodeAt(itemPos)
    if (above?.type === nodes.task_item && above.attrs.checked === true && above.textContent === '') tr.setNodeMarkup(itemPos, null, { ...above.attrs, checked: false })
    dispatch(tr)
  })
}

/**
 * The editor's key bindings; install before prosemirror-commands' baseKeymap. Letters are bound
 * lower-case only: prosemirror-keymap falls back from Shift and Caps Lock variants by itself,
 * and an upper-case `Mod-Z` would make Shift-Mod-Z undo when there is nothing to redo.
 */
export function buildKeymap(options: KeymapOptions = {}): Record<string, Command> {
  const keys: Record<string, Command> = {
    [SHORTCUTS.bold]: toggleBold,
    [SHORTCUTS.italic]: toggleItalic,
    [SHORTCUTS.underline]: toggleUnderline,
    [SHORTCUTS.strike]: toggleStrike,
    'Mod-Shift-x': toggleStrike,
    [SHORTCUTS.code]: toggleCode,
    [SHORTCUTS.paragraph]: setParagraph,
    [SHORTCUTS.heading1]: toggleHeading(1),
    [SHORTCUTS.heading2]: toggleHeading(2),
    [SHORTCUTS.heading3]: toggleHeading(3),
    [SHORTCUTS.orderedList]: toggleList(nodes.ordered_list!),
    [SHORTCUTS.bulletList]: toggleList(nodes.bullet_list!),
    [SHORTCUTS.taskList]: toggleList(nodes.task_list!),
    [SHORTCUTS.blockquote]: toggleBlockquote,
    [SHORTCUTS.codeBlock]: toggleCodeBlock,
    Enter: chainCommands(setTypedFenceLanguage, splitItem),
    'Shift-Enter': insertHardBreak,
    'Mod-Enter': chainCommands(toggleTaskChecked, exitCode),
    Tab: indentItem,
    'Shift-Tab': outdentItem,
    'Mod-]': sinkItem,
    'Mod-[': liftItem,
    Backspace: chainCommands(undoInputRule, codeBlockToParagraph),
  }
  if (options.undo) {
    keys[SHORTCUTS.undo] = options.undo
  }
  if (options.redo) {
    keys[SHORTCUTS.redo] = options.redo
    keys['Mod-y'] = options.redo
  }
  if (options.editLink) {
    keys[SHORTCUTS.link] = options.editLink
  }
  return keys
}
