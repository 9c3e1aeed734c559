/**
 * Browser end-to-end harness: builds the app if stale, starts a real Tandem server (LevelDB in
 * a temporary directory) serving it, and drives Debian's Chromium with playwright-core. Each
 * user is a separate browser context (own cookies, storage, IndexedDB, service worker).
 *
 * Tests skip themselves when TANDEM_CHROMIUM is empty (npm test sets it to the Chromium it
 * found, or to '' and says why); `SKIP_REASON` is the sentence they print.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import * as Y from 'yjs'
import type { Storage } from '../../server/storage/storage.js'
import { CONTENT } from '../../shared/doc-fields.js'
import { startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

/** The Chromium to drive, or '' when there is none. */
export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? ''

/** Why browser tests are skipped, when they are. */
export const SKIP_REASON =
  'browser tests SKIPPED: TANDEM_CHROMIUM is empty (run `npm test`, which finds /usr/bin/chromium, or set TANDEM_CHROMIUM=/path/to/chromium; CI installs Debian\'s chromium)'

if (!CHROMIUM) console.warn(`** ${SKIP_REASON} **`)

const root = fileURLToPath(new URL('../..', import.meta.url))

/** True when dist/client holds a production build (one that registers the service worker). */
function productionBuild(): boolean {
  const index = join(root, 'dist/client/index.html')
  if (!existsSync(index)) return false
  const html = readFileSync(index, 'utf8')
  const entry = /src="\/(assets\/[^"]+\.js)"/.exec(html)?.[1]
  return html.includes('<tandem-app>') && !!entry && readFileSync(join(root, 'dist/client', entry), 'utf8').includes('serviceWorker.register')
}

/**
 * Builds what is stale (the server and the Vite app) as a production build. Vitest runs with
 * NODE_ENV=test, which would make Vite build for development: the build gets NODE_ENV=production.
 */
export function ensureBuilt(): void {
  const build = (force: boolean) => {
    const args = [join(root, 'scripts/build.mjs'), ...(force ? ['--force'] : [])]
    const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } })
    if (result.status !== 0) throw new Error('building the app failed')
  }
  // test files run in parallel processes: one builds at a time, the others then find it fresh
  withLock(join(root, 'dist', '.e2e-build.lock'), () => {
    build(false)
    if (!productionBuild()) build(true)
  })
  if (!productionBuild()) throw new Error('dist/client is not a production build of the app after building')
}

