/**
 * The ProseMirror schema of a Tandem document body (the Y.XmlFragment `content`, bound with
 * y-prosemirror). Shared by the browser editor and, later, by the server (exports, search).
 *
 * Nodes: paragraph, heading (levels 1-3), blockquote, code_block (language), horizontal_rule, hard_break,
 * image (src, alt, title), bullet_list / ordered_list with list_item, task_list with task_item
 * (checked), all nestable.
 * Marks: link (http, https and mailto only), bold, italic, underline, strike, code.
 *
 * Attributes arriving from other peers are untrusted (the server relays Yjs updates without
 * knowing the schema), so every toDOM re-checks what it renders: a link whose href is not an
 * allowed URL renders without an href, a heading level outside 1-3 renders as level 1 or 3, an
 * image whose src is not an image of this server (shared/images.ts) renders without a src.
 */
import { Schema, type DOMOutputSpec, type MarkSpec, type Mark, type Node as PMNode, type NodeSpec } from 'prosemirror-model'
import { cleanLanguage, languageOfElement } from './code-language.js'
import { cleanImageText, safeImageSrc } from './images.js'

/** URL schemes a link may use; any other link is dropped (pasted) or refused (typed). */
export const LINK_PROTOCOLS: readonly string[] = ['http:', 'https:', 'mailto:']

/** Longest href kept. */
export const MAX_HREF_LENGTH = 2048

/**
 * The href to render for an untrusted link, or null when it is not an absolute http, https or
 * mailto URL. The string is returned trimmed but otherwise as given.
 */
export function safeHref(href: unknown): string | null {
  if (typeof href !== 'string') return null
  const trimmed = href.trim()
  if (trimmed === '' || trimmed.length > MAX_HREF_LENGTH) return null
  // browsers strip ASCII tab and newline anywhere in a URL ("java\nscript:"); refuse them outright
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return null
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    return null
  }
  if (!LINK_PROTOCOLS.includes(url.protocol)) return null
  if (url.protocol !== 'mailto:' && url.hostname === '') return null
  return trimmed
}

/**
 * Turns what a person typed into a link dialog into an allowed href: `example.com/x` becomes
 * `https://example.com/x`, `someone@example.com` becomes a mailto link. Null when nothing
 * acceptable can be made of it (for instance `javascript:` URLs).
 */
export function normalizeLinkInput(input: string): string | null {
  const text = input.trim()
  if (text === '') return null
  // a scheme, unless it is really `host:port`
  if (/^[a-z][a-z0-9+.-]*:(?!\d)/i.test(text)) return safeHref(text)
  if (/^[^\s@/:]+@[^\s@/:]+\.[^\s@/:]+$/.test(text)) return safeHref(`mailto:${text}`)
  if (text.startsWith('//')) return safeHref(`https:${text}`)
  return safeHref(`https://${text}`)
}

/** Heading levels the schema has. */
export const HEADING_LEVELS = [1, 2, 3] as const

const clampLevel = (level: unknown): 1 | 2 | 3 => {
  const n = Math.round(Number(level))
  return n >= 3 ? 3 : n === 2 ? 2 : 1
}

/**
 * The language of a pasted `<pre>`: named on it, on its `<code>`, or (GitHub's rendered Markdown)
 * by a `highlight-source-x` class on the block around it.
 */
