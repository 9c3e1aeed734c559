/**
 * The document schema without a DOM: which URLs a link may hold, what a person may type into the
 * link editor, that every node and mark the issue lists exists and nests, and that attributes
 * arriving from other peers are re-checked when rendered.
 */
import { describe, expect, it } from 'vitest'
import type { DOMOutputSpec, Mark, Node as PMNode, TagParseRule } from 'prosemirror-model'
import { normalizeLinkInput, safeHref, schema } from '../../shared/schema.js'

const n = schema.nodes
const p = (...content: (PMNode | string)[]) => n.paragraph!.create(null, content.map((c) => (typeof c === 'string' ? schema.text(c) : c)))

describe('safeHref', () => {
  it('accepts absolute http, https and mailto URLs as written', () => {
    expect(safeHref('https://example.com/a?b=c#d')).toBe('https://example.com/a?b=c#d')
    expect(safeHref('http://localhost:1234')).toBe('http://localhost:1234')
    expect(safeHref('  HTTPS://Example.com  ')).toBe('HTTPS://Example.com')
    expect(safeHref('mailto:someone@example.com')).toBe('mailto:someone@example.com')
  })

  it('drops every other scheme, relative URLs and disguised schemes', () => {
    for (const bad of [
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(1)',
      'java\nscript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://example.com',
      '/relative/path',
      '//example.com/protocol-relative',
      'example.com',
      '#anchor',
      '',
      'http://',
      'https://' + 'a'.repeat(3000) + '.com',
      42,
      null,
      undefined,
    ]) {
      expect(safeHref(bad), String(bad)).toBeNull()
    }
  })
})

describe('normalizeLinkInput', () => {
  it('completes what people type', () => {
    expect(normalizeLinkInput('example.com')).toBe('https://example.com')
    expect(normalizeLinkInput(' example.com/docs?x=1 ')).toBe('https://example.com/docs?x=1')
    expect(normalizeLinkInput('localhost:3000/path')).toBe('https://localhost:3000/path')
    expect(normalizeLinkInput('someone@example.com')).toBe('mailto:someone@example.com')
    expect(normalizeLinkInput('http://example.com')).toBe('http://example.com')
    expect(normalizeLinkInput('mailto:a@b.co')).toBe('mailto:a@b.co')
  })

  it('refuses what cannot be a web or mail link', () => {
    expect(normalizeLinkInput('javascript:alert(document.cookie)')).toBeNull()
    expect(normalizeLinkInput('data:text/html;base64,PHNjcmlwdD4=')).toBeNull()
    expect(normalizeLinkInput('ftp://files.example.com')).toBeNull()
    expect(normalizeLinkInput('   ')).toBeNull()
    expect(normalizeLinkInput('not a url at all')).toBeNull()
  })
})

