/**
 * Syntax highlighting of code blocks, as decorations only: the document (and so what is shared,
 * undone and exported) never changes, and the caret and others' edits are left alone. The
 * highlighter (highlighter.ts, a chunk of its own) loads the first time a block has a language.
 * After a change only the code blocks that changed are highlighted again (the runs of each block
 * are kept by block), and the decorations of blocks the change did not touch are mapped through it.
 * y-prosemirror applies others' changes as one replacement of the whole document: every block is
 * touched then, and gets its decorations again from the runs kept.
 */
import type { Node as PMNode } from 'prosemirror-model'
import { Plugin, PluginKey, type EditorState, type Transaction } from 'prosemirror-state'
import type { Mapping } from 'prosemirror-transform'
import { Decoration, DecorationSet } from 'prosemirror-view'
import { cleanLanguage } from '../../shared/code-language.js'
import { schema } from '../../shared/schema.js'

/** Highlights `code` in `language`: runs of its text with class names, null when the language is unknown. */
export type Highlighter = (code: string, language: string) => readonly Run[] | null

/** A highlighted run of a code block's text: offsets into the text, and the class names to give it. */
export interface Run {
  readonly from: number
  readonly to: number
  readonly classes: string
}

interface HighlightState {
  readonly highlighter: Highlighter | null
  readonly decorations: DecorationSet
  /** The code blocks the decorations were made for, with their positions: a block still among them has not changed. */
  readonly blocks: ReadonlyMap<PMNode, number>
  /** The runs of each block highlighted (a block is immutable: the same node, the same runs). */
  readonly runs: WeakMap<PMNode, readonly Run[]>
  /** Whether some code block has a language (the highlighter is wanted). */
  readonly wanted: boolean
  /** Whether a long block changed and waits to be highlighted again until typing pauses. */
  readonly pending: boolean
}

/** The plugin's key; a transaction with this meta hands over the highlighter once loaded, or REFRESH. */
export const highlightKey = new PluginKey<HighlightState>('highlight')

/** The meta that highlights the long blocks left waiting. */
export const REFRESH = 'refresh'

/**
 * Longest code (characters) highlighted again on every change. highlight.js takes a few hundred
 * milliseconds for 2,000 lines here: such a block keeps its colours (moved along with the text)
 * while someone types, and is highlighted again once typing pauses for PAUSE_MS.
 */
export const HIGHLIGHT_AT_ONCE = 10_000

/** Pause in changes after which long blocks are highlighted again. */
const PAUSE_MS = 300

/** Calls `f` with each code block of `doc` and its position (without looking inside other textblocks). */
function eachCodeBlock(doc: PMNode, f: (node: PMNode, pos: number) => void): void {
  doc.descendants((node, pos) => {
    if (node.type === schema.nodes.code_block) f(node, pos)
    return !node.isTextblock
  })
}

/** The decorations of the code block `node` at `pos` made from `runs`. */
function blockDecorations(node: PMNode, pos: number, runs: readonly Run[]): Decoration[] {
  return runs.map((run) => Decoration.inline(pos + 1 + run.from, pos + 1 + run.to, { class: run.classes }))
}

/** The runs of the code block `node`: kept in `cache`, else highlighted now (and kept) when `now`, else null. */
function runsOf(node: PMNode, highlighter: Highlighter, cache: WeakMap<PMNode, readonly Run[]>, now: boolean): readonly Run[] | null {
  const kept = cache.get(node)
  if (kept) return kept
  const language = cleanLanguage(node.attrs.language)
  if (language && !now && node.content.size > HIGHLIGHT_AT_ONCE) return null
  const runs = (language ? highlighter(node.textContent, language) : null) ?? []
  cache.set(node, runs)
  return runs
}

/** True when no step of `mapping` changed anything inside `from`..`to` (positions before it). */
function untouched(mapping: Mapping, from: number, to: number): boolean {
  for (const map of mapping.maps) {
    let hit = false
    map.forEach((start, end) => (hit ||= start < to && end > from))
    if (hit) return false
    from = map.map(from, 1)
    to = map.map(to, -1)
  }
  return true
}

