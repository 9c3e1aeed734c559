/**
 * An arrow key's caret move survives another person's cursor moving at that moment. y-prosemirror
 * redraws remote cursors from a transaction it batches in a timeout; the browser has meanwhile
 * moved the caret for a key but reports it ('selectionchange') later, so the redraw put the
 * selection ProseMirror knew back into the page and the key press was lost (2 to 14 of 50
 * ArrowLeft presses while the other cursor moved all the time).
 */
import type { Transaction } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'

/**
 * For a transaction that changes neither the document nor the selection (a redraw of decorations,
 * such as remote cursors): makes ProseMirror read the selection the browser holds first, and if
 * that changed the state, returns the same transaction rebuilt on the new state. ProseMirror
 * does that read itself before a composition; `domObserver` and a transaction's `meta` are
 * outside its typed API.
 */
export function afterPendingInput(view: EditorView, tr: Transaction): Transaction {
  if (tr.docChanged || tr.selectionSet || tr.storedMarksSet || !view.hasFocus()) return tr
  const before = view.state
  ;(view as unknown as { domObserver?: { flush(): void } }).domObserver?.flush()
  if (view.state === before) return tr
  const fresh = view.state.tr
  const meta = (tr as unknown as { meta?: Record<string, unknown> }).meta ?? {}
  for (const [key, value] of Object.entries(meta)) fresh.setMeta(key, value)
  return fresh
}