describe('schema', () => {
  it('has every node and mark of the issue', () => {
    expect(Object.keys(schema.nodes).sort()).toEqual(
      ['blockquote', 'bullet_list', 'code_block', 'doc', 'hard_break', 'heading', 'horizontal_rule', 'image', 'list_item', 'ordered_list', 'paragraph', 'task_item', 'task_list', 'text'].sort(),
    )
    expect(Object.keys(schema.marks)).toEqual(['link', 'bold', 'italic', 'underline', 'strike', 'code'])
  })

  it('nests bullet, ordered and task lists inside each other', () => {
    const doc = n.doc!.create(null, [
      n.heading!.create({ level: 2 }, schema.text('Plan')),
      n.bullet_list!.create(null, [
        n.list_item!.create(null, [
          p('outer'),
          n.ordered_list!.create({ order: 3 }, [n.list_item!.create(null, [p('inner'), n.task_list!.create(null, [n.task_item!.create({ checked: true }, [p('done')])])])]),
        ]),
      ]),
      n.blockquote!.create(null, [p('quoted', n.hard_break!.create(), 'second line')]),
      n.code_block!.create(null, schema.text('const x = 1')),
      n.horizontal_rule!.create(),
      p(schema.text('marked', [schema.marks.bold!.create(), schema.marks.italic!.create(), schema.marks.link!.create({ href: 'https://example.com' })])),
    ])
    expect(() => doc.check()).not.toThrow()
    // and survives a JSON round trip (what y-prosemirror effectively does)
    expect(schema.nodeFromJSON(doc.toJSON()).eq(doc)).toBe(true)
  })

  it('keeps marks out of code blocks and requires a paragraph first in list items', () => {
    expect(n.code_block!.allowsMarkType(schema.marks.bold!)).toBe(false)
    expect(() => n.list_item!.create(null, [n.bullet_list!.create(null, [n.list_item!.create(null, [p('x')])])]).check()).toThrow()
    expect(n.task_item!.create(null, [p('x')]).attrs.checked).toBe(false)
  })

  it("gives code blocks a language, none by default, and renders only a clean one from a peer", () => {
    expect(n.code_block!.create().attrs.language).toBe(null)
    // a block written before the attribute existed (y-prosemirror passes the element's attributes)
    expect(schema.node('code_block', {}, [schema.text('x')]).attrs.language).toBe(null)
    const toDOM = n.code_block!.spec.toDOM!
    expect(toDOM(n.code_block!.create({ language: 'rust' }))).toEqual(['pre', { 'data-language': 'rust' }, ['code', { class: 'language-rust' }, 0]])
    expect(toDOM(n.code_block!.create({ language: 'x" onclick="alert(1)' }))).toEqual(['pre', ['code', 0]])
    expect(toDOM(n.code_block!.create({ language: { evil: true } }))).toEqual(['pre', ['code', 0]])
    expect(toDOM(n.code_block!.create())).toEqual(['pre', ['code', 0]])
  })

  it('reads the language of pasted code from language-x classes, lang and data-language', () => {
    const rule = n.code_block!.spec.parseDOM![0] as TagParseRule
    // a stand-in for the few Element members the rule reads
    const el = (classes: string[], attrs: Record<string, string> = {}, code: unknown = null, parentClass = ''): HTMLElement =>
      ({ classList: classes, getAttribute: (name: string) => attrs[name] ?? null, querySelector: () => code, parentElement: { className: parentClass } }) as unknown as HTMLElement
    expect(rule.getAttrs!(el([], {}, el(['language-ts'])))).toEqual({ language: 'typescript' })
    expect(rule.getAttrs!(el(['language-python']))).toEqual({ language: 'python' })
    expect(rule.getAttrs!(el([], { lang: 'go' }))).toEqual({ language: 'go' })
    expect(rule.getAttrs!(el([], { 'data-language': 'Weird' }))).toEqual({ language: 'weird' })
    expect(rule.getAttrs!(el([], {}, null, 'highlight highlight-source-js notranslate'))).toEqual({ language: 'javascript' })
    expect(rule.getAttrs!(el(['language-a b<c>']))).toEqual({ language: null })
    expect(rule.getAttrs!(el([]))).toEqual({ language: null })
  })

  it('renders only three heading levels, whatever a peer sends', () => {
    const toDOM = n.heading!.spec.toDOM!
    expect((toDOM(n.heading!.create({ level: 2 })) as readonly unknown[])[0]).toBe('h2')
    expect((toDOM(n.heading!.create({ level: 7 })) as readonly unknown[])[0]).toBe('h3')
    expect((toDOM(n.heading!.create({ level: -1 })) as readonly unknown[])[0]).toBe('h1')
  })

  it('renders a link from a peer without its href when the URL is not allowed', () => {
    const toDOM = schema.marks.link!.spec.toDOM! as (mark: Mark, inline: boolean) => DOMOutputSpec
    const good = toDOM(schema.marks.link!.create({ href: 'https://example.com' }), true) as [string, Record<string, string>, number]
    expect(good[1]).toMatchObject({ href: 'https://example.com', rel: 'noopener noreferrer nofollow' })
    const evil = toDOM(schema.marks.link!.create({ href: 'javascript:alert(1)' }), true) as [string, Record<string, string>, number]
    expect(evil[1]).not.toHaveProperty('href')
  })

  it('drops pasted links with other schemes but keeps their text', () => {
    const rule = schema.marks.link!.spec.parseDOM![0] as TagParseRule
    const anchor = (href: string) => ({ getAttribute: (name: string) => (name === 'href' ? href : null) }) as unknown as HTMLElement
    expect(rule.getAttrs!(anchor('https://example.com'))).toEqual({ href: 'https://example.com', title: null })
    expect(rule.getAttrs!(anchor('javascript:alert(1)'))).toBe(false)
    expect(rule.getAttrs!(anchor('/relative'))).toBe(false)
  })

  it('reads task lists before plain lists and their checked state', () => {
    const listRule = n.task_list!.spec.parseDOM![0] as TagParseRule
    const bulletRule = n.bullet_list!.spec.parseDOM![0] as TagParseRule
    expect(listRule.priority ?? 50).toBeGreaterThan(bulletRule.priority ?? 50)
    const itemRule = n.task_item!.spec.parseDOM![0] as TagParseRule
    const li = (checked: string | null) => ({ getAttribute: () => checked }) as unknown as HTMLElement
    expect(itemRule.getAttrs!(li('true'))).toEqual({ checked: true })
    expect(itemRule.getAttrs!(li(null))).toEqual({ checked: false })
  })
})
