/**
 * Other people's changes wait while this person composes text with an input method: one landing
 * beside the text being composed ended the composition, leaving its first letters in the document
 * (see ../collab/hold.ts, which does the holding).
 */
import { Plugin } from 'prosemirror-state'

/**
 * Calls `hold` when a composition starts in the editor and ends that hold once the composition is
 * over and ProseMirror has read the composed text (or the editor loses focus, or closes).
 */
export function compositionHoldPlugin(hold: () => () => void): Plugin {
  return new Plugin({
    view(view) {
      let release: (() => void) | null = null
      let timer: ReturnType<typeof setTimeout> | undefined
      const end = () => {
        clearTimeout(timer)
        release?.()
        release = null
      }
      const onStart = () => {
        clearTimeout(timer)
        release ??= hold()
      }
      const onEnd = () => {
        clearTimeout(timer)
        // ProseMirror reads the committed text in a microtask after compositionend; a new
        // composition may also start right away (some input methods chain them)
        timer = setTimeout(() => {
          if (!view.composing) end()
        })
      }
      view.dom.addEventListener('compositionstart', onStart)
      view.dom.addEventListener('compositionend', onEnd)
      view.dom.addEventListener('focusout', onEnd)
      return {
        destroy() {
          view.dom.removeEventListener('compositionstart', onStart)
          view.dom.removeEventListener('compositionend', onEnd)
          view.dom.removeEventListener('focusout', onEnd)
          end()
        },
      }
    },
  })
}
