/**
 * Microsoft Word (for Windows and macOS) puts a list on the clipboard as paragraphs styled
 * `mso-list:l0 level1 lfo1`, each starting with its bullet or number as text in a
 * `mso-list:Ignore` span. ProseMirror took them for paragraphs beginning "·       First". This
 * turns each run of such paragraphs into nested <ul>/<ol> lists, without those markers. Works on
 * any standard DOM (the browser's on paste, the server's on import), hence no DOM globals here.
 */

/** Node types of the DOM standard (the global `Node` exists only in browsers). */
const ELEMENT_NODE = 1
const TEXT_NODE = 3
const COMMENT_NODE = 8

/** The level (1-based) of a Word list paragraph, or 0 for another element. */
function wordListLevel(el: Element): number {
  if (el.localName !== 'p') return 0
  const match = /mso-list:\s*l\d+\s+level(\d+)/i.exec(el.getAttribute('style') ?? '')
  return match ? Number(match[1]) : 0
}

/** The next element sibling of `node` when only white space and comments lie between, else null. */
function nextAdjacent(node: Element): Element | null {
  let next = node.nextSibling
  while (next && (next.nodeType === COMMENT_NODE || (next.nodeType === TEXT_NODE && !/\S/.test(next.textContent ?? '')))) next = next.nextSibling
  return next?.nodeType === ELEMENT_NODE ? (next as Element) : null
}

/** Takes the bullet or number out of a Word list paragraph; returns it ('' when there is none). */
function takeMarker(p: Element): string {
  let marker = ''
  for (const span of p.querySelectorAll('[style*="mso-list:ignore" i]')) {
    marker ||= (span.textContent ?? '').replace(/\s+/g, '')
    span.remove()
  }
  return marker
}

/** Rewrites the Word list paragraphs under `root` as HTML lists. */
export function wordListsToLists(root: ParentNode & Node): void {
  const doc = root.ownerDocument ?? (root as Document)
  for (let first = root.querySelector('p[style*="mso-list"]'); first; first = root.querySelector('p[style*="mso-list"]')) {
    // a run of adjacent list paragraphs, as one list (nested by level)
    const run: Element[] = []
    for (let p: Element | null = first; p && wordListLevel(p) > 0; p = nextAdjacent(p)) run.push(p)
    if (run.length === 0) {
      // styled mso-list but not a list paragraph (mso-list:none and the like)
      first.removeAttribute('style')
      continue
    }
    const stack: Array<{ list: Element; level: number }> = []
    for (const p of run) {
      const level = wordListLevel(p)
      const marker = takeMarker(p)
      const number = /^(\d+)[.)]?$/.exec(marker)
      const tag = number || /^[a-z]{1,4}[.)]$/i.test(marker) ? 'ol' : 'ul'
      while (stack.length > 0 && stack[stack.length - 1]!.level > level) stack.pop()
      let top = stack[stack.length - 1]
      if (top && top.level === level && top.list.localName !== tag) {
        stack.pop()
        top = stack[stack.length - 1]
      }
      if (!top || top.level < level) {
        const list = doc.createElement(tag)
        if (number && number[1] !== '1') list.setAttribute('start', number[1]!)
        if (top) (top.list.lastElementChild ?? top.list).append(list)
        else p.before(list)
        top = { list, level }
        stack.push(top)
      }
      const item = doc.createElement('li')
      p.removeAttribute('style')
      top.list.append(item)
      item.append(p)
    }
  }
}
