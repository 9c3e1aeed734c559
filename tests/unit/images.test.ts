/**
 * Images in the shared schema and files (shared/images.ts, schema.ts, export.ts, import.ts): which
 * bytes count as which type, which sources a document shows (only this server's image paths), the
 * image node drawn and parsed, Markdown `![alt](src "title")` both ways, and what an import keeps.
 */
import { JSDOM } from 'jsdom'
import { DOMParser, DOMSerializer } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'
import { toMarkdown, toPlainText } from '../../shared/export.js'
import { decodeDataImage, imagePath, imageTypeOfName, isDataImageSrc, parseImageSrc, safeImageSrc, sniffImageType } from '../../shared/images.js'
import { fromMarkdown, importDocument, keepImages } from '../../shared/import.js'
import { schema } from '../../shared/schema.js'
import { MAGIC, png } from '../helpers/png.js'
import { imageNow } from '../../client/editor/images.js'
import { b } from './client-editor-helpers.js'

const NAME = `${'ab'.repeat(32)}.png`
const SRC = imagePath('doc1', NAME)
const img = (src: string, alt = '', title: string | null = null) => schema.nodes.image!.create({ src, alt, title })

describe('image sources and types', () => {
  it('tells the four types apart by their first bytes, and nothing else passes', () => {
    expect(sniffImageType(png())).toBe('image/png')
    expect(sniffImageType(MAGIC.jpeg)).toBe('image/jpeg')
    expect(sniffImageType(MAGIC.gif)).toBe('image/gif')
    expect(sniffImageType(MAGIC.webp)).toBe('image/webp')
    for (const other of ['<svg xmlns="http://www.w3.org/2000/svg"/>', '<html>', 'GIF87', 'RIFF0000WAVE', '']) expect(sniffImageType(Buffer.from(other)), other).toBeNull()
    expect(imageTypeOfName(NAME)).toBe('image/png')
    expect(imageTypeOfName(`${'0'.repeat(64)}.svg`)).toBeNull()
  })

  it('shows only site-relative image paths of this server; an absolute one only under the origin given', () => {
    expect(safeImageSrc(SRC)).toBe(SRC)
    expect(parseImageSrc(SRC)).toEqual({ docId: 'doc1', name: NAME })
    expect(parseImageSrc(`https://tandem.example${SRC}`, 'https://tandem.example')).toEqual({ docId: 'doc1', name: NAME })
    for (const bad of [
      `https://tandem.example${SRC}`,
      `//evil.example${SRC}`,
      `${SRC}?x=1`,
      `${SRC}#x`,
      `/api/docs/doc1/images/../../x/${NAME}`,
      `/api/docs/doc1/images/${NAME.replace('.png', '.svg')}`,
      'https://evil.example/tracker.png',
      'data:image/png;base64,iVBORw0KGgo=',
      'blob:https://tandem.example/1234',
      'javascript:alert(1)',
      '',
      42,
      null,
    ]) {
      expect(safeImageSrc(bad), String(bad)).toBeNull()
    }
    expect(parseImageSrc(`https://evil.example${SRC}`, 'https://tandem.example')).toBeNull()
  })

  it('reads a data: URI image only when it is base64 of a type the server takes and its bytes are of that type', () => {
    const image = png(3, 3, [1, 2, 3])
    const uri = `data:image/png;base64,${image.toString('base64')}`
    expect(isDataImageSrc(uri)).toBe(true)
    expect(Buffer.from(decodeDataImage(uri)!.bytes).equals(image)).toBe(true)
    expect(decodeDataImage(uri)!.type).toBe('image/png')
    // wrapped as some pages write it
    expect(Buffer.from(decodeDataImage(uri.replace(/(.{40})/g, '$1\n '))!.bytes).equals(image)).toBe(true)
    const lying = `data:image/png;base64,${Buffer.from('<svg onload=alert(1)>').toString('base64')}`
    expect(isDataImageSrc(lying)).toBe(true)
    expect(decodeDataImage(lying)).toBeNull()
    expect(decodeDataImage(`data:image/jpeg;base64,${image.toString('base64')}`)).toBeNull()
    for (const other of [
      `data:image/svg+xml;base64,${Buffer.from('<svg/>').toString('base64')}`,
      `data:image/png,${image.toString('latin1')}`,
      'data:image/png;base64,iVBORw0KGgo',
      'data:text/html;base64,PGI+',
      SRC,
      'https://evil.example/x.png',
      42,
    ]) {
      expect(decodeDataImage(other), String(other).slice(0, 40)).toBeNull()
    }
    expect(isDataImageSrc(SRC)).toBe(false)
  })
})

