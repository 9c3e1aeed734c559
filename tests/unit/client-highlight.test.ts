/**
 * Code highlighting as decorations (client/editor/highlight.ts) on bare EditorStates: the document
 * never changes, only changed blocks are highlighted again, a replacement of the whole document
 * (how y-prosemirror applies others' changes) keeps every block's colours without highlighting
 * again, and the real highlighter colours the offered languages and leaves unknown ones plain.
 */
import { describe, expect, it } from 'vitest'
import type { Node as PMNode } from 'prosemirror-model'
import { EditorState } from 'prosemirror-state'
import { highlight } from '../../client/editor/highlighter.js'
import { HIGHLIGHT_AT_ONCE, highlightKey, highlightPlugin, REFRESH, type Highlighter } from '../../client/editor/highlight.js'
import { b, posOf } from './client-editor-helpers.js'

/** A highlighter marking every word of `code` and counting the blocks it highlights. */
function countingHighlighter(): { highlighter: Highlighter; calls: string[] } {
  const calls: string[] = []
  const highlighter: Highlighter = (code) => {
    calls.push(code)
    return [...code.matchAll(/\w+/g)].map((m) => ({ from: m.index, to: m.index + m[0].length, classes: 'hljs-word' }))
  }
  return { highlighter, calls }
}

/** A state of `doc` with the highlight plugin and `highlighter` already loaded. */
function loaded(doc: PMNode, highlighter: Highlighter): EditorState {
  const state = EditorState.create({ doc, plugins: [highlightPlugin(() => new Promise(() => {}))] })
  return state.apply(state.tr.setMeta(highlightKey, highlighter))
}

/** The highlighted texts of `state`, in document order. */
function words(state: EditorState): string[] {
  const set = highlightKey.getState(state)!.decorations
  return set.find().map((d) => state.doc.textBetween(d.from, d.to))
}

describe('code highlighting', () => {
  it('decorates blocks with a language only, and leaves the document as it was', () => {
    const { highlighter, calls } = countingHighlighter()
    const doc = b.doc(b.pre('let a', 'javascript'), b.p('prose'), b.pre('plain text'))
    const state = loaded(doc, highlighter)
    expect(state.doc.eq(doc)).toBe(true)
    expect(words(state)).toEqual(['let', 'a'])
    expect(calls).toEqual(['let a'])
  })

  it('highlights only the block that changed, and keeps the others through the change', () => {
    const { highlighter, calls } = countingHighlighter()
    let state = loaded(b.doc(b.pre('one two', 'python'), b.pre('three', 'python')), highlighter)
    calls.length = 0
    state = state.apply(state.tr.insertText(' four', posOf(state.doc, 'three')))
    expect(calls).toEqual(['three four'])
    expect(words(state)).toEqual(['one', 'two', 'three', 'four'])
    // a change in front of both moves their colours along
    state = state.apply(state.tr.insert(0, b.p('x')))
    expect(calls).toEqual(['three four'])
    expect(words(state)).toEqual(['one', 'two', 'three', 'four'])
  })

  it('keeps every block coloured when the whole document is replaced, without highlighting again', () => {
    const { highlighter, calls } = countingHighlighter()
    let state = loaded(b.doc(b.pre('one two', 'go'), b.p('p')), highlighter)
    calls.length = 0
    // y-prosemirror: the new document's unchanged blocks are the same nodes, put in by one replace
    const doc = state.doc
    state = state.apply(state.tr.replaceWith(0, doc.content.size, [doc.child(0), b.p('p changed')]))
    expect(calls).toEqual([])
    expect(words(state)).toEqual(['one', 'two'])
  })

  it('highlights a long block again only once typing pauses, keeping its colours moved along meanwhile', () => {
    const { highlighter, calls } = countingHighlighter()
    const long = 'word '.repeat(HIGHLIGHT_AT_ONCE / 5 + 1)
    let state = loaded(b.doc(b.p('p'), b.pre(long, 'javascript'), b.pre('short', 'javascript')), highlighter)
    // loaded: the short block at once, the long one on the refresh that follows a pause
    expect(calls).toEqual(['short'])
    expect(highlightKey.getState(state)!.pending).toBe(true)
    state = state.apply(state.tr.setMeta(highlightKey, REFRESH))
    expect(calls).toEqual(['short', long])
    expect(highlightKey.getState(state)!.pending).toBe(false)
    calls.length = 0
    // typing at the start of the long block: nothing highlighted, the old colours shift
    const start = posOf(state.doc, 'word', true)
    state = state.apply(state.tr.insertText('new ', start))
    expect(calls).toEqual([])
    expect(words(state).slice(0, 2)).toEqual(['word', 'word'])
    expect(highlightKey.getState(state)!.pending).toBe(true)
    state = state.apply(state.tr.setMeta(highlightKey, REFRESH))
    expect(calls).toEqual([`new ${long}`])
    expect(words(state).slice(0, 2)).toEqual(['new', 'word'])
  })

  it('drops the colours of a block whose language is taken away', () => {
    const { highlighter } = countingHighlighter()
    let state = loaded(b.doc(b.pre('one two', 'rust')), highlighter)
    state = state.apply(state.tr.setNodeMarkup(0, null, { language: null }))
    expect(words(state)).toEqual([])
  })

  it('colours the offered languages with highlight.js classes and leaves unknown ones plain', () => {
    expect(highlight('const x = "s" // c', 'javascript')!.map((r) => r.classes)).toEqual(['hljs-keyword', 'hljs-string', 'hljs-comment'])
    expect(highlight('<p class="a">', 'html')!.length).toBeGreaterThan(0)
    expect(highlight('anything', 'weird')).toBe(null)
    // runs cover the text exactly where it is
    const code = 'def f():\n    return 1'
    for (const run of highlight(code, 'python')!) expect(run.to).toBeGreaterThan(run.from)
    expect(highlight(code, 'python')!.map((r) => code.slice(r.from, r.to))).toContain('return')
  })
})