/** Runs `fn` holding a lock directory (across processes); a lock older than 5 minutes is stale. */
function withLock(lock: string, fn: () => void): void {
  mkdirSync(dirname(lock), { recursive: true })
  const deadline = Date.now() + 5 * 60_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 5 * 60_000) rmSync(lock, { recursive: true, force: true })
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`waited too long for ${lock}`)
      // a synchronous pause: this runs before any test, nothing else is waiting on this process
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    }
  }
  try {
    fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Launches Chromium headless with a fresh profile; never downloads anything. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** A running server for browser tests, with its data directory; `config` sets options such as `auth`. */
export async function startAppServer(
  options: Parameters<typeof startServer>[1] = {},
  port = 0,
  dataDir?: string,
  config: Parameters<typeof startServer>[0] = {},
  tuning: Parameters<typeof startServer>[2] = {},
) {
  const data = dataDir ? null : tempDir('tandem-e2e-')
  const dir = dataDir ?? data!.dir
  const server = await startServer({ ...config, dataDir: dir, port }, options, tuning)
  const page = await fetch(`${server.url}/`)
  if (!(await page.text()).includes('<tandem-app>')) throw new Error('the server does not serve the built app at /')
  return Object.assign(server, { dataDir: dir, cleanupData: () => data?.cleanup() })
}

/** What startAppServer gives. */
export type AppServer = Awaited<ReturnType<typeof startAppServer>>

/** Servers started again (startAgain) in place of the one stopped, which the helpers below look through. */
const replacements = new WeakMap<AppServer, AppServer>()

/**
 * Starts a server again on the port and data of `stopped`, which the test closed (a restart), with
 * `tuning`. The use* helpers below then stop this one at the end, and remove the data once.
 */
export async function startAgain(stopped: AppServer, tuning: Parameters<typeof startServer>[2] = {}): Promise<AppServer> {
  const next = Object.assign(await startAppServer({}, stopped.port, stopped.dataDir, {}, tuning), { cleanupData: stopped.cleanupData })
  replacements.set(stopped, next)
  return next
}

/** Stops a server started by startAppServer (or the one that replaced it) and removes its data. */
async function stopAppServer(server: AppServer | undefined): Promise<void> {
  while (server !== undefined && replacements.has(server)) server = replacements.get(server)
  await server?.close()
  server?.cleanupData()
}

/**
 * Chromium and an app server for the tests of the enclosing describe block: started together
 * before them (the app built if stale) and handed to `use`, stopped after, the server's data removed.
 */
export function useBrowserAndServer(
  use: (browser: Browser, server: AppServer) => void,
  options: Parameters<typeof startServer>[1] = {},
  config: Parameters<typeof startServer>[0] = {},
): void {
  let browser: Browser | undefined
  let server: AppServer | undefined
  beforeAll(async () => {
    ensureBuilt()
    ;[browser, server] = await Promise.all([launch(), startAppServer(options, 0, undefined, config)])
    use(browser, server)
  }, 180_000)
  afterAll(async () => {
    await browser?.close()
    await stopAppServer(server)
  })
}

/** Chromium for the tests of the enclosing describe block (the app built if stale), closed after them. */
export function useBrowser(use: (browser: Browser) => void): void {
  let browser: Browser | undefined
  beforeAll(async () => {
    ensureBuilt()
    browser = await launch()
    use(browser)
  }, 180_000)
  afterAll(async () => {
    await browser?.close()
  })
}

/** An app server for the tests of the enclosing describe block, stopped after them, its data removed. */
export function useAppServer(
  use: (server: AppServer) => void,
  options: Parameters<typeof startServer>[1] = {},
  config: Parameters<typeof startServer>[0] = {},
): void {
  let server: AppServer | undefined
  beforeAll(async () => {
    server = await startAppServer(options, 0, undefined, config)
    use(server)
  })
  afterAll(() => stopAppServer(server))
}

/** The two people of most two-person tests. */
export const ALICE = { name: 'Alice Example', color: '#c62828' }
export const BOB = { name: 'Bob Example', color: '#1565c0' }

/** A document id nobody used yet in this run, starting with `prefix`. */
export function freshDocId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/** A person in a browser context. */
export interface User {
  readonly name: string
  readonly context: BrowserContext
  readonly page: Page
  /** Errors thrown in the page (a test fails on any). */
  readonly errors: string[]
}

/** Opens a context for `name` (with that identity remembered) on `path`. */
export async function openAs(
  browser: Browser,
  baseUrl: string,
  path: string,
  identity: { name: string; color: string },
  viewport = { width: 1100, height: 800 },
): Promise<User> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport })
  // a name to start with (an empty name: the app picks its random default)
  if (identity.name) {
    await context.addInitScript((id) => {
      if (!localStorage.getItem('tandem.identity')) localStorage.setItem('tandem.identity', JSON.stringify(id))
    }, identity)
  }
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/WebSocket|ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(msg.text())) errors.push(msg.text())
  })
  await page.goto(path)
  return { name: identity.name, context, page, errors }
}

/** What a clipboard holds: HTML, plain text and other types by name (VS Code's `vscode-editor-data`). */
export interface Clipboard {
  html?: string
  text?: string
  other?: Record<string, string>
}

/** Pastes into `page`'s editor what the clipboard holds (a real paste event: ProseMirror's own handling runs). */
export async function paste(page: Page, clipboard: Clipboard): Promise<void> {
  await page.locator('tandem-doc-editor').evaluate((el, data) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const view = (el as any).view
    view.focus()
    const transfer = new DataTransfer()
    if (data.html !== undefined) transfer.setData('text/html', data.html)
    if (data.text !== undefined) transfer.setData('text/plain', data.text)
    for (const [type, value] of Object.entries(data.other ?? {})) transfer.setData(type, value)
    view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }))
  }, clipboard)
}