describe('the image node', () => {
  const { window } = new JSDOM('<!doctype html><body></body>')
  const document = window.document
  const draw = (node: ReturnType<typeof img>) => DOMSerializer.fromSchema(schema).serializeNode(node, { document }) as HTMLImageElement

  it('draws this server’s images with their src, alt and title, and any other source without a src', () => {
    const good = draw(img(SRC, 'A chart', 'Q3'))
    expect(good.outerHTML).toBe(`<img alt="A chart" class="image" src="${SRC}" title="Q3">`)
    for (const src of ['https://evil.example/x.png', 'javascript:alert(1)', 'data:image/png;base64,AAAA', '']) {
      const el = draw(img(src, 'x'))
      expect(el.hasAttribute('src'), src).toBe(false)
      expect(el.getAttribute('alt')).toBe('x')
    }
    // attributes from another peer are untrusted: no crash on odd values
    expect(draw(schema.nodes.image!.create({ src: 5, alt: { x: 1 }, title: ['t'] })).outerHTML).toBe('<img alt="" class="image">')
  })

  it('parses <img> inline, where it stood, with alt and title on one line', () => {
    const dom = document.createElement('div')
    dom.innerHTML = `<p>before <img src="${SRC}" alt=" two\n lines " title="t"> after</p><img src="${SRC}">`
    const doc = DOMParser.fromSchema(schema).parse(dom)
    doc.check()
    expect(doc.toJSON()).toEqual(
      b.doc(b.p('before ', img(SRC, 'two lines', 't'), ' after'), b.p(img(SRC))).toJSON(),
    )
  })
})

describe('images in files', () => {
  const doc = b.doc(b.h(2, 'Pictures ', img(SRC, 'in a heading')), b.p(img(SRC, 'A [chart] *x*', 'Q3 "final"')), b.p('text ', img(SRC), ' and more'))

  it('writes Markdown images, site-relative or under a base, and reads them back as the same document', () => {
    const md = toMarkdown('', doc)
    expect(md).toBe(
      [
        `## Pictures ![in a heading](${SRC})`,
        '',
        `![A \\[chart\\] \\*x\\*](${SRC} "Q3 \\"final\\"")`,
        '',
        `text ![](${SRC}) and more`,
        '',
      ].join('\n'),
    )
    expect(fromMarkdown(md, (src) => src).toJSON()).toEqual(doc.toJSON())
    const absolute = toMarkdown('', b.doc(b.p(img(SRC, 'a'))), { imageBase: 'https://tandem.example/' })
    expect(absolute).toBe(`![a](https://tandem.example${SRC})\n`)
    // reading it back: the import decides (below); as parsed, the node keeps the URL as written
    expect(fromMarkdown(absolute, (src) => src).firstChild!.firstChild!.attrs.src).toBe(`https://tandem.example${SRC}`)
  })

  it('writes an image that is not this server’s as its alt text, in Markdown and in plain text', () => {
    const other = b.doc(b.p('see ', img('https://evil.example/x.png', 'the logo'), '.'))
    expect(toMarkdown('', other)).toBe('see the logo.\n')
    expect(toPlainText('', doc)).toBe('Pictures in a heading\nA [chart] *x*\ntext  and more\n')
  })

  it('keeps the images the import allows; others become their alt text, linked when on the web', () => {
    const md = [
      `![ours](${SRC})`,
      '',
      '![logo](https://evil.example/logo.png) ![](https://evil.example/no-alt.png)',
      '',
      '![script](javascript:alert(1)) ![](javascript:alert(2))',
      '',
      '![ftp](ftp://example.com/x.png) ![](ftp://example.com/y.png)',
      '',
      '[![linked](https://evil.example/in-link.png)](https://example.com/page)',
    ].join('\n')
    const kept = importDocument('markdown', md, '', (src) => (src === SRC ? imagePath('new', NAME) : null)).body
    kept.check()
    const link = (text: string, href: string) => b.link(text, href)
    expect(kept.toJSON()).toEqual(
      b.doc(
        b.p(img(imagePath('new', NAME), 'ours')),
        // an image without alt text (a tracking pixel, a spacer) goes
        b.p(link('logo', 'https://evil.example/logo.png'), ' '),
        // markdown-it refuses the destination itself (validateLink): no image, the text as written
        b.p('![script](javascript:alert(1)) ![](javascript:alert(2))'),
        // not a link the schema takes: the alt text alone, or nothing
        b.p('ftp '),
        b.p(link('linked', 'https://example.com/page')),
      ).toJSON(),
    )
    // by default an import keeps no image; a paragraph left empty goes where its parent allows
    expect(fromMarkdown(`a\n\n![](${SRC})\n\n* ![](${SRC})\n`).toJSON()).toEqual(b.doc(b.p('a'), b.ul(b.li(b.p()))).toJSON())
    // nothing to change: the very same document comes back
    const plain = b.doc(b.p('no images'))
    expect(keepImages(plain, () => null)).toBe(plain)
  })
})

describe('imageNow (the description editor finds its image again)', () => {
  const image = (name: string) => schema.nodes.image!.create({ src: imagePath('d', `${name.repeat(64)}.png`), alt: name })
  const one = image('a')
  const two = image('b')
  const before = b.doc(b.p('x', one, 'y', two))
  const at = (doc: typeof before, node: typeof one) => {
    let pos = -1
    doc.descendants((n, p) => (n === node ? ((pos = p), false) : true))
    return pos
  }

  it('follows the same image when edits before it move it', () => {
    const moved = b.doc(b.p('typed before '), before.firstChild!)
    expect(imageNow(moved, one, at(before, one))).toBe(at(moved, one))
  })

  it('does not take another image that came to where it was', () => {
    const replaced = b.doc(b.p('x', two, 'y'))
    expect(imageNow(replaced, one, at(before, one))).toBeNull()
  })

  it('takes an equal image still where it was, and nothing once it is gone', () => {
    const again = b.doc(b.p('x', image('a'), 'y', two))
    expect(imageNow(again, one, at(before, one))).toBe(at(before, one))
    expect(imageNow(b.doc(b.p('x')), one, at(before, one))).toBeNull()
  })
})
