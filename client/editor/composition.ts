/**
 * Other people's changes wait while this person composes text with an input method: one landing
 * beside the text being composed ended the composition, leaving its first letters in the document
 * (see ../collab/hold.ts, which does the holding).
 */
import { Plugin } from 'prosemirror-state'

/**
 * A composition left alone this long (a phone keyboard keeps the last word composing until the
 * next key) stops holding other people's changes back; the next keystroke holds them again.
 */
export const IDLE_COMPOSITION_MS = 5_000

/**
 * Calls `hold` when a composition starts in the editor and ends that hold once the composition is
 * over and ProseMirror has read the composed text (or the editor loses focus, or closes, or the
 * composition is idle for IDLE_COMPOSITION_MS).
 */
export function compositionHoldPlugin(hold: () => () => void): Plugin {
  return new Plugin({
    view(view) {
      let release: (() => void) | null = null
      let ending: ReturnType<typeof setTimeout> | undefined
      let idle: ReturnType<typeof setTimeout> | undefined
      const end = () => {
        clearTimeout(ending)
        clearTimeout(idle)
        release?.()
        release = null
      }
      const onComposing = () => {
        clearTimeout(ending)
        clearTimeout(idle)
        release ??= hold()
        idle = setTimeout(end, IDLE_COMPOSITION_MS)
      }
      const onEnd = () => {
        clearTimeout(ending)
        // ProseMirror reads the committed text in a microtask after compositionend; a new
        // composition may also start right away (some input methods chain them)
        ending = setTimeout(() => {
          if (!view.composing) end()
        })
      }
      const events: [string, () => void][] = [
        ['compositionstart', onComposing],
        ['compositionupdate', onComposing],
        ['compositionend', onEnd],
        ['focusout', onEnd],
      ]
      for (const [name, listener] of events) view.dom.addEventListener(name, listener)
      return {
        destroy() {
          for (const [name, listener] of events) view.dom.removeEventListener(name, listener)
          end()
        },
      }
    },
  })
}
