/**
 * Keeps a selected node (an image, a horizontal line) from breaking the editor when a change of
 * the shared document takes it away: someone else deletes the image this person has selected, or
 * this person's own undo removes the image they just described (the description editor leaves it
 * selected).
 *
 * y-prosemirror (1.3.7) renders every change of the shared document into the editor and then puts
 * the selection back where it was, from relative positions taken before the change. A node
 * selection comes back with NodeSelection.create at its start, which throws when no node follows
 * there any more. The throw comes out of the binding's Yjs observer, before it dispatches: the
 * editor keeps showing the old document (the deleted image still there), and the next change made
 * in it is written back as a diff of that stale view, which puts the deleted image back for
 * everyone and deletes text an undo should have kept. Where a node does follow (the text after an
 * image, the paragraph after a horizontal line), the selection silently covers that node instead,
 * and the next key typed replaces it.
 *
 * The guard wraps the binding's observer: when the selection to restore is a node selection and
 * restoring it throws, the change is rendered again with the selection restored as text (where the
 * node was); a node selection restored on a node of another kind (the text or the block that
 * followed) becomes a caret there. The plugin must come before ySyncPlugin, whose view registers
 * the observer.
 */
import { NodeSelection, Plugin, Selection } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { ySyncPluginKey } from 'y-prosemirror'
import type * as Y from 'yjs'

/** What the guard uses of y-prosemirror's ProsemirrorBinding. */
interface Binding {
  _observeFunction: (events: Array<Y.YEvent<any>>, transaction: Y.Transaction) => void
  beforeTransactionSelection: { type: string; anchor: unknown; head: unknown } | null
  prosemirrorView: EditorView | null
  type: Y.XmlFragment
}

/** Wraps the binding's observer (see the module's comment); registers the wrapper in its place if it is registered already. */
export function guardNodeSelection(binding: Binding): void {
  const render = binding._observeFunction
  if (guards.has(render)) return
  const guarded: Binding['_observeFunction'] = (events, transaction) => {
    const restoring = binding.beforeTransactionSelection
    const before = binding.prosemirrorView?.state.selection
    try {
      render(events, transaction)
    } catch (err) {
      if (restoring?.type !== 'node') throw err
      // the selected node is gone: the selection comes back as text where it was
      binding.beforeTransactionSelection = { ...restoring, type: 'text' }
      render(events, transaction)
      return
    }
    const view = binding.prosemirrorView
    if (restoring?.type !== 'node' || !view) return
    // the node selection came back on another kind of node (the text or the block that followed
    // the one deleted): a caret there instead, or the next key typed would replace that node
    const selection = view.state.selection
    if (selection instanceof NodeSelection && !(before instanceof NodeSelection && before.node.type === selection.node.type)) {
      view.dispatch(view.state.tr.setSelection(Selection.near(view.state.doc.resolve(selection.from))).setMeta('addToHistory', false))
    }
  }
  if (binding.prosemirrorView != null) {
    binding.type.unobserveDeep(render)
    binding.type.observeDeep(guarded)
  }
  guards.add(guarded)
  binding._observeFunction = guarded
}

/** The observers guardNodeSelection made (a binding is guarded once). */
const guards = new WeakSet<Binding['_observeFunction']>()

/** The plugin that installs the guard on the editor's binding; it must come before ySyncPlugin. */
export function nodeSelectionGuardPlugin(): Plugin {
  return new Plugin({
    view(view) {
      const binding = (ySyncPluginKey.getState(view.state) as { binding?: Binding } | undefined)?.binding
      if (binding) guardNodeSelection(binding)
      return {}
    },
  })
}
