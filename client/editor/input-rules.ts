/**
 * Markdown-style shortcuts typed at the start of a block (`# `, `- `, `1. `, `[ ] `, `> `,
 * ```` ``` ```` (then a language's name and a space: its language), `---`) and around words (`**bold**`, `*italic*`, `` `code` ``, `~~strike~~`).
 * Backspace right after a rule fired undoes it (see keymap.ts).
 */
import { InputRule, inputRules, textblockTypeInputRule, wrappingInputRule } from 'prosemirror-inputrules'
import type { MarkType, Node as PMNode } from 'prosemirror-model'
import { TextSelection, type Plugin } from 'prosemirror-state'
import { findWrapping } from 'prosemirror-transform'
import { schema } from '../../shared/schema.js'
import { typedFenceLanguage } from './commands.js'

const { nodes, marks } = schema

/**
 * A rule that marks the text between delimiters: `pattern` must end at the cursor and capture
 * the opening delimiter in group 1, the text in group 2 (the closing one is the rest).
 */
function markRule(pattern: RegExp, type: MarkType): InputRule {
  return new InputRule(pattern, (state, match, start, end) => {
    const open = match[1]!
    const text = match[2]!
    // the match may begin with one character of context (the space before the delimiter)
    const offset = match[0].indexOf(open + text)
    const from = start + offset
    const textFrom = from + open.length
    const textTo = textFrom + text.length
    const tr = state.tr
    // `end` is the cursor: the final delimiter character is being typed and is not in the doc yet
    tr.delete(textTo, end)
    tr.delete(from, textFrom)
    tr.addMark(from, from + text.length, type.create())
    tr.removeStoredMark(type)
    return tr
  })
}

/** `[ ] ` or `[x] ` at the start of a block: a task list (a bullet list item becomes a task). */
const taskRule = new InputRule(/^\s*\[([ xX]?)\]\s$/, (state, match, start, end) => {
  const checked = match[1]!.toLowerCase() === 'x'
  const tr = state.tr.delete(start, end)
  const $start = tr.doc.resolve(start)
  // inside a bullet list item: turn that list into a task list
  const item = $start.depth >= 2 ? $start.node(-1) : null
  const list = $start.depth >= 3 ? $start.node(-2) : null
  if (item?.type === nodes.list_item && list?.type === nodes.bullet_list && $start.index(-1) === 0) {
    const listPos = $start.before(-2)
    const items: PMNode[] = []
    list.forEach((child, _offset, index) =>
      items.push(nodes.task_item!.create({ checked: index === $start.index(-2) ? checked : false }, child.content)),
    )
    tr.replaceWith(listPos, listPos + list.nodeSize, nodes.task_list!.create(null, items))
    return tr.setSelection(TextSelection.create(tr.doc, start))
  }
  const range = $start.blockRange()
  const wrapping = range && findWrapping(range, nodes.task_list!, null)
  if (!range || !wrapping) return null
  tr.wrap(range, wrapping)
  if (checked) {
    const itemPos = range.start + 1
    tr.setNodeMarkup(itemPos, null, { checked: true })
  }
  // join with a task list right above
  const before = tr.doc.resolve(range.start).nodeBefore
  if (before?.type === nodes.task_list) tr.join(range.start)
  return tr
})

/** `---`, `***` or `___` as the whole of a paragraph: a horizontal rule, then a new paragraph. */
const ruleRule = new InputRule(/^(?:---|\*\*\*|___)$/, (state, _match, start, end) => {
  const $start = state.doc.resolve(start)
  if ($start.parent.type !== nodes.paragraph || end !== $start.end()) return null
  const index = $start.index(-1)
  if (!$start.node(-1).canReplaceWith(index, index + 1, nodes.horizontal_rule!)) return null
  const blockStart = $start.before()
  const tr = state.tr.replaceWith(blockStart, $start.after(), [nodes.horizontal_rule!.create(), nodes.paragraph!.create()])
  return tr.setSelection(TextSelection.create(tr.doc, blockStart + 2))
})

/** ```js then a space: the name becomes the new code block's language (see typedFenceLanguage); Backspace brings it back. */
const fenceLanguageRule = new InputRule(/^[\w+#.-]+ $/, (state) => typedFenceLanguage(state), { inCode: 'only' })

/** Every input rule of the editor, in the order they are tried. */
export function buildInputRules(): InputRule[] {
  return [
    textblockTypeInputRule(/^(#{1,3})\s$/, nodes.heading!, (match) => ({ level: match[1]!.length })),
    wrappingInputRule(/^\s*>\s$/, nodes.blockquote!),
    taskRule,
    wrappingInputRule(/^\s*([-+*])\s$/, nodes.bullet_list!),
    wrappingInputRule(
      /^(\d+)\.\s$/,
      nodes.ordered_list!,
      (match) => ({ order: Number(match[1]) }),
      (match, node) => node.childCount + (node.attrs.order as number) === Number(match[1]),
    ),
    textblockTypeInputRule(/^```$/, nodes.code_block!),
    fenceLanguageRule,
    ruleRule,
    markRule(/(?:^|[^*\w])(\*\*)([^*\s](?:[^*]*[^*\s])?)\*\*$/, marks.bold!),
    markRule(/(?:^|[^_\w])(__)([^_\s](?:[^_]*[^_\s])?)__$/, marks.bold!),
    markRule(/(?:^|[^*\w])(\*)([^*\s](?:[^*]*[^*\s])?)\*$/, marks.italic!),
    markRule(/(?:^|[^_\w])(_)([^_\s](?:[^_]*[^_\s])?)_$/, marks.italic!),
    markRule(/(?:^|[^~\w])(~~)([^~\s](?:[^~]*[^~\s])?)~~$/, marks.strike!),
    markRule(/(?:^|[^`])(`)([^`]+)`$/, marks.code!),
  ]
}

/** The input-rules plugin. */
export function inputRulesPlugin(): Plugin {
  return inputRules({ rules: buildInputRules() })
}