/** The password the accounts of browser tests sign up with. */
export const PASSWORD = 'correct horse battery'

/** A person with an account (accounts mode) in a browser context of their own. */
export interface Member {
  readonly context: BrowserContext
  /** A blank page of that context. */
  readonly page: Page
  /** The CSRF token the API asks of this session's changes. */
  readonly csrf: string
  /** Errors thrown in the page. */
  readonly errors: string[]
}

/** Signs `username` up (with PASSWORD) in a new context of `browser`; closing the browser closes it. */
export async function signUp(browser: Browser, baseUrl: string, username: string): Promise<Member> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1100, height: 800 } })
  const signedUp = await context.request.post('/api/auth/signup', { data: { username, password: PASSWORD } })
  if (signedUp.status() !== 201) throw new Error(`signup ${username}: ${signedUp.status()}`)
  const csrf = (await (await context.request.get('/api/auth/me')).json()).csrf as string
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  return { context, page, csrf, errors }
}

/**
 * A document `owner` creates over the API and shares with the account `member` as `role`; with
 * a function that changes that role (each change must be accepted).
 */
export async function shareNewDoc(owner: Member, title: string, member: string, role = 'editor'): Promise<{ docId: string; setRole(role: string): Promise<void> }> {
  const created = await owner.context.request.post('/api/docs', { data: { title }, headers: { 'X-CSRF-Token': owner.csrf } })
  const docId = (await created.json()).id as string
  const setRole = async (next: string) => {
    const changed = await owner.context.request.put(`/api/docs/${docId}/access/members/${member}`, { data: { role: next }, headers: { 'X-CSRF-Token': owner.csrf } })
    if (changed.status() !== 200) throw new Error(`${member} as ${next} on ${docId}: ${changed.status()}`)
  }
  await setRole(role)
  return { docId, setRole }
}

/** The editable document text of a page. */
export const editor = (page: Page): Locator => page.locator('.ProseMirror')

/**
 * Puts the caret at the start or the end of the document body with the keyboard (Ctrl+Home or
 * Ctrl+End), as a person would, and waits until the editor's own selection is there, as a person
 * would look. The browser moves the caret natively and ProseMirror learns of it from the
 * selectionchange event that follows: a key pressed before that (Enter, at machine speed) acts
 * where the click had put the caret. That made the offline test flaky (1 run in 5 to 10).
 */
export async function caretTo(page: Page, where: 'start' | 'end'): Promise<void> {
  await editor(page).click()
  const key = where === 'start' ? `${MOD}+Home` : `${MOD}+End`
  await waitFor(
    `the caret at the ${where} of the document`,
    async () => {
      await page.keyboard.press(key)
      const s = await page.locator('tandem-doc-editor').evaluate((el) => (el as unknown as { selectionInfo(): { from: number; to: number; start: number; end: number } | null }).selectionInfo())
      return s !== null && s.from === s.to && s.from === (where === 'start' ? s.start : s.end)
    },
    5_000,
    50,
  )
}

/**
 * A person whose Chromium refuses sites any storage ("Don't allow sites to save data": a profile
 * whose default cookie setting is block): reading localStorage or sessionStorage throws,
 * IndexedDB and service workers are denied. A browser of its own: `context.close()` ends it and
 * removes its profile.
 */
