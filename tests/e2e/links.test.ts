/**
 * Links in real Chromium with two people: pasted links with unsafe or relative addresses never
 * become links, the link editor (Ctrl+K) refuses them, Ctrl+click opens a link and a plain click
 * does not, and what the other person types right after a link stays out of it.
 */
import { describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { caretIn, runs, setBody, type JSONNode } from './doc-shape.js'
import { type AppServer, CHROMIUM, content, converged, editor, freshDocId, MOD, openDoc, openPair, SKIP_REASON, useBrowserAndServer, type User, waitForText } from './harness.js'


/** Every link of a document (ProseMirror JSON): its text and href. */
function links(node: JSONNode, out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  const link = node.marks?.find((m) => m.type === 'link')
  if (node.type === 'text' && link) out.push([node.text ?? '', link.attrs?.href])
  for (const child of node.content ?? []) links(child, out)
  return out
}

describe.skipIf(!CHROMIUM)(`links${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let server: AppServer
  let browser: Browser

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('keeps what the other person types right after a link out of it, for both', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('links'))
    await setBody(alice.page, '<p>see <a href="https://example.com/">the link</a></p>', 'p"see the link"')
    await waitForText(bob.page, 'see the link')
    await caretIn(bob.page, 'see the link', 12)
    await bob.page.keyboard.type(' and more')
    await waitForText(alice.page, 'see the link and more')
    const doc = (await converged([alice.page, bob.page])) as JSONNode
    expect(runs(doc)).toEqual([
      ['see ', []],
      ['the link', ['link']],
      [' and more', []],
    ])
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('never makes a link of a javascript:, data:, vbscript: or relative address, pasted or typed into the link editor', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('links'))
    await setBody(
      alice.page,
      '<p><a href="javascript:alert(1)">js</a> <a href=" JaVaScRiPt:alert(1)">js2</a> <a href="data:text/html,x">data</a> <a href="vbscript:msgbox">vb</a> <a href="/relative">rel</a> <a href="https://example.com/ok">ok</a></p>',
      'p"js js2 data vb rel ok"',
    )
    await converged([alice.page, bob.page])
    expect(links((await content(bob.page)) as JSONNode)).toEqual([['ok', 'https://example.com/ok']])
    expect(await bob.page.locator('.ProseMirror a').count()).toBe(1)
    // the link editor refuses one and takes a bare host
    await caretIn(alice.page, 'js js2 data vb rel ok', 0)
    await alice.page.keyboard.press('Shift+ArrowRight')
    await alice.page.keyboard.press('Shift+ArrowRight')
    await alice.page.keyboard.press(`${MOD}+k`)
    const input = alice.page.locator('tandem-toolbar #link-input')
    await input.waitFor({ state: 'visible' })
    await input.fill('javascript:alert(1)')
    await input.press('Enter')
    await waitFor('the link editor to refuse it', async () => (await alice.page.locator('tandem-toolbar #link-error').innerText()).includes('not allowed'), 5_000, 25)
    await input.fill('example.org/page')
    await input.press('Enter')
    await converged([alice.page, bob.page])
    expect(links((await content(bob.page)) as JSONNode)).toEqual([
      ['js', 'https://example.org/page'],
      ['ok', 'https://example.com/ok'],
    ])
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('opens a link in a new tab on Ctrl+click, and a plain click only puts the caret there', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('links'))
    await setBody(alice.page, '<p>go <a href="https://example.com/target">there</a> now</p>', 'p"go there now"')
    const link = editor(alice.page).locator('a')
    await alice.context.route('https://example.com/**', (route) => route.fulfill({ status: 200, body: 'ok' }))
    await link.click()
    const popup = alice.context.waitForEvent('page')
    await link.click({ modifiers: ['Control'] })
    const page = await popup
    await waitFor('the new tab to load the link', () => page.url() === 'https://example.com/target', 5_000, 25)
    // the plain click opened nothing: the only other tab is the Ctrl+click's
    expect(alice.context.pages()).toHaveLength(2)
    expect(await alice.page.locator('tandem-doc-editor').evaluate((el) => (el as unknown as { contentText(): string }).contentText())).toBe('go there now')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('links the text selected with Shift+arrow keys right before Ctrl+K, every time', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('links'))
    const input = alice.page.locator('tandem-toolbar #link-input')
    let missed = 0
    for (let round = 0; round < 15; round++) {
      await setBody(alice.page, '<p>alpha beta</p>', 'p"alpha beta"')
      await caretIn(alice.page, 'alpha beta', 0)
      // at machine speed: the keys reach the page before its selectionchange is handled
      await alice.page.keyboard.press('Shift+End')
      await alice.page.keyboard.press(`${MOD}+k`)
      await input.waitFor({ state: 'visible' })
      await input.fill('example.org')
      await input.press('Enter')
      await input.waitFor({ state: 'hidden' })
      const found = links((await content(alice.page)) as JSONNode)
      if (JSON.stringify(found) !== JSON.stringify([['alpha beta', 'https://example.org']])) missed++
    }
    expect(missed).toBe(0)
    await converged([alice.page, bob.page])
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)
})
