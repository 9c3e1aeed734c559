/**
 * Keeps the document body something y-prosemirror can render. The relay stores any valid Yjs
 * update, so a writer's client can put into the body's Y.XmlFragment what no Tandem editor
 * writes: a text, a hook, a map or a plain value among the blocks, a hook or a value inside a
 * block, an embed inside a text. y-prosemirror throws on all of these while rendering (inside a
 * Yjs observer), so the document shows empty for everyone who opens it, and stays so: the
 * relay keeps what it accepted. Elements the schema refuses are not this module's business:
 * y-prosemirror deletes those itself, and ProseMirror fits misplaced blocks.
 *
 * The repair deletes exactly the items y-prosemirror cannot render, as y-prosemirror deletes an
 * element the schema refuses: in a transaction of this browser, so it reaches the server and
 * every other peer. It runs before y-prosemirror renders: once before the first render, and on
 * every change from an observer registered before y-prosemirror's. The plugin must therefore
 * come before ySyncPlugin.
 */
import { Plugin } from 'prosemirror-state'
import * as Y from 'yjs'

/** Origin of repairs: the undo manager does not track it, so an undo never brings the items back. */
export const REPAIR_ORIGIN = Symbol('tandem-repair')

/** The lists y-prosemirror reads: the body's blocks, an element's children, a text's characters. */
type Kind = 'blocks' | 'children' | 'text'

function kindOf(type: Y.AbstractType<any>): Kind | null {
  // XmlElement extends XmlFragment: test it first
  if (type instanceof Y.XmlElement) return 'children'
  if (type instanceof Y.XmlText) return 'text'
  if (type instanceof Y.XmlFragment) return 'blocks'
  return null
}

/** True when y-prosemirror renders `item` in a list of this kind. */
function renderable(item: Y.Item, kind: Kind): boolean {
  const content = item.content
  // characters and marks; embeds are not text and are not rendered
  if (kind === 'text') return content instanceof Y.ContentString || content instanceof Y.ContentFormat
  if (!(content instanceof Y.ContentType)) return false
  return content.type instanceof Y.XmlElement || (kind === 'children' && content.type instanceof Y.XmlText)
}

/** Adds to `out` the unrenderable items among the live items of `type`'s list that `pick` picks, and within the types among them. */
function collect(type: Y.AbstractType<any>, kind: Kind, pick: (item: Y.Item) => boolean, out: Y.Item[]): void {
  for (let item = type._start; item !== null; item = item.right) {
    if (item.deleted || !pick(item)) continue
    if (!renderable(item, kind)) out.push(item)
    else if (item.content instanceof Y.ContentType) collect(item.content.type, kindOf(item.content.type)!, all, out)
  }
}

const all = (): boolean => true

function remove(doc: Y.Doc, items: readonly Y.Item[]): void {
  if (items.length === 0) return
  doc.transact((tr) => {
    for (const item of items) item.delete(tr)
  }, REPAIR_ORIGIN)
}

/** The items of `fragment` (at any depth) that y-prosemirror cannot render. */
export function unrenderable(fragment: Y.XmlFragment): Y.Item[] {
  const out: Y.Item[] = []
  collect(fragment, 'blocks', all, out)
  return out
}

/** Deletes what y-prosemirror cannot render from `fragment`; returns how many items it deleted. */
export function repair(fragment: Y.XmlFragment): number {
  const items = unrenderable(fragment)
  if (fragment.doc) remove(fragment.doc, items)
  return items.length
}

/**
 * A deep observer that deletes unrenderable items a transaction added, before observers
 * registered after it (y-prosemirror's) run: the deletion marks them deleted at once, and its own
 * transaction follows the current one. Only the lists that changed are read, and only the items
 * the transaction added, so typing costs one pass over the paragraph's text items.
 */
export function repairObserver(fragment: Y.XmlFragment): (events: Array<Y.YEvent<any>>, tr: Y.Transaction) => void {
  return (events, tr) => {
    const added = (item: Y.Item) => item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0)
    const out: Y.Item[] = []
    for (const event of events) {
      const kind = kindOf(event.target)
      if (kind !== null) collect(event.target, kind, added, out)
    }
    if (fragment.doc) remove(fragment.doc, out)
  }
}

/** The ProseMirror plugin that keeps `fragment` renderable; it must come before ySyncPlugin. */
export function repairPlugin(fragment: Y.XmlFragment): Plugin {
  return new Plugin({
    view: () => {
      repair(fragment)
      const observer = repairObserver(fragment)
      fragment.observeDeep(observer)
      return { destroy: () => fragment.unobserveDeep(observer) }
    },
  })
}
