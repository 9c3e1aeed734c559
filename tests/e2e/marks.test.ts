/**
 * Marks with two people in real Chromium: a mark switched on at the caret (Ctrl+B, then type)
 * applies to what one types next even when the other person's change arrives in between.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { caretIn, runs, type JSONNode } from './doc-shape.js'
import { CHROMIUM, content, converged, editor, ensureBuilt, launch, MOD, openDoc, SKIP_REASON, startAppServer, waitForText } from './harness.js'

const ALICE = { name: 'Alice Example', color: '#c62828' }
const BOB = { name: 'Bob Example', color: '#1565c0' }

/** Whether the toolbar's `id` button shows itself pressed in `page`. */
function pressed(page: Page, id: string): Promise<string | null> {
  return page.locator(`tandem-toolbar button[data-id="${id}"]`).getAttribute('aria-pressed')
}

describe.skipIf(!CHROMIUM)(`marks with two people${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let server: Awaited<ReturnType<typeof startAppServer>>
  let browser: Browser
  let docCount = 0

  beforeAll(async () => {
    ensureBuilt()
    ;[browser, server] = await Promise.all([launch(), startAppServer()])
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    server?.cleanupData()
  })

  it('keeps Ctrl+B (or Ctrl+I) pressed at the caret when the other person types elsewhere before one types', async () => {
    const docId = `marks-${++docCount}-${Date.now()}`
    const alice = await openDoc(browser, server.url, docId, ALICE)
    const bob = await openDoc(browser, server.url, docId, BOB)
    await editor(alice.page).click()
    await alice.page.keyboard.type('Alice ')
    await alice.page.keyboard.press('Enter')
    await alice.page.keyboard.type('Bob')
    await waitForText(bob.page, 'Bob')
    await caretIn(alice.page, 'Alice ', 6)
    await caretIn(bob.page, 'Bob', 3)
    for (const [key, id, word, bobs] of [[`${MOD}+b`, 'bold', 'strong', ' one'], [`${MOD}+i`, 'italic', 'slanted', ' two']] as const) {
      await alice.page.keyboard.press(key)
      await waitFor(`the ${id} button pressed`, async () => (await pressed(alice.page, id)) === 'true', 5_000, 25)
      // Bob's typing reaches Alice before her next key
      await bob.page.keyboard.type(bobs)
      await waitForText(alice.page, bobs)
      expect(await pressed(alice.page, id)).toBe('true')
      await alice.page.keyboard.type(word)
      await alice.page.keyboard.press(key)
      await alice.page.keyboard.type(' ')
    }
    const doc = (await converged([alice.page, bob.page])) as JSONNode
    expect(runs(doc)).toEqual([
      ['Alice ', []],
      ['strong', ['bold']],
      [' ', []],
      ['slanted', ['italic']],
      [' ', []],
      ['Bob one two', []],
    ])
    expect(await content(bob.page)).toEqual(doc)
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)
})