function preLanguage(pre: HTMLElement): string | null {
  const code = pre.querySelector(':scope > code')
  const named = languageOfElement(pre) ?? (code && languageOfElement(code))
  if (named) return named
  const source = /(?:^|\s)highlight-source-([\w+#.-]+)/.exec(pre.parentElement?.className ?? '')
  return source ? cleanLanguage(source[1]) : null
}

const nodes: Record<string, NodeSpec> = {
  doc: { content: 'block+' },

  paragraph: {
    group: 'block',
    content: 'inline*',
    parseDOM: [{ tag: 'p' }],
    toDOM: (): DOMOutputSpec => ['p', 0],
  },

  heading: {
    group: 'block',
    content: 'inline*',
    attrs: { level: { default: 1, validate: 'number' } },
    defining: true,
    parseDOM: [
      { tag: 'h1', attrs: { level: 1 } },
      { tag: 'h2', attrs: { level: 2 } },
      { tag: 'h3', attrs: { level: 3 } },
      { tag: 'h4', attrs: { level: 3 } },
      { tag: 'h5', attrs: { level: 3 } },
      { tag: 'h6', attrs: { level: 3 } },
    ],
    toDOM: (node): DOMOutputSpec => [`h${clampLevel(node.attrs.level)}`, 0],
  },

  blockquote: {
    group: 'block',
    content: 'block+',
    defining: true,
    parseDOM: [{ tag: 'blockquote' }],
    toDOM: (): DOMOutputSpec => ['blockquote', 0],
  },

  code_block: {
    group: 'block',
    content: 'text*',
    marks: '',
    code: true,
    defining: true,
    // no `validate`: y-prosemirror deletes a node whose attributes throw, and a peer's bad value
    // must cost the highlighting, not the code (toDOM and the exports re-check it). A block
    // without it (written before) is plain text. A client without the attribute reads the block
    // fine (ProseMirror drops attributes it does not know), but y-prosemirror removes it from the
    // shared element once that client edits the block: the code stays, the language goes.
    attrs: { language: { default: null } },
    parseDOM: [{ tag: 'pre', preserveWhitespace: 'full', getAttrs: (dom) => ({ language: preLanguage(dom as HTMLElement) }) }],
    toDOM: (node): DOMOutputSpec => {
      const language = cleanLanguage(node.attrs.language)
      return language ? ['pre', { 'data-language': language }, ['code', { class: `language-${language}` }, 0]] : ['pre', ['code', 0]]
    },
  },

  horizontal_rule: {
    group: 'block',
    parseDOM: [{ tag: 'hr' }],
    toDOM: (): DOMOutputSpec => ['hr'],
  },

  bullet_list: {
    group: 'block',
    content: 'list_item+',
    parseDOM: [{ tag: 'ul' }],
    toDOM: (): DOMOutputSpec => ['ul', 0],
  },

  ordered_list: {
    group: 'block',
    content: 'list_item+',
    attrs: { order: { default: 1, validate: 'number' } },
    parseDOM: [
      {
        tag: 'ol',
        getAttrs: (dom) => {
          const start = Number((dom as HTMLElement).getAttribute('start') ?? 1)
          return { order: Number.isInteger(start) ? start : 1 }
        },
      },
    ],
    toDOM: (node): DOMOutputSpec => {
      const order = Number.isInteger(node.attrs.order) ? (node.attrs.order as number) : 1
      return order === 1 ? ['ol', 0] : ['ol', { start: String(order) }, 0]
    },
  },

  list_item: {
    content: 'paragraph block*',
    defining: true,
    parseDOM: [{ tag: 'li' }],
    toDOM: (): DOMOutputSpec => ['li', 0],
  },

  task_list: {
    group: 'block',
    content: 'task_item+',
    // before the plain `ul` rule: a task list is a ul marked as one, or (Google Docs' checklist)
    // a ul of checkbox items
    parseDOM: [
      { tag: 'ul[data-type="task-list"]', priority: 60 },
      { tag: 'ul', priority: 55, getAttrs: (dom) => ((dom as HTMLElement).querySelector(':scope > li[role="checkbox"]') ? null : false) },
    ],
    toDOM: (): DOMOutputSpec => ['ul', { 'data-type': 'task-list', class: 'task-list' }, 0],
  },

  task_item: {
    content: 'paragraph block*',
    defining: true,
    attrs: { checked: { default: false } },
    parseDOM: [
      {
        tag: 'li[data-type="task-item"]',
        priority: 60,
        getAttrs: (dom) => ({ checked: (dom as HTMLElement).getAttribute('data-checked') === 'true' }),
      },
      // an item of a Google Docs checklist
      { tag: 'li[role="checkbox"]', priority: 60, getAttrs: (dom) => ({ checked: (dom as HTMLElement).getAttribute('aria-checked') === 'true' }) },
    ],
    toDOM: (node): DOMOutputSpec => [
      'li',
      { 'data-type': 'task-item', 'data-checked': node.attrs.checked === true ? 'true' : 'false', class: 'task-item' },
      ['span', { class: 'task-checkbox', contenteditable: 'false' }, ['input', node.attrs.checked === true ? { type: 'checkbox', checked: '' } : { type: 'checkbox' }]],
      ['div', { class: 'task-content' }, 0],
    ],
  },

  text: { group: 'inline' },

  hard_break: {
    group: 'inline',
    inline: true,
    selectable: false,
    // a line of a code block becomes a line break when the block turns into a paragraph (or
    // joins one) and back: without it ProseMirror made the lines one, or left raw newlines
    linebreakReplacement: true,
    // a new line in plain text (the clipboard's text/plain, textContent): without it copying
    // "one⏎two" gave "onetwo", and pasting that into a code block or another app joined the lines
    leafText: () => '\n',
    parseDOM: [{ tag: 'br' }],
    toDOM: (): DOMOutputSpec => ['br'],
  },

  // Inline, as in Markdown (`![alt](src)` is inline there) and HTML: an image imports and pastes
  // where it stood, beside text or alone in its paragraph, and goes into headings and list items
  // without the paragraph being split. A paragraph holding only an image reads as a block image.
  image: {
    group: 'inline',
    inline: true,
    atom: true,
    draggable: true,
    // no `validate`: y-prosemirror deletes a node whose attributes throw (see code_block); toDOM
    // and the exports re-check what they are given
    attrs: { src: { default: '' }, alt: { default: '' }, title: { default: null } },
    // the src is taken as given: the paste (client/editor/image-paste.ts) and the import
    // (shared/import.ts keepImages) decide which images stay, and toDOM shows only this server's
    parseDOM: [
      {
        tag: 'img[src]',
        getAttrs: (dom) => {
          const el = dom as HTMLElement
          return { src: (el.getAttribute('src') ?? '').slice(0, 4096), alt: cleanImageText(el.getAttribute('alt')), title: cleanImageText(el.getAttribute('title')) || null }
        },
      },
    ],
    // the alt text stands for the image in plain text (copy, the text export)
    leafText: (node) => cleanImageText(node.attrs.alt),
    toDOM: (node): DOMOutputSpec => {
      const attrs: Record<string, string> = { alt: cleanImageText(node.attrs.alt), class: 'image' }
      const src = safeImageSrc(node.attrs.src)
      if (src) attrs.src = src
      const title = cleanImageText(node.attrs.title)
      if (title) attrs.title = title
      return ['img', attrs]
    },
  },
}

/** Google Docs wraps whole pastes in `<b style="font-weight:normal">`; that is not bold. */
const notNormalWeight = (dom: HTMLElement | string) => (typeof dom !== 'string' && dom.style.fontWeight === 'normal' ? false : null)

const marks: Record<string, MarkSpec> = {
  link: {
    attrs: { href: { validate: 'string' }, title: { default: null } },
    inclusive: false,
    parseDOM: [
      {
        tag: 'a[href]',
        getAttrs: (dom) => {
          const href = safeHref((dom as HTMLElement).getAttribute('href'))
          if (href === null) return false
          const title = (dom as HTMLElement).getAttribute('title')
          return { href, title: title ? title.slice(0, 500) : null }
        },
      },
    ],
    toDOM: (mark: Mark): DOMOutputSpec => {
      const href = safeHref(mark.attrs.href)
      if (href === null) return ['a', { class: 'link-invalid' }, 0]
      const attrs: Record<string, string> = { href, rel: 'noopener noreferrer nofollow', target: '_blank' }
      if (typeof mark.attrs.title === 'string') attrs.title = mark.attrs.title
      return ['a', attrs, 0]
    },
  },

  bold: {
    parseDOM: [
      { tag: 'strong' },
      { tag: 'b', getAttrs: notNormalWeight },
      { style: 'font-weight=400', clearMark: (m) => m.type.name === 'bold' },
      { style: 'font-weight', getAttrs: (value) => (/^(bold(er)?|[5-9]\d{2,})$/.test(value as string) ? null : false) },
    ],
    toDOM: (): DOMOutputSpec => ['strong', 0],
  },

  italic: {
    parseDOM: [
      { tag: 'i' },
      { tag: 'em' },
      { style: 'font-style=italic' },
      { style: 'font-style=normal', clearMark: (m) => m.type.name === 'italic' },
    ],
    toDOM: (): DOMOutputSpec => ['em', 0],
  },

  underline: {
    parseDOM: [
      { tag: 'u' },
      // not consuming: `text-decoration: underline line-through` is struck through as well
      { style: 'text-decoration', getAttrs: (value) => ((value as string).includes('underline') ? null : false), consuming: false },
    ],
    toDOM: (): DOMOutputSpec => ['u', 0],
  },

  strike: {
    parseDOM: [
      { tag: 's' },
      { tag: 'del' },
      { tag: 'strike' },
      { style: 'text-decoration', getAttrs: (value) => ((value as string).includes('line-through') ? null : false) },
    ],
    toDOM: (): DOMOutputSpec => ['s', 0],
  },

  code: {
    code: true,
    parseDOM: [{ tag: 'code' }],
    toDOM: (): DOMOutputSpec => ['code', 0],
  },
}

/** The Tandem document schema. */
export const schema = new Schema({ nodes, marks })

/** Node types that are lists, and the item type each holds. */
export const LIST_ITEM_OF: ReadonlyMap<string, string> = new Map([
  ['bullet_list', 'list_item'],
  ['ordered_list', 'list_item'],
  ['task_list', 'task_item'],
])

/** True when `node` is a bullet, ordered or task list. */
export function isList(node: PMNode): boolean {
  return LIST_ITEM_OF.has(node.type.name)
}
