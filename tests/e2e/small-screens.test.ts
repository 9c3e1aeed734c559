/**
 * Small screens in accounts mode: a phone (375 x 667, touch) shows the document header (status,
 * people, Download, History, Share) inside the screen, without controls on top of each other.
 * Open mode has no Share button, so collab.test.ts's 360 px check does not see this header full.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { CHROMIUM, editor, SKIP_REASON, type AppServer, useBrowserAndServer, waitForStatus } from './harness.js'

const PASSWORD = 'correct horse battery'
const PHONE = { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true }
const NARROW = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }

/** The boxes of the header's controls and people, by name. */
function headerBoxes(page: Page): Promise<{ name: string; left: number; right: number; top: number; bottom: number }[]> {
  return page.locator('tandem-doc-editor').evaluate((host) => {
    const root = host.shadowRoot!
    const boxes: { name: string; left: number; right: number; top: number; bottom: number }[] = []
    const add = (name: string, el: Element | null | undefined) => {
      if (!el) return
      const r = el.getBoundingClientRect()
      if (r.width > 0) boxes.push({ name, left: r.left, right: r.right, top: r.top, bottom: r.bottom })
    }
    add('status', root.querySelector('tandem-connection-status')?.shadowRoot?.querySelector('.status'))
    root.querySelector('tandem-presence-list')?.shadowRoot?.querySelectorAll('.avatar').forEach((a, i) => add(`avatar ${i}`, a))
    add('download', root.querySelector('tandem-download-menu')?.shadowRoot?.querySelector('button.toggle'))
    add('history', root.querySelector('button.history'))
    add('share', root.querySelector('button.share'))
    return boxes
  })
}

describe.skipIf(!CHROMIUM)(`small screens in accounts mode${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]), {}, { auth: 'accounts' })

  it('fits the document header of an owner, with someone else present, in 375 and 360 px: nothing outside, nothing overlapping', async () => {
    const owner = await browser.newContext({ baseURL: server.url, ...PHONE })
    const other = await browser.newContext({ baseURL: server.url })
    try {
      expect((await owner.request.post('/api/auth/signup', { data: { username: 'alice', password: PASSWORD } })).status()).toBe(201)
      expect((await other.request.post('/api/auth/signup', { data: { username: 'bob', password: PASSWORD } })).status()).toBe(201)
      const csrf = (await (await owner.request.get('/api/auth/me')).json()).csrf as string
      const created = await owner.request.post('/api/docs', { data: { title: 'Phone plan' }, headers: { 'X-CSRF-Token': csrf } })
      const docId = (await created.json()).id as string
      expect((await owner.request.put(`/api/docs/${docId}/access/members/bob`, { data: { role: 'editor' }, headers: { 'X-CSRF-Token': csrf } })).status()).toBe(200)

      const page = await owner.newPage()
      await page.goto(`/d/${docId}`)
      await editor(page).waitFor()
      await waitForStatus(page, 'connected')
      const bob = await other.newPage()
      await bob.goto(`/d/${docId}`)
      await waitForStatus(bob, 'connected')
      await waitFor('both avatars on the phone', async () => (await page.locator('tandem-presence-list li').count()) === 2)
      await page.getByRole('button', { name: 'Share' }).waitFor()

      for (const size of [PHONE.viewport, NARROW.viewport]) {
        await page.setViewportSize(size)
        await waitFor(`the header laid out at ${size.width} px`, async () => (await headerBoxes(page)).length === 6)
        const boxes = await headerBoxes(page)
        for (const box of boxes) {
          expect(box.left, `${box.name} at ${size.width} px`).toBeGreaterThanOrEqual(0)
          expect(box.right, `${box.name} at ${size.width} px`).toBeLessThanOrEqual(size.width)
        }
        for (const a of boxes) {
          for (const b of boxes) {
            if (a === b) continue
            const overlap = a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5
            expect(overlap, `${a.name} overlaps ${b.name} at ${size.width} px`).toBe(false)
          }
        }
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0)
      }
    } finally {
      await owner.close()
      await other.close()
    }
  })
})
