/**
 * Marks with two people in real Chromium: a mark switched on at the caret (Ctrl+B, then type)
 * applies to what one types next even when the other person's change arrives in between; bold
 * over a selection the other is typing into converges and shows at the other's caret.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { caretIn, runs, setBody, type JSONNode } from './doc-shape.js'
import { ALICE, type AppServer, BOB, CHROMIUM, content, converged, editor, freshDocId, MOD, openDoc, SKIP_REASON, useBrowserAndServer, waitForText } from './harness.js'


/** Whether the toolbar's `id` button shows itself pressed in `page`. */
function pressed(page: Page, id: string): Promise<string | null> {
  return page.locator(`tandem-toolbar button[data-id="${id}"]`).getAttribute('aria-pressed')
}

describe.skipIf(!CHROMIUM)(`marks with two people${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let server: AppServer
  let browser: Browser

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('keeps Ctrl+B (or Ctrl+I) pressed at the caret when the other person types elsewhere before one types', async () => {
    const docId = freshDocId('marks')
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

  it("bolds a selection the other person types into, converges, and shows the other's bold at one's caret", async () => {
    const docId = freshDocId('marks')
    const alice = await openDoc(browser, server.url, docId, ALICE)
    const bob = await openDoc(browser, server.url, docId, BOB)
    await editor(alice.page).click()
    await alice.page.keyboard.type('hello world')
    await waitForText(bob.page, 'hello world')
    await caretIn(bob.page, 'hello world', 5)
    await alice.page.keyboard.press('Shift+Home')
    // Bob types into the middle of Alice's selection while she makes it bold
    const typing = bob.page.keyboard.type(' there', { delay: 20 })
    await alice.page.keyboard.press(`${MOD}+b`)
    await typing
    await waitForText(alice.page, 'hello there world')
    const doc = (await converged([alice.page, bob.page])) as JSONNode
    expect(runs(doc).map(([t]) => t).join('')).toBe('hello there world')
    expect(runs(doc).filter(([t]) => t.includes('hello'))[0]![1]).toEqual(['bold'])
    // Bob's caret sits in bold text Alice made: his Bold button shows it
    await caretIn(bob.page, 'hello there world', 2)
    await waitFor("Bob's Bold button pressed", async () => (await pressed(bob.page, 'bold')) === 'true', 5_000, 25)
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('applies Ctrl+B, Ctrl+I or Ctrl+E to the text selected with Shift+arrow keys right before, every time', async () => {
    const docId = freshDocId('marks')
    const alice = await openDoc(browser, server.url, docId, ALICE)
    let missed = 0
    for (let round = 0; round < 15; round++) {
      const [key, mark] = ([[`${MOD}+b`, 'bold'], [`${MOD}+i`, 'italic'], [`${MOD}+e`, 'code']] as const)[round % 3]!
      await setBody(alice.page, '<p>alpha beta</p>', 'p"alpha beta"')
      await caretIn(alice.page, 'alpha beta', 0)
      // at machine speed: the keys reach the page before its selectionchange is handled
      await alice.page.keyboard.press('Shift+End')
      await alice.page.keyboard.press(key)
      await waitFor('the selection read', async () => {
        const info = await alice.page.locator('tandem-doc-editor').evaluate((el) => (el as unknown as { selectionInfo(): { from: number; to: number } }).selectionInfo())
        return info.to - info.from === 10
      }, 5_000, 25)
      if (JSON.stringify(runs((await content(alice.page)) as JSONNode)) !== JSON.stringify([['alpha beta', [mark]]])) missed++
    }
    expect(missed).toBe(0)
    expect(alice.errors).toEqual([])
    await alice.context.close()
  }, 90_000)
})
