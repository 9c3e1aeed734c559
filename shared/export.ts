/**
 * A document as a file to take elsewhere: Markdown (CommonMark, with GitHub's task lists and
 * strikethrough) or plain text, from a document body of the shared schema, with its title. Used
 * by the editor's Download menu and by the server's export endpoint, so both give the same file.
 *
 * Attributes come from other peers and are untrusted: a link whose href is not an allowed URL
 * (safeHref) is exported as its text alone; a code block's language only when cleanLanguage keeps it;
 * an image as `![alt](url "title")` only when its src is an image of this server (safeImageSrc),
 * else as its alt text. Its URL is site-relative, or absolute under `imageBase` (the editor's
 * download passes its origin, so the file's images still load from elsewhere).
 */
import type { Mark, Node as PMNode } from 'prosemirror-model'
import { defaultMarkdownSerializer as base, MarkdownSerializer, type MarkdownSerializerState } from 'prosemirror-markdown'
import { cleanLanguage } from './code-language.js'
import { cleanImageText, safeImageSrc } from './images.js'
import { safeHref } from './schema.js'

/** The file formats a document exports to. */
export const EXPORT_FORMATS = ['markdown', 'text'] as const

/** One of EXPORT_FORMATS. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** File extension and media type of each format. */
export const EXPORT_TYPES: Readonly<Record<ExportFormat | 'html', { readonly extension: string; readonly mediaType: string }>> = {
  markdown: { extension: 'md', mediaType: 'text/markdown; charset=utf-8' },
  text: { extension: 'txt', mediaType: 'text/plain; charset=utf-8' },
  html: { extension: 'html', mediaType: 'text/html; charset=utf-8' },
}

/** Longest file name stem taken from a title. */
const MAX_STEM = 100

