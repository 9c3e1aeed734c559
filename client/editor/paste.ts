/**
 * HTML pasted from other applications, made to read as it looked there before ProseMirror parses
 * it (ProseMirror's own clipboard HTML, marked `data-pm-slice`, is left as it is):
 *
 * - A `<br>` on a line of its own between blocks (an empty paragraph of Google Docs, an empty
 *   line of VS Code) or alone in a `<div>` (Gmail's empty line) becomes an empty paragraph.
 *   ProseMirror made the first a paragraph holding a line break, two lines high, and dropped
 *   the second.
 * - Table cells become blocks, each cell a paragraph: the schema has no tables, and ProseMirror
 *   ran the text of a table's cells together ("NameQtyapples3").
 * - Microsoft Word's list paragraphs become lists (see word-lists.ts).
 * - A link's own underline goes: Google Docs (and many web pages) paint links with an inline
 *   `text-decoration: underline`, which made every pasted link underlined text as well (still
 *   underlined once the link was removed).
 */
import { Plugin } from 'prosemirror-state'
import { wordListsToLists } from './word-lists.js'

/** Elements a browser lays out as blocks (a line of their own), as far as pasted HTML has them. */
const BLOCKS = new Set(
  'address article aside blockquote dd details div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul'.split(' '),
)

/** Blocks that become a textblock themselves: a lone `<br>` in one is already an empty line. */
const TEXTBLOCKS = new Set('h1 h2 h3 h4 h5 h6 li p pre'.split(' '))

const isBlock = (node: Node): node is Element => node.nodeType === Node.ELEMENT_NODE && BLOCKS.has((node as Element).localName)

/** The nearest sibling of `node` on `side` that shows something (not a comment, not white space). */
function shownSibling(node: Node, side: 'previousSibling' | 'nextSibling'): Node | null {
  let sibling = node[side]
  while (sibling && (sibling.nodeType === Node.COMMENT_NODE || (sibling.nodeType === Node.TEXT_NODE && !/\S/.test(sibling.textContent ?? '')))) sibling = sibling[side]
  return sibling
}

/** True when `br` is the only thing on its line and that line is not already a textblock. */
function emptyLine(br: Element): boolean {
  // Chrome's mark that the copy took in the end of a block: no line of its own
  if (br.classList.contains('Apple-interchange-newline')) return false
  const before = shownSibling(br, 'previousSibling')
  const after = shownSibling(br, 'nextSibling')
  if ((before && !isBlock(before)) || (after && !isBlock(after))) return false
  if (before || after) return true
  const parent = br.parentNode
  return parent !== null && isBlock(parent) && !TEXTBLOCKS.has(parent.localName)
}

/** Takes the underline out of the inline style of `el` (other decorations stay). */
function dropUnderline(el: HTMLElement): void {
  const lines = el.style.textDecorationLine.split(/\s+/).filter((line) => line !== '' && line !== 'underline')
  el.style.textDecorationLine = lines.join(' ')
}

/** `html` from another application cleaned as the module doc says. */
export function cleanPastedHTML(html: string): string {
  if (html.includes('data-pm-slice')) return html
  const template = document.createElement('template')
  template.innerHTML = html
  const root = template.content
  wordListsToLists(root)
  for (const br of [...root.querySelectorAll('br')]) if (emptyLine(br)) br.replaceWith(document.createElement('p'))
  for (const cell of root.querySelectorAll('td, th')) {
    const block = document.createElement('div')
    block.append(...cell.childNodes)
    cell.append(block)
  }
  for (const el of root.querySelectorAll<HTMLElement>('a[href][style], a[href] [style]')) dropUnderline(el)
  return template.innerHTML
}

/** Cleans HTML pasted (or dropped) from other applications, see cleanPastedHTML. */
export function pastePlugin(): Plugin {
  return new Plugin({ props: { transformPastedHTML: (html) => cleanPastedHTML(html) } })
}
