/**
 * Changes kept in this browser reach the server without the document being opened again, in
 * Chromium against a real server: a person edits a document offline, goes to the document list
 * and the network comes back; the server stores the text and another person sees it, while the
 * first never reopened it. An editor made a viewer while offline is not sent round in a loop of
 * reconnects: the background sync stops, and the text stays in this browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { CONTENT } from '../../shared/doc-fields.js'
import { startProxy, type Proxy } from '../helpers/proxy.js'
import { connect } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, editor, openAs, openDoc, SKIP_REASON, startAgain, status, storedText, text, useAppServer, useBrowser, type User, waitForKeptHere, waitForStatus, waitForText } from './harness.js'

const PASSWORD = 'correct horse battery'

/** The documents this browser remembers as holding changes the server has not confirmed. */
const pendingDocs = (page: Page) => page.evaluate(() => Object.keys(JSON.parse(localStorage.getItem('tandem.pending') ?? '{}') as object))

/** Types `words` offline into the open document and leaves it for the list, the changes kept on this device. */
async function editOfflineAndLeave(user: User, words: string): Promise<void> {
  await user.context.setOffline(true)
  await waitForStatus(user.page, 'offline')
  await editor(user.page).click()
  await user.page.keyboard.press('End')
  await user.page.keyboard.type(words)
  await waitForKeptHere(user.page)
  await user.page.getByRole('link', { name: 'All documents', exact: true }).click()
  await user.page.waitForURL(/\/$/)
  expect(await user.page.locator('tandem-doc-editor').count()).toBe(0)
}

