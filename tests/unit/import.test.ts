/**
 * Files imported as documents (shared/import.ts): Markdown with task lists, strikethrough and
 * underline, what the schema has no place for kept as text, unsafe links dropped, plain text, and
 * the exporter's files read back as the same documents.
 */
import { describe, expect, it } from 'vitest'
import { toMarkdown, toPlainText } from '../../shared/export.js'
import { fromMarkdown, importDocument } from '../../shared/import.js'
import { b, everyNodeAndMark } from './client-editor-helpers.js'

describe('import', () => {
  it('reads back what the exporter wrote: the same title and body', () => {
    const back = importDocument('markdown', toMarkdown('Team *notes*', everyNodeAndMark()))
    expect(back.title).toBe('Team *notes*')
    // the link's destination was percent-encoded on the way out, and the disallowed one left as text
    const expected = everyNodeAndMark('').toJSON()
    expected.content[2].content[0].marks[0].attrs.href = 'https://example.com/a%20%28b%29'
    expect(back.body.toJSON()).toEqual(expected)
    back.body.check()
  })

  it("reads a fence's info string as the code block's language: aliases named, unknown names kept, junk dropped", () => {
    const languages = (md: string) => {
      const doc = fromMarkdown(md)
      doc.check()
      return doc.content.content.map((node) => [node.type.name, node.attrs.language])
    }
    expect(languages('```js\nx\n```\n\n```weird title="a"\ny\n```\n\n```\nz\n```\n\n    indented\n')).toEqual([
      ['code_block', 'javascript'],
      ['code_block', 'weird'],
      ['code_block', null],
      ['code_block', null],
    ])
    expect(languages('```<script>\nx\n```\n')).toEqual([['code_block', null]])
    expect(languages('~~~Python\nx\n~~~\n')).toEqual([['code_block', 'python']])
  })

  it('keeps the text of what the schema has no place for, and drops links that are not allowed', () => {
    const doc = fromMarkdown('![a cat](cat.png) <span>x</span>\n\n<div>block</div>\n\n[click](javascript:alert(1)) [ftp](ftp://x.example/f) [ok](https://ok.example)\n\n#### Deep')
    doc.check()
    expect(doc.child(0).textContent).toBe('a cat <span>x</span>')
    expect(doc.child(1).textContent).toBe('<div>block</div>')
    // markdown-it leaves a javascript: link as the text written; an ftp link keeps its text only
    expect(doc.child(2).textContent).toBe('[click](javascript:alert(1)) ftp ok')
    expect(doc.child(2).child(0).marks).toEqual([])
    expect(doc.child(2).childCount).toBe(2)
    expect(doc.child(2).lastChild!.marks[0]!.attrs.href).toBe('https://ok.example')
    expect(doc.child(3).type.name).toBe('heading')
    expect(doc.child(3).attrs.level).toBe(3)
  })

  it('starts a numbered list where the file does, at 0 too, as the Markdown download writes it', () => {
    for (const order of [0, 1, 7]) {
      const list = b.doc(b.olFrom(order, b.li(b.p('first')), b.li(b.p('second'))))
      expect(importDocument('markdown', toMarkdown('Steps', list)).body.toJSON()).toEqual(list.toJSON())
    }
  })

  it('reads a line break written as <br> as a line break, in a paragraph and a list item', () => {
    expect(fromMarkdown('one<br>two<BR/>three <br /> four\n\n- a<br>b\n').toJSON()).toEqual(
      b.doc(b.p('one', b.br(), 'two', b.br(), 'three ', b.br(), ' four'), b.ul(b.li(b.p('a', b.br(), 'b')))).toJSON(),
    )
    // written as code it stays as written
    expect(fromMarkdown('`<br>`').textContent).toBe('<br>')
  })

  it('reads back a checklist holding an empty task as a checklist, as the Markdown download writes it', () => {
    const list = b.doc(b.tasks(b.task(true, b.p('done')), b.task(false, b.p()), b.task(true, b.p(), b.pre('x'))))
    expect(importDocument('markdown', toMarkdown('Todo', list)).body.toJSON()).toEqual(list.toJSON())
    // the same from another application: "- [ ]" with nothing after it
    expect(fromMarkdown('- [ ] open\n- [ ]\n').toJSON()).toEqual(b.doc(b.tasks(b.task(false, b.p('open')), b.task(false, b.p()))).toJSON())
  })

  it('leaves YAML front matter out of the body and takes its title, as GitHub and static site generators read it', () => {
    const post = '---\ntitle: "Release notes: 2.0"\ntags:\n  - news\n# a comment\ndate: 2024-05-01\n---\n\nWhat changed.\n'
    expect(importDocument('markdown', post, 'post')).toEqual({ title: 'Release notes: 2.0', body: b.doc(b.p('What changed.')) })
    // a heading opening the text still wins; front matter without a title leaves the file's name
    expect(importDocument('markdown', '---\ntitle: Front\n---\n# Heading\n\ntext', 'f').title).toBe('Heading')
    expect(importDocument('markdown', '---\r\nlayout: post\r\n...\r\ntext', 'f')).toEqual({ title: 'f', body: b.doc(b.p('text')) })
    // a line and text between two lines is Markdown, not front matter
    expect(importDocument('markdown', '---\nJust a line of text\n---\n', 'f').body.toJSON()).toEqual(b.doc(b.hr(), b.h(2, 'Just a line of text')).toJSON())
  })

  it('reads a GitHub table a paragraph per cell, as a web page\'s table is read', () => {
    const table = '| Name | Qty |\n|:-----|----:|\n| **apples** | 3 |\n| pears | |\n\nAfter'
    expect(fromMarkdown(table).toJSON()).toEqual(b.doc(b.p('Name'), b.p('Qty'), b.p(b.marked('apples', 'bold')), b.p('3'), b.p('pears'), b.p(), b.p('After')).toJSON())
    // pipes without a delimiter row are text
    expect(fromMarkdown('a | b\nc | d').toJSON()).toEqual(b.doc(b.p('a | b c | d')).toJSON())
  })

  it('keeps a list a list when only some items look like tasks', () => {
    const doc = fromMarkdown('- [ ] a\n- b\n')
    expect(doc.child(0).type.name).toBe('bullet_list')
    expect(doc.child(0).textContent).toBe('[ ] ab')
  })

  it('reads plain text a paragraph per line, a first line with a blank line after it as the title', () => {
    const file = toPlainText('Plan', b.doc(b.p('a'), b.p(), b.p('c')))
    const back = importDocument('text', file)
    expect(back.title).toBe('Plan')
    expect(back.body.toJSON()).toEqual(b.doc(b.p('a'), b.p(), b.p('c')).toJSON())
    expect(importDocument('text', 'one\r\ntwo', 'notes').title).toBe('notes')
    expect(importDocument('markdown', '', 'empty').body.toJSON()).toEqual(b.doc(b.p()).toJSON())
  })
})
