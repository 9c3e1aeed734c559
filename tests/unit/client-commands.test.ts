/**
 * Editor commands on bare EditorStates (no DOM): marks, headings, lists of three kinds and their
 * conversions, quotes, code blocks, rules, hard breaks, task checking, links (only http, https
 * and mailto), the toolbar's format state, and the keymap's bindings.
 */
import { describe, expect, it } from 'vitest'
import { joinForward } from 'prosemirror-commands'
import { NodeSelection } from 'prosemirror-state'
import { schema } from '../../shared/schema.js'
import {
  codeBlockToParagraph,
  formatState,
  indentItem,
  insertHardBreak,
  insertHorizontalRule,
  linkAt,
  liftItem,
  outdentItem,
  removeLink,
  setLink,
  setCodeLanguage,
  setTaskChecked,
  sinkItem,
  toggleBlockquote,
  toggleBold,
  toggleCodeBlock,
  toggleHeading,
  toggleItalic,
  toggleList,
  toggleTaskChecked,
  toggleUnderline,
} from '../../client/editor/commands.js'
import { buildKeymap, shortcutLabel, splitItem } from '../../client/editor/keymap.js'
import { b, posOf, run, stateOf } from './client-editor-helpers.js'

const { nodes } = schema

describe('marks', () => {
  it('toggles bold, italic and underline on a selection and reports them active', () => {
    const doc = b.doc(b.p('hello world'))
    let state = stateOf(doc, posOf(doc, 'hello', true), posOf(doc, 'hello'))
    state = run(state, toggleBold)
    state = run(state, toggleItalic)
    state = run(state, toggleUnderline)
    expect(state.doc.eq(b.doc(b.p(b.marked('hello', 'bold', 'italic', 'underline'), ' world')))).toBe(true)
    const f = formatState(state)
    expect([f.bold, f.italic, f.underline, f.strike, f.code]).toEqual([true, true, true, false, false])
    state = run(state, toggleBold)
    expect(formatState(state).bold).toBe(false)
  })

  it('stores a mark at a cursor so the next typed text gets it', () => {
    const doc = b.doc(b.p('ab'))
    let state = run(stateOf(doc, posOf(doc, 'a')), toggleBold)
    expect(formatState(state).bold).toBe(true)
    state = state.apply(state.tr.insertText('X'))
    expect(state.doc.eq(b.doc(b.p('a', b.marked('X', 'bold'), 'b')))).toBe(true)
  })

  it('cannot format inside a code block', () => {
    const doc = b.doc(b.pre('code'))
    const state = stateOf(doc, 2, 4)
    expect(toggleBold(state)).toBe(false)
    expect(formatState(state).canFormat).toBe(false)
    expect(setLink('https://example.com')(state)).toBe(false)
  })
})