/** The state after `tr`: decorations of changed blocks redone (long ones once typing pauses), the rest mapped. */
function next(tr: Transaction, prev: HighlightState, state: EditorState): HighlightState {
  const meta = tr.getMeta(highlightKey) as Highlighter | typeof REFRESH | undefined
  const loaded = typeof meta === 'function' ? meta : undefined
  const refresh = meta === REFRESH
  if (!tr.docChanged && !loaded && !refresh) return prev
  const highlighter = loaded ?? prev.highlighter
  // a newly loaded highlighter redoes every block
  let decorations = loaded ? DecorationSet.empty : prev.decorations.map(tr.mapping, state.doc)
  const seen = loaded ? new Map<PMNode, number>() : prev.blocks
  const blocks = new Map<PMNode, number>()
  const redone: Array<[number, number]> = []
  const add: Decoration[] = []
  let wanted = false
  let pending = false
  eachCodeBlock(state.doc, (node, pos) => {
    blocks.set(node, pos)
    if (node.attrs.language !== null) wanted = true
    if (!highlighter) return
    const before = seen.get(node)
    const intact = before !== undefined && untouched(tr.mapping, before, before + node.nodeSize)
    if (intact && (!refresh || prev.runs.has(node))) return
    const runs = runsOf(node, highlighter, prev.runs, refresh)
    // a long block keeps the colours it had, mapped, until typing pauses
    if (runs === null) return void (pending = true)
    redone.push([pos, pos + node.nodeSize])
    for (const decoration of blockDecorations(node, pos, runs)) add.push(decoration)
  })
  if (redone.length > 0) {
    // one new set rather than DecorationSet.remove, which is quadratic in a block's decorations
    const kept = decorations.find().filter((d) => !redone.some(([from, to]) => d.from >= from && d.to <= to))
    decorations = DecorationSet.create(state.doc, [...kept, ...add])
  }
  return { highlighter, decorations, blocks, wanted, pending, runs: prev.runs }
}

/** Highlights code blocks; `load` fetches the highlighter (by default the lazily loaded chunk). */
export function highlightPlugin(load: () => Promise<Highlighter> = () => import('./highlighter.js').then((m) => m.highlight)): Plugin<HighlightState> {
  return new Plugin<HighlightState>({
    key: highlightKey,
    state: {
      init: (_config, state) => {
        let wanted = false
        eachCodeBlock(state.doc, (node) => void (wanted ||= node.attrs.language !== null))
        return { highlighter: null, decorations: DecorationSet.empty, blocks: new Map(), wanted, pending: false, runs: new WeakMap() }
      },
      apply: (tr, prev, _old, state) => next(tr, prev, state),
    },
    props: {
      decorations: (state) => highlightKey.getState(state)?.decorations,
    },
    view(view) {
      let loading = false
      let destroyed = false
      let timer: ReturnType<typeof setTimeout> | undefined
      // long blocks left waiting are highlighted once changes pause (each change restarts the wait)
      const schedule = (docChanged: boolean) => {
        if (!highlightKey.getState(view.state)?.pending) return
        if (timer !== undefined && !docChanged) return
        clearTimeout(timer)
        timer = setTimeout(() => {
          timer = undefined
          if (destroyed) return
          // new spans under an input method's composition would disturb it: wait for its end
          if (view.composing) schedule(true)
          else view.dispatch(view.state.tr.setMeta(highlightKey, REFRESH))
        }, PAUSE_MS)
      }
      const maybeLoad = () => {
        const state = highlightKey.getState(view.state)
        if (loading || !state?.wanted || state.highlighter) return
        loading = true
        load().then(
          (highlighter) => {
            if (!destroyed) view.dispatch(view.state.tr.setMeta(highlightKey, highlighter))
          },
          // without it the code shows in one colour, as before; the next change tries again
          () => (loading = false),
        )
      }
      maybeLoad()
      return {
        update: (_view, prevState) => {
          maybeLoad()
          schedule(view.state.doc !== prevState.doc)
        },
        destroy: () => {
          destroyed = true
          clearTimeout(timer)
        },
      }
    },
  })
}
