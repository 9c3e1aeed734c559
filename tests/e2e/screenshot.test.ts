/**
 * Takes the README screenshot of two people editing one document side by side (their named
 * cursors, a selection, avatars, the saved state). Runs only when asked:
 *   TANDEM_CHROMIUM=/usr/bin/chromium TANDEM_SCREENSHOT=docs/screenshot.png npx vitest run tests/e2e/screenshot.test.ts
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, editor, MOD, openDoc, useBrowserAndServer, type User, waitForSave, waitForText } from './harness.js'

const OUTPUT = process.env.TANDEM_SCREENSHOT ?? ''

describe.skipIf(!CHROMIUM || !OUTPUT)('README screenshot (set TANDEM_SCREENSHOT=<file.png> to take it)', () => {
  let browser: Browser
  let server: AppServer
  let maya: User
  let noah: User

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('shows two people editing together', async () => {
    const { id } = await server.catalog.create('Launch plan')
    const size = { width: 820, height: 860 }
    maya = await openDoc(browser, server.url, id, { name: 'Maya Chen', color: '#c62828' }, size)
    noah = await openDoc(browser, server.url, id, { name: 'Noah Okafor', color: '#1565c0' }, size)

    const page = maya.page
    await editor(page).click()
    const type = (text: string) => page.keyboard.type(text)
    await type('## Goals')
    await page.keyboard.press('Enter')
    await type('Ship the **self-hosted** editor to the first three teams and collect feedback in ')
    await page.keyboard.press(`${MOD}+k`)
    await page.locator('#link-input').fill('https://example.com/feedback')
    await page.locator('#link-input').press('Enter')
    await type(' by Friday.')
    await page.keyboard.press('Enter')
    await type('## Checklist')
    await page.keyboard.press('Enter')
    await type('[x] Offline editing with IndexedDB')
    await page.keyboard.press('Enter')
    await type('Remote cursors and presence')
    await page.keyboard.press(`${MOD}+Enter`)
    await page.keyboard.press('Enter')
    await type('Invite the design team')
    await page.keyboard.press('Enter')
    await page.keyboard.press('Enter')
    await type('> Write together, in real time, on your own server.')
    await page.keyboard.press('Enter')
    await page.keyboard.press('Enter')
    await type('```npm start -- --port 8080 --data ./data')
    await waitForText(noah.page, '--data ./data')

    // Noah edits the goals while Maya is in the checklist
    await editor(noah.page).locator('p', { hasText: 'Ship the' }).click()
    await noah.page.keyboard.press('End')
    await noah.page.keyboard.type(' Noah will run the demo.')
    await noah.page.keyboard.press('Shift+ArrowLeft')
    for (let i = 0; i < 'run the demo'.length; i++) await noah.page.keyboard.press('Shift+ArrowLeft')
    await editor(page).locator('li', { hasText: 'Invite the design team' }).click()
    await page.keyboard.press('End')
    await waitForText(page, 'Noah will run the demo.')
    await maya.page.locator('.remote-cursor-label[data-name="Noah Okafor"]').waitFor()
    await noah.page.locator('.remote-cursor-label[data-name="Maya Chen"]').waitFor()
    await Promise.all([waitForSave(maya.page, 'saved'), waitForSave(noah.page, 'saved')])
    await waitFor('both avatars', async () => (await maya.page.locator('tandem-presence-list li').count()) === 2)

    const [left, right] = await Promise.all([maya.page.screenshot(), noah.page.screenshot()])
    const frame = await (await browser.newContext({ viewport: { width: 1700, height: 930 }, deviceScaleFactor: 1 })).newPage()
    await frame.setContent(`<!doctype html><html><body style="margin:0;background:#d9dee7;font:14px system-ui,sans-serif">
      <div style="display:flex;gap:20px;padding:20px 20px 10px">
        <figure style="margin:0"><img style="display:block;border-radius:10px;box-shadow:0 4px 18px rgb(0 0 0/18%)" src="data:image/png;base64,${left.toString('base64')}"><figcaption style="padding-top:6px;color:#333">Maya's browser</figcaption></figure>
        <figure style="margin:0"><img style="display:block;border-radius:10px;box-shadow:0 4px 18px rgb(0 0 0/18%)" src="data:image/png;base64,${right.toString('base64')}"><figcaption style="padding-top:6px;color:#333">Noah's browser</figcaption></figure>
      </div></body></html>`)
    const out = resolve(OUTPUT)
    mkdirSync(dirname(out), { recursive: true })
    await frame.screenshot({ path: out, fullPage: true })
    console.log(`screenshot written to ${out}`)
  })
})
