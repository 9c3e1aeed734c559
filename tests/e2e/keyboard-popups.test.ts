/**
 * Popups of the editor's header and the keyboard: the Download menu (a disclosure) closes when
 * the focus leaves it with Tab, as it does on Escape or a click elsewhere, instead of staying
 * open over the toolbar and the text while the person works elsewhere.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, freshDocId, openDoc, SKIP_REASON, useBrowserAndServer } from './harness.js'

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
})
