/**
 * What this person typed into a block that another person rewrote at the same time stays in the
 * document. Making a paragraph a heading, a list item, a quote or code, or joining it to the one
 * above, deletes the block and writes its text anew (a Yjs element cannot change its type or
 * move). Text typed into the old block concurrently (within the network's delay, or while one of
 * the two was offline) was inside a deleted block when the changes met: Yjs deleted it with the
 * block, for everyone, without a trace, although its author had seen it saved.
 *
 * When another person's change arrives, this person's characters that it deleted without
 * naming them (the change's own deletions name everything its author knew) are such text. It is
 * put back into the text that the change wrote anew, when that holds the rest of the old block's
 * text, at the same place in it, as a change of this person's that everyone receives; so are the
 * marks (bold, a link) this person set on that block meanwhile.
 */
import * as Y from 'yjs'
import { schema } from '../../shared/schema.js'

/** Origin of the transactions that put text back. */
export const RESCUE_ORIGIN = Symbol('tandem.rescue')

/** A run of this person's characters deleted with their block: at `offset` of the block's old text. */
interface Lost {
  readonly offset: number
  readonly text: string
}

/** The deletions an update names (what its author deleted, knowing it). */
function namedDeletions(update: Uint8Array): Y.Transaction['deleteSet'] | null {
  try {
    return Y.decodeUpdate(update).ds as Y.Transaction['deleteSet']
  } catch {
    return null
  }
}

/** True when the character `clock` of `client` is in `ds`. */
function inSet(ds: Y.Transaction['deleteSet'], client: number, clock: number): boolean {
  return Y.isDeleted(ds, Y.createID(client, clock))
}

/** A mark (a Yjs format) this person set in a block deleted with it: from and to offsets of the block's old text. */
interface LostMark {
  readonly from: number
  readonly to: number
  readonly key: string
  readonly value: unknown
}

/**
 * The text of `type` as it was before `tr`, which of its characters (this client's, deleted by
 * `tr` without being named in `named`) were lost, and which of this client's marks on it.
 */
function lostIn(type: Y.XmlText, tr: Y.Transaction, named: Y.Transaction['deleteSet'], own: number): { text: string; lost: Lost[]; marks: LostMark[] } {
  let text = ''
  const lost: Lost[] = []
  const marks: LostMark[] = []
  const open = new Map<string, { from: number; value: unknown }>()
  const unnamed = (item: Y.Item, i = 0) => item.deleted && item.id.client === own && !inSet(named, own, item.id.clock + i)
  for (let item = type._start; item !== null; item = item.right) {
    // what was there before the transaction: alive, or deleted by it
    if (item.deleted && !Y.isDeleted(tr.deleteSet, item.id)) continue
    if (item.content instanceof Y.ContentFormat) {
      // a format runs to the next one of the same key
      const { key, value } = item.content
      const started = open.get(key)
      if (started) {
        marks.push({ from: started.from, to: text.length, key, value: started.value })
        open.delete(key)
      }
      if (value !== null && unnamed(item)) open.set(key, { from: text.length, value })
      continue
    }
    if (!item.countable) continue
    if (!(item.content instanceof Y.ContentString)) {
      text += '\uFFFC'
      continue
    }
    const str = item.content.str
    for (let i = 0; i < str.length; i++) {
      if (unnamed(item, i)) {
        const last = lost[lost.length - 1]
        if (last && last.offset + last.text.length === text.length) lost[lost.length - 1] = { offset: last.offset, text: last.text + str[i] }
        else lost.push({ offset: text.length, text: str[i]! })
      }
      text += str[i]
    }
  }
  for (const [key, { from, value }] of open) marks.push({ from, to: text.length, key, value })
  return { text, lost, marks: marks.filter((m) => m.to > m.from) }
}

/**
 * Whether the block holding `type` may carry the mark stored under `key` (y-prosemirror's key: the
 * mark's name, with `--` and a hash after it for marks that may overlap). A mark the block may not
 * carry (bold in code) would make y-prosemirror drop the whole block, for everyone.
 */
function allowsMark(type: Y.XmlText, key: string): boolean {
  const parent = type.parent
  const node = parent instanceof Y.XmlElement ? schema.nodes[parent.nodeName] : undefined
  const mark = schema.marks[key.split('--')[0]!]
  return node !== undefined && mark !== undefined && node.allowsMarkType(mark)
}

