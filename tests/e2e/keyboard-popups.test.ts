/**
 * Popups of the header and the keyboard: the Download menu (a disclosure), the name-and-colour
 * panel and the toolbar's link editor close when the focus leaves them with Tab, as they do on Escape or a click elsewhere,
 * instead of staying open over the toolbar and the text while the person works elsewhere.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, editor, freshDocId, MOD, openDoc, SKIP_REASON, useBrowserAndServer } from './harness.js'

/** The focused element's text, looking through shadow roots. */
function focusedText(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
    return (el?.textContent ?? '').replace(/\s+/g, ' ').trim()
  })
}

describe.skipIf(!CHROMIUM)(`header popups and the keyboard${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer
  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('the Download menu closes when Tab takes the focus out of it, and stays open while Tab moves through it', async () => {
    const ann = await openDoc(browser, server.url, freshDocId('popup'), { name: 'Ann Keys', color: '#1565c0' })
    try {
      const page = ann.page
      const toggle = page.getByRole('button', { name: 'Download' })
      const formats = page.getByRole('list', { name: 'Download as' })
      await toggle.focus()
      await page.keyboard.press('Enter')
      await formats.waitFor()
      await waitFor('the focus on the first format', async () => (await focusedText(page)) === 'Markdown .md')
      // Tab within the list keeps it open
      await page.keyboard.press('Tab')
      await page.keyboard.press('Tab')
      expect(await focusedText(page)).toBe('Plain text .txt')
      expect(await formats.isVisible()).toBe(true)
      // Tab past the last format leaves the menu: it closes
      await page.keyboard.press('Tab')
      expect(await focusedText(page)).toBe('History')
      await formats.waitFor({ state: 'detached', timeout: 5_000 })
      expect(await toggle.getAttribute('aria-expanded')).toBe('false')
      // the focus stays where Tab put it
      expect(await focusedText(page)).toBe('History')
      expect(ann.errors).toEqual([])
    } finally {
      await ann.context.close()
    }
  })

  it('the name-and-colour panel closes when Tab takes the focus past its last control, and keeps what was chosen', async () => {
    const ann = await openDoc(browser, server.url, freshDocId('panel'), { name: 'Ann Keys', color: '#1565c0' })
    try {
      const page = ann.page
      const me = page.getByRole('button', { name: /^Your name and colour/ })
      const panel = page.getByRole('dialog', { name: 'How others see you' })
      await me.focus()
      await page.keyboard.press('Enter')
      await panel.waitFor()
      await page.keyboard.press(`Control+a`)
      await page.keyboard.type('Ann Tabbed')
      // Shift+Tab back to the avatar button keeps it open
      await page.keyboard.press('Shift+Tab')
      expect(await panel.isVisible()).toBe(true)
      await page.keyboard.press('Tab')
      // through the colours (one tab stop) to Done, then out
      for (let i = 0; i < 10 && (await focusedText(page)) !== 'Done'; i++) await page.keyboard.press('Tab')
      expect(await focusedText(page)).toBe('Done')
      expect(await panel.isVisible()).toBe(true)
      await page.keyboard.press('Tab')
      await panel.waitFor({ state: 'hidden', timeout: 5_000 })
      expect(await me.getAttribute('aria-expanded')).toBe('false')
      await page.locator('tandem-presence-list li.self', { hasText: 'Ann Tabbed' }).waitFor()
      expect(ann.errors).toEqual([])
    } finally {
      await ann.context.close()
    }
  })

  it('the link editor closes unapplied when Tab takes the focus on to the text, which keeps the focus', async () => {
    const ann = await openDoc(browser, server.url, freshDocId('link'), { name: 'Ann Keys', color: '#1565c0' })
    try {
      const page = ann.page
      await editor(page).click()
      await page.keyboard.type('see the site')
      await page.keyboard.press('Shift+Home')
      await page.keyboard.press(`${MOD}+k`)
      const input = page.getByRole('textbox', { name: 'Link address' })
      await input.waitFor()
      await page.keyboard.type('example.org')
      // Apply, Close, then out of the editor: into the text
      await page.keyboard.press('Tab')
      await page.keyboard.press('Tab')
      expect(await input.isVisible()).toBe(true)
      await page.keyboard.press('Tab')
      await input.waitFor({ state: 'detached', timeout: 5_000 })
      expect(await page.evaluate(() => {
        let el: Element | null = document.activeElement
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
        return el?.classList.contains('ProseMirror') ?? false
      })).toBe(true)
      expect(await editor(page).locator('a').count()).toBe(0)
      expect(ann.errors).toEqual([])
    } finally {
      await ann.context.close()
    }
  })
})