export async function openWithoutSiteData(baseUrl: string, path: string): Promise<User> {
  const profile = tempDir('tandem-e2e-profile-')
  mkdirSync(join(profile.dir, 'Default'))
  writeFileSync(join(profile.dir, 'Default', 'Preferences'), JSON.stringify({ profile: { default_content_setting_values: { cookies: 2 } } }))
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM,
    baseURL: baseUrl,
    viewport: { width: 1100, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  // the profile goes once Chromium has stopped writing to it
  const close = context.close.bind(context)
  context.close = async (options) => {
    await close(options)
    profile.cleanup()
  }
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(path)
  return { name: '', context, page, errors }
}

/** Opens a document and waits until it is connected and editable. */
export async function openDoc(browser: Browser, baseUrl: string, docId: string, identity: { name: string; color: string }, viewport?: { width: number; height: number }): Promise<User> {
  const user = await openAs(browser, baseUrl, `/d/${docId}`, identity, viewport)
  await editor(user.page).waitFor({ state: 'visible' })
  await waitForStatus(user.page, 'connected')
  return user
}

/** Alice and Bob, each in a browser context of their own, on document `docId`. */
export async function openPair(browser: Browser, baseUrl: string, docId: string): Promise<[User, User]> {
  return [await openDoc(browser, baseUrl, docId, ALICE), await openDoc(browser, baseUrl, docId, BOB)]
}

/** The document body as ProseMirror JSON. */
export function content(page: Page): Promise<unknown> {
  return page.locator('tandem-doc-editor').evaluate((el) => (el as unknown as { contentJSON(): unknown }).contentJSON())
}

/** The text of the document body (from the editor state: no cursor labels). */
export function text(page: Page): Promise<string> {
  return page.locator('tandem-doc-editor').evaluate((el) => (el as unknown as { contentText(): string }).contentText())
}

/** The status indicator's attributes. */
export async function status(page: Page): Promise<{ connection: string | null; save: string | null; text: string }> {
  const el = page.locator('tandem-connection-status')
  return {
    connection: await el.getAttribute('connection'),
    save: await el.getAttribute('save'),
    text: (await el.locator('.status').innerText()).replace(/\s+/g, ' ').trim(),
  }
}

/** Waits until the connection state is `state`. */
export function waitForStatus(page: Page, state: 'connected' | 'offline' | 'connecting' | 'closed', timeoutMs = 15_000): Promise<unknown> {
  return waitFor(`connection ${state}`, async () => (await status(page)).connection === state, timeoutMs, 25)
}

/** Waits until the save indicator says `state`. */
export function waitForSave(page: Page, state: 'saved' | 'saving', timeoutMs = 15_000): Promise<unknown> {
  return waitFor(`save state ${state}`, async () => (await status(page)).save === state, timeoutMs, 25)
}

/** Waits until `page`'s status says its changes are kept on this device (offline, saved in this browser). */
export function waitForKeptHere(page: Page, timeoutMs = 15_000): Promise<unknown> {
  return waitFor('the changes to be kept on this device', async () => (await status(page)).text.includes('Changes kept on this device'), timeoutMs)
}

/** Waits until `page`'s document text contains `needle`. */
export function waitForText(page: Page, needle: string, timeoutMs = 15_000): Promise<unknown> {
  return waitFor(
    `"${needle}" in the document`,
    async () => {
      // a timeout then says what the page held (or why it could not be read)
      const seen = await text(page)
      if (!seen.includes(needle)) throw new Error(`the document holds ${JSON.stringify(seen.slice(0, 300))}`)
      return true
    },
    timeoutMs,
    25,
  )
}

/** Waits until every page holds the same document, and returns it. */
export async function converged(pages: Page[], timeoutMs = 20_000): Promise<unknown> {
  let last: unknown
  await waitFor(
    'every browser to hold the same document',
    async () => {
      const docs = await Promise.all(pages.map((p) => content(p)))
      last = docs[0]
      return docs.every((d) => JSON.stringify(d) === JSON.stringify(docs[0]))
    },
    timeoutMs,
    50,
  )
  return last
}

/** The key that is Cmd on macOS and Control elsewhere (Chromium here runs on Linux). */
export const MOD = 'Control'

/** The document body (its content as XML text) as the server's store holds it. */
export async function storedText(storage: Pick<Storage, 'load'>, docId: string): Promise<string> {
  const stored = await storage.load(docId)
  const doc = new Y.Doc()
  if (stored.checkpoint) Y.applyUpdate(doc, stored.checkpoint.state)
  for (const entry of stored.log) for (const update of entry.updates) Y.applyUpdate(doc, update)
  return doc.getXmlFragment(CONTENT).toString()
}