/** Every XmlText under `parent`, in document order. */
export function textsUnder(parent: Y.XmlFragment | Y.XmlElement, out: Y.XmlText[] = []): Y.XmlText[] {
  for (const child of parent.toArray()) {
    if (child instanceof Y.XmlText) out.push(child)
    else if (child instanceof Y.XmlElement) textsUnder(child, out)
  }
  return out
}

/**
 * Where in `fragment` the text `kept` was written by `tr`: the XmlText and the index of the first
 * of a run of characters inserted by `tr` that reads `kept`. Null when there is none.
 */
function rewritten(fragment: Y.XmlFragment, tr: Y.Transaction, kept: string): { type: Y.XmlText; index: number } | null {
  for (const type of textsUnder(fragment)) {
    let index = 0
    let run = ''
    let runStart = 0
    for (let item = type._start; item !== null; item = item.right) {
      if (item.deleted || !item.countable) continue
      const fresh = item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0)
      const str = item.content instanceof Y.ContentString ? item.content.str : '\uFFFC'
      if (fresh) {
        if (run === '') runStart = index
        run += str
      } else {
        if (run.includes(kept)) return { type, index: runStart + run.indexOf(kept) }
        run = ''
      }
      index += item.length
    }
    if (run.includes(kept)) return { type, index: runStart + run.indexOf(kept) }
  }
  return null
}

/**
 * Puts back, after each of another person's changes applied to `doc` with `origin`, this person's
 * text that the change deleted with its block (see the module doc). `beforeApply` subscribes a
 * listener given each update right before it is applied. Returns the function that stops it.
 */
export function keepConcurrentText(doc: Y.Doc, fragment: Y.XmlFragment, origin: unknown, beforeApply: (listener: (update: Uint8Array) => void) => () => void): () => void {
  // the update being applied: decoded only when its change deleted some of this person's text
  let incoming: Uint8Array | null = null
  const unsubscribe = beforeApply((update) => {
    incoming = update
  })
  const after = (tr: Y.Transaction) => {
    // (the editor may write its own pending input between the update's arrival and this)
    if (tr.origin !== origin) return
    const update = incoming
    incoming = null
    if (update === null || tr.deleteSet.clients.size === 0) return
    // the blocks (their text) this change deleted that held characters of this person's
    const blocks = new Set<Y.XmlText>()
    Y.iterateDeletedStructs(tr, tr.deleteSet, (struct) => {
      if (!(struct instanceof Y.Item) || struct.id.client !== doc.clientID) return
      if (!(struct.content instanceof Y.ContentString) && !(struct.content instanceof Y.ContentFormat)) return
      const parent = struct.parent
      if (parent instanceof Y.XmlText && parent._item !== null && parent._item.deleted) blocks.add(parent)
    })
    if (blocks.size === 0) return
    const names = namedDeletions(update)
    if (names === null) return
    const puts: Array<{ type: Y.XmlText; index: number; text: string }> = []
    const formats: Array<{ type: Y.XmlText; index: number; length: number; key: string; value: unknown }> = []
    for (const block of blocks) {
      const { text, lost, marks } = lostIn(block, tr, names, doc.clientID)
      if (lost.length === 0 && marks.length === 0) continue
      let kept = text
      for (const run of [...lost].reverse()) kept = kept.slice(0, run.offset) + kept.slice(run.offset + run.text.length)
      // a block emptied of all but this person's text has no place to go back to: it stays deleted
      const place = kept.length > 0 ? rewritten(fragment, tr, kept) : null
      if (!place) continue
      let removedBefore = 0
      for (const run of lost) {
        puts.push({ type: place.type, index: place.index + run.offset - removedBefore, text: run.text })
        removedBefore += run.text.length
      }
      // once the text is back, the rewritten text reads as the old: marks go where they were
      for (const mark of marks) if (allowsMark(place.type, mark.key)) formats.push({ type: place.type, index: place.index + mark.from, length: mark.to - mark.from, key: mark.key, value: mark.value })
    }
    if (puts.length === 0 && formats.length === 0) return
    // the last first, so that each index still holds
    puts.sort((a, b) => b.index - a.index)
    doc.transact(() => {
      for (const put of puts) put.type.insert(put.index, put.text)
      for (const f of formats) f.type.format(f.index, f.length, { [f.key]: f.value })
    }, RESCUE_ORIGIN)
  }
  doc.on('afterTransaction', after)
  return () => {
    unsubscribe()
    doc.off('afterTransaction', after)
  }
}
