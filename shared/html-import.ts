/**
 * A web page as a document: its title and a body of the shared schema, read the way the editor
 * reads the same page pasted (html-clean.ts, then the schema's parse rules), so a page pastes and
 * imports alike. Works on a page parsed by any standard DOM: the server's file worker parses with
 * jsdom (server/docs/html-page.ts), a browser with its own. Nothing of the page runs: only the
 * elements and attributes the schema's rules read become content, and those re-check what they
 * take (links through safeHref).
 */
import { DOMParser, type Node as PMNode } from 'prosemirror-model'
import { cleanTitle } from './doc-fields.js'
import { cleanHTML } from './html-clean.js'
import { keepImages, NO_IMAGES, type KeepImage } from './import.js'
import { schema } from './schema.js'

/** A file that is not HTML one can read: its message says why, for the person importing it. */
export class UnreadableHTMLError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnreadableHTMLError'
  }
}

/** Control characters no HTML (nor any text) file holds: a binary file sent as a page. */
// eslint-disable-next-line no-control-regex
const BINARY = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/

/** A tag, an end tag, a comment or a doctype: what shows the text is HTML at all. */
const MARKUP = /<(?:[a-z]|\/[a-z]|!)/i

/**
 * Deepest nesting of elements a page may have. Parsers and ProseMirror walk a page recursively:
 * a page of thousands of nested lists took seconds per level and then ran out of stack. Chrome's
 * own parser stops nesting at 512; real pages (Google Docs, Word, articles) stay below 30.
 */
export const MAX_HTML_DEPTH = 256

/** Elements with no end tag, and those whose end tag may be left out: they add no nesting to count. */
const NOT_NESTING = new Set(
  'area base br col embed hr img input link meta param source track wbr html head body p li dt dd option optgroup tr td th thead tbody tfoot colgroup caption rb rt rtc rp'.split(' '),
)

/** Elements whose content is text, not elements: a "<div>" in a script is no element. */
const RAW_TEXT = new Set('script style textarea title xmp noscript template iframe noembed noframes plaintext'.split(' '))

/**
 * How deep the elements of `text` nest, as its tags say (an estimate from below: elements whose
 * end tag may be left out are not counted, nor what comments and scripts hold), counted up to
 * `limit` and in one pass (no pattern here scans past the next "<"). Before any parser: jsdom
 * takes about half a millisecond per level, so a page of 100,000 nested <div>s would hold the
 * file worker, and every import and export waiting behind it, for a minute.
 */
function nestingOf(text: string, limit: number): number {
  const tags = /<!--|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*?(\/?)>/g
  const open: string[] = []
  for (let match = tags.exec(text); match && open.length <= limit; match = tags.exec(text)) {
    const [found, end, name, selfClosing] = match
    const skipTo = (closer: string) => {
      const at = text.indexOf(closer, tags.lastIndex)
      tags.lastIndex = at < 0 ? text.length : at + closer.length
    }
    if (found === '<!--') {
      skipTo('-->')
      continue
    }
    const tag = name!.toLowerCase()
    if (!end && RAW_TEXT.has(tag)) skipTo(`</${tag}`)
    if (NOT_NESTING.has(tag) || selfClosing || RAW_TEXT.has(tag)) continue
    if (!end) open.push(tag)
    else {
      // an end tag closes its element and whatever was left open inside it; a stray one nothing
      const at = open.lastIndexOf(tag)
      if (at >= 0) open.length = at
    }
  }
  return open.length
}

/** Throws UnreadableHTMLError when `text` is not HTML one can read: binary, text without markup, nested too deep. */
export function checkHTML(text: string): void {
  if (BINARY.test(text)) throw new UnreadableHTMLError('the file is not HTML: it holds binary data')
  if (!MARKUP.test(text)) throw new UnreadableHTMLError('the file is not HTML: it has no tags')
  if (nestingOf(text, MAX_HTML_DEPTH) > MAX_HTML_DEPTH) throw new UnreadableHTMLError(`the page nests its content more than ${MAX_HTML_DEPTH} levels deep`)
}

