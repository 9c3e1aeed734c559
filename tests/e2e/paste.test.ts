/**
 * Pasting in real Chromium, as the clipboard of other applications fills it (Google Docs, VS
 * Code, Gmail, web pages): what lands in the document, for the person pasting and for the
 * other person, and that Ctrl+Z takes the paste back in one step.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { caretIn, newUndoStep, runs, setBody, shape, sharedShape, waitForShape, type JSONNode } from './doc-shape.js'
import { type AppServer, CHROMIUM, content, converged, freshDocId, MOD, openDoc, openPair, paste, SKIP_REASON, useBrowserAndServer, type Clipboard, type User } from './harness.js'


/**
 * What VS Code puts on the clipboard when `lines` of a `mode` file are copied: the text joined
 * with `eol`, a `white-space: pre` div holding a div of coloured token spans per line (a `<br>`
 * for an empty line), and the editor data naming the language.
 */
export function fromVSCode(lines: string[], mode: string, eol = '\n'): Clipboard {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const colours = ['#569cd6', '#cccccc', '#dcdcaa', '#9cdcfe']
  const line = (text: string) =>
    text === '' ? '<br>' : `<div>${text.split(/(\s+)/).filter(Boolean).map((token, i) => `<span style="color: ${colours[i % colours.length]!};">${escape(token)}</span>`).join('')}</div>`
  const html =
    `<meta charset='utf-8'><div style="color: #cccccc;background-color: #1f1f1f;font-family: Consolas, 'Courier New', monospace;font-weight: normal;font-size: 14px;line-height: 19px;white-space: pre;">` +
    `${lines.map(line).join('')}</div>`
  const data = { version: 1, isFromEmptySelection: false, multicursorText: null, mode }
  return { html, text: lines.join(eol), other: { 'vscode-editor-data': JSON.stringify(data) } }
}

