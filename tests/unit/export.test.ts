/**
 * Documents exported as files (shared/export.ts): Markdown with task lists, strikethrough and
 * safe links; white space and list, heading or quote markers opening a line (after a line break
 * too) and a heading's last # kept as text; list items opening with a block read back in their
 * list; plain text; and file names made from titles.
 */
import { describe, expect, it } from 'vitest'
import { exportDocument, exportFileName, toMarkdown, toPlainText } from '../../shared/export.js'
import { importDocument } from '../../shared/import.js'
import { b, everyNodeAndMark } from './client-editor-helpers.js'

const body = everyNodeAndMark()

describe('export', () => {
  it('writes Markdown with every block and mark, and drops links that are not allowed', () => {
    expect(toMarkdown('Team *notes*', body)).toBe(
      [
        '# Team \\*notes\\*',
        '',
        '## Plan',
        '',
        'Some **bold**, *italic*, ~~gone~~, <u>under</u> and `x = 1`.',
        '',
        '[site](https://example.com/a%20%28b%29) and evil',
        '',
        '* one',
        '* two',
        '  * nested',
        '',
        '3. third',
        '',
        '- [x] done',
        '- [ ] open',
        '',
        '> quoted \\<b>not bold\\</b> \\&amp;',
        '',
        '````',
        'let a = `x`',
        'let b = ```',
        '````',
        '',
        '```javascript',
        'const c = 1',
        '```',
        '',
        '---',
        '',
        'line\\',
        'break',
        '',
      ].join('\n'),
    )
  })

  it("writes a code block's language after the opening fence, only when it is a short plain name", () => {
    const fences = (language: unknown) => toMarkdown('', b.doc(b.pre('x', language as string))).split('\n')[0]
    expect(fences('python')).toBe('```python')
    expect(fences('weird')).toBe('```weird')
    expect(fences(null)).toBe('```')
    // from a peer: a value that would end the fence line or inject text is not written
    expect(fences('js\n# owned')).toBe('```')
    expect(fences('a'.repeat(100))).toBe('```')
    expect(fences(42)).toBe('```')
  })

  it('writes a paragraph opening with white space, and a heading ending in " #", so that they read back as they are, not as code or a shorter heading', () => {
    // pasted plain text keeps its indentation: four spaces or a tab would make the paragraph code
    const doc = b.doc(
      b.p('\tindented by a tab'),
      b.p('    four spaces, # not a heading'),
      b.ul(b.li(b.p('  two in an item'))),
      b.quote(b.p('\t\tquoted')),
      b.h(2, 'Plan #'),
      b.h(3, '#'),
      b.p('a #'),
    )
    const md = toMarkdown('Notes', doc)
    expect(md).toBe('# Notes\n\n&#9;indented by a tab\n\n&#32;&#32;&#32;&#32;four spaces, # not a heading\n\n* &#32;&#32;two in an item\n\n> &#9;&#9;quoted\n\n## Plan \\#\n\n### \\#\n\na #\n')
    const back = importDocument('markdown', md)
    expect(back.title).toBe('Notes')
    expect(back.body.toJSON()).toEqual(doc.toJSON())
  })

  it('writes lines that would open a list, a heading or a quote as text, also after a line break, so that they read back as they are', () => {
    // Shift+Enter lines such as "Shopping:⏎- milk", and numbered points typed by hand
    const doc = b.doc(
      b.p('Shopping:', b.br(), '- milk', b.br(), '+ eggs', b.br(), '# 3', b.br(), '> quoted', b.br(), '1. first', b.br(), '2) second', b.br(), '==='),
      b.p('1) not a list'),
      b.p('2024.'),
      b.p('+'),
      b.quote(b.p('a', b.br(), '- b', b.br(), '  indented')),
      b.ul(b.li(b.p('item', b.br(), '3) c'))),
    )
    const back = importDocument('markdown', toMarkdown('Lines', doc))
    expect(back.body.toJSON()).toEqual(doc.toJSON())
  })

  it('writes a list item that opens with code, a heading, a quote, a line or a list so that it reads back in its list', () => {
    const doc = b.doc(
      b.ol(b.li(b.p('Open')), b.li(b.p(), b.pre('npm i', 'bash')), b.li(b.p(), b.h(2, 'Step'), b.p('then'))),
      b.ul(b.li(b.p(), b.quote(b.p('q'))), b.li(b.p(), b.hr()), b.li(b.p(), b.ul(b.li(b.p('inner')))), b.li(b.p())),
    )
    const back = importDocument('markdown', toMarkdown('Steps', doc))
    expect(back.body.toJSON()).toEqual(doc.toJSON())
  })

  it('writes plain text a line per block, the title first', () => {
    const text = toPlainText('Plan', b.doc(b.p('a'), b.ul(b.li(b.p('b'))), b.p('c', b.br(), 'd')))
    expect(text).toBe('Plan\n\na\nb\nc\nd\n')
    expect(exportDocument('text', '', b.doc(b.p('x')))).toBe('x\n')
    expect(exportDocument('markdown', 'Only a title', b.doc(b.p()))).toBe('# Only a title\n')
    expect(exportDocument('text', ' ', b.doc(b.p()))).toBe('')
  })

  it('names files after titles, without characters file systems refuse', () => {
    expect(exportFileName('Q3: plans/ideas?', 'markdown')).toBe('Q3 plans ideas.md')
    expect(exportFileName('  ', 'text')).toBe('Untitled.txt')
    expect(exportFileName('..hidden', 'html')).toBe('hidden.html')
    expect(exportFileName('x'.repeat(300), 'markdown')).toBe(`${'x'.repeat(100)}.md`)
  })
})
