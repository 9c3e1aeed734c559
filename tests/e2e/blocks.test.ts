/**
 * Block editing with the keyboard in real Chromium, one person (and a second for convergence):
 * Backspace, Delete, Enter, Tab and Shift+Tab in task lists, bullet lists, quotes, code blocks and
 * headings, and Ctrl+Z after each, asserting the document structure the keys leave; Ctrl+Z of
 * the first typing in a new document, the editor showing what the shared document holds.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { caret, caretIn, newUndoStep, setBody, shape, shapesOnKey, sharedShape, waitForShape } from './doc-shape.js'
import { ALICE, type AppServer, BOB, CHROMIUM, converged, editor, freshDocId, MOD, openDoc, SKIP_REASON, status, storedText, useBrowserAndServer, type User } from './harness.js'


describe.skipIf(!CHROMIUM)('block editing with the keyboard', () => {
  let server: AppServer
  let browser: Browser

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  /** A fresh document opened by Alice. */
  function fresh(): Promise<User> {
    return openDoc(browser, server.url, freshDocId('blocks'), ALICE)
  }

  /** Replaces `page`'s document with `html` (as a paste) and starts a new undo step after it. */
  async function load(page: Page, html: string, want: string): Promise<void> {
    await setBody(page, html, want)
    // the key under test is an undo step of its own, not merged with this setup
    await newUndoStep(page)
  }

  /** Presses `key` in `page`, waits for the shape `want`, then Ctrl+Z and waits for `before` again. */
  async function pressAndUndo(page: Page, key: string, before: string, want: string): Promise<void> {
    await page.keyboard.press(key)
    await waitForShape(page, want)
    await page.keyboard.press(`${MOD}+z`)
    await waitForShape(page, before)
  }

  it('Backspace at the start of the second task item joins it to the item above, as in a bullet list, for both people', async () => {
    const alice = await fresh()
    const docId = new URL(alice.page.url()).pathname.split('/').pop()!
    const bob = await openDoc(browser, server.url, docId, BOB)
    const page = alice.page
    for (const [prefix, list, item] of [['- ', 'bullet', 'item'], ['[ ] ', 'tasks', 'task[ ]']] as const) {
      await editor(page).click()
      await page.keyboard.press(`${MOD}+a`)
      await page.keyboard.press('Delete')
      await waitForShape(page, 'p""')
      // typed as a person would: the input rule makes the list, Enter the second item
      await page.keyboard.type(`${prefix}one`)
      await page.keyboard.press('Enter')
      await page.keyboard.type('two')
      const before = `${list}(${item}(p"one") ${item}(p"two"))`
      await waitForShape(page, before)
      await converged([page, bob.page])
      // Bob's caret stands where the key acts
      await caretIn(bob.page, 'two', 0)
      await page.keyboard.press('Home')
      await waitFor('the caret at the start of "two"', async () => {
        const c = await caret(page)
        return c.text === 'two' && c.offset === 0
      }, 5_000, 25)
      await page.keyboard.press('Backspace')
      const joined = `${list}(${item}(p"one" p"two"))`
      await waitForShape(page, joined)
      await converged([page, bob.page])
      expect(await shape(bob.page)).toBe(joined)
      // a second Backspace joins the lines
      await page.keyboard.press('Backspace')
      await waitForShape(page, `${list}(${item}(p"onetwo"))`)
      await converged([page, bob.page])
    }
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('Tab on a list or task item that cannot be indented keeps the focus in the editor and changes nothing', async () => {
    const alice = await fresh()
    const page = alice.page
    const T = (t: string, inner = '') => `<li data-type="task-item" data-checked="false"><p>${t}</p>${inner}</li>`
    const cases: Array<[string, string, string, number]> = [
      ['<ul><li><p>one</p></li><li><p>two</p></li></ul>', 'bullet(item(p"one") item(p"two"))', 'one', 0],
      [`<ul data-type="task-list">${T('one')}${T('two')}</ul>`, 'tasks(task[ ](p"one") task[ ](p"two"))', 'one', 3],
      // the first item of a nested list
      [`<ul data-type="task-list">${T('one', `<ul data-type="task-list">${T('inner')}</ul>`)}</ul>`, 'tasks(task[ ](p"one" tasks(task[ ](p"inner"))))', 'inner', 2],
    ]
    for (const [html, before, block, at] of cases) {
      await load(page, html, before)
      await caretIn(page, block, at)
      await page.keyboard.press('Tab')
      // what is typed next still goes into the item: the focus stayed
      await page.keyboard.type('X')
      await waitForShape(page, before.replace(`"${block}"`, `"${block.slice(0, at)}X${block.slice(at)}"`))
    }
    expect(alice.errors).toEqual([])
    await alice.context.close()
  }, 60_000)

  it('Backspace at the start of a code block makes it a paragraph that keeps its lines, for both people, and Ctrl+Z brings the code back', async () => {
    const alice = await fresh()
    const docId = new URL(alice.page.url()).pathname.split('/').pop()!
    const bob = await openDoc(browser, server.url, docId, BOB)
    const page = alice.page
    const cases: Array<[string, string, string]> = [
      ['<p>x</p><pre><code>one\ntwo</code></pre><p>y</p>', 'p"x" code"one\ntwo" p"y"', 'p"x" p"one⏎two" p"y"'],
      // after a list the lines went into the item's paragraph as raw newlines
      ['<ul><li><p>x</p></li></ul><pre><code>one\ntwo</code></pre>', 'bullet(item(p"x")) code"one\ntwo"', 'bullet(item(p"x")) p"one⏎two"'],
    ]
    for (const [html, before, after] of cases) {
      await load(page, html, before)
      await converged([page, bob.page])
      await caretIn(page, 'one\ntwo', 0)
      await pressAndUndo(page, 'Backspace', before, after)
      await converged([page, bob.page])
      // and again, now for good: Bob sees the same paragraph
      await caretIn(page, 'one\ntwo', 0)
      await page.keyboard.press('Backspace')
      await waitForShape(page, after)
      await converged([page, bob.page])
      expect(await shape(bob.page)).toBe(after)
    }
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('Enter at the start of a done task puts an open task above it, for both people, and Ctrl+Z takes it away', async () => {
    const alice = await fresh()
    const docId = new URL(alice.page.url()).pathname.split('/').pop()!
    const bob = await openDoc(browser, server.url, docId, BOB)
    const page = alice.page
    const before = 'tasks(task[ ](p"todo") task[x](p"done"))'
    await load(page, '<ul data-type="task-list"><li data-type="task-item" data-checked="false"><p>todo</p></li><li data-type="task-item" data-checked="true"><p>done</p></li></ul>', before)
    await converged([page, bob.page])
    await caretIn(page, 'done', 0)
    const after = 'tasks(task[ ](p"todo") task[ ](p"") task[x](p"done"))'
    await pressAndUndo(page, 'Enter', before, after)
    await caretIn(page, 'done', 0)
    await page.keyboard.press('Enter')
    await waitForShape(page, after)
    // the caret stays with the task it was in
    expect(await caret(page)).toEqual({ text: 'done', offset: 0, empty: true })
    await converged([page, bob.page])
    expect(await shape(bob.page)).toBe(after)
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('Enter over a selection from one item into the next leaves two items, as Enter without one does, for both people', async () => {
    const alice = await fresh()
    const docId = new URL(alice.page.url()).pathname.split('/').pop()!
    const bob = await openDoc(browser, server.url, docId, BOB)
    const page = alice.page
    const T = (c: boolean, t: string) => `<li data-type="task-item" data-checked="${c}"><p>${t}</p></li>`
    const cases: Array<[string, string, string]> = [
      ['<ul><li><p>one</p></li><li><p>two</p></li></ul>', 'bullet(item(p"one") item(p"two"))', 'bullet(item(p"o") item(p"wo"))'],
      [`<ul data-type="task-list">${T(true, 'one')}${T(false, 'two')}</ul>`, 'tasks(task[x](p"one") task[ ](p"two"))', 'tasks(task[x](p"o") task[ ](p"wo"))'],
    ]
    for (const [html, before, after] of cases) {
      await load(page, html, before)
      await converged([page, bob.page])
      await caretIn(page, 'one', 1)
      // "ne", the item boundary and "t"
      for (let k = 0; k < 4; k++) await page.keyboard.press('Shift+ArrowRight')
      await waitFor('"ne" to "t" selected', async () => page.locator('tandem-doc-editor').evaluate((el) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const sel = (el as any).view.state.selection
        return sel.$to.parent.textContent === 'two' && sel.$to.parentOffset === 1 && sel.$from.parentOffset === 1
      }), 5_000, 25)
      await pressAndUndo(page, 'Enter', before, after)
      await caretIn(page, 'one', 1)
      for (let k = 0; k < 4; k++) await page.keyboard.press('Shift+ArrowRight')
      await waitFor('"ne" to "t" selected', async () => page.locator('tandem-doc-editor').evaluate((el) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const sel = (el as any).view.state.selection
        return sel.$to.parent.textContent === 'two' && sel.$to.parentOffset === 1
      }), 5_000, 25)
      await page.keyboard.press('Enter')
      await waitForShape(page, after)
      expect(await caret(page)).toEqual({ text: 'wo', offset: 0, empty: true })
      await converged([page, bob.page])
      expect(await shape(bob.page)).toBe(after)
    }
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('Ctrl+Z of the first words typed in a new document leaves one empty paragraph, shown as the shared document holds it, for both people and the server; Ctrl+Shift+Z brings the words back', async () => {
    const alice = await fresh()
    const docId = new URL(alice.page.url()).pathname.split('/').pop()!
    const bob = await openDoc(browser, server.url, docId, BOB)
    const page = alice.page
    /** Waits until both people's changes are saved, both shared documents are the one the server stores, and `done` finds the change in it. */
    const settled = (what: string, done: (stored: string) => boolean) =>
      waitFor(`${what} to settle in both browsers and on the server`, async () => {
        const stored = await storedText(server.storage, docId)
        for (const user of [alice, bob]) {
          if ((await status(user.page)).save !== 'saved') return false
          const shared = await user.page.locator('tandem-doc-editor').evaluate((el) => String((el as unknown as { session: { content: unknown } }).session.content))
          if (shared !== stored) return false
        }
        return done(stored)
      }, 10_000, 25)
    /** What each editor shows is `want`, as its shared document (the server's, once settled) holds it. */
    const expectEverywhere = async (want: string) => {
      for (const user of [alice, bob]) {
        expect(await shape(user.page), `${user.name}'s editor`).toBe(want)
        expect(await sharedShape(user.page), `${user.name}'s shared document`).toBe(want)
      }
    }
    await editor(page).click()
    await page.keyboard.type('hello')
    await waitForShape(bob.page, 'p"hello"')
    // what the editor shows once the key is handled is what the shared document holds
    expect(await shapesOnKey(page, `${MOD}+z`, 'z')).toEqual({ editor: 'p""', shared: 'p""' })
    await settled('the undo', (stored) => !stored.includes('hello'))
    await expectEverywhere('p""')
    expect(await storedText(server.storage, docId)).toBe('<paragraph></paragraph>')
    // the empty paragraph came with the undo: redo takes it away again and brings the words back
    await page.keyboard.press(`${MOD}+Shift+z`)
    await settled('the redo', (stored) => stored.includes('hello'))
    await expectEverywhere('p"hello"')
    // and a second undo is the first again
    expect(await shapesOnKey(page, `${MOD}+z`, 'z')).toEqual({ editor: 'p""', shared: 'p""' })
    await settled('the second undo', (stored) => !stored.includes('hello'))
    await expectEverywhere('p""')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)
})