describe('blocks', () => {
  it('toggles headings 1 to 3 and back to a paragraph', () => {
    const doc = b.doc(b.p('Title'))
    let state = run(stateOf(doc, 3), toggleHeading(2))
    expect(state.doc.eq(b.doc(b.h(2, 'Title')))).toBe(true)
    expect(formatState(state).heading).toBe(2)
    state = run(state, toggleHeading(1))
    expect(state.doc.firstChild!.attrs.level).toBe(1)
    state = run(state, toggleHeading(1))
    expect(state.doc.eq(b.doc(b.p('Title')))).toBe(true)
    expect(formatState(state).heading).toBe(0)
  })

  it('toggles code blocks and blockquotes', () => {
    const doc = b.doc(b.p('x = 1'))
    let state = run(stateOf(doc, 2), toggleCodeBlock)
    expect(state.doc.eq(b.doc(b.pre('x = 1')))).toBe(true)
    expect(formatState(state).codeBlock).toBe(true)
    state = run(state, toggleCodeBlock)
    state = run(state, toggleBlockquote)
    expect(state.doc.eq(b.doc(b.quote(b.p('x = 1'))))).toBe(true)
    expect(formatState(state).blockquote).toBe(true)
    state = run(state, toggleBlockquote)
    expect(state.doc.eq(b.doc(b.p('x = 1')))).toBe(true)
  })

  it('keeps the lines of a code block as line breaks when it becomes a paragraph or joins one, and back', () => {
    const doc = b.doc(b.p('x'), b.pre('one\ntwo'))
    let state = run(stateOf(doc, posOf(doc, 'one')), toggleCodeBlock)
    expect(state.doc.eq(b.doc(b.p('x'), b.p('one', b.br(), 'two')))).toBe(true)
    state = run(state, toggleCodeBlock)
    expect(state.doc.eq(doc)).toBe(true)
    // joined to the paragraph above (Delete at the end of "x"): the lines stay lines
    state = run(stateOf(doc, posOf(doc, 'x')), joinForward)
    expect(state.doc.eq(b.doc(b.p('xone', b.br(), 'two')))).toBe(true)
  })

  it('turns a code block into a paragraph on Backspace at its start, not into the block above', () => {
    const doc = b.doc(b.ul(b.li(b.p('x'))), b.pre('one\ntwo'))
    const state = run(stateOf(doc, posOf(doc, 'one', true)), codeBlockToParagraph)
    expect(state.doc.eq(b.doc(b.ul(b.li(b.p('x'))), b.p('one', b.br(), 'two')))).toBe(true)
    // anywhere else in the block, or outside code, Backspace deletes as usual
    expect(codeBlockToParagraph(stateOf(doc, posOf(doc, 'one')))).toBe(false)
    expect(codeBlockToParagraph(stateOf(doc, posOf(doc, 'x', true)))).toBe(false)
    expect(buildKeymap().Backspace!(stateOf(doc, posOf(doc, 'one', true)))).toBe(true)
  })

  it('inserts a horizontal rule and hard breaks', () => {
    const doc = b.doc(b.p('ab'))
    let state = run(stateOf(doc, posOf(doc, 'a')), insertHardBreak)
    expect(state.doc.eq(b.doc(b.p('a', b.br(), 'b')))).toBe(true)
    state = run(stateOf(doc, posOf(doc, 'ab')), insertHorizontalRule)
    expect(state.doc.child(1).type).toBe(nodes.horizontal_rule)
    // in a code block, Shift-Enter is a newline character
    const code = b.doc(b.pre('ab'))
    state = run(stateOf(code, 2), insertHardBreak)
    expect(state.doc.textContent).toBe('a\nb')
  })
})

