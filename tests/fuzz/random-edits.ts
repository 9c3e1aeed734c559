/**
 * Random edits of a Y.Doc for fuzz tests: text typed, deleted (across authors) and formatted,
 * map values overwritten, XML elements added, changed and removed. Driven by a seeded generator.
 */
import * as Y from 'yjs'

/** A random integer in [0, n). */
export function pick(rand: () => number, n: number): number {
  return Math.floor(rand() * n)
}

/** Makes one random change to `doc` (in one transaction, so one update, or two for type-then-delete). */
export function randomEdit(doc: Y.Doc, rand: () => number): void {
  const text = doc.getText('body')
  const xml = doc.getXmlFragment('x')
  const r = rand()
  if (r < 0.3) {
    text.insert(pick(rand, text.length + 1), `${doc.clientID % 100}${'abcdef'.slice(0, 1 + pick(rand, 6))}`, rand() < 0.2 ? { bold: true } : undefined)
  } else if (r < 0.42 && text.length > 0) {
    // a range as long as several authors' runs spans their content
    const at = pick(rand, text.length)
    text.delete(at, 1 + pick(rand, Math.min(12, text.length - at)))
  } else if (r < 0.5 && text.length > 0) {
    // backspaces or forward deletes, one update each: neighbouring deletions (before or after
    // one another), some sent and some not yet
    const forward = rand() < 0.5
    let at = forward ? pick(rand, text.length) : 1 + pick(rand, text.length)
    for (let n = 1 + pick(rand, 4); n > 0 && at > 0 && at <= text.length; n--) {
      if (forward && at < text.length) text.delete(at, 1)
      else if (!forward) text.delete(--at, 1)
    }
  } else if (r < 0.55) {
    // typed and deleted before anyone saw it: two local updates, or one when in one transaction
    const at = pick(rand, text.length + 1)
    const typeAndDelete = () => {
      text.insert(at, 'zz')
      text.delete(at, 2)
    }
    if (rand() < 0.5) doc.transact(typeAndDelete)
    else typeAndDelete()
  } else if (r < 0.6 && text.length > 0) {
    const at = pick(rand, text.length)
    text.format(at, 1 + pick(rand, Math.min(6, text.length - at)), { italic: rand() < 0.6 ? true : null })
  } else if (r < 0.72) {
    const map = doc.getMap('m')
    const key = `k${pick(rand, 3)}`
    map.set(key, rand() < 0.5 ? pick(rand, 1000) : new Y.Text('v'))
    if (rand() < 0.2) map.delete(`k${pick(rand, 3)}`)
  } else if (r < 0.84) {
    const p = new Y.XmlElement(rand() < 0.5 ? 'paragraph' : 'heading')
    p.insert(0, [new Y.XmlText(`x${doc.clientID % 100}`)])
    xml.insert(pick(rand, xml.length + 1), [p])
  } else if (r < 0.92 && xml.length > 0) {
    const node = xml.get(pick(rand, xml.length))
    if (node instanceof Y.XmlElement) node.setAttribute('level', String(1 + pick(rand, 3)))
  } else if (xml.length > 0) {
    const at = pick(rand, xml.length)
    xml.delete(at, 1 + pick(rand, Math.min(3, xml.length - at)))
  } else {
    text.insert(0, 'q')
  }
}

/** What the document reads as: text with its formatting, map values and XML. */
export function contentOf(doc: Y.Doc): string {
  // key order follows who wrote first, which differs between copies of one document
  const json = doc.getMap('m').toJSON()
  const map = Object.fromEntries(Object.keys(json).sort().map((k) => [k, json[k]]))
  return JSON.stringify({ body: doc.getText('body').toDelta(), m: map, x: doc.getXmlFragment('x').toString() })
}
