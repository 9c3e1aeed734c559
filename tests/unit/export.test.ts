/**
 * Documents exported as files (shared/export.ts): Markdown with task lists, strikethrough and
 * safe links, plain text, and file names made from titles.
 */
import { describe, expect, it } from 'vitest'
import { exportDocument, exportFileName, toMarkdown, toPlainText } from '../../shared/export.js'
import { schema } from '../../shared/schema.js'

const s = schema
const p = (...content: Array<string | ReturnType<typeof s.text> | ReturnType<typeof s.node>>) => s.node('paragraph', null, content.map((c) => (typeof c === 'string' ? s.text(c) : c)))
const t = (text: string, ...marks: string[]) => s.text(text, marks.map((m) => s.mark(m)))

const body = s.node('doc', null, [
  s.node('heading', { level: 2 }, [s.text('Plan')]),
  p('Some ', t('bold', 'bold'), ', ', t('italic', 'italic'), ', ', t('gone', 'strike'), ', ', t('under', 'underline'), ' and ', t('x = 1', 'code'), '.'),
  p(s.text('site', [s.mark('link', { href: 'https://example.com/a (b)' })]), ' and ', s.text('evil', [s.mark('link', { href: 'javascript:alert(1)' })])),
  s.node('bullet_list', null, [s.node('list_item', null, [p('one')]), s.node('list_item', null, [p('two'), s.node('bullet_list', null, [s.node('list_item', null, [p('nested')])])])]),
  s.node('ordered_list', { order: 3 }, [s.node('list_item', null, [p('third')])]),
  s.node('task_list', null, [s.node('task_item', { checked: true }, [p('done')]), s.node('task_item', { checked: false }, [p('open')])]),
  s.node('blockquote', null, [p('quoted <b>not bold</b> &amp;')]),
  s.node('code_block', null, [s.text('let a = `x`\nlet b = ```')]),
  s.node('horizontal_rule'),
  p('line', s.node('hard_break'), 'break'),
])

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
        '---',
        '',
        'line\\',
        'break',
        '',
      ].join('\n'),
    )
  })

  it('writes plain text a line per block, the title first', () => {
    const text = toPlainText('Plan', s.node('doc', null, [p('a'), s.node('bullet_list', null, [s.node('list_item', null, [p('b')])]), p('c', s.node('hard_break'), 'd')]))
    expect(text).toBe('Plan\n\na\nb\nc\nd\n')
    expect(exportDocument('text', '', s.node('doc', null, [p('x')]))).toBe('x\n')
    expect(exportDocument('markdown', 'Only a title', s.node('doc', null, [p()]))).toBe('# Only a title\n')
    expect(exportDocument('text', ' ', s.node('doc', null, [p()]))).toBe('')
  })

  it('names files after titles, without characters file systems refuse', () => {
    expect(exportFileName('Q3: plans/ideas?', 'markdown')).toBe('Q3 plans ideas.md')
    expect(exportFileName('  ', 'text')).toBe('Untitled.txt')
    expect(exportFileName('..hidden', 'html')).toBe('hidden.html')
    expect(exportFileName('x'.repeat(300), 'markdown')).toBe(`${'x'.repeat(100)}.md`)
  })
})
