/**
 * Builders for editor unit tests: documents from nested arrays, states with a cursor or
 * selection, applying commands, and typing through the input rules with a view stand-in.
 */
import type { Node as PMNode } from 'prosemirror-model'
import { EditorState, TextSelection, type Command, type Plugin } from 'prosemirror-state'
import { schema } from '../../shared/schema.js'

type Content = PMNode | string

const text = (c: Content): PMNode => (typeof c === 'string' ? schema.text(c) : c)

/** Node builders. */
export const b = {
  doc: (...content: PMNode[]) => schema.nodes.doc!.create(null, content),
  p: (...content: Content[]) => schema.nodes.paragraph!.create(null, content.map(text)),
  h: (level: number, ...content: Content[]) => schema.nodes.heading!.create({ level }, content.map(text)),
  quote: (...content: PMNode[]) => schema.nodes.blockquote!.create(null, content),
  pre: (code: string, language: string | null = null) => schema.nodes.code_block!.create({ language }, code ? schema.text(code) : null),
  ul: (...items: PMNode[]) => schema.nodes.bullet_list!.create(null, items),
  ol: (...items: PMNode[]) => schema.nodes.ordered_list!.create(null, items),
  olFrom: (order: number, ...items: PMNode[]) => schema.nodes.ordered_list!.create({ order }, items),
  tasks: (...items: PMNode[]) => schema.nodes.task_list!.create(null, items),
  li: (...content: PMNode[]) => schema.nodes.list_item!.create(null, content),
  task: (checked: boolean, ...content: PMNode[]) => schema.nodes.task_item!.create({ checked }, content),
  hr: () => schema.nodes.horizontal_rule!.create(),
  br: () => schema.nodes.hard_break!.create(),
  marked: (value: string, ...marks: string[]) => schema.text(value, marks.map((m) => schema.marks[m]!.create())),
  link: (value: string, href: string) => schema.text(value, [schema.marks.link!.create({ href })]),
}

/**
 * A document with every node and mark of the schema, text that looks like HTML, and a link
 * whose href is not allowed (`evil`): what the file formats must carry (export, import).
 */
export function everyNodeAndMark(evilHref = 'javascript:alert(1)'): PMNode {
  return b.doc(
    b.h(2, 'Plan'),
    b.p('Some ', b.marked('bold', 'bold'), ', ', b.marked('italic', 'italic'), ', ', b.marked('gone', 'strike'), ', ', b.marked('under', 'underline'), ' and ', b.marked('x = 1', 'code'), '.'),
    b.p(b.link('site', 'https://example.com/a (b)'), ' and ', evilHref ? b.link('evil', evilHref) : 'evil'),
    b.ul(b.li(b.p('one')), b.li(b.p('two'), b.ul(b.li(b.p('nested'))))),
    b.olFrom(3, b.li(b.p('third'))),
    b.tasks(b.task(true, b.p('done')), b.task(false, b.p('open'))),
    b.quote(b.p('quoted <b>not bold</b> &amp;')),
    b.pre('let a = `x`\nlet b = ```'),
    b.pre('const c = 1', 'javascript'),
    b.hr(),
    b.p('line', b.br(), 'break'),
  )
}

/** The position right after the first occurrence of `needle` in `doc`'s text (or before, with `before`). */
export function posOf(doc: PMNode, needle: string, before = false): number {
  let found = -1
  doc.descendants((node, pos) => {
    if (found >= 0 || !node.isText) return found < 0
    const i = node.text!.indexOf(needle)
    if (i >= 0) found = pos + i + (before ? 0 : needle.length)
    return false
  })
  if (found < 0) throw new Error(`"${needle}" is not in the document`)
  return found
}

/** A state with the cursor at `anchor` (or a selection to `head`). */
export function stateOf(doc: PMNode, anchor?: number, head?: number, plugins: Plugin[] = []): EditorState {
  const state = EditorState.create({ doc, plugins })
  if (anchor === undefined) return state
  return state.apply(state.tr.setSelection(TextSelection.create(state.doc, anchor, head ?? anchor)))
}

/** Applies `command`; throws when it does not apply. */
export function run(state: EditorState, command: Command): EditorState {
  let next: EditorState | null = null
  const ok = command(state, (tr) => (next = state.apply(tr)))
  if (!ok) throw new Error('the command did not apply')
  if (next === null) throw new Error('the command applied without dispatching')
  return next
}

/**
 * Types `input` one character at a time as a browser would: each character first goes to the
 * input rules (through their handleTextInput prop with a view stand-in), else is inserted.
 */
export function type(state: EditorState, input: string): EditorState {
  let current = state
  const view = {
    get state() {
      return current
    },
    composing: false,
    dispatch: (tr: Parameters<EditorState['apply']>[0]) => {
      current = current.apply(tr)
    },
  }
  for (const ch of input) {
    const { from, to } = current.selection
    const handled = current.plugins.some((plugin) => {
      const handler = plugin.props.handleTextInput as ((v: unknown, f: number, t: number, s: string, d: () => unknown) => boolean) | undefined
      return handler?.call(plugin, view, from, to, ch, () => current.tr.insertText(ch, from, to)) ?? false
    })
    if (!handled) current = current.apply(current.tr.insertText(ch, from, to))
  }
  return current
}
