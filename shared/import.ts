/**
 * A file as a document body of the shared schema: Markdown (CommonMark with GitHub's task lists
 * and strikethrough, and <u> for underline, as shared/export.ts writes them) or plain text (a
 * paragraph per line). What the schema has no place for keeps its text: tables and other HTML stay
 * as written. A fence's info string names the code block's language. Links go through safeHref
 * like pasted ones. Images become image nodes with their src as written; keepImages then decides
 * which stay (the server keeps only this server's images, see server/docs/file-worker.ts).
 */
import MarkdownIt from 'markdown-it'
import { Fragment, type Node as PMNode } from 'prosemirror-model'
import { MarkdownParser } from 'prosemirror-markdown'
import { cleanLanguage } from './code-language.js'
import { cleanImageText } from './images.js'
import { paragraphsOf } from './plain-text.js'
import { safeHref, schema } from './schema.js'

/** The file formats a document imports from (web pages: ./html-import.ts, which needs a DOM). */
export const IMPORT_FORMATS = ['markdown', 'text', 'html'] as const

/** One of IMPORT_FORMATS. */
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

/** The formats this module reads without a DOM. */
export type TextFormat = Exclude<ImportFormat, 'html'>

/** Largest file imported, in UTF-16 code units (what a person would still call a document). */
export const MAX_IMPORT_CHARS = 2_000_000

/** Token types markdown-it gives for an underline written as inline HTML. */
const UNDERLINE = { open: '<u>', close: '</u>' }

/** `<br>`, `<br/>` and `<br />` as inline HTML. */
const LINE_BREAK = /^<br\s*\/?>$/

/** markdown-it, CommonMark with strikethrough and tables; inline HTML only for <u>, which becomes a mark, and <br>, a line break. */
function tokenizer(): MarkdownIt {
  const md = new MarkdownIt('commonmark', { html: true, linkify: false }).enable(['strikethrough', 'table'])
  // block HTML and any inline HTML other than <u> and </u> stay as text
  md.disable('html_block')
  md.core.ruler.push('underline', (state) => {
    for (const block of state.tokens) {
      for (const token of block.children ?? []) {
        if (token.type !== 'html_inline') continue
        const tag = token.content.toLowerCase()
        if (tag === UNDERLINE.open) token.type = 'u_open'
        else if (tag === UNDERLINE.close) token.type = 'u_close'
        // a line break written as HTML (READMEs do, in lists and tables): a line break, not "<br>"
        else if (LINE_BREAK.test(tag)) token.type = 'hardbreak'
        else token.type = 'text'
      }
    }
  })
  return md
}

/** The number an ordered list starts at, from its token's `start` (none: 1). */
function startOf(start: string | null): number {
  const order = Number(start ?? 1)
  return Number.isInteger(order) ? order : 1
}

const markdown = new MarkdownParser(schema, tokenizer(), {
  blockquote: { block: 'blockquote' },
  paragraph: { block: 'paragraph' },
  list_item: { block: 'list_item' },
  bullet_list: { block: 'bullet_list' },
  // a list may start at 0 ("0. "): as the editor's shortcut and a pasted <ol start="0"> make one
  ordered_list: { block: 'ordered_list', getAttrs: (tok) => ({ order: startOf(tok.attrGet('start')) }) },
  heading: { block: 'heading', getAttrs: (tok) => ({ level: Math.min(3, Number(tok.tag.slice(1))) }) },
  code_block: { block: 'code_block', noCloseToken: true },
  // the info string's first word names the language (```js title="x" → js)
  fence: { block: 'code_block', noCloseToken: true, getAttrs: (tok) => ({ language: cleanLanguage(tok.info.trim().split(/\s+/)[0]) }) },
  hr: { node: 'horizontal_rule' },
  // GitHub's tables: the schema has none, so each cell is a paragraph, as a pasted or imported
  // web page's table is (its cells' text no longer run together with the pipes between them)
  table: { ignore: true },
  thead: { ignore: true },
  tbody: { ignore: true },
  tr: { ignore: true },
  th: { block: 'paragraph' },
  td: { block: 'paragraph' },
  // the description's text (markdown-it parses it as inline content; its marks say nothing here)
  image: {
    node: 'image',
    getAttrs: (tok) => ({
      src: (tok.attrGet('src') ?? '').slice(0, 4096),
      alt: cleanImageText(tok.children?.map((c) => c.content).join('') ?? tok.content),
      title: cleanImageText(tok.attrGet('title')) || null,
    }),
  },
  hardbreak: { node: 'hard_break' },
  em: { mark: 'italic' },
  strong: { mark: 'bold' },
  s: { mark: 'strike' },
  u: { mark: 'underline' },
  code_inline: { mark: 'code', noCloseToken: true },
  link: { mark: 'link', getAttrs: (tok) => ({ href: safeHref(tok.attrGet('href')) ?? '', title: tok.attrGet('title') || null }) },
})

/** Unchecked and checked task markers at the start of a list item, as GitHub writes them; alone, an empty task. */
const TASK = /^\[([ xX])\](?: |$)/

/**
 * Lists whose every item starts with a task marker become task lists; links whose href was not
 * allowed (an empty href after safeHref) become their text.
 */