/**
 * Applies the page's style sheets to its elements as inline styles, as ProseMirror's paste does
 * with a pasted sheet: pages (Google Docs' "Download as HTML") make text bold or italic through
 * classes, which the schema's style rules see only inline. The element's own style wins.
 */
function inlineStyleSheets(page: Document): void {
  const fromSheets = new Map<Element, string>()
  for (const sheet of page.styleSheets) {
    for (const rule of sheet.cssRules) {
      // style rules only: not @media, @font-face, @import
      if (!('selectorText' in rule)) continue
      const { selectorText, style } = rule as CSSStyleRule
      let matched: NodeListOf<Element>
      try {
        matched = page.querySelectorAll(selectorText)
      } catch {
        continue // a selector this DOM cannot match (::selection and the like)
      }
      for (const el of matched) fromSheets.set(el, `${fromSheets.get(el) ?? ''}${style.cssText};`)
    }
  }
  for (const [el, css] of fromSheets) el.setAttribute('style', css + (el.getAttribute('style') ?? ''))
}

/** Inline elements in which a last `<br>` is a line break of its own, not the end of a block. */
const INLINE_PARENT = /^(a|abbr|acronym|b|cite|code|del|em|i|ins|kbd|label|output|q|ruby|s|samp|span|strong|sub|sup|time|u|tt|var)$/i

const parser = DOMParser.fromSchema(schema)

/** The body of `page` in the schema; empty: one empty paragraph. */
function bodyOf(page: Document): PMNode {
  inlineStyleSheets(page)
  const root = page.body ?? page.documentElement
  cleanHTML(root)
  // as ProseMirror's paste does: a <br> ending a block only keeps a browser from collapsing an empty line
  for (const br of [...root.querySelectorAll('br')]) if (!br.nextSibling && br.parentNode && !INLINE_PARENT.test(br.parentNode.nodeName)) br.remove()
  return parser.parse(root)
}

/** Throws UnreadableHTMLError when elements under `root` nest deeper than MAX_HTML_DEPTH (walked without recursion). */
function checkDepth(root: Element): void {
  const pending: Array<[Element, number]> = [[root, 0]]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [el, depth] = next
    if (depth > MAX_HTML_DEPTH) throw new UnreadableHTMLError(`the page nests its content more than ${MAX_HTML_DEPTH} levels deep`)
    for (const child of el.children) pending.push([child, depth + 1])
  }
}

/** `body` without its first block, or one empty paragraph when nothing else is left. */
function withoutFirst(body: PMNode): PMNode {
  const rest = body.content.cut(body.firstChild!.nodeSize)
  return schema.nodes.doc!.create(null, rest.size > 0 ? rest : schema.nodes.paragraph!.create())
}

/**
 * The title and body of a parsed web page. `title` given (by the person importing): the page
 * stays whole. Otherwise the page's <title> (a first heading saying the same goes, as Tandem's
 * own web page has both), else its first heading (taken out when it opens the page), else
 * `fallbackTitle` (the file's name). `keep` decides which images stay (shared/import.ts keepImages).
 */
export function importHTML(page: Document, fallbackTitle: string, title: string | null = null, keep: KeepImage = NO_IMAGES): { title: string; body: PMNode } {
  const own = cleanTitle(page.title ?? '')
  checkDepth(page.documentElement)
  const body = keepImages(bodyOf(page), keep)
  if (title !== null) return { title, body }
  const first = body.firstChild!
  const opensWithHeading = first.type === schema.nodes.heading
  if (own !== '') return { title: own, body: opensWithHeading && cleanTitle(first.textContent) === own ? withoutFirst(body) : body }
  if (opensWithHeading && first.textContent.trim() !== '') return { title: first.textContent, body: withoutFirst(body) }
  let heading = ''
  body.descendants((node) => {
    if (heading === '' && node.type === schema.nodes.heading) heading = node.textContent.trim()
    return heading === ''
  })
  return { title: heading || fallbackTitle, body }
}