/** A file name for a document titled `title`: characters no file system takes removed, "Untitled" when none is left. */
export function exportFileName(title: string, format: ExportFormat | 'html'): string {
  // eslint-disable-next-line no-control-regex
  const stem = title.replace(/[\u0000-\u001f\u007f\\/:*?"<>|]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_STEM).trim().replace(/^\.+/, '')
  return `${stem || 'Untitled'}.${EXPORT_TYPES[format].extension}`
}

/** An href as a Markdown link destination: characters that would end it percent-encoded. */
function destination(href: string): string {
  return href.replace(/[\s()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

/**
 * `line` (escaped as the start of a line by prosemirror-markdown) with what that misses escaped
 * too: "1)" and a "1." ending the line (list items), a lone "+" (a bullet), a line of "=" (which
 * makes the line before a heading).
 */
function escapeLineStart(line: string): string {
  return line
    .replace(/^(\d{1,9})([.)])(?=[ \t]|$)/, '$1\\$2')
    .replace(/^\+(?=[ \t]|$)/, '\\+')
    .replace(/^=+(?=[ \t]*$)/, '\\$&')
}

/** A link title as a Markdown link title, in double quotes. */
function linkTitle(title: unknown): string {
  return typeof title === 'string' && title !== '' ? ` "${title.replace(/[\\"]/g, '\\$&').replace(/\s+/g, ' ')}"` : ''
}

/**
 * prosemirror-markdown appends to one string and reads its last character before each block: V8
 * then copies the whole string (a rope) again, so a long document took minutes (a 0.5 MB list:
 * 26 s, 2 MB: 7 minutes) on the server's thread. After each node the text written so far, but for
 * its last characters (all the serializer ever looks back at), moves into `spilled`, and the
 * string it appends to stays short. `out` is the state's internal output string.
 */
let spilled: string[] | null = null
/** What image URLs start with in the file being written (see toMarkdown). */
let imageBase = ''
/** Past this length the state's output is moved out of it. */
const SPILL_AT = 8 * 1024
/** Characters left in it: it checks the last one or two (blank line, an escaped "!"). */
const KEEP = 16

function spill(state: MarkdownSerializerState): void {
  const s = state as unknown as { out: string }
  if (spilled === null || s.out.length <= SPILL_AT) return
  spilled.push(s.out.slice(0, -KEEP))
  s.out = s.out.slice(-KEEP)
}

type NodeSerializer = (state: MarkdownSerializerState, node: PMNode, parent: PMNode, index: number) => void

/** Each node serializer, followed by a spill. */
function spilling(nodes: Record<string, NodeSerializer>): Record<string, NodeSerializer> {
  return Object.fromEntries(
    Object.entries(nodes).map(([name, serialize]) => [
      name,
      (state: MarkdownSerializerState, node: PMNode, parent: PMNode, index: number) => {
        serialize(state, node, parent, index)
        spill(state)
      },
    ]),
  )
}

const markdown = new MarkdownSerializer(
  spilling({
    ...base.nodes,
    heading(state: MarkdownSerializerState, node: PMNode) {
      state.write(`${'#'.repeat(node.attrs.level as number)} `)
      state.renderInline(node, false)
      // a run of # after a space ends a heading as its closing sequence: "Plan #" read back "Plan"
      const s = state as unknown as { out: string }
      s.out = s.out.replace(/([ \t])(#+)$/, '$1\\$2')
      state.closeBlock(node)
    },
    text(state: MarkdownSerializerState, node: PMNode) {
      const s = state as unknown as { out: string; delim: string; atBlockStart: boolean; inAutolink?: boolean }
      if (s.inAutolink) return state.text(node.text!, false)
      // what ends the block before, and the line's own prefix (a quote's "> ", an item's indent)
      state.write()
      // the start of a line: the block's, or one after a line break (Shift+Enter), where Markdown
      // reads "- b" as a list, "# b" as a heading and white space as indentation just the same
      const lineStart = s.atBlockStart || s.out.slice(s.out.lastIndexOf('\n') + 1) === s.delim
      if (!lineStart) return state.text(node.text!, true)
      // white space opening a line: Markdown drops it, and four spaces or a tab opening a
      // paragraph make it code. As character references it stays text, as it was
      const lead = /^[ \t]*/.exec(node.text!)![0]
      state.write(lead.replace(/[ \t]/g, (c) => (c === ' ' ? '&#32;' : '&#9;')))
      // prosemirror-markdown escapes what opens a line only at the start of a block
      s.atBlockStart = lead === ''
      const from = s.out.length
      state.text(node.text!.slice(lead.length), true)
      if (lead === '') s.out = s.out.slice(0, from) + escapeLineStart(s.out.slice(from))
    },
    list_item(state: MarkdownSerializerState, node: PMNode) {
      // an item that opens with a block (code, a heading, a list: an empty paragraph first, as the
      // schema wants) writes that block on the marker's line: the blank line an empty paragraph
      // leaves after the marker would end the item, and the block would fall out of the list
      const first = node.firstChild!
      if (node.childCount < 2 || !first.isTextblock || first.content.size > 0) return state.renderContent(node)
      node.forEach((child, _offset, i) => void (i > 0 && state.render(child, node, i)))
    },
    task_list(state: MarkdownSerializerState, node: PMNode) {
      state.renderList(node, '  ', () => '- ')
    },
    task_item(state: MarkdownSerializerState, node: PMNode) {
      state.write(node.attrs.checked === true ? '[x] ' : '[ ] ')
      state.renderContent(node)
    },
    image(state: MarkdownSerializerState, node: PMNode) {
      const alt = cleanImageText(node.attrs.alt)
      const src = safeImageSrc(node.attrs.src)
      if (src === null) {
        // not one of this server's images: what it showed, in words
        state.text(alt)
        return
      }
      state.write(`![${state.esc(alt)}](${destination(imageBase + src)}${linkTitle(cleanImageText(node.attrs.title))})`)
    },
    code_block(state: MarkdownSerializerState, node: PMNode) {
      const code = node.textContent
      // a fence longer than any run of backticks inside the code
      let longest = 2
      for (const run of code.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
      const fence = '`'.repeat(longest + 1)
      // the language after the opening fence, as a fence's info string names it on import
      state.write(`${fence}${cleanLanguage(node.attrs.language) ?? ''}\n`)
      // a few hundred lines at a time, spilling between (see spill)
      const lines = code.split('\n')
      for (let i = 0; i < lines.length; i += 256) {
        state.text(lines.slice(i, i + 256).join('\n'), false)
        if (i + 256 < lines.length) state.text('\n', false)
        spill(state)
      }
      state.ensureNewLine()
      state.write(fence)
      state.closeBlock(node)
    },
  }),
  {
    italic: base.marks.em!,
    bold: base.marks.strong!,
    code: base.marks.code!,
    strike: { open: '~~', close: '~~', mixable: true, expelEnclosingWhitespace: true },
    // Markdown has no underline; CommonMark keeps inline HTML, and GitHub renders it
    underline: { open: '<u>', close: '</u>', mixable: true, expelEnclosingWhitespace: true },
    link: {
      open: (_state: MarkdownSerializerState, mark: Mark) => (safeHref(mark.attrs.href) === null ? '' : '['),
      close: (_state: MarkdownSerializerState, mark: Mark) => {
        const href = safeHref(mark.attrs.href)
        return href === null ? '' : `](${destination(href)}${linkTitle(mark.attrs.title)})`
      },
    },
  },
  // < and & would start inline HTML or an entity where the text meant the character itself
  { strict: false, escapeExtraCharacters: /[<&]/g },
)

/** Options of an export. */
export interface ExportOptions {
  /** Put before each image's site-relative URL: this server's origin (`https://docs.example.com`), or '' to leave them site-relative. */
  readonly imageBase?: string
}

/** The body as Markdown, the title (when there is one) as its first-level heading. */
export function toMarkdown(title: string, body: PMNode, options: ExportOptions = {}): string {
  const heading = title.trim()
  const head = heading ? `# ${heading.replace(/\s+/g, ' ').replace(/[\\`*_[\]#<>]/g, '\\$&')}` : ''
  spilled = []
  imageBase = (options.imageBase ?? '').replace(/\/+$/, '')
  try {
    const tail = markdown.serialize(body, { tightLists: true })
    return file(head, spilled.join('') + tail, '\n\n')
  } finally {
    spilled = null
    imageBase = ''
  }
}

/** The body as plain text, a line per block; the title (when there is one) first, then a blank line. */
export function toPlainText(title: string, body: PMNode): string {
  const text = body.textBetween(0, body.content.size, '\n', (leaf) => (leaf.type.name === 'hard_break' ? '\n' : leaf.type.name === 'image' ? cleanImageText(leaf.attrs.alt) : ''))
  return file(title.trim(), text, '\n\n')
}

/** The parts that are not empty, `between` each two, ending with one newline (an empty file when both are). */
function file(head: string, text: string, between: string): string {
  const parts = [head, text].filter((part) => part !== '')
  return parts.length === 0 ? '' : `${parts.join(between)}\n`
}

/** The file of a document in `format`. */
export function exportDocument(format: ExportFormat, title: string, body: PMNode, options: ExportOptions = {}): string {
  return format === 'markdown' ? toMarkdown(title, body, options) : toPlainText(title, body)
}
