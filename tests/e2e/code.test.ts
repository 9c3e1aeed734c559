/**
 * Code blocks with a language in real Chromium, two people: the language picked by one shows for
 * the other (picker, shared document) and Ctrl+Z takes it back; highlighting spans appear, and
 * text typed inside a highlighted block reaches the other person intact, carets undisturbed.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { caret, caretIn, newUndoStep, setBody, shape, sharedShape, waitForShape } from './doc-shape.js'
import { type AppServer, CHROMIUM, converged, freshDocId, MOD, openPair, SKIP_REASON, useBrowserAndServer } from './harness.js'

/** The language picker of the (first) code block in `page`. */
const picker = (page: Page) => page.locator('tandem-doc-editor .code-language select')

/** The texts of the highlighted runs with class `hljs-<kind>` in `page`'s editor. */
function highlighted(page: Page, kind: string): Promise<string[]> {
  return page.locator(`tandem-doc-editor .ProseMirror pre .hljs-${kind}`).allInnerTexts()
}

/** Waits until `page` shows `text` highlighted as `kind`. */
function waitForHighlight(page: Page, kind: string, text: string): Promise<unknown> {
  return waitFor(`"${text}" highlighted as ${kind}`, async () => (await highlighted(page, kind)).includes(text), 15_000, 25)
}

describe.skipIf(!CHROMIUM)(`code blocks with a language${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let server: AppServer
  let browser: Browser

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('shows the language one person picks to the other, highlighted, and Ctrl+Z takes it back', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('code'))
    const code = 'const a = 1\nlet b = "x"'
    await setBody(alice.page, `<pre><code>${code}</code></pre>`, `code"${code}"`)
    await converged([alice.page, bob.page])
    await newUndoStep(alice.page)
    expect(await picker(bob.page).inputValue()).toBe('')
    expect(await picker(bob.page).getAttribute('aria-label')).toBe('Code language')
    // Tab from the code reaches its picker; the keyboard picks a language
    await caretIn(alice.page, code, 3)
    await alice.page.keyboard.press('Tab')
    await waitFor('the picker focused', () => picker(alice.page).evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el), 5_000, 25)
    await picker(alice.page).selectOption('javascript')
    const want = `code[javascript]"${code}"`
    await waitForShape(alice.page, want)
    await converged([alice.page, bob.page])
    expect(await shape(bob.page)).toBe(want)
    expect(await sharedShape(bob.page)).toBe(want)
    expect(await picker(bob.page).inputValue()).toBe('javascript')
    await waitForHighlight(bob.page, 'keyword', 'const')
    await waitForHighlight(bob.page, 'string', '"x"')
    await waitForHighlight(alice.page, 'keyword', 'let')
    // Escape returns to the code, Ctrl+Z takes the language back for both
    await alice.page.keyboard.press('Escape')
    await alice.page.keyboard.press(`${MOD}+z`)
    await waitForShape(alice.page, `code"${code}"`)
    await converged([alice.page, bob.page])
    expect(await sharedShape(bob.page)).toBe(`code"${code}"`)
    await waitFor('the plain picker for Bob', async () => (await picker(bob.page).inputValue()) === '', 10_000, 25)
    await waitFor('no highlighting left for Bob', async () => (await highlighted(bob.page, 'keyword')).length === 0, 10_000, 25)
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)

  it('starts a block in a language typed after ``` with Enter or a space', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('code'))
    await setBody(alice.page, '<p></p>', 'p""')
    await alice.page.keyboard.type('```python')
    await alice.page.keyboard.press('Enter')
    await alice.page.keyboard.type('x = 1')
    await waitForShape(alice.page, 'code[python]"x = 1"')
    await converged([alice.page, bob.page])
    expect(await sharedShape(bob.page)).toBe('code[python]"x = 1"')
    await waitForHighlight(bob.page, 'number', '1')
    expect(await picker(bob.page).inputValue()).toBe('python')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 60_000)

  it('keeps text typed into a highlighted block intact for the other person, and the other caret where it was', async () => {
    const [alice, bob] = await openPair(browser, server.url, freshDocId('code'))
    const code = 'function f(a) {\n  return a\n}'
    await setBody(alice.page, `<pre><code class="language-js">${code}</code></pre>`, `code[javascript]"${code}"`)
    await converged([alice.page, bob.page])
    await waitForHighlight(bob.page, 'keyword', 'function')
    await waitForHighlight(alice.page, 'keyword', 'return')
    // Alice's caret at the end of the first line; Bob types a line of code inside the block
    await caretIn(alice.page, code, 'function f(a) {'.length)
    await caretIn(bob.page, code, code.length - 1)
    const typed = '  if (a > 1) return "big" // note\n'
    await bob.page.keyboard.type(typed)
    const after = `function f(a) {\n  return a\n${typed}}`
    await waitForShape(alice.page, `code[javascript]"${after}"`)
    await converged([alice.page, bob.page])
    expect(await sharedShape(alice.page)).toBe(`code[javascript]"${after}"`)
    // the new words are highlighted on both sides, the text unchanged by it
    await waitForHighlight(alice.page, 'string', '"big"')
    await waitForHighlight(alice.page, 'comment', '// note')
    await waitForHighlight(bob.page, 'keyword', 'if')
    expect(await alice.page.locator('tandem-doc-editor .ProseMirror pre code').textContent()).toBe(after)
    // Alice's caret stayed at the end of her line: what she types lands there
    expect((await caret(alice.page)).offset).toBe('function f(a) {'.length)
    await alice.page.keyboard.type(' /* x */')
    const last = after.replace('function f(a) {', 'function f(a) { /* x */')
    await waitForShape(bob.page, `code[javascript]"${last}"`)
    await converged([alice.page, bob.page])
    await waitForHighlight(bob.page, 'comment', '/* x */')
    expect([...alice.errors, ...bob.errors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)

  it('disables the language picker once the editor stops taking changes (the document was deleted)', async () => {
    const docId = freshDocId('code')
    const [alice, bob] = await openPair(browser, server.url, docId)
    await setBody(alice.page, '<pre><code>x = 1</code></pre>', 'code"x = 1"')
    await converged([alice.page, bob.page])
    expect(await picker(bob.page).isDisabled()).toBe(false)
    expect((await fetch(`${server.url}/api/docs/${docId}`, { method: 'DELETE' })).status).toBe(204)
    await bob.page.getByRole('alert').filter({ hasText: 'This document was deleted' }).waitFor({ timeout: 10_000 })
    await waitFor('the picker disabled', () => picker(bob.page).isDisabled(), 5_000, 25)
    await alice.context.close()
    await bob.context.close()
  })
})
