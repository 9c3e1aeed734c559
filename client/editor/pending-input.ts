/**
 * An arrow key's caret move survives another person's cursor moving, or their typing, at that
 * moment. The browser moves the caret for a key at once but reports it ('selectionchange') a
 * moment later; a redraw in between (y-prosemirror's remote cursors, batched in a timeout; a
 * remote change, after which y-prosemirror puts back the selection it noted before it) put the
 * selection ProseMirror knew back into the page, and the key press was lost (2 to 14 of 50
 * ArrowLeft presses while the other cursor moved all the time, 8 to 42 while the other typed).
 *
 * The same lag made a shortcut pressed right after Shift+arrows act on the selection before
 * them: Ctrl+B made the caret's next letters bold instead of the selected words (4 to 5 times
 * in 15), Ctrl+K linked nothing. Keys now read the pending selection first.
 */
import { Plugin, type Transaction } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'

/**
 * Makes ProseMirror read what the browser did to the selection and text, as it does itself before
 * a composition. Also for whatever takes the focus from the text (the link editor): once the
 * focus is gone, ProseMirror no longer reads a selection change the browser reports late.
 */
export function readPendingInput(view: EditorView): void {
  // `domObserver` is outside ProseMirror's typed API
  ;(view as unknown as { domObserver?: { flush(): void } }).domObserver?.flush()
}

/**
 * Reads the browser's pending input right before other people's changes are applied
 * (`beforeRemoteChange` subscribes, see DocSession.beforeRemoteChange).
 */
export function readBeforeRemoteChangesPlugin(beforeRemoteChange: (listener: () => void) => () => void): Plugin {
  return new Plugin({
    view(view) {
      const off = beforeRemoteChange(() => {
        if (view.hasFocus()) readPendingInput(view)
      })
      return { destroy: off }
    },
  })
}

/**
 * For a transaction that changes neither the document nor the selection (a redraw of decorations,
 * such as remote cursors): makes ProseMirror read the selection the browser holds first, and if
 * that changed the state, returns the same transaction rebuilt on the new state (a
 * transaction's `meta` is outside ProseMirror's typed API).
 */
export function afterPendingInput(view: EditorView, tr: Transaction): Transaction {
  if (tr.docChanged || tr.selectionSet || tr.storedMarksSet || !view.hasFocus()) return tr
  const before = view.state
  readPendingInput(view)
  if (view.state === before) return tr
  const fresh = view.state.tr
  const meta = (tr as unknown as { meta?: Record<string, unknown> }).meta ?? {}
  for (const [key, value] of Object.entries(meta)) fresh.setMeta(key, value)
  return fresh
}

/**
 * Reads the browser's pending input before the editor's key bindings see a key (install before
 * the keymaps), so that a shortcut acts on the selection the person sees.
 */
export function readBeforeKeysPlugin(): Plugin {
  return new Plugin({
    props: {
      handleKeyDown(view, event) {
        // an input method's keys belong to its composition
        if (!event.isComposing && event.keyCode !== 229) readPendingInput(view)
        return false
      },
    },
  })
}
