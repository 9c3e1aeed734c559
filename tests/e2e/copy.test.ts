/**
 * Copying out of a document in real Chromium with Ctrl+C (the browser's own clipboard) and
 * pasting with Ctrl+V: into another document the structure comes back whole, into a code block
 * as plain text with its lines.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { caretIn, newUndoStep, runs, setBody, shape, waitForShape, type JSONNode } from './doc-shape.js'
import { ALICE, type AppServer, BOB, CHROMIUM, content, converged, editor, freshDocId, MOD, openDoc, SKIP_REASON, useBrowserAndServer, type User } from './harness.js'


/** What the clipboard of `page`'s browser holds, by type. */
function clipboard(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async () => {
    const out: Record<string, string> = {}
    for (const item of await navigator.clipboard.read()) for (const type of item.types) out[type] = await (await item.getType(type)).text()
    return out
  })
}

describe.skipIf(!CHROMIUM)(`copying out of a document${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let server: AppServer
  let browser: Browser

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  /** `identity` on a fresh document (or `docId`), allowed to read the clipboard. */
  async function open(identity: { name: string; color: string }, docId = freshDocId('copy')): Promise<User> {
    const user = await openDoc(browser, server.url, docId, identity)
    await user.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
    return user
  }

  it('copies a line break as a new line of plain text: pasted into a code block, the lines stay apart', async () => {
    const alice = await open(ALICE)
    const docId = new URL(alice.page.url()).pathname.split('/').pop()!
    const bob = await open(BOB, docId)
    await setBody(alice.page, '<p>one<br>two</p><p>three</p><pre><code></code></pre>', 'p"one⏎two" p"three" code""')
    await caretIn(alice.page, 'three', 5)
    await alice.page.keyboard.press('Shift+Home')
    await alice.page.keyboard.press('Shift+ArrowUp')
    await alice.page.keyboard.press('Shift+ArrowUp')
    await alice.page.keyboard.press('Shift+Home')
    await waitFor('the first two paragraphs selected', async () => {
      const text = await alice.page.locator('tandem-doc-editor').evaluate((el) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const { state } = (el as any).view
        return state.doc.textBetween(state.selection.from, state.selection.to, '|', '⏎') as string
      })
      return text === 'one⏎two|three'
    }, 5_000, 25)
    await alice.page.keyboard.press(`${MOD}+c`)
    await waitFor('the copy on the clipboard', async () => (await clipboard(alice.page))['text/plain'] !== undefined, 5_000, 50)
    expect((await clipboard(alice.page))['text/plain']).toBe('one\ntwo\n\nthree')
    await caretIn(alice.page, '', 0)
    await alice.page.keyboard.press(`${MOD}+v`)
    await waitForShape(alice.page, 'p"one⏎two" p"three" code"one\ntwo\n\nthree"')
    await converged([alice.page, bob.page])
    expect(await shape(bob.page)).toBe('p"one⏎two" p"three" code"one\ntwo\n\nthree"')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('pastes a copied document into another one with its structure and marks whole', async () => {
    const alice = await open(ALICE)
    const html =
      '<h2>Plan</h2><p>plain <strong>bold</strong> <em>it</em> <u>under</u> <s>gone</s> <code>x()</code> <a href="https://example.com/a">link</a></p>' +
      '<p>one<br>two</p><ul><li><p>bullet</p><ul><li><p>nested</p></li></ul></li></ul><ol start="3"><li><p>third</p></li></ol>' +
      '<ul data-type="task-list"><li data-type="task-item" data-checked="true"><p>done</p></li><li data-type="task-item" data-checked="false"><p>open</p></li></ul>' +
      '<blockquote><p>quoted</p></blockquote><pre><code>a\n  b</code></pre><hr><p>end</p>'
    const want = 'h2"Plan" p"plain bold it under gone x() link" p"one⏎two" bullet(item(p"bullet" bullet(item(p"nested")))) ordered(item(p"third")) tasks(task[x](p"done") task[ ](p"open")) quote(p"quoted") code"a\n  b" horizontal_rule"" p"end"'
    await setBody(alice.page, html, want)
    const source = (await content(alice.page)) as JSONNode
    await editor(alice.page).click()
    await alice.page.keyboard.press(`${MOD}+a`)
    await alice.page.keyboard.press(`${MOD}+c`)
    await waitFor('the copy on the clipboard', async () => (await clipboard(alice.page))['text/html']?.includes('end'), 5_000, 50)
    const bob = await open(BOB)
    await editor(bob.page).click()
    await bob.page.keyboard.press(`${MOD}+v`)
    await waitForShape(bob.page, want)
    const pasted = (await content(bob.page)) as JSONNode
    expect(runs(pasted)).toEqual(runs(source))
    expect(pasted).toEqual(source)
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('pastes lines copied from inside a code block into a paragraph as line breaks, not raw newlines', async () => {
    const alice = await open(ALICE)
    const docId = new URL(alice.page.url()).pathname.split('/').pop()!
    const bob = await open(BOB, docId)
    await setBody(alice.page, '<pre><code>ab\ncd\nef</code></pre><p>x</p>', 'code"ab\ncd\nef" p"x"')
    await newUndoStep(alice.page)
    // from after "a" to after "cd", with the keyboard
    await caretIn(alice.page, 'ab\ncd\nef', 1)
    await alice.page.keyboard.press('Shift+ArrowDown')
    await alice.page.keyboard.press('Shift+End')
    await waitFor('"b\ncd" selected', async () => {
      const text = await alice.page.locator('tandem-doc-editor').evaluate((el) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const { state } = (el as any).view
        return state.doc.textBetween(state.selection.from, state.selection.to) as string
      })
      return text === 'b\ncd'
    }, 5_000, 25)
    await alice.page.keyboard.press(`${MOD}+c`)
    await waitFor('the copy on the clipboard', async () => (await clipboard(alice.page))['text/plain'] === 'b\ncd', 5_000, 50)
    await caretIn(alice.page, 'x', 1)
    await alice.page.keyboard.press(`${MOD}+v`)
    await waitForShape(alice.page, 'code"ab\ncd\nef" p"xb⏎cd"')
    await converged([alice.page, bob.page])
    expect(await shape(bob.page)).toBe('code"ab\ncd\nef" p"xb⏎cd"')
    await alice.page.keyboard.press(`${MOD}+z`)
    await waitForShape(alice.page, 'code"ab\ncd\nef" p"x"')
    await converged([alice.page, bob.page])
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('pastes a word copied from a list item or task into the text of a paragraph as text, not as a list', async () => {
    const alice = await open(ALICE)
    for (const [list, shapeOfList] of [
      ['<ul><li><p>apple pie</p></li><li><p>pear</p></li></ul>', 'bullet(item(p"apple pie") item(p"pear"))'],
      ['<ul data-type="task-list"><li data-type="task-item" data-checked="true"><p>apple pie</p></li></ul>', 'tasks(task[x](p"apple pie"))'],
    ] as const) {
      await setBody(alice.page, `${list}<p>I like a lot</p>`, `${shapeOfList} p"I like a lot"`)
      await caretIn(alice.page, 'apple pie', 0)
      await alice.page.keyboard.press(`${MOD}+Shift+ArrowRight`)
      await waitFor('"apple" selected', async () => {
        const text = await alice.page.locator('tandem-doc-editor').evaluate((el) => {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const { state } = (el as any).view
          return state.doc.textBetween(state.selection.from, state.selection.to) as string
        })
        return text.trim() === 'apple'
      }, 5_000, 25)
      await alice.page.keyboard.press(`${MOD}+c`)
      await waitFor('the copy on the clipboard', async () => (await clipboard(alice.page))['text/plain']?.trim() === 'apple', 5_000, 50)
      await caretIn(alice.page, 'I like a lot', 7)
      await alice.page.keyboard.press(`${MOD}+v`)
      await waitFor('the word pasted into the text', async () => {
        const seen = await shape(alice.page)
        if (!seen.includes('I like apple')) throw new Error(`it is ${seen}`)
        return true
      }, 5_000, 25)
      expect(await shape(alice.page)).toMatch(new RegExp(`^${shapeOfList.replace(/[()[\]]/g, '\\$&')} p"I like apple ?a lot"$`))
    }
    expect(alice.errors).toEqual([])
    await alice.context.close()
  }, 60_000)
})