describe.skipIf(!CHROMIUM)(`changes sent in the background in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser

  useBrowser((b) => (browser = b))

  describe('open mode', () => {
    let server: AppServer

    useAppServer((s) => (server = s))

    it('sends offline edits of a document that was left, without opening it again', async () => {
      const docId = (await server.catalog.create('Trip notes')).id
      const pat = await openDoc(browser, server.url, docId, { name: 'Pat Traveller', color: '#2e7d32' })
      await editor(pat.page).click()
      await pat.page.keyboard.type('Online start.')
      await waitFor('the online edit saved', async () => (await status(pat.page)).text.includes('All changes saved'))

      await editOfflineAndLeave(pat, ' Written offline.')
      // offline, the list says the server cannot be reached, not that anything is saved
      await pat.page.locator('tandem-doc-list [role="alert"]').filter({ hasText: 'cannot be reached' }).waitFor()
      expect(await storedText(server.storage, docId)).not.toContain('Written offline.')

      await pat.context.setOffline(false)
      // the server stores it, and someone else sees it, while Pat stays on the list
      await waitFor('the offline edit in the store', async () => (await storedText(server.storage, docId)).includes('Online start. Written offline.'), 15_000)
      const other = connect(server.wsUrl, docId)
      try {
        await other.synced()
        expect(other.doc.getXmlFragment(CONTENT).toString()).toContain('Online start. Written offline.')
      } finally {
        other.destroy()
      }
      expect(new URL(pat.page.url()).pathname).toBe('/')
      await waitFor('the document no longer pending', async () => (await pendingDocs(pat.page)).length === 0)
      // back online, the list no longer says the server cannot be reached
      await pat.page.locator('tandem-doc-list li .title').filter({ hasText: 'Trip notes' }).waitFor()
      expect(await pat.page.locator('tandem-doc-list [role="alert"]').count()).toBe(0)
      expect(pat.errors).toEqual([])
      await pat.context.close()
    })

    it('lists a document made offline once it has been sent, without a reload', async () => {
      const pat = await openAs(browser, server.url, '/', { name: 'Pat Traveller', color: '#2e7d32' })
      await pat.page.getByRole('button', { name: 'New document' }).waitFor()
      await pat.context.setOffline(true)
      // a new document is made in this browser while offline
      await pat.page.getByRole('button', { name: 'New document' }).click()
      await editor(pat.page).waitFor()
      const docId = new URL(pat.page.url()).pathname.split('/').pop()!
      await pat.page.getByRole('textbox', { name: 'Document title' }).fill('Made on the train')
      await editor(pat.page).click()
      await pat.page.keyboard.type('Written offline.')
      await waitForKeptHere(pat.page)
      await pat.page.getByRole('link', { name: 'All documents', exact: true }).click()
      await pat.page.waitForURL(/\/$/)
      await pat.page.locator('tandem-doc-list [role="alert"]').filter({ hasText: 'cannot be reached' }).waitFor()

      await pat.context.setOffline(false)
      await waitFor('the new document in the store', async () => (await storedText(server.storage, docId)).includes('Written offline.'), 15_000)
      await waitFor('the document no longer pending', async () => (await pendingDocs(pat.page)).length === 0)
      // the list the person is looking at shows it, as a reload would
      await waitFor(
        'the new document on the list',
        async () => (await pat.page.locator('tandem-doc-list li .title').filter({ hasText: 'Made on the train' }).count()) === 1,
        5_000,
      )
      expect(await pat.page.locator('tandem-doc-list [role="alert"]').count()).toBe(0)
      expect(pat.errors).toEqual([])
      await pat.context.close()
    })

    it('says on the list that offline edits of a document deleted meanwhile were not sent, and keeps them to copy', async () => {
      const docId = (await server.catalog.create('Old plan')).id
      const pat = await openDoc(browser, server.url, docId, { name: 'Pat Planner', color: '#2e7d32' })
      await pat.context.grantPermissions(['clipboard-read', 'clipboard-write'])
      await editor(pat.page).click()
      await pat.page.keyboard.type('Plan online.')
      await waitFor('the online edit saved', async () => (await status(pat.page)).text.includes('All changes saved'))
      await editOfflineAndLeave(pat, ' Plan offline.')
      // someone else deletes the document meanwhile
      expect((await fetch(`${server.url}/api/docs/${docId}`, { method: 'DELETE' })).status).toBe(204)

      await pat.context.setOffline(false)
      const notice = pat.page.locator('tandem-doc-list [role="alert"]').filter({ hasText: 'Old plan' })
      await notice.waitFor({ timeout: 15_000 })
      expect(await notice.innerText()).toMatch(/not sent.*deleted/s)
      await waitFor('the document no longer pending', async () => (await pendingDocs(pat.page)).length === 0)
      // opening the deleted document (from the history) says so, and leaves the copy alone
      await pat.page.goto(`/d/${docId}`)
      await pat.page.getByRole('alert').filter({ hasText: 'This document was deleted' }).waitFor({ timeout: 10_000 })
      await pat.page.getByRole('link', { name: 'Back to your documents' }).click()
      await notice.waitFor()
      // the text is still in this browser: copied, then discarded on request
      await notice.getByRole('button', { name: 'Copy the text of “Old plan”' }).click()
      await waitFor('the text on the clipboard', async () => (await pat.page.evaluate(() => navigator.clipboard.readText())).includes('Plan online. Plan offline.'))
      await notice.getByRole('button', { name: 'Discard my changes to “Old plan”' }).click()
      await waitFor('the notice gone', async () => (await notice.count()) === 0)
      await waitFor('the copy gone from this browser', async () => !(await pat.page.evaluate(async (name) => (await indexedDB.databases()).some((db) => db.name === name), `tandem:${docId}`)))
      // and it stays gone after a reload
      await pat.page.reload()
      await pat.page.getByRole('heading', { name: 'Documents' }).waitFor()
      expect(await pat.page.locator('tandem-doc-list [role="alert"]').count()).toBe(0)
      expect(pat.errors).toEqual([])
      await pat.context.close()
    })
  })

  describe('behind a reverse proxy', () => {
    let server: AppServer
    let proxy: Proxy

    useAppServer((s) => (server = s))

    beforeAll(async () => {
      proxy = await startProxy(() => server.port)
    })

    afterAll(async () => {
      await proxy?.close()
    })

    it('sends offline edits of a document that was left once the server behind the proxy is back from a restart', async () => {
      const docId = (await server.catalog.create('Proxied notes')).id
      const pat = await openDoc(browser, proxy.url, docId, { name: 'Pat Proxied', color: '#2e7d32' })
      await editor(pat.page).click()
      await pat.page.keyboard.type('Before.')
      await waitFor('the online edit saved', async () => (await status(pat.page)).text.includes('All changes saved'))
      await editOfflineAndLeave(pat, ' While away.')

      // the server stops: the proxy answers 502; the network comes back meanwhile
      await server.close()
      await pat.context.setOffline(false)
      await pat.page.locator('tandem-doc-list [role="alert"]').filter({ hasText: 'cannot be reached' }).waitFor({ timeout: 10_000 })
      // the server is back on the same port and data: the edit goes without reopening the document
      server = await startAgain(server)
      await waitFor('the offline edit in the store', async () => (await storedText(server.storage, docId)).includes('Before. While away.'), 15_000)
      await waitFor('the document no longer pending', async () => (await pendingDocs(pat.page)).length === 0, 10_000)
      expect(new URL(pat.page.url()).pathname).toBe('/')
      expect(pat.errors).toEqual([])
      await pat.context.close()
    })
  })

  describe('open mode, the document open', () => {
    let server: AppServer

    useAppServer((s) => (server = s))

    it('keeps offline edits of the open document deleted meanwhile, and the list offers them', async () => {
      const docId = (await server.catalog.create('Draft memo')).id
      const pat = await openDoc(browser, server.url, docId, { name: 'Pat Memo', color: '#2e7d32' })
      await editor(pat.page).click()
      await pat.page.keyboard.type('Memo online.')
      await waitFor('the online edit saved', async () => (await status(pat.page)).text.includes('All changes saved'))
      await pat.context.setOffline(true)
      await waitForStatus(pat.page, 'offline')
      await pat.page.keyboard.type(' Memo offline.')
      await waitForKeptHere(pat.page)
      expect((await fetch(`${server.url}/api/docs/${docId}`, { method: 'DELETE' })).status).toBe(204)

      // back online the editor says it was deleted; the list says the changes were not sent
      await pat.context.setOffline(false)
      await pat.page.getByRole('alert').filter({ hasText: 'This document was deleted' }).waitFor({ timeout: 15_000 })
      await pat.page.getByRole('link', { name: 'Back to your documents' }).click()
      const notice = pat.page.locator('tandem-doc-list [role="alert"]').filter({ hasText: 'Draft memo' })
      await notice.waitFor({ timeout: 15_000 })
      expect(await notice.innerText()).toMatch(/not sent.*deleted/s)
      expect(await pat.page.evaluate(async (name) => (await indexedDB.databases()).some((db) => db.name === name), `tandem:${docId}`)).toBe(true)
      expect(pat.errors).toEqual([])
      await pat.context.close()
    })
  })

  describe('accounts mode', () => {
    let server: AppServer

    useAppServer((s) => (server = s), {}, { auth: 'accounts' })

    /** A new person with an account, signed in. */
    async function person(username: string): Promise<User> {
      const user = await openAs(browser, server.url, 'about:blank', { name: '', color: '' })
      expect((await user.context.request.post('/api/auth/signup', { data: { username, password: PASSWORD } })).status()).toBe(201)
      return user
    }

    /** Calls the API as `user`, with the CSRF token. */
    async function call(user: User, method: string, path: string, data?: unknown): Promise<number> {
      const me = await (await user.context.request.get('/api/auth/me')).json()
      return (await user.context.request.fetch(path, { method, data, headers: me.csrf ? { 'X-CSRF-Token': me.csrf } : {} })).status()
    }

    /** Creates a document owned by `owner` and makes `member` an editor of it. */
    async function sharedDoc(owner: User, member: string, title: string): Promise<string> {
      const me = await (await owner.context.request.get('/api/auth/me')).json()
      const res = await owner.context.request.post('/api/docs', { data: { title }, headers: { 'X-CSRF-Token': me.csrf } })
      const docId = ((await res.json()) as { id: string }).id
      expect(await call(owner, 'PUT', `/api/docs/${docId}/access/members/${member}`, { role: 'editor' })).toBe(200)
      return docId
    }

    /** Opens `docId` in the running app (no page load), as a link would. */
    async function go(user: User, path: string): Promise<void> {
      await user.page.evaluate((to) => (document.querySelector('tandem-app') as unknown as { router: { go(path: string): void } }).router.go(to), path)
      await editor(user.page).waitFor({ state: 'visible' })
    }

    it('sends what the person may still write, and stops without a loop of reconnects where they became a viewer offline', async () => {
      const olive = await person('olive')
      const hugo = await person('hugo')
      const budget = await sharedDoc(olive, 'hugo', 'Budget')
      const minutes = await sharedDoc(olive, 'hugo', 'Minutes')
      for (const [docId, words] of [[budget, 'Budget online.'], [minutes, 'Minutes online.']]) {
        await hugo.page.goto(`/d/${docId}`)
        await waitForStatus(hugo.page, 'connected')
        await editor(hugo.page).click()
        await hugo.page.keyboard.type(words!)
        await waitFor('the online edit saved', async () => (await status(hugo.page)).text.includes('All changes saved'))
      }

      // offline, Hugo writes in both and leaves; meanwhile the owner makes him a viewer of the budget
      await hugo.context.setOffline(true)
      await waitForStatus(hugo.page, 'offline')
      await editor(hugo.page).click()
      await hugo.page.keyboard.press('End')
      await hugo.page.keyboard.type(' Minutes offline.')
      await waitForKeptHere(hugo.page)
      await go(hugo, `/d/${budget}`)
      await waitForText(hugo.page, 'Budget online.')
      await editOfflineAndLeave(hugo, ' Budget offline.')
      expect(await call(olive, 'PUT', `/api/docs/${budget}/access/members/hugo`, { role: 'viewer' })).toBe(200)
      const sockets: string[] = []
      hugo.page.on('websocket', (ws) => void sockets.push(ws.url()))
      await hugo.context.setOffline(false)

      // what he may write reaches the server; what he may only read is dropped from the list
      await waitFor('the minutes in the store', async () => (await storedText(server.storage, minutes)).includes('Minutes online. Minutes offline.'), 15_000)
      await waitFor('nothing pending', async () => (await pendingDocs(hugo.page)).length === 0, 15_000)
      // and nothing keeps knocking at the server
      await new Promise((resolve) => setTimeout(resolve, 3000))
      expect(sockets.filter((url) => url.includes(budget)).length).toBeLessThanOrEqual(1)
      expect(sockets.filter((url) => url.includes(minutes)).length).toBe(1)
      expect(await storedText(server.storage, budget)).not.toContain('Budget offline.')

      // the budget's text is still in this browser: opened again offline, the editor shows it
      await hugo.context.setOffline(true)
      await hugo.page.goto(`/d/${budget}`)
      await waitForText(hugo.page, 'Budget online. Budget offline.')
      expect(hugo.errors).toEqual([])
      await Promise.all([olive.context.close(), hugo.context.close()])
    })

    it('tells a link visitor whose link was revoked while they wrote offline that their changes were not sent, and offers them', async () => {
      const oona = await person('oona')
      const me = await (await oona.context.request.get('/api/auth/me')).json()
      const docId = ((await (await oona.context.request.post('/api/docs', { data: { title: 'Guest book' }, headers: { 'X-CSRF-Token': me.csrf } })).json()) as { id: string }).id
      const link = (await (await oona.context.request.post(`/api/docs/${docId}/access/links`, { data: { role: 'editor' }, headers: { 'X-CSRF-Token': me.csrf } })).json()) as { id: string; url: string }

      // a visitor without an account writes through the link, then offline
      const guest = await openAs(browser, server.url, link.url, { name: 'Guest Writer', color: '#5d4037' })
      await guest.context.grantPermissions(['clipboard-read', 'clipboard-write'])
      await waitForStatus(guest.page, 'connected')
      await editor(guest.page).click()
      await guest.page.keyboard.type('Lovely stay.')
      await waitFor('the online edit saved', async () => (await status(guest.page)).text.includes('All changes saved'))
      await guest.context.setOffline(true)
      await waitForStatus(guest.page, 'offline')
      await guest.page.keyboard.type(' Written offline.')
      await waitForKeptHere(guest.page)
      expect(await call(oona, 'DELETE', `/api/docs/${docId}/access/links/${link.id}`)).toBe(204)

      // back online the page says the link no longer works, and that the changes were not sent
      await guest.context.setOffline(false)
      await guest.page.getByText('The link you opened does not work').waitFor({ timeout: 15_000 })
      const notice = guest.page.locator('tandem-undelivered [role="alert"]').filter({ hasText: 'Guest book' })
      await notice.waitFor({ timeout: 15_000 })
      expect(await notice.innerText()).toMatch(/not sent.*no longer have access/s)
      await notice.getByRole('button', { name: 'Copy the text of “Guest book”' }).click()
      await waitFor('the text on the clipboard', async () => (await guest.page.evaluate(() => navigator.clipboard.readText())).includes('Lovely stay. Written offline.'))
      expect(await storedText(server.storage, docId)).not.toContain('Written offline.')
      expect(guest.errors).toEqual([])
      await Promise.all([oona.context.close(), guest.context.close()])
    })

    it('says on the list that offline edits of a document no longer shared were not sent', async () => {
      const olive = await person('olivia')
      const hugo = await person('hank')
      const notes = await sharedDoc(olive, 'hank', 'Board notes')
      await hugo.page.goto(`/d/${notes}`)
      await waitForStatus(hugo.page, 'connected')
      await editor(hugo.page).click()
      await hugo.page.keyboard.type('Notes online.')
      await waitFor('the online edit saved', async () => (await status(hugo.page)).text.includes('All changes saved'))
      await editOfflineAndLeave(hugo, ' Notes offline.')
      expect(await call(olive, 'DELETE', `/api/docs/${notes}/access/members/hank`)).toBe(204)

      await hugo.context.setOffline(false)
      const notice = hugo.page.locator('tandem-doc-list [role="alert"]').filter({ hasText: 'Board notes' })
      await notice.waitFor({ timeout: 15_000 })
      expect(await notice.innerText()).toMatch(/not sent.*no longer have access/s)
      expect(await storedText(server.storage, notes)).not.toContain('Notes offline.')
      // opening it again says it cannot be opened, and offers the same
      await hugo.page.goto(`/d/${notes}`)
      await hugo.page.getByRole('heading', { name: 'This document cannot be opened' }).waitFor()
      await hugo.page.locator('tandem-doc-editor tandem-undelivered [role="alert"]').filter({ hasText: 'Your changes to “Board notes” were not sent' }).waitFor()
      expect(hugo.errors).toEqual([])
      await Promise.all([olive.context.close(), hugo.context.close()])
    })
  })
})