describe.skipIf(!CHROMIUM)(`pasting from other applications${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let server: AppServer
  let browser: Browser

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  /** Pastes `clipboard` into an empty paragraph of Alice's, expects `want` for both, then Ctrl+Z back to the empty paragraph. */
  async function pasteAndUndo(alice: User, bob: User, clipboard: Clipboard, want: string): Promise<void> {
    await setBody(alice.page, '<p></p>', 'p""')
    await newUndoStep(alice.page)
    await paste(alice.page, clipboard)
    await waitForShape(alice.page, want)
    await converged([alice.page, bob.page])
    expect(await shape(bob.page)).toBe(want)
    await alice.page.keyboard.press(`${MOD}+z`)
    await waitForShape(alice.page, 'p""')
    await converged([alice.page, bob.page])
  }

  /**
   * Sets Alice's body to `body` (of shape `before`), puts the caret `at` an offset of a block,
   * pastes `clipboard` (Shift held, as Ctrl+Shift+V does, when `shift`), expects `want` for both
   * people, then Ctrl+Z back to `before`.
   */
  async function pasteInto(alice: User, bob: User, [body, before]: readonly [string, string], at: readonly [string, number], clipboard: Clipboard, want: string, shift = false): Promise<void> {
    await setBody(alice.page, body, before)
    await caretIn(alice.page, at[0], at[1])
    await newUndoStep(alice.page)
    if (shift) await alice.page.keyboard.down('Shift')
    await paste(alice.page, clipboard)
    if (shift) await alice.page.keyboard.up('Shift')
    await waitForShape(alice.page, want)
    await converged([alice.page, bob.page])
    expect(await shape(bob.page)).toBe(want)
    await alice.page.keyboard.press(`${MOD}+z`)
    await waitForShape(alice.page, before)
    await converged([alice.page, bob.page])
  }

  it('makes an empty line from Google Docs, VS Code, Gmail or Word an empty paragraph, not one holding a line break or a space', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const cases: Array<[string, { html: string; text: string }]> = [
      // Google Docs: an empty paragraph is a <br> between the paragraphs, inside the guid wrapper
      ['Google Docs', { html: '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-5f3e"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-weight:400;white-space:pre-wrap;">one</span></p><br><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:11pt;font-weight:400;white-space:pre-wrap;">two</span></p></b>', text: 'one\n\ntwo' }],
      // VS Code: a div per line, an empty line a bare <br>
      ['VS Code', { html: '<meta charset="utf-8"><div style="color: #cccccc;background-color: #1f1f1f;font-family: Consolas, monospace;font-weight: normal;font-size: 14px;line-height: 19px;white-space: pre;"><div><span style="color: #cccccc;">one</span></div><br><div><span style="color: #cccccc;">two</span></div></div>', text: 'one\n\ntwo' }],
      // Gmail and other contenteditable editors: <div><br></div>
      ['Gmail', { html: '<div dir="ltr"><div>one</div><div><br></div><div>two</div></div>', text: 'one\n\ntwo' }],
    ]
    for (const [source, clipboard] of cases) {
      await pasteAndUndo(alice, bob, clipboard, 'p"one" p"" p"two"').catch((err: Error) => {
        throw new Error(`${source}: ${err.message}`)
      })
    }
    // Chrome ends a copy that took in the end of a block with this <br>: no empty line
    await pasteAndUndo(alice, bob, { html: '<meta charset="utf-8"><p>one</p><p>two</p><br class="Apple-interchange-newline">', text: 'one\ntwo\n' }, 'p"one" p"two"')
    // Word: an empty line is a paragraph holding <o:p>&nbsp;</o:p>
    await pasteAndUndo(alice, bob, { html: '<html xmlns:o="urn:schemas-microsoft-com:office:office"><body lang=EN-US><!--StartFragment--><p class=MsoNormal><span lang=EN-US>one<o:p></o:p></span></p>\n<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>\n<p class=MsoNormal><span lang=EN-US>two<o:p></o:p></span></p><!--EndFragment--></body></html>', text: 'one\n\ntwo' }, 'p"one" p"" p"two"')
    // a line break inside a paragraph stays one
    await pasteAndUndo(alice, bob, { html: '<p>one<br>two</p>', text: 'one\ntwo' }, 'p"one⏎two"')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)

  it('keeps the cells of a pasted table apart, each a paragraph of its own', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const html = '<table><thead><tr><th>Name</th><th>Qty</th></tr></thead><tbody><tr><td>apples</td><td>3</td></tr><tr><td>pears</td><td><p>4</p><p>ripe</p></td></tr></tbody></table>'
    await pasteAndUndo(alice, bob, { html, text: 'Name\tQty\napples\t3\npears\t4 ripe' }, 'p"Name" p"Qty" p"apples" p"3" p"pears" p"4" p"ripe"')
    // Google Sheets
    const sheets = '<google-sheets-html-origin><style type="text/css"><!--td {border: 1px solid #cccccc;}--></style><table xmlns="http://www.w3.org/1999/xhtml" cellspacing="0" cellpadding="0" dir="ltr" border="1"><colgroup><col width="100"/><col width="100"/></colgroup><tbody><tr style="height:21px;"><td style="overflow:hidden;padding:2px 3px 2px 3px;vertical-align:bottom;">1</td><td style="overflow:hidden;padding:2px 3px 2px 3px;vertical-align:bottom;text-align:right;">2</td></tr></tbody></table>'
    await pasteAndUndo(alice, bob, { html: sheets, text: '1\t2' }, 'p"1" p"2"')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)

  it('pastes a link from Google Docs as a link only, not also underlined, while underline around it stays', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const span = 'font-size:11pt;font-family:Arial,sans-serif;color:#1155cc;background-color:transparent;font-weight:400;font-style:normal;font-variant:normal;vertical-align:baseline;white-space:pre;white-space:pre-wrap;'
    const html =
      '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-8c1a"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;">' +
      `<span style="font-size:11pt;font-weight:400;text-decoration:underline;-webkit-text-decoration-skip:none;">see </span>` +
      `<a href="https://example.com/page" style="text-decoration:none;"><span style="${span}text-decoration:underline;-webkit-text-decoration-skip:none;text-decoration-skip-ink:none;">the page</span></a>` +
      '<span style="font-size:11pt;font-weight:400;"> here</span></p></b>'
    await pasteAndUndo(alice, bob, { html, text: 'see the page here' }, 'p"see the page here"')
    await paste(alice.page, { html, text: 'see the page here' })
    await waitForShape(alice.page, 'p"see the page here"')
    const doc = (await converged([alice.page, bob.page])) as JSONNode
    expect(runs(doc)).toEqual([
      ['see ', ['underline']],
      ['the page', ['link']],
      [' here', []],
    ])
    expect(await content(bob.page)).toEqual(doc)
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('keeps both marks of text pasted underlined and struck through in one style', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const html =
      '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-2d7b"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;">' +
      '<span style="font-size:11pt;font-weight:400;text-decoration:underline line-through;-webkit-text-decoration-skip:none;">both</span>' +
      '<span style="font-size:11pt;font-weight:700;text-decoration:line-through underline;"> bold too</span></p></b>'
    await pasteAndUndo(alice, bob, { html, text: 'both bold too' }, 'p"both bold too"')
    await paste(alice.page, { html, text: 'both bold too' })
    await waitForShape(alice.page, 'p"both bold too"')
    const doc = (await converged([alice.page, bob.page])) as JSONNode
    expect(runs(doc)).toEqual([
      ['both', ['underline', 'strike']],
      [' bold too', ['bold', 'underline', 'strike']],
    ])
    expect(await content(bob.page)).toEqual(doc)
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('makes each pasted line a task or list item of its own when pasted into one', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const task = (text: string) => `<li data-type="task-item" data-checked="false"><p>${text}</p></li>`
    const cases: Array<[string, string, { html?: string; text: string }, string]> = [
      // a shopping list from a plain-text note into an empty task
      [`<ul data-type="task-list">${task('first')}${task('')}</ul>`, 'tasks(task[ ](p"first") task[ ](p""))', { text: 'milk\neggs\nbread' }, 'tasks(task[ ](p"first") task[ ](p"milk") task[ ](p"eggs") task[ ](p"bread"))'],
      // paragraphs from a web page into an empty bullet
      ['<ul><li><p>first</p></li><li><p></p></li></ul>', 'bullet(item(p"first") item(p""))', { html: '<p>one</p><p>two <b>bold</b></p>', text: 'one\ntwo bold' }, 'bullet(item(p"first") item(p"one") item(p"two bold"))'],
    ]
    for (const [body, before, clipboard, want] of cases) await pasteInto(alice, bob, [body, before], ['', 0], clipboard, want)
    // into the middle of an item: the first line joins the text before the caret, the last the text after it
    await setBody(alice.page, `<ul data-type="task-list">${task('headtail')}</ul>`, 'tasks(task[ ](p"headtail"))')
    await caretIn(alice.page, 'headtail', 4)
    await paste(alice.page, { text: ' one\ntwo\nthree ' })
    await waitForShape(alice.page, 'tasks(task[ ](p"head one") task[ ](p"two") task[ ](p"three tail"))')
    await converged([alice.page, bob.page])
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)

  it('pastes the bulleted and numbered lists of Microsoft Word as lists, without their bullet characters', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    /** A list paragraph as Word for Windows puts it on the clipboard (`marker`: its bullet or number). */
    const item = (cls: string, level: number, marker: string, font: string, text: string) =>
      `<p class=${cls} style='margin-left:${0.5 * level}in;text-indent:-.25in;mso-list:l${marker === '·' || marker === 'o' ? 0 : 1} level${level} lfo${marker === '·' || marker === 'o' ? 1 : 2}'><![if !supportLists]><span lang=EN-US style='font-family:${font}'><span style='mso-list:Ignore'>${marker}<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><![endif]><span lang=EN-US>${text}<o:p></o:p></span></p>\n`
    const html =
      '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta name=Generator content="Microsoft Word 15"><style><!-- p.MsoNormal {margin:0in;} --></style></head><body lang=EN-US><!--StartFragment-->' +
      '<p class=MsoNormal><span lang=EN-US>Before<o:p></o:p></span></p>\n' +
      item('MsoListParagraphCxSpFirst', 1, '·', 'Symbol', 'First') +
      item('MsoListParagraphCxSpMiddle', 1, '·', 'Symbol', '<b>Second</b>') +
      item('MsoListParagraphCxSpMiddle', 2, 'o', '"Courier New"', 'Nested') +
      item('MsoListParagraphCxSpLast', 1, '·', 'Symbol', 'Third') +
      '<p class=MsoNormal><span lang=EN-US>Between<o:p></o:p></span></p>\n' +
      item('MsoListParagraphCxSpFirst', 1, '1.', 'Calibri', 'One') +
      item('MsoListParagraphCxSpLast', 1, '2.', 'Calibri', 'Two') +
      '<!--EndFragment--></body></html>'
    const text = 'Before\n·\tFirst\n·\tSecond\no\tNested\n·\tThird\nBetween\n1.\tOne\n2.\tTwo'
    await pasteAndUndo(alice, bob, { html, text }, 'p"Before" bullet(item(p"First") item(p"Second" bullet(item(p"Nested"))) item(p"Third")) p"Between" ordered(item(p"One") item(p"Two"))')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('pastes a checklist from Google Docs as a task list that keeps which tasks are done', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    /** A checklist item as Google Docs puts it on the clipboard. */
    const check = (done: boolean, text: string) =>
      `<li dir="ltr" role="checkbox" aria-checked="${String(done)}" style="list-style-type:none;font-size:11pt;font-family:Arial,sans-serif;" aria-level="1">` +
      `<img src="data:image/png;base64,iVBORw0KGgo=" width="17.6px" height="17.6px" alt="${done ? 'checked' : 'unchecked'}" aria-roledescription="checkbox" style="margin-right:3px;" />` +
      `<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;display:inline-block;vertical-align:top;margin-top:0;" role="presentation">` +
      `<span style="font-size:11pt;font-weight:400;${done ? 'text-decoration:line-through;' : ''}white-space:pre-wrap;">${text}</span></p></li>`
    const html =
      '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-4a9e"><ul style="margin-top:0;margin-bottom:0;padding-inline-start:28px;">' +
      check(false, 'buy milk') + check(true, 'call Ann') + '</ul><ul style="margin-top:0;margin-bottom:0;"><li dir="ltr" style="list-style-type:disc;" aria-level="1"><p dir="ltr" role="presentation"><span>a bullet</span></p></li></ul></b>'
    await pasteAndUndo(alice, bob, { html, text: 'buy milk\ncall Ann\na bullet' }, 'tasks(task[ ](p"buy milk") task[x](p"call Ann")) bullet(item(p"a bullet"))')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('pastes a page downloaded from Google Docs with its nested lists nested and its links pointing at their sites', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    /** A list as Google Docs' "Download as HTML" writes it: flat, its level in its class. */
    const list = (level: number, start: boolean, item: string) => `<ul class="c1 lst-kix_q1-${level}${start ? ' start' : ''}"><li class="c2 li-bullet-0"><span class="c0">${item}</span></li></ul>`
    const html =
      '<meta charset="utf-8"><p class="c3"><span class="c0">See </span><a class="c5" href="https://www.google.com/url?q=https://example.com/plan&amp;sa=D&amp;source=editors">the plan</a></p>' +
      list(0, true, 'Fruit') + list(1, true, 'Apples') + list(0, false, 'Bread')
    await pasteAndUndo(alice, bob, { html, text: 'See the plan\nFruit\nApples\nBread' }, 'p"See the plan" bullet(item(p"Fruit" bullet(item(p"Apples"))) item(p"Bread"))')
    await paste(alice.page, { html, text: 'See the plan' })
    await waitForShape(alice.page, 'p"See the plan" bullet(item(p"Fruit" bullet(item(p"Apples"))) item(p"Bread"))')
    const doc = (await converged([alice.page, bob.page])) as JSONNode
    expect(doc.content![0]!.content![1]).toEqual({ type: 'text', text: 'the plan', marks: [{ type: 'link', attrs: { href: 'https://example.com/plan', title: null } }] })
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('pastes a nested list after or inside the text of a paragraph as a whole list, below that text', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const list = '<ul><li><p>a</p><ul><li><p>b</p></li></ul></li><li><p>c</p></li></ul>'
    // Google Docs nests a sublist right in the list
    const docs = '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-77aa"><ul style="margin-top:0;margin-bottom:0;"><li dir="ltr" aria-level="1"><p dir="ltr" role="presentation"><span>a</span></p></li><ul style="margin-top:0;margin-bottom:0;"><li dir="ltr" aria-level="2"><p dir="ltr" role="presentation"><span>b</span></p></li></ul><li dir="ltr" aria-level="1"><p dir="ltr" role="presentation"><span>c</span></p></li></ul></b>'
    const whole = 'bullet(item(p"a" bullet(item(p"b"))) item(p"c"))'
    for (const [html, at, want] of [
      [list, 9, `p"Shopping:" ${whole}`],
      [docs, 9, `p"Shopping:" ${whole}`],
      [list, 4, `p"Shop" ${whole} p"ping:"`],
    ] as const) {
      await setBody(alice.page, '<p>Shopping:</p>', 'p"Shopping:"')
      await caretIn(alice.page, 'Shopping:', at)
      await newUndoStep(alice.page)
      await paste(alice.page, { html, text: 'a\nb\nc' })
      await waitForShape(alice.page, want)
      await converged([alice.page, bob.page])
      expect(await shape(bob.page)).toBe(want)
      await alice.page.keyboard.press(`${MOD}+z`)
      await waitForShape(alice.page, 'p"Shopping:"')
    }
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)
  it('pastes numbered steps from a web page whose items open with a heading or a list as one numbered list', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const html = '<ol><li><p>Open</p></li><li><h2>Install</h2><p>then</p></li><li><ul><li>inner</li></ul></li><li><p>Run</p></li></ol>'
    await pasteAndUndo(alice, bob, { html, text: 'Open\nInstall\nthen\ninner\nRun' }, 'ordered(item(p"Open") item(p"" h2"Install" p"then") item(p"" bullet(item(p"inner"))) item(p"Run"))')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('pastes plain text line by line, each blank line an empty paragraph, wherever the caret is', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const para = ['<p>headtail</p>', 'p"headtail"'] as const
    const task = (text: string) => `<li data-type="task-item" data-checked="false"><p>${text}</p></li>`
    const cases: Array<[string, readonly [string, string], readonly [string, number], Clipboard, string, boolean?]> = [
      ['an empty paragraph', ['<p></p>', 'p""'], ['', 0], { text: 'one\n\ntwo' }, 'p"one" p"" p"two"'],
      // a terminal or Notepad on Windows: CRLF and a final line ending, which shows no line
      ['Windows line endings', ['<p></p>', 'p""'], ['', 0], { text: 'one\r\n\r\n\r\ntwo\r\n' }, 'p"one" p"" p"" p"two"'],
      ['a blank first line', ['<p></p>', 'p""'], ['', 0], { text: '\none\n' }, 'p"" p"one"'],
      ['the start of a paragraph', para, ['headtail', 0], { text: 'one\n\ntwo' }, 'p"one" p"" p"twoheadtail"'],
      ['the middle of a paragraph', para, ['headtail', 4], { text: 'one\n\ntwo' }, 'p"headone" p"" p"twotail"'],
      ['the end of a paragraph', para, ['headtail', 8], { text: 'one\n\ntwo\n' }, 'p"headtailone" p"" p"two"'],
      ['a heading', ['<h1>Title</h1>', 'h1"Title"'], ['Title', 5], { text: ' one\n\ntwo' }, 'h1"Title one" p"" p"two"'],
      ['a blockquote', ['<blockquote><p>quote</p></blockquote>', 'quote(p"quote")'], ['quote', 5], { text: ' one\n\ntwo' }, 'quote(p"quote one" p"" p"two")'],
      ['a task item', [`<ul data-type="task-list">${task('first')}${task('')}</ul>`, 'tasks(task[ ](p"first") task[ ](p""))'], ['', 0], { text: 'milk\n\neggs\n' }, 'tasks(task[ ](p"first") task[ ](p"milk") task[ ](p"") task[ ](p"eggs"))'],
      ['a bullet item', ['<ul><li><p>first</p></li></ul>', 'bullet(item(p"first"))'], ['first', 5], { text: '\r\n\r\nsecond' }, 'bullet(item(p"first") item(p"") item(p"second"))'],
      // a code block takes the text as it is: its own newlines, indentation and final line ending
      ['a code block', ['<pre><code>begin\nend</code></pre>', 'code"begin\nend"'], ['begin\nend', 5], { text: '\n  one\r\n\r\n  two' }, 'code"begin\n  one\n\n  two\nend"'],
      // Ctrl+Shift+V ("paste as plain text") over a copy that has HTML too
      ['Ctrl+Shift+V', ['<p></p>', 'p""'], ['', 0], { html: '<p><b>one</b></p><p>two</p>', text: 'one\n\ntwo' }, 'p"one" p"" p"two"', true],
    ]
    for (const [where, body, at, clipboard, want, shift] of cases) {
      await pasteInto(alice, bob, body, at, clipboard, want, shift).catch((err: Error) => {
        throw new Error(`${where}: ${err.message}`)
      })
    }
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 120_000)

  it('pastes several lines copied in VS Code as one code block holding their exact text', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const lines = ['function add(a, b) {', '  return a + b', '}', '', 'add(1, 2)']
    // in the language VS Code names
    const code = 'code[javascript]"function add(a, b) {\n  return a + b\n}\n\nadd(1, 2)"'
    const cases: Array<[string, readonly [string, string], readonly [string, number], Clipboard, string, boolean?]> = [
      ['an empty paragraph', ['<p></p>', 'p""'], ['', 0], fromVSCode(lines, 'javascript'), code],
      // with copying with syntax highlighting turned off VS Code puts no HTML
      ['a copy without HTML', ['<p></p>', 'p""'], ['', 0], { ...fromVSCode(lines, 'javascript'), html: undefined }, code],
      // Ctrl+Shift+V asks for plain text: lines, blank ones kept
      ['Ctrl+Shift+V', ['<p></p>', 'p""'], ['', 0], fromVSCode(lines, 'javascript'), 'p"function add(a, b) {" p"  return a + b" p"}" p"" p"add(1, 2)"', true],
      // Windows: CRLF, and a copy of whole lines ends with a line ending
      ['Windows line endings', ['<p></p>', 'p""'], ['', 0], fromVSCode([...lines, ''], 'javascript', '\r\n'), code],
      ['the middle of a paragraph', ['<p>headtail</p>', 'p"headtail"'], ['headtail', 4], fromVSCode(lines, 'javascript'), `p"head" ${code} p"tail"`],
      ['the end of a paragraph', ['<p>head</p><p>next</p>', 'p"head" p"next"'], ['head', 4], fromVSCode(lines, 'javascript'), `p"head" ${code} p"next"`],
      // inside a code block the text goes in as it is
      ['a code block', ['<pre><code>begin\nend</code></pre>', 'code"begin\nend"'], ['begin\nend', 5], fromVSCode(['', '  if (x) {', '    y()', '  }'], 'typescript'), 'code"begin\n  if (x) {\n    y()\n  }\nend"'],
    ]
    for (const [where, body, at, clipboard, want, shift] of cases) {
      await pasteInto(alice, bob, body, at, clipboard, want, shift).catch((err: Error) => {
        throw new Error(`${where}: ${err.message}`)
      })
    }
    // what the others hold: the code block itself, not paragraphs that look like one
    await setBody(alice.page, '<p></p>', 'p""')
    await paste(alice.page, fromVSCode(lines, 'javascript'))
    await waitForShape(alice.page, code)
    await converged([alice.page, bob.page])
    expect(await sharedShape(bob.page)).toBe(code)
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)

  it('keeps the language of code pasted from web pages: language-x classes, lang, GitHub, and a language unknown here', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const cases: Array<[string, string]> = [
      ['<pre><code class="hljs language-python">def f():\n    return 1</code></pre>', 'code[python]"def f():\n    return 1"'],
      ['<pre lang="go"><code>x := 1\ny := 2</code></pre>', 'code[go]"x := 1\ny := 2"'],
      ['<div class="highlight highlight-source-js notranslate"><pre><span class="pl-k">let</span> a\nb()</pre></div>', 'code[javascript]"let a\nb()"'],
      ['<pre data-language="weird"><code>a\nb</code></pre>', 'code[weird]"a\nb"'],
    ]
    for (const [html, want] of cases) await pasteAndUndo(alice, bob, { html, text: 'unused' }, want)
    // what the others hold: the attribute in the shared document, not only in Alice's editor
    await setBody(alice.page, '<p></p>', 'p""')
    await paste(alice.page, { html: cases[0]![0], text: 'unused' })
    await waitForShape(alice.page, cases[0]![1])
    await converged([alice.page, bob.page])
    expect(await sharedShape(bob.page)).toBe(cases[0]![1])
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)

  it('pastes a single line copied in VS Code as plain text in the line, without the colours or bold of its theme', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('paste'))
    const clipboard = fromVSCode(['  const total = 1'], 'typescript')
    // some themes make keywords bold or comments italic
    clipboard.html = clipboard.html!.replace(/<span style="([^"]*)">const<\/span>/, '<span style="$1font-weight: bold;font-style: italic;">const</span>')
    expect(clipboard.html).toContain('font-weight: bold;font-style: italic;">const<')
    await pasteInto(alice, bob, ['<p>headtail</p>', 'p"headtail"'], ['headtail', 4], clipboard, 'p"head  const total = 1tail"')
    await caretIn(alice.page, 'headtail', 4)
    await paste(alice.page, clipboard)
    await waitForShape(alice.page, 'p"head  const total = 1tail"')
    const doc = (await converged([alice.page, bob.page])) as JSONNode
    expect(runs(doc)).toEqual([['head  const total = 1tail', []]])
    // a line copied with nothing selected ends with its line ending: still just the line
    const whole = fromVSCode(['let x = 2', ''], 'typescript')
    await pasteInto(alice, bob, ['<p>headtail</p>', 'p"headtail"'], ['headtail', 4], whole, 'p"headlet x = 2tail"')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)
})