describe('lists', () => {
  it('wraps in each kind of list, lifts out of the same kind, converts between kinds', () => {
    const doc = b.doc(b.p('one'), b.p('two'))
    let state = stateOf(doc, posOf(doc, 'one', true), posOf(doc, 'two'))
    state = run(state, toggleList(nodes.bullet_list!))
    expect(state.doc.eq(b.doc(b.ul(b.li(b.p('one')), b.li(b.p('two')))))).toBe(true)
    expect(formatState(state).bulletList).toBe(true)

    state = run(state, toggleList(nodes.ordered_list!))
    expect(state.doc.eq(b.doc(b.ol(b.li(b.p('one')), b.li(b.p('two')))))).toBe(true)
    expect(formatState(state).orderedList).toBe(true)
    // the selection survives the conversion
    expect(state.doc.textBetween(state.selection.from, state.selection.to, '|')).toBe('one|two')

    state = run(state, toggleList(nodes.task_list!))
    expect(state.doc.eq(b.doc(b.tasks(b.task(false, b.p('one')), b.task(false, b.p('two')))))).toBe(true)
    expect(formatState(state).taskList).toBe(true)

    state = run(state, toggleList(nodes.task_list!))
    expect(state.doc.eq(b.doc(b.p('one'), b.p('two')))).toBe(true)
  })

  it('nests with Tab and un-nests with Shift-Tab, in plain and task lists', () => {
    const doc = b.doc(b.ul(b.li(b.p('a')), b.li(b.p('b'))))
    let state = run(stateOf(doc, posOf(doc, 'b')), sinkItem)
    expect(state.doc.eq(b.doc(b.ul(b.li(b.p('a'), b.ul(b.li(b.p('b')))))))).toBe(true)
    state = run(state, liftItem)
    expect(state.doc.eq(doc)).toBe(true)

    const tasks = b.doc(b.tasks(b.task(false, b.p('a')), b.task(true, b.p('b'))))
    state = run(stateOf(tasks, posOf(tasks, 'b')), sinkItem)
    expect(state.doc.eq(b.doc(b.tasks(b.task(false, b.p('a'), b.tasks(b.task(true, b.p('b')))))))).toBe(true)
    // outside a list Tab does nothing (focus may leave the editor)
    expect(sinkItem(stateOf(b.doc(b.p('x')), 1))).toBe(false)
  })

  it('takes Tab and Shift-Tab in any list item, even one that cannot be indented, and leaves them outside lists', () => {
    // the first item of a list cannot be indented: the key is taken, the document stays as it was
    for (const doc of [b.doc(b.ul(b.li(b.p('a')), b.li(b.p('b')))), b.doc(b.tasks(b.task(false, b.p('a'))))]) {
      const state = stateOf(doc, posOf(doc, 'a'))
      expect(sinkItem(state)).toBe(false)
      let dispatched = false
      expect(indentItem(state, () => (dispatched = true))).toBe(true)
      expect(dispatched).toBe(false)
    }
    const doc = b.doc(b.ul(b.li(b.p('a')), b.li(b.p('b'))))
    expect(run(stateOf(doc, posOf(doc, 'b')), indentItem).doc.eq(b.doc(b.ul(b.li(b.p('a'), b.ul(b.li(b.p('b')))))))).toBe(true)
    expect(run(stateOf(doc, posOf(doc, 'b')), outdentItem).doc.eq(b.doc(b.ul(b.li(b.p('a'))), b.p('b')))).toBe(true)
    // outside a list the keys go to the browser (Tab moves the focus on)
    expect(indentItem(stateOf(b.doc(b.p('x')), 1))).toBe(false)
    expect(outdentItem(stateOf(b.doc(b.p('x')), 1))).toBe(false)
    expect(buildKeymap().Tab).toBe(indentItem)
    expect(buildKeymap()['Shift-Tab']).toBe(outdentItem)
  })

  it('splits items on Enter; a new task starts unchecked', () => {
    const doc = b.doc(b.tasks(b.task(true, b.p('done'))))
    const state = run(stateOf(doc, posOf(doc, 'done')), splitItem)
    expect(state.doc.eq(b.doc(b.tasks(b.task(true, b.p('done')), b.task(false, b.p()))))).toBe(true)
  })

  it('splits on Enter over a selection from one item into the next, each part keeping its task state', () => {
    const doc = b.doc(b.tasks(b.task(true, b.p('one')), b.task(false, b.p('two'))))
    const state = run(stateOf(doc, posOf(doc, 'o'), posOf(doc, 't')), splitItem)
    expect(state.doc.eq(b.doc(b.tasks(b.task(true, b.p('o')), b.task(false, b.p('wo')))))).toBe(true)
    expect(state.selection.$from.parent.textContent).toBe('wo')
    const list = b.doc(b.ul(b.li(b.p('one')), b.li(b.p('two'))), b.p('after'))
    expect(run(stateOf(list, posOf(list, 'o'), posOf(list, 't')), splitItem).doc.eq(b.doc(b.ul(b.li(b.p('o')), b.li(b.p('wo'))), b.p('after')))).toBe(true)
    // outside lists it declines: the plain Enter deletes and splits the paragraph
    const plain = b.doc(b.p('one'), b.p('two'))
    expect(splitItem(stateOf(plain, posOf(plain, 'o'), posOf(plain, 't')))).toBe(false)
  })

  it('puts an open task above a done one on Enter at its start; the done task stays done', () => {
    const doc = b.doc(b.tasks(b.task(true, b.p('done'))))
    let state = run(stateOf(doc, posOf(doc, 'done', true)), splitItem)
    expect(state.doc.eq(b.doc(b.tasks(b.task(false, b.p()), b.task(true, b.p('done')))))).toBe(true)
    expect(state.selection.$from.parent.textContent).toBe('done')
    // split in the middle, both halves were done
    state = run(stateOf(doc, posOf(doc, 'do')), splitItem)
    expect(state.doc.eq(b.doc(b.tasks(b.task(true, b.p('do')), b.task(true, b.p('ne')))))).toBe(true)
  })

  it('checks and unchecks tasks', () => {
    const doc = b.doc(b.tasks(b.task(false, b.p('todo'))))
    let state = run(stateOf(doc, posOf(doc, 'todo')), toggleTaskChecked)
    expect(state.doc.firstChild!.firstChild!.attrs.checked).toBe(true)
    state = run(state, setTaskChecked(1, false))
    expect(state.doc.firstChild!.firstChild!.attrs.checked).toBe(false)
    expect(toggleTaskChecked(stateOf(b.doc(b.p('x')), 1))).toBe(false)
    expect(setTaskChecked(0, true)(state)).toBe(false)
  })

  it("sets a code block's language (an alias named, junk refused as plain text) and nothing else", () => {
    const doc = b.doc(b.p('x'), b.pre('let a'))
    const at = doc.firstChild!.nodeSize
    let state = run(stateOf(doc, 1), setCodeLanguage(at, 'ts'))
    expect(state.doc.eq(b.doc(b.p('x'), b.pre('let a', 'typescript')))).toBe(true)
    state = run(state, setCodeLanguage(at, 'a b <c>'))
    expect(state.doc.eq(doc)).toBe(true)
    expect(setCodeLanguage(0, 'go')(state)).toBe(false)
  })
})

