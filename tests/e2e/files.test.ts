/**
 * Documents as files in Chromium against a real server: the Download menu in the editor's header
 * saves what both people wrote as Markdown (the same file the server's export gives), as a web
 * page and as plain text, named after the title; offline it saves what this browser holds.
 * Import on the document list makes a new document of a Markdown, text or HTML file and opens it.
 * Printing shows the title and the text alone, without the app or other people's cursors.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { b } from '../unit/client-editor-helpers.js'
import { type AppServer, caretTo, CHROMIUM, content, converged, editor, MOD, openAs, openDoc, SKIP_REASON, useBrowserAndServer, waitForSave, waitForStatus } from './harness.js'

/** Chooses `label` in the Download menu; resolves the saved file's name and text. */
async function download(page: Page, label: string): Promise<{ name: string; text: string }> {
  await page.getByRole('button', { name: 'Download' }).click()
  const saved = page.waitForEvent('download')
  await page.getByRole('list', { name: 'Download as' }).getByRole('button', { name: new RegExp(`^${label}`) }).click()
  const file = await saved
  return { name: file.suggestedFilename(), text: readFileSync((await file.path())!, 'utf8') }
}

describe.skipIf(!CHROMIUM)(`documents as files in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('saves what both people wrote as Markdown, a web page and plain text, named after the title', async () => {
    const docId = (await server.catalog.create('Trip: plan')).id
    const ann = await openDoc(browser, server.url, docId, { name: 'Ann Writer', color: '#1565c0' })
    const ben = await openDoc(browser, server.url, docId, { name: 'Ben Helper', color: '#2e7d32' })
    await editor(ann.page).click()
    await ann.page.keyboard.type('## Days')
    await ann.page.keyboard.press('Enter')
    await ann.page.keyboard.type('Leave on ')
    await ann.page.keyboard.press(`${MOD}+b`)
    await ann.page.keyboard.type('Friday')
    await ann.page.keyboard.press(`${MOD}+b`)
    await ann.page.keyboard.type('.')
    await ann.page.keyboard.press('Enter')
    await ann.page.keyboard.type('[ ] Book <train>')
    await waitFor('Ben to see Ann\'s task', async () => (await editor(ben.page).innerText()).includes('Book <train>'))
    await caretTo(ben.page, 'end')
    await ben.page.keyboard.press('Enter')
    await ben.page.keyboard.press('Enter')
    await ben.page.keyboard.type('- Pack')
    // out of the list, then a shell code block
    await ben.page.keyboard.press('Enter')
    await ben.page.keyboard.press('Enter')
    await ben.page.keyboard.type('```sh')
    await ben.page.keyboard.press('Enter')
    await ben.page.keyboard.type('ls -la')
    await converged([ann.page, ben.page])
    await Promise.all([waitForSave(ann.page, 'saved'), waitForSave(ben.page, 'saved')])

    const markdown = '# Trip: plan\n\n## Days\n\nLeave on **Friday**.\n\n- [ ] Book \\<train>\n\n* Pack\n\n```bash\nls -la\n```\n'
    const md = await download(ann.page, 'Markdown')
    expect(md).toEqual({ name: 'Trip plan.md', text: markdown })
    // the same file the server gives
    expect(await (await fetch(`${server.url}/api/docs/${docId}/export`)).text()).toBe(markdown)

    const page = await download(ben.page, 'Web page')
    expect(page.name).toBe('Trip plan.html')
    expect(page.text).toMatch(/^<!doctype html>\n<html><head><meta charset="utf-8"><title>Trip: plan<\/title>/)
    expect(page.text).toContain('<h1>Trip: plan</h1><h2>Days</h2><p>Leave on <strong>Friday</strong>.</p>')
    expect(page.text).toContain('Book &lt;train&gt;')
    expect(page.text).toContain('<pre data-language="bash"><code class="language-bash">ls -la</code></pre>')
    expect(page.text).not.toContain('contenteditable')

    const text = await download(ann.page, 'Plain text')
    expect(text).toEqual({ name: 'Trip plan.txt', text: 'Trip: plan\n\nDays\nLeave on Friday.\nBook <train>\nPack\nls -la\n' })
    // the menu closed and gave the focus back
    expect(await ann.page.getByRole('list', { name: 'Download as' }).count()).toBe(0)
    const focused = await ann.page.evaluate(() => {
      let el = document.activeElement
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
      return el?.textContent?.trim()
    })
    expect(focused).toBe('Download')
    expect([...ann.errors, ...ben.errors]).toEqual([])
    await Promise.all([ann.context.close(), ben.context.close()])
  })

  it('offline, saves what this browser holds, changes not sent yet included', async () => {
    const docId = (await server.catalog.create('Offline notes')).id
    const cai = await openDoc(browser, server.url, docId, { name: 'Cai Away', color: '#6a1b9a' })
    await editor(cai.page).click()
    await cai.page.keyboard.type('Online.')
    await waitForSave(cai.page, 'saved')
    await cai.context.setOffline(true)
    await waitForStatus(cai.page, 'offline')
    await caretTo(cai.page, 'end')
    await cai.page.keyboard.type(' Offline.')
    const md = await download(cai.page, 'Markdown')
    expect(md).toEqual({ name: 'Offline notes.md', text: '# Offline notes\n\nOnline. Offline.\n' })
    expect(await (await fetch(`${server.url}/api/docs/${docId}/export`)).text()).toBe('# Offline notes\n\nOnline.\n')
    // Escape closes the menu without saving anything
    await cai.page.getByRole('button', { name: 'Download' }).click()
    await cai.page.getByRole('list', { name: 'Download as' }).waitFor()
    await cai.page.keyboard.press('Escape')
    await cai.page.getByRole('list', { name: 'Download as' }).waitFor({ state: 'detached' })
    // so does a click elsewhere on the page; and the same for the panel of one's name and colour
    await cai.page.getByRole('button', { name: 'Download' }).click()
    await cai.page.getByRole('list', { name: 'Download as' }).waitFor()
    await cai.page.locator('input.title').click()
    await cai.page.getByRole('list', { name: 'Download as' }).waitFor({ state: 'detached' })
    await cai.page.locator('tandem-identity button.me').click()
    const panel = cai.page.getByRole('dialog', { name: 'How others see you' })
    await panel.waitFor()
    await editor(cai.page).click()
    await panel.waitFor({ state: 'hidden' })
    expect(cai.errors).toEqual([])
    await cai.context.close()
  })

  /** Picks `file` through the list's Import button. */
  async function importThroughList(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
    const chooser = page.waitForEvent('filechooser')
    await page.getByRole('button', { name: 'Import a file' }).click()
    await (await chooser).setFiles(file)
  }

  it('imports a Markdown file from the list as a new document, which opens and others see', async () => {
    const dee = await openAs(browser, server.url, '/', { name: 'Dee Importer', color: '#ad1457' })
    await dee.page.getByRole('heading', { name: 'Documents' }).waitFor()
    const markdown = '# Roadmap\n\n## Q1\n\n- [x] Export\n- [ ] Import **files**\n'
    await importThroughList(dee.page, { name: 'roadmap-draft.md', mimeType: 'text/markdown', buffer: Buffer.from(markdown) })
    await dee.page.waitForURL(/\/d\/[A-Za-z0-9_-]{16,64}$/)
    const docId = new URL(dee.page.url()).pathname.split('/').pop()!
    await waitForStatus(dee.page, 'connected')
    await waitFor('the title', async () => (await dee.page.locator('input.title').inputValue()) === 'Roadmap')
    await dee.page.locator('.ProseMirror li[data-type="task-item"][data-checked="true"]', { hasText: 'Export' }).waitFor()
    expect(await dee.page.locator('.ProseMirror h2').innerText()).toBe('Q1')
    expect(await dee.page.locator('.ProseMirror li[data-checked="false"] strong').innerText()).toBe('files')

    const eli = await openDoc(browser, server.url, docId, { name: 'Eli Reader', color: '#00695c' })
    await eli.page.locator('.ProseMirror li[data-checked="false"]', { hasText: 'Import files' }).waitFor()
    expect(await download(eli.page, 'Markdown')).toEqual({ name: 'Roadmap.md', text: markdown })

    // a file that is not text is refused with the server's reason, and nothing opens
    await dee.page.goto('/')
    await importThroughList(dee.page, { name: 'photo.txt', mimeType: 'text/plain', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0]) })
    const refusal = dee.page.getByRole('alert').filter({ hasText: '“photo.txt” was not imported: The file is not UTF-8 text.' })
    await refusal.waitFor()
    expect(new URL(dee.page.url()).pathname).toBe('/')
    // trying again would not help: the refusal is dismissed, not retried
    expect(await refusal.getByRole('button', { name: 'Try again' }).count()).toBe(0)
    await refusal.getByRole('button', { name: 'Dismiss' }).click()
    await refusal.waitFor({ state: 'detached' })
    expect([...dee.errors, ...eli.errors]).toEqual([])
    await Promise.all([dee.context.close(), eli.context.close()])
  })

  it('imports a web page from the list as the editor reads it pasted, runs nothing of it, and its own web page imports back the same', async () => {
    const dee = await openAs(browser, server.url, '/', { name: 'Dee Importer', color: '#ad1457' })
    await dee.page.getByRole('heading', { name: 'Documents' }).waitFor()
    const dialogs: string[] = []
    dee.page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    // a saved page as Google Docs' "Download as HTML" writes one (styles in classes), with hostile extras
    const html =
      '<!doctype html><html><head><meta charset="utf-8"><title>Field notes</title><style>.c1{font-weight:700}.c2{font-style:italic}</style>' +
      '<script>window.pwned = "script"; alert("script")</script></head><body onload="window.pwned = \'onload\'">' +
      '<h1>Field notes</h1><h2>Site <span class="c2">A</span></h2><p>Water <span class="c1">clear</span>, see <a href="https://example.org/site-a" onclick="window.pwned = 1">map</a>' +
      ' and <a href="javascript:window.pwned = 2">this</a>.<img src="x" onerror="window.pwned = \'img\'"></p>' +
      '<ul><li role="checkbox" aria-checked="true"><p>Samples</p></li><li role="checkbox" aria-checked="false"><p>Photos</p></li></ul>' +
      '<ol start="4"><li>Fourth</li></ol><iframe srcdoc="<script>parent.pwned = 3</script>">frame</iframe><pre>ph = 7.2\nt = 14</pre></body></html>'
    await importThroughList(dee.page, { name: 'notes.html', mimeType: 'text/html', buffer: Buffer.from(html) })
    await dee.page.waitForURL(/\/d\/[A-Za-z0-9_-]{16,64}$/)
    const docId = new URL(dee.page.url()).pathname.split('/').pop()!
    await waitForStatus(dee.page, 'connected')
    await waitFor('the title', async () => (await dee.page.locator('input.title').inputValue()) === 'Field notes')
    await dee.page.locator('.ProseMirror li[data-type="task-item"][data-checked="true"]', { hasText: 'Samples' }).waitFor()
    expect(await dee.page.locator('.ProseMirror h2 em').innerText()).toBe('A')
    expect(await dee.page.locator('.ProseMirror p strong').innerText()).toBe('clear')

    const want = b.doc(
      b.h(2, 'Site ', b.marked('A', 'italic')),
      b.p('Water ', b.marked('clear', 'bold'), ', see ', b.link('map', 'https://example.org/site-a'), ' and this.'),
      b.tasks(b.task(true, b.p('Samples')), b.task(false, b.p('Photos'))),
      b.olFrom(4, b.li(b.p('Fourth'))),
      b.pre('ph = 7.2\nt = 14'),
    ).toJSON()
    // a second person sees the same document, and the server holds it
    const eli = await openDoc(browser, server.url, docId, { name: 'Eli Reader', color: '#00695c' })
    await eli.page.locator('.ProseMirror pre', { hasText: 't = 14' }).waitFor()
    expect(await content(eli.page)).toEqual(want)
    expect(await (await fetch(`${server.url}/api/docs/${docId}/export`)).text()).toBe(
      '# Field notes\n\n## Site *A*\n\nWater **clear**, see [map](https://example.org/site-a) and this.\n\n- [x] Samples\n- [ ] Photos\n\n4. Fourth\n\n```\nph = 7.2\nt = 14\n```\n',
    )
    // nothing of the page ran, in the browser that imported it or the one that shows it
    for (const page of [dee.page, eli.page]) expect(await page.evaluate(() => (window as unknown as { pwned?: unknown }).pwned)).toBeUndefined()
    expect(dialogs).toEqual([])

    // the editor's own web page of it imports back as the same document
    const saved = await download(eli.page, 'Web page')
    await dee.page.goto('/')
    await importThroughList(dee.page, { name: saved.name, mimeType: 'text/html', buffer: Buffer.from(saved.text) })
    await dee.page.waitForURL((url) => /\/d\//.test(url.pathname) && !url.pathname.endsWith(docId))
    const againId = new URL(dee.page.url()).pathname.split('/').pop()!
    const fay = await openDoc(browser, server.url, againId, { name: 'Fay Reader', color: '#283593' })
    await fay.page.locator('.ProseMirror pre', { hasText: 't = 14' }).waitFor()
    expect(await fay.page.locator('input.title').inputValue()).toBe('Field notes')
    expect(await content(fay.page)).toEqual(want)

    // a file that is not a web page is refused with the server's reason, and nothing opens
    await dee.page.goto('/')
    await importThroughList(dee.page, { name: 'scan.html', mimeType: 'text/html', buffer: Buffer.from('%PDF-1.7 \u0000\u0001 binary') })
    await dee.page.getByRole('alert').filter({ hasText: '“scan.html” was not imported: The file is not HTML: it holds binary data.' }).waitFor()
    expect(new URL(dee.page.url()).pathname).toBe('/')
    expect([...dee.errors, ...eli.errors, ...fay.errors]).toEqual([])
    await Promise.all([dee.context.close(), eli.context.close(), fay.context.close()])
  })

  it('prints the title and the text alone: no app header, toolbar, people or other cursors', async () => {
    const docId = (await server.catalog.create('Printed plan')).id
    const fay = await openDoc(browser, server.url, docId, { name: 'Fay Printer', color: '#283593' })
    const gus = await openDoc(browser, server.url, docId, { name: 'Gus Selector', color: '#e65100' })
    await editor(fay.page).click()
    await fay.page.keyboard.type('Print this page.')
    await waitFor('Gus to see the text', async () => (await editor(gus.page).innerText()).includes('Print this page.'))
    // Gus selects a word: Fay sees his selection and his named cursor
    await editor(gus.page).click()
    await gus.page.keyboard.press('End')
    await gus.page.keyboard.press('Shift+ArrowLeft')
    await gus.page.keyboard.press('Shift+ArrowLeft')
    await fay.page.locator('.ProseMirror .remote-cursor-label[data-name="Gus Selector"]').waitFor()
    await fay.page.locator('.ProseMirror .remote-selection').first().waitFor()

    const shown = (page: Page) =>
      page.evaluate(() => {
        const app = document.querySelector('tandem-app')!.shadowRoot!
        const ed = app.querySelector('tandem-doc-editor')!.shadowRoot!
        const visible = (el: Element | null) => el !== null && getComputedStyle(el).display !== 'none' && (el as HTMLElement).getClientRects().length > 0
        return {
          appHeader: visible(app.querySelector('header')),
          toolbar: visible(ed.querySelector('tandem-toolbar')),
          people: visible(ed.querySelector('tandem-presence-list')),
          download: visible(ed.querySelector('tandem-download-menu')),
          title: visible(ed.querySelector('input.title')),
          text: visible(ed.querySelector('.ProseMirror')),
          cursorLabel: visible(ed.querySelector('.remote-cursor-label')),
          selection: getComputedStyle(ed.querySelector('.remote-selection')!).backgroundColor,
          background: getComputedStyle(document.body).backgroundColor,
        }
      })
    expect(await shown(fay.page)).toMatchObject({ appHeader: true, toolbar: true, people: true, download: true, title: true, text: true, cursorLabel: true })
    await fay.page.emulateMedia({ media: 'print', colorScheme: 'dark' })
    expect(await shown(fay.page)).toEqual({
      appHeader: false,
      toolbar: false,
      people: false,
      download: false,
      title: true,
      text: true,
      cursorLabel: false,
      selection: 'rgba(0, 0, 0, 0)',
      background: 'rgb(255, 255, 255)',
    })
    const pdf = await fay.page.pdf()
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    await fay.page.emulateMedia({ media: 'screen', colorScheme: 'light' })
    expect(await shown(fay.page)).toMatchObject({ appHeader: true, toolbar: true })
    // a long document prints on as many pages as it needs, not cut at the window's height
    const lines = Array.from({ length: 300 }, (_, i) => `Line ${i + 1} of a long document.`).join('\n')
    const long = await (await fetch(`${server.url}/api/docs?filename=long.txt`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: lines })).json()
    await fay.page.emulateMedia({ media: 'print' })
    await fay.page.goto(`/d/${long.id}`)
    await waitFor('the long document', async () => (await editor(fay.page).innerText()).includes('Line 300 of a long document.'))
    const pages = (await fay.page.pdf()).toString('latin1').match(/\/Type\s*\/Page\b/g)?.length ?? 0
    expect(pages).toBeGreaterThanOrEqual(5)
    expect([...fay.errors, ...gus.errors]).toEqual([])
    await Promise.all([fay.context.close(), gus.context.close()])
  })
})
