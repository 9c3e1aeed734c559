/**
 * HTML from other applications (a paste, an imported web page) made to read as it looked there
 * before ProseMirror parses it with the schema's rules. Both the editor's paste and the server's
 * import run it, on the browser's DOM and on the server's, so a page pastes and imports alike:
 *
 * - What is not content goes: scripts, frames, embedded objects, forms' controls, media.
 *   ProseMirror already skips scripts and styles, but read a frame's or a template's text as text.
 * - A `<br>` on a line of its own between blocks (an empty paragraph of Google Docs, an empty
 *   line of VS Code) or alone in a `<div>` (Gmail's empty line) becomes an empty paragraph.
 *   ProseMirror made the first a paragraph holding a line break, two lines high, and dropped
 *   the second.
 * - Table cells become blocks, each cell a paragraph: the schema has no tables, and ProseMirror
 *   ran the text of a table's cells together ("NameQtyapples3").
 * - Microsoft Word's list paragraphs become lists (see word-lists.ts).
 * - Google Docs' downloaded page gets its nested lists and its links back (see google-docs.ts).
 * - Google Docs' checklist boxes (an image each, alt "checked" or "unchecked") go: the item says
 *   whether it is done; as images they would become words in the item.
 * - A list item that opens with a heading, a quote, code, a line or a list (`<li><h2>`,
 *   `<li><ul>`) gets an empty paragraph first, as an imported Markdown file's does: the schema's
 *   items open with a paragraph, so ProseMirror closed the list there and set the block after
 *   it, and the items that followed became a new bulleted list, numbered ones included.
 * - A link's own underline goes: Google Docs (and many web pages) paint links with an inline
 *   `text-decoration: underline`, which made every pasted link underlined text as well (still
 *   underlined once the link was removed).
 *
 * No DOM globals: everything comes from the root's own document.
 */
import { fixGoogleDocsDownload } from './google-docs.js'
import { wordListsToLists } from './word-lists.js'

/** Node types of the DOM standard (the global `Node` exists only in browsers). */
const ELEMENT_NODE = 1
const TEXT_NODE = 3
const COMMENT_NODE = 8

/**
 * Elements that hold no document content: taken out with everything inside them. Not <style>:
 * ProseMirror's paste applies a pasted style sheet to the elements (and skips the element).
 */
const NOT_CONTENT =
  'script, link, meta, base, title, template, noscript, iframe, frame, frameset, object, embed, applet, noembed, noframes, svg, math, canvas, audio, video, picture, map, select, datalist, textarea, button, input'

/** Elements a browser lays out as blocks (a line of their own), as far as pasted HTML has them. */
const BLOCKS = new Set(
  'address article aside blockquote dd details div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul'.split(' '),
)

/** Blocks that become a textblock themselves: a lone `<br>` in one is already an empty line. */
const TEXTBLOCKS = new Set('h1 h2 h3 h4 h5 h6 li p pre'.split(' '))

/** Blocks of the schema that cannot open a list item (it opens with a paragraph). */
const NOT_OPENING_ITEM = new Set('blockquote h1 h2 h3 h4 h5 h6 hr ol pre ul'.split(' '))

/** Blocks ProseMirror reads through (no node of their own): what opens one opens its parent. */
const READ_THROUGH = new Set('address article aside details div fieldset figure footer form header hgroup main nav section'.split(' '))

const isBlock = (node: Node): node is Element => node.nodeType === ELEMENT_NODE && BLOCKS.has((node as Element).localName)

/** The nearest sibling of `node` on `side` that shows something (not a comment, not white space). */
function shownSibling(node: Node, side: 'previousSibling' | 'nextSibling'): Node | null {
  let sibling = node[side]
  while (sibling && (sibling.nodeType === COMMENT_NODE || (sibling.nodeType === TEXT_NODE && !/\S/.test(sibling.textContent ?? '')))) sibling = sibling[side]
  return sibling
}

/** The first child of `el` that shows something (not a comment, not white space). */
function firstShown(el: Element): Node | null {
  const first = el.firstChild
  if (!first || (first.nodeType !== COMMENT_NODE && !(first.nodeType === TEXT_NODE && !/\S/.test(first.textContent ?? '')))) return first
  return shownSibling(first, 'nextSibling')
}

/** The block of `item` (an `<li>`) that opens it when the schema cannot open a list item with it. */
function blockOpening(item: Element): Element | null {
  let first = firstShown(item)
  while (first && first.nodeType === ELEMENT_NODE && READ_THROUGH.has((first as Element).localName)) first = firstShown(first as Element)
  return first && first.nodeType === ELEMENT_NODE && NOT_OPENING_ITEM.has((first as Element).localName) ? (first as Element) : null
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
  return parent !== null && isBlock(parent) && !TEXTBLOCKS.has((parent as Element).localName)
}

/**
 * Takes the underline out of the inline style of `el` (other decorations stay). Both the longhand
 * and the shorthand: a browser answers either for the other, a server's DOM only the one written.
 */
function dropUnderline(el: HTMLElement): void {
  for (const property of ['text-decoration-line', 'text-decoration']) {
    const value = el.style.getPropertyValue(property)
    if (!/\bunderline\b/.test(value)) continue
    const rest = value.split(/\s+/).filter((word) => word !== '' && word !== 'underline')
    if (rest.length > 0) el.style.setProperty(property, rest.join(' '))
    else el.style.removeProperty(property)
  }
}

/** Cleans the HTML under `root` in place, as the module doc says. */
export function cleanHTML(root: ParentNode & Node): void {
  const doc = root.ownerDocument ?? (root as Document)
  for (const el of [...root.querySelectorAll(NOT_CONTENT)]) el.remove()
  wordListsToLists(root)
  fixGoogleDocsDownload(root)
  for (const br of [...root.querySelectorAll('br')]) if (emptyLine(br)) br.replaceWith(doc.createElement('p'))
  for (const cell of root.querySelectorAll('td, th')) {
    const block = doc.createElement('div')
    block.append(...cell.childNodes)
    cell.append(block)
  }
  for (const item of root.querySelectorAll('li')) blockOpening(item)?.before(doc.createElement('p'))
  for (const img of [...root.querySelectorAll('img[aria-roledescription="checkbox"]')]) img.remove()
  for (const el of root.querySelectorAll<HTMLElement>('a[href][style], a[href] [style]')) dropUnderline(el)
}