describe('links', () => {
  it('links a selection, normalising what was typed', () => {
    const doc = b.doc(b.p('see docs here'))
    let state = stateOf(doc, posOf(doc, 'docs', true), posOf(doc, 'docs'))
    state = run(state, setLink('example.com/docs'))
    expect(state.doc.eq(b.doc(b.p('see ', b.link('docs', 'https://example.com/docs'), ' here')))).toBe(true)
    expect(formatState(state).link).toBe(true)
  })

  it('refuses other schemes', () => {
    const doc = b.doc(b.p('click'))
    const state = stateOf(doc, 1, 6)
    expect(setLink('javascript:alert(1)')(state)).toBe(false)
    expect(setLink('data:text/html,hi')(state, () => expect.unreachable())).toBe(false)
  })

  it('edits and removes the whole link around a cursor', () => {
    const doc = b.doc(b.p('a ', b.link('link', 'https://old.example'), ' b'))
    const cursor = posOf(doc, 'li')
    expect(linkAt(stateOf(doc, cursor))).toEqual({ href: 'https://old.example', from: 3, to: 7 })
    let state = run(stateOf(doc, cursor), setLink('https://new.example'))
    expect(state.doc.eq(b.doc(b.p('a ', b.link('link', 'https://new.example'), ' b')))).toBe(true)
    state = run(state, removeLink)
    expect(state.doc.eq(b.doc(b.p('a link b')))).toBe(true)
    expect(removeLink(state)).toBe(false)
  })

  it('inserts the address as linked text at a bare cursor', () => {
    const doc = b.doc(b.p('mail '))
    const state = run(stateOf(doc, posOf(doc, 'mail ')), setLink('someone@example.com'))
    expect(state.doc.eq(b.doc(b.p('mail ', b.link('someone@example.com', 'mailto:someone@example.com'))))).toBe(true)
    // the cursor is after the link and typing goes on unlinked
    const typed = state.apply(state.tr.insertText('!'))
    expect(typed.doc.lastChild!.lastChild!.text).toBe('!')
    expect(typed.doc.lastChild!.lastChild!.marks).toEqual([])
  })
})

describe('keymap', () => {
  it('binds the shortcuts of the issue', () => {
    const undo = () => true
    const redo = () => true
    const editLink = () => true
    const keys = buildKeymap({ undo, redo, editLink })
    expect(keys['Mod-b']).toBe(toggleBold)
    expect(keys['Mod-i']).toBe(toggleItalic)
    expect(keys['Mod-u']).toBe(toggleUnderline)
    expect(keys['Mod-z']).toBe(undo)
    expect(keys['Shift-Mod-z']).toBe(redo)
    expect(keys['Mod-y']).toBe(redo)
    expect(keys['Mod-k']).toBe(editLink)
    // no upper-case letters: Shift-Mod-Z must never fall back to undo
    expect(Object.keys(keys).filter((k) => /-[A-Z]$/.test(k))).toEqual([])
  })

  it('labels shortcuts for each platform', () => {
    expect(shortcutLabel('Shift-Mod-z', false)).toBe('Shift+Ctrl+Z')
    expect(shortcutLabel('Mod-b', true)).toBe('⌘B')
    expect(shortcutLabel('Mod-Alt-1', false)).toBe('Ctrl+Alt+1')
  })

  it('Mod-Enter checks the task at the cursor', () => {
    const doc = b.doc(b.tasks(b.task(false, b.p('todo'))))
    const state = run(stateOf(doc, posOf(doc, 'todo')), buildKeymap()['Mod-Enter']!)
    expect(state.doc.firstChild!.firstChild!.attrs.checked).toBe(true)
  })

  it('leaves a selected node alone when linking', () => {
    const doc = b.doc(b.p('a'), b.hr(), b.p('b'))
    const state = stateOf(doc)
    const selected = state.apply(state.tr.setSelection(NodeSelection.create(doc, 3)))
    expect(linkAt(selected)).toBeNull()
  })
})
