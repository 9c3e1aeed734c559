/**
 * One block, not two, when two people change the same block's type at the same time: both make a
 * paragraph a heading, or one a heading and the other a list, while apart (one offline, or within
 * the network's delay). A Yjs element can neither change its type nor move, so y-prosemirror makes
 * such a change by deleting the block and writing a new one in its place. Two people doing it at
 * once each wrote their own new block where the old one was, and both stayed: the text twice.
 *
 * This person's blocks written in place of one deleted in the same change are noted as rewrites.
 * After another person's change is applied, a block it wrote is a twin of such a rewrite when both
 * took the place of the same block (the same neighbours when written, the right one being that
 * block, deleted) and hold the same text. (A rewrite made before a reload is no longer known as
 * one: its twin stays, as before.) Of twins, the block written by the higher Yjs
 * client id stays: the other's author deletes its own, so it is deleted once, and everyone ends
 * with the same block. Twins whose text differs (someone typed into one) both stay, as before:
 * nothing typed is ever deleted here.
 */
import * as Y from 'yjs'
import { textsUnder } from './rescue.js'

/** Origin of the transactions that delete this person's twin. */
export const TWIN_ORIGIN = Symbol('tandem.twin')

/** The text of every XmlText under `element`, in order, a block boundary marked. */
const textOf = (element: Y.XmlElement) => textsUnder(element).map((text) => `${text.toString()}\n`).join('')

/** True when `a` and `b` are the same id, or both none. */
function sameId(a: Y.ID | null, b: Y.ID | null): boolean {
  return a === null || b === null ? a === b : Y.compareIDs(a, b)
}

/** True when `item` is a live block this transaction wrote. */
function writtenBy(item: Y.Item, tr: Y.Transaction): boolean {
  return !item.deleted && item.content instanceof Y.ContentType && item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0)
}

/** True when `item` took the place of a block now deleted. */
function replacedDeleted(item: Y.Item, doc: Y.Doc): boolean {
  if (item.rightOrigin === null) return false
  // (its content may be gone already: a deleted block is garbage collected)
  return Y.getItem(doc.store, item.rightOrigin).deleted
}

/** The blocks under the types `tr` changed in their children. */
function* changedBlocks(tr: Y.Transaction): Generator<{ parent: Y.XmlFragment; item: Y.Item }> {
  for (const parent of tr.changed.keys()) {
    if (!(parent instanceof Y.XmlFragment)) continue // (an XmlElement is one too)
    for (let item = parent._start; item !== null; item = item.right) yield { parent, item }
  }
}

/**
 * Deletes, after each of another person's changes applied to `doc` with `origin`, this person's
 * twin of a block that change wrote (see the module doc), when the other's stays. Returns the
 * function that stops it.
 */
export function dropTwinRewrites(doc: Y.Doc, origin: unknown): () => void {
  // this person's blocks written in place of one the same change deleted (a type changed)
  const rewrites = new WeakSet<Y.Item>()
  const after = (tr: Y.Transaction) => {
    if (tr.local) {
      for (const { item } of changedBlocks(tr)) {
        if (item.id.client === doc.clientID && writtenBy(item, tr) && item.rightOrigin !== null && Y.isDeleted(tr.deleteSet, item.rightOrigin)) rewrites.add(item)
      }
      return
    }
    if (tr.origin !== origin) return
    const own: Array<{ parent: Y.XmlFragment; item: Y.Item }> = []
    for (const { parent, item: theirs } of changedBlocks(tr)) {
      if (theirs.id.client === doc.clientID || !writtenBy(theirs, tr) || !replacedDeleted(theirs, doc)) continue
      // this person's rewrite in the same place: a sibling with the same neighbours when written
      for (let mine = parent._start; mine !== null; mine = mine.right) {
        if (!rewrites.has(mine) || mine.deleted) continue
        if (!sameId(mine.origin, theirs.origin) || !sameId(mine.rightOrigin, theirs.rightOrigin)) continue
        // the higher client id stays; the other author deletes its own
        if (mine.id.client > theirs.id.client) continue
        const [a, b] = [(mine.content as Y.ContentType).type, (theirs.content as Y.ContentType).type]
        if (!(a instanceof Y.XmlElement && b instanceof Y.XmlElement) || textOf(a) !== textOf(b)) continue
        own.push({ parent, item: mine })
      }
    }
    if (own.length === 0) return
    doc.transact(() => {
      for (const { parent, item } of own) {
        if (item.deleted) continue
        let index = 0
        for (let n = parent._start; n !== null && n !== item; n = n.right) if (!n.deleted && n.countable) index += n.length
        parent.delete(index, 1)
      }
    }, TWIN_ORIGIN)
  }
  doc.on('afterTransaction', after)
  return () => doc.off('afterTransaction', after)
}
