/**
 * Web pages imported as documents (shared/html-import.ts on the server's DOM, jsdom): Tandem's
 * own web page read back as the same document, what other applications write (Google Docs, Word,
 * tables) read as a paste of it reads, list items that open with a block kept in their list, nothing of a hostile page kept or run, and the title rules.
 */
import { JSDOM } from 'jsdom'
import { describe, expect, it } from 'vitest'
import { toHtml } from '../../client/export.js'
import { parsePage } from '../../server/docs/html-page.js'
import { checkHTML, importHTML, MAX_HTML_DEPTH, UnreadableHTMLError } from '../../shared/html-import.js'
import { b, everyNodeAndMark } from './client-editor-helpers.js'

/** `html` imported as the file `name.html`. */
const read = (html: string, title: string | null = null) => importHTML(parsePage(html), 'name', title)

describe('HTML import', () => {
  it("reads back Tandem's own web page as the same title and body", () => {
    const page = toHtml('Team *notes* <b>', everyNodeAndMark(), new JSDOM().window.document)
    const back = read(page)
    expect(back.title).toBe('Team *notes* <b>')
    // the link that was not allowed was written without its href: its text stays
    expect(back.body.toJSON()).toEqual(everyNodeAndMark('').toJSON())
    back.body.check()
  })

  it('keeps the content of a hostile page and nothing else, and runs none of it', () => {
    const marker = `hostile${Math.random().toString(36).slice(2)}`
    const html =
      `<html><head><title>Bad</title><script>globalThis.${marker} = 1</script><meta http-equiv="refresh" content="0;url=https://evil.example"></head>` +
      `<body onload="globalThis.${marker} = 2"><p onclick="alert(1)" style="color:red">Hello <a href="javascript:alert(1)">click</a> <a href="https://ok.example/" onmouseover="x()">ok</a></p>` +
      `<img src="https://evil.example/x.png" onerror="globalThis.${marker} = 3"><iframe srcdoc="<p>framed</p>">inner text</iframe><template><p>templated</p></template>` +
      `<svg><text>drawn</text></svg><form><input value="typed"><textarea>area</textarea><button>Press</button><select><option>opt</option></select></form><noscript>no js</noscript>` +
      `<object data="x.swf">fallback</object><style>p{}</style><p>After</p></body></html>`
    const { title, body } = read(html)
    expect(title).toBe('Bad')
    expect(body.toJSON()).toEqual(b.doc(b.p('Hello click ', b.link('ok', 'https://ok.example/')), b.p('After')).toJSON())
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined()
  })

  it('reads Google Docs, Word and tables as a paste of them reads', () => {
    // Google Docs' clipboard: the normal-weight wrapper is not bold, a <br> between paragraphs an empty one, a link not underlined
    const docs =
      '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><p><span style="font-weight:400;">one</span></p><br>' +
      '<p><span style="font-weight:700;">two</span> <a href="https://example.com/" style="text-decoration:none;"><span style="text-decoration:underline;">link</span></a></p></b>'
    expect(read(docs).body.toJSON()).toEqual(b.doc(b.p('one'), b.p(), b.p(b.marked('two', 'bold'), ' ', b.link('link', 'https://example.com/'))).toJSON())
    // Google Docs' "Download as HTML": styles in classes, checklists as checkbox items
    const download =
      '<html><head><style>.c1{font-weight:700}.c2{font-style:italic}.c3{text-decoration:underline}p:hover{color:red}@media print{.c1{color:black}}</style></head>' +
      '<body><p><span class="c1">Bold</span> <span class="c2">it</span> <span class="c3">u</span></p>' +
      '<ul><li role="checkbox" aria-checked="true"><p>done</p></li><li role="checkbox" aria-checked="false"><p>open</p></li></ul></body></html>'
    expect(read(download).body.toJSON()).toEqual(
      b.doc(b.p(b.marked('Bold', 'bold'), ' ', b.marked('it', 'italic'), ' ', b.marked('u', 'underline')), b.tasks(b.task(true, b.p('done')), b.task(false, b.p('open')))).toJSON(),
    )
    // the same download's nested lists are flat sibling lists named by level, its links go through Google
    const list = (tag: string, level: number, start: boolean, ...items: string[]) =>
      `<${tag} class="c4 lst-kix_abc${tag}-${level}${start ? ' start' : ''}">${items.map((i) => `<li class="c2 li-bullet-0"><span>${i}</span></li>`).join('')}</${tag}>`
    const google = 'https://www.google.com/url?q=https://example.com/a%3Fb%3D1&sa=D&source=editors&ust=1&usg=x'
    const nested =
      `<body><p><a href="${google}">site</a> <a href="https://www.google.com/url?q=javascript:alert(1)&sa=D">bad</a></p>` +
      `${list('ul', 0, true, 'One')}${list('ul', 1, true, 'Inner', 'Inner 2')}${list('ol', 2, true, 'Deep')}${list('ul', 0, false, 'Two')}${list('ol', 0, true, 'Numbered')}<p>After</p>${list('ul', 1, true, 'Alone')}</body>`
    expect(read(nested).body.toJSON()).toEqual(
      b.doc(
        b.p(b.link('site', 'https://example.com/a?b=1'), ' ', b.link('bad', 'https://www.google.com/url?q=javascript:alert(1)&sa=D')),
        b.ul(b.li(b.p('One'), b.ul(b.li(b.p('Inner')), b.li(b.p('Inner 2'), b.ol(b.li(b.p('Deep')))))), b.li(b.p('Two'))),
        b.ol(b.li(b.p('Numbered'))),
        b.p('After'),
        b.ul(b.li(b.p('Alone'))),
      ).toJSON(),
    )
    // Word's list paragraphs, markers as text
    const word = (level: number, marker: string, text: string) =>
      `<p class=MsoListParagraph style='mso-list:l0 level${level} lfo1'><span style='mso-list:Ignore'>${marker}<span>&nbsp;&nbsp;</span></span>${text}</p>`
    expect(read(`<body>${word(1, '1.', 'First')}${word(2, 'o', 'Inner')}${word(1, '2.', 'Second')}</body>`).body.toJSON()).toEqual(
      b.doc(b.ol(b.li(b.p('First'), b.ul(b.li(b.p('Inner')))), b.li(b.p('Second')))).toJSON(),
    )
    // a table: a paragraph per cell, not the cells' text run together
    expect(read('<table><tr><th>Name</th><td>Qty</td></tr><tr><td>apples</td><td>3</td></tr></table>').body.toJSON()).toEqual(
      b.doc(b.p('Name'), b.p('Qty'), b.p('apples'), b.p('3')).toJSON(),
    )
  })

  it('keeps a list item that opens with a heading, code, a quote, a line or a list inside its list, as a Markdown file does', () => {
    // numbered steps from a web page: the list went on as a bulleted one after the item
    expect(read('<ol><li>Open</li><li><h3>Install</h3><p>then</p></li><li><pre><code>npm i</code></pre></li><li>Run</li></ol>').body.toJSON()).toEqual(
      b.doc(b.ol(b.li(b.p('Open')), b.li(b.p(), b.h(3, 'Install'), b.p('then')), b.li(b.p(), b.pre('npm i')), b.li(b.p('Run')))).toJSON(),
    )
    // a block inside a wrapper without a node of its own (a <div>), after white space and a comment
    expect(read('<ul><li> <!-- x --><div><blockquote><p>q</p></blockquote></div></li><li><hr>after</li><li><ul><li>inner</li></ul></li><li>last</li></ul>').body.toJSON()).toEqual(
      b.doc(b.ul(b.li(b.p(), b.quote(b.p('q'))), b.li(b.p(), b.hr(), b.p('after')), b.li(b.p(), b.ul(b.li(b.p('inner')))), b.li(b.p('last')))).toJSON(),
    )
    // items that open with text or a paragraph are as they were
    expect(read('<ul><li>a<pre>x</pre></li><li><p>b</p><ul><li>c</li></ul></li></ul>').body.toJSON()).toEqual(
      b.doc(b.ul(b.li(b.p('a'), b.pre('x')), b.li(b.p('b'), b.ul(b.li(b.p('c')))))).toJSON(),
    )
  })

  it('titles the document by the title given, the page title, its first heading, or the file name', () => {
    const page = '<title> Page  title </title><h1>Page title</h1><p>x</p>'
    expect(read(page)).toMatchObject({ title: 'Page title' })
    expect(read(page).body.toJSON()).toEqual(b.doc(b.p('x')).toJSON())
    // given: the page stays whole
    expect(read(page, 'Mine').title).toBe('Mine')
    expect(read(page, 'Mine').body.toJSON()).toEqual(b.doc(b.h(1, 'Page title'), b.p('x')).toJSON())
    // a first heading saying something else than the title stays
    expect(read('<title>T</title><h1>Other</h1>').body.toJSON()).toEqual(b.doc(b.h(1, 'Other')).toJSON())
    // no title: the heading that opens the page is taken out; a later one is only read
    expect(read('<h2>Opening</h2><p>x</p>')).toMatchObject({ title: 'Opening' })
    expect(read('<h2>Opening</h2><p>x</p>').body.toJSON()).toEqual(b.doc(b.p('x')).toJSON())
    expect(read('<p>x</p><h3>Later</h3>').title).toBe('Later')
    expect(read('<p>x</p><h3>Later</h3>').body.childCount).toBe(2)
    expect(read('<p>plain</p>').title).toBe('name')
    expect(read('<html><body></body></html>').body.toJSON()).toEqual(b.doc(b.p()).toJSON())
  })

  it('refuses a page nested deeper than any real page, with a reason and at once', () => {
    const tooDeep = new UnreadableHTMLError(`the page nests its content more than ${MAX_HTML_DEPTH} levels deep`)
    // before any parser: what the tags say
    for (const page of ['<div>'.repeat(200_000), '<ul><li>'.repeat(50_000), `<p>${'<b>'.repeat(MAX_HTML_DEPTH + 1)}x`]) expect(() => checkHTML(page)).toThrow(tooDeep)
    // tags that nest nothing or hold text, and elements closed again, are no nesting
    for (const page of [`<ul>${'<li>x'.repeat(100_000)}`, `<script>${'<div>'.repeat(10_000)}</script><p>x`, `<!--${'<div>'.repeat(10_000)}--><p>x`, '<div>x</div>'.repeat(10_000), `<p>${'<a'.repeat(10_000)}`])
      expect(() => checkHTML(page)).not.toThrow()
    // and in the parsed page, where elements whose end tag may be left out count too
    expect(() => read(`${'<ul><li>'.repeat(MAX_HTML_DEPTH / 2)}x`)).toThrow(tooDeep)
    // html, body and the paragraph are levels too
    expect(read(`${'<blockquote>'.repeat(MAX_HTML_DEPTH - 3)}x`).body.textContent).toBe('x')
  })

  it('refuses binary data and text without any markup', () => {
    expect(() => checkHTML('<p>a\u0000b</p>')).toThrow(UnreadableHTMLError)
    expect(() => checkHTML('just words')).toThrow('the file is not HTML: it has no tags')
    expect(() => checkHTML('<!doctype html>\n<p>fine</p>\t\f\r\n')).not.toThrow()
  })
})