function tidy(node: PMNode): PMNode {
  const children: PMNode[] = []
  node.forEach((child) => children.push(tidy(child)))
  if (node.isText) {
    const link = node.marks.find((m) => m.type === schema.marks.link && m.attrs.href === '')
    return link ? node.mark(link.removeFromSet(node.marks)) : node
  }
  if (node.type === schema.nodes.bullet_list && children.every((item) => TASK.test(item.firstChild?.textContent ?? ''))) {
    const items = children.map((item) => {
      const first = item.firstChild!
      const checked = TASK.exec(first.textContent)![1] !== ' '
      const rest: PMNode[] = []
      item.forEach((child, _offset, i) => void (i > 0 && rest.push(child)))
      // an empty task is "[ ]" alone: the line's last space does not come through Markdown
      return schema.nodes.task_item!.create({ checked }, [first.cut(Math.min(4, first.content.size)), ...rest])
    })
    return schema.nodes.task_list!.create(null, items)
  }
  return node.type.create(node.attrs, children, node.marks)
}

/** Which src an image of an imported or pasted body keeps (its src, perhaps rewritten), or null for none. */
export type KeepImage = (src: string) => string | null

/** Keeps no image: the default of every import, which must not make readers fetch what a file names. */
export const NO_IMAGES: KeepImage = () => null

/**
 * `body` with each image whose src `keep` maps to a src of its own kept with that src; any other
 * image becomes its alt text, linked to its src when that is an allowed link (a web page's image
 * stays one click away, and nobody's browser fetches it). One without alt text goes (tracking
 * pixels, spacers), and so does a block left empty by that, where its parent can do without it.
 */
export function keepImages(body: PMNode, keep: KeepImage): PMNode {
  const children: PMNode[] = []
  // indexes in `children` of blocks emptied by dropping their images
  const emptied = new Set<number>()
  let changed = false
  body.forEach((child) => {
    if (child.type !== schema.nodes.image) {
      const next = child.isLeaf ? child : keepImages(child, keep)
      changed ||= next !== child
      if (next !== child && next.isTextblock && next.content.size === 0) emptied.add(children.length)
      children.push(next)
      return
    }
    changed = true
    const src = typeof child.attrs.src === 'string' ? child.attrs.src : ''
    const kept = keep(src)
    if (kept !== null) {
      children.push(schema.nodes.image!.create({ ...child.attrs, src: kept }, null, child.marks))
      return
    }
    const alt = cleanImageText(child.attrs.alt)
    if (alt === '') return
    const href = safeHref(src)
    const linked = href !== null && !child.marks.some((m) => m.type === schema.marks.link)
    children.push(schema.text(alt, linked ? schema.marks.link!.create({ href, title: null }).addToSet(child.marks) : child.marks))
  })
  if (!changed) return body
  const without = children.filter((_, i) => !emptied.has(i))
  const content = emptied.size > 0 && body.type.validContent(Fragment.fromArray(without)) ? without : children
  return body.type.create(body.attrs, content, body.marks)
}

/** The body of a Markdown file (an empty paragraph for an empty file); `keep` decides its images (keepImages). */
export function fromMarkdown(text: string, keep: KeepImage = NO_IMAGES): PMNode {
  const parsed = markdown.parse(text)
  const doc = keepImages(tidy(parsed), keep)
  return doc.childCount > 0 ? doc : schema.nodes.doc!.create(null, schema.nodes.paragraph!.create())
}

/** The body of a plain text file: a paragraph per line, blank lines kept as empty paragraphs. */
export function fromPlainText(text: string): PMNode {
  return schema.nodes.doc!.create(null, paragraphsOf(text))
}

/** YAML front matter opening a Markdown file: between two `---` lines (the second may be `...`). */
const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/

/** A line of YAML as front matter holds it: `key: value`, a list entry, an indented line, a comment or nothing. */
const YAML_LINE = /^(?:\s*$|\s*#|\s*- |\s+\S|[\w.-]+\s*:(?:\s|$))/

/**
 * The YAML front matter opening `text` (Jekyll, Hugo, Obsidian and GitHub write and read it): its
 * length, and its `title` when it has one. Null when the file opens otherwise, or what stands
 * between the `---` lines is not such YAML (Markdown: a line, then text).
 */
function frontMatter(text: string): { length: number; title: string | null } | null {
  const found = FRONT_MATTER.exec(text)
  if (!found) return null
  const lines = found[1]!.split(/\r?\n/)
  if (!lines.every((line) => YAML_LINE.test(line))) return null
  const value = lines.map((line) => /^title\s*:\s*(.*?)\s*$/.exec(line)?.[1]).find((v) => v !== undefined) ?? ''
  const title = /^(["'])(.*)\1$/.exec(value)?.[2] ?? value
  return { length: found[0].length, title: title.trim() || null }
}

/**
 * A file's title and body. Markdown: a first-level heading at the very start is the title (the
 * way shared/export.ts writes it), else the `title` of YAML front matter, which is left out of the
 * body; plain text: a first line followed by a blank line. Otherwise the title is
 * `fallbackTitle` (the file's name, say).
 */
export function importDocument(format: TextFormat, text: string, fallbackTitle = '', keep: KeepImage = NO_IMAGES): { title: string; body: PMNode } {
  const front = format === 'markdown' ? frontMatter(text) : null
  if (front) {
    text = text.slice(front.length)
    if (front.title) fallbackTitle = front.title
  }
  const body = format === 'markdown' ? fromMarkdown(text, keep) : fromPlainText(text)
  const first = body.firstChild
  if (format === 'markdown' && first?.type === schema.nodes.heading && first.attrs.level === 1 && body.childCount > 0) {
    const rest = body.content.cut(first.nodeSize)
    return { title: first.textContent, body: schema.nodes.doc!.create(null, rest.size > 0 ? rest : schema.nodes.paragraph!.create()) }
  }
  if (format === 'text' && body.childCount > 2 && body.child(1).content.size === 0 && first!.textContent.trim() !== '') {
    return { title: first!.textContent, body: schema.nodes.doc!.create(null, body.content.cut(first!.nodeSize + body.child(1).nodeSize)) }
  }
  return { title: fallbackTitle, body }
}
