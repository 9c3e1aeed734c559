/**
 * Double-click selects a whole word even where another person's cursor stands inside it.
 * Chromium ends its own word selection at the cursor widget (a non-editable element with a
 * positioned label), so a double click on "beta" with a cursor after "be" selected only "be".
 */
import type { Node as PMNode } from 'prosemirror-model'
import { Plugin, TextSelection } from 'prosemirror-state'
import type { DecorationSet } from 'prosemirror-view'
import { yCursorPluginKey } from 'y-prosemirror'

/**
 * The word of textblock `block` at or just before `offset`, as offsets into the block; null when
 * there is none or the browser cannot segment words. Inline leaves (hard breaks) end words.
 */
export function wordAt(block: PMNode, offset: number): { from: number; to: number } | null {
  if (!block.inlineContent || typeof Intl.Segmenter !== 'function') return null
  // one character per inline leaf, so string offsets are block offsets
  const text = block.textBetween(0, block.content.size, undefined, '\ufffc')
  const segments = new Intl.Segmenter(undefined, { granularity: 'word' }).segment(text)
  for (const at of [offset, offset - 1]) {
    if (at < 0 || at >= text.length) continue
    const segment = segments.containing(at)
    if (segment?.isWordLike) return { from: segment.index, to: segment.index + segment.segment.length }
  }
  return null
}

/**
 * Selects the word under a double click itself when a remote cursor stands inside that word;
 * elsewhere the browser's own word selection (whose rules differ by platform) stays.
 */
export function wordSelectPlugin(): Plugin {
  return new Plugin({
    props: {
      handleDoubleClick(view, pos) {
        const $pos = view.state.doc.resolve(pos)
        const word = wordAt($pos.parent, $pos.parentOffset)
        if (!word) return false
        const from = $pos.start() + word.from
        const to = $pos.start() + word.to
        const cursors = yCursorPluginKey.getState(view.state) as DecorationSet | undefined
        // remote cursors are widgets (from === to); their selections are inline decorations
        const inside = cursors?.find(from + 1, to - 1, (spec) => spec.key !== undefined).some((d) => d.from === d.to && d.from > from && d.from < to)
        if (!inside) return false
        view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, from, to)))
        return true
      },
    },
  })
}
