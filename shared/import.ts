/**
 * A file as a document body of the shared schema: Markdown (CommonMark with GitHub's task lists
 * and strikethrough, and <u> for underline, as shared/export.ts writes them) or plain text (a
 * paragraph per line). What the schema has no place for keeps its text: images become their
 * description, tables and other HTML stay as written. A fence's info string names the code block's language. Links go through safeHref like pasted ones.
 */
import MarkdownIt from 'markdown-it'
import type { Node as PMNode } from 'prosemirror-model'
import { MarkdownParser } from 'prosemirror-markdown'
import { cleanLanguage } from './code-language.js'
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

/** markdown-it, CommonMark with strikethrough; inline HTML only for <u>, which becomes a mark; images as their description. */
function tokenizer(): MarkdownIt {
  const md = new MarkdownIt('commonmark', { html: true, linkify: false }).enable('strikethrough')
  // block HTML and any inline HTML other than <u> and </u> stay as text
  md.disable('html_block')
  md.core.ruler.push('underline', (state) => {
    for (const block of state.tokens) {
      for (const token of block.children ?? []) {
        // an image has no place in the schema: its description stays
        if (token.type === 'image') {
          token.type = 'text'
          token.content = token.children?.map((c) => c.content).join('') ?? token.content
          token.children = null
          continue
        }
        if (token.type !== 'html_inline') continue
        const tag = token.content.toLowerCase()
        if (tag === UNDERLINE.open) token.type = 'u_open'
        else if (tag === UNDERLINE.close) token.type = 'u_close'
        else token.type = 'text'
      }
    }
  })
  return md
}

const markdown = new MarkdownParser(schema, tokenizer(), {
  blockquote: { block: 'blockquote' },
  paragraph: { block: 'paragraph' },
  list_item: { block: 'list_item' },
  bullet_list: { block: 'bullet_list' },
  ordered_list: { block: 'ordered_list', getAttrs: (tok) => ({ order: Number(tok.attrGet('start') ?? 1) || 1 }) },
  heading: { block: 'heading', getAttrs: (tok) => ({ level: Math.min(3, Number(tok.tag.slice(1))) }) },
  code_block: { block: 'code_block', noCloseToken: true },
  // the info string's first word names the language (```js title="x" → js)
  fence: { block: 'code_block', noCloseToken: true, getAttrs: (tok) => ({ language: cleanLanguage(tok.info.trim().split(/\s+/)[0]) }) },
  hr: { node: 'horizontal_rule' },
  hardbreak: { node: 'hard_break' },
  em: { mark: 'italic' },
  strong: { mark: 'bold' },
  s: { mark: 'strike' },
  u: { mark: 'underline' },
  code_inline: { mark: 'code', noCloseToken: true },
  link: { mark: 'link', getAttrs: (tok) => ({ href: safeHref(tok.attrGet('href')) ?? '', title: tok.attrGet('title') || null }) },
})

/** Unchecked and checked task markers at the start of a list item, as GitHub writes them. */
const TASK = /^\[([ xX])\] /

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
      return schema.nodes.task_item!.create({ checked }, [first.cut(4), ...rest])
    })
    return schema.nodes.task_list!.create(null, items)
  }
  return node.type.create(node.attrs, children, node.marks)
}

/** The body of a Markdown file (an empty paragraph for an empty file). */
export function fromMarkdown(text: string): PMNode {
  const parsed = markdown.parse(text)
  const doc = tidy(parsed)
  return doc.childCount > 0 ? doc : schema.nodes.doc!.create(null, schema.nodes.paragraph!.create())
}

/** The body of a plain text file: a paragraph per line, blank lines kept as empty paragraphs. */
export function fromPlainText(text: string): PMNode {
  return schema.nodes.doc!.create(null, paragraphsOf(text))
}

/**
 * A file's title and body. Markdown: a first-level heading at the very start is the title (the
 * way shared/export.ts writes it); plain text: a first line followed by a blank line. Otherwise
 * the title is `fallbackTitle` (the file's name, say).
 */
export function importDocument(format: TextFormat, text: string, fallbackTitle = ''): { title: string; body: PMNode } {
  const body = format === 'markdown' ? fromMarkdown(text) : fromPlainText(text)
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
