/**
 * Editing next to another person's cursor or selection, in two real browser contexts against the
 * real server: keyboard moves across a remote cursor, deleting and splitting beside it, typing
 * inside marked text where it stands, selecting a word around it with a double click, composing
 * with an input method while the other person types right there, arrow keys while the other
 * cursor keeps moving or the other person types, typing right after the other person's
 * selection, the caret kept in its text when the other person rewrites its block, a renamed
 * person's cursor.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { caretIn, setBody, shape, waitForShape } from './doc-shape.js'
import { ALICE, type AppServer, BOB, CHROMIUM, content, converged, editor, MOD, openDoc, SKIP_REASON, text, useBrowserAndServer, type User, waitForStatus, waitForText } from './harness.js'


type Sel = { from: number; to: number }

/** The editor's selection in `page`. */
function selection(page: Page): Promise<Sel> {
  return page.locator('tandem-doc-editor').evaluate((el) => {
    const s = (el as unknown as { view: { state: { selection: Sel } } }).view.state.selection
    return { from: s.from, to: s.to }
  })
}

/** Focuses `page`'s editor and sets its selection (a setup step: the other person's cursor). */
async function select(page: Page, from: number, to = from): Promise<void> {
  await page.locator('tandem-doc-editor').evaluate(
    (el, [f, t]) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const view = (el as any).view
      view.focus()
      const TextSelection = view.state.selection.constructor
      view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, f, t)))
    },
    [from, to],
  )
}

/** Where `page` shows the cursor of `name` (a document position), or null. */
function remoteCursorAt(page: Page, name: string): Promise<number | null> {
  return page.locator('tandem-doc-editor').evaluate((el, who) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const view = (el as any).view
    const label = [...el.shadowRoot!.querySelectorAll('.remote-cursor-label')].find((l) => (l as HTMLElement).dataset.name === who)
    return label ? (view.posAtDOM(label.parentElement!, 0) as number) : null
  }, name)
}

/** Waits until the editor's selection in `page` is `want`. */
function waitForSelection(page: Page, want: Sel): Promise<unknown> {
  return waitFor(
    `the selection at ${want.from}-${want.to}`,
    async () => {
      const s = await selection(page)
      if (s.from !== want.from || s.to !== want.to) throw new Error(`it is at ${s.from}-${s.to}`)
      return true
    },
    5_000,
    25,
  )
}

describe.skipIf(!CHROMIUM)(`editing beside remote cursors in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer
  let docId: string
  let alice: User
  let bob: User

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  beforeAll(async () => {
    docId = (await server.catalog.create('Cursors')).id
    alice = await openDoc(browser, server.url, docId, ALICE)
    bob = await openDoc(browser, server.url, docId, BOB)
  })

  /** Alice replaces the document with `lines` (one paragraph each) and leaves her caret at `at`. */
  async function setup(lines: string[], at: number): Promise<void> {
    await editor(alice.page).click()
    await alice.page.keyboard.press(`${MOD}+a`)
    await alice.page.keyboard.press('Backspace')
    for (const [i, line] of lines.entries()) {
      if (i > 0) await alice.page.keyboard.press('Enter')
      await alice.page.keyboard.type(line)
    }
    await converged([alice.page, bob.page])
    await select(alice.page, at)
    await waitFor('Bob to see Alice\'s cursor in place', async () => (await remoteCursorAt(bob.page, ALICE.name)) === at, 10_000, 25)
  }

  it('moves the caret across a remote cursor one character per ArrowRight, and types where it is', async () => {
    await setup(['Hello world and more'], 1 + 8)
    for (let k = 6; k <= 10; k++) {
      await editor(bob.page).click()
      await bob.page.keyboard.press('Home')
      await waitForSelection(bob.page, { from: 1, to: 1 })
      for (let i = 0; i < k; i++) await bob.page.keyboard.press('ArrowRight')
      await waitForSelection(bob.page, { from: 1 + k, to: 1 + k })
      await bob.page.keyboard.type('X')
      const want = 'Hello world and more'.slice(0, k) + 'X' + 'Hello world and more'.slice(k)
      await waitForText(alice.page, want)
      await converged([alice.page, bob.page])
      expect(await text(bob.page)).toBe(want)
      await bob.page.keyboard.press('Backspace')
      await waitFor('the X gone', async () => (await text(alice.page)) === 'Hello world and more')
    }
  })

  it('moves the caret across a remote cursor one character per ArrowLeft, and types where it is', async () => {
    const line = 'Hello world and more'
    await setup([line], 1 + 8)
    for (let k = 6; k <= 10; k++) {
      await editor(bob.page).click()
      await bob.page.keyboard.press('End')
      await waitForSelection(bob.page, { from: 1 + line.length, to: 1 + line.length })
      for (let i = line.length; i > k; i--) await bob.page.keyboard.press('ArrowLeft')
      await waitForSelection(bob.page, { from: 1 + k, to: 1 + k })
      await bob.page.keyboard.type('X')
      const want = line.slice(0, k) + 'X' + line.slice(k)
      await waitForText(alice.page, want)
      await converged([alice.page, bob.page])
      expect(await text(bob.page)).toBe(want)
      await bob.page.keyboard.press('Backspace')
      await waitFor('the X gone', async () => (await text(alice.page)) === line)
    }
  })

  it('deletes one character with Backspace or Delete on either side of a remote cursor', async () => {
    const line = 'abcdefgh'
    await setup([line], 1 + 4)
    for (const [key, at, want] of [
      ['Backspace', 4, 'abcefgh'],
      ['Delete', 4, 'abcdfgh'],
      ['Backspace', 5, 'abcdfgh'],
      ['Delete', 3, 'abcefgh'],
    ] as const) {
      await editor(bob.page).click()
      await bob.page.keyboard.press('Home')
      for (let i = 0; i < at; i++) await bob.page.keyboard.press('ArrowRight')
      await waitForSelection(bob.page, { from: 1 + at, to: 1 + at })
      await bob.page.keyboard.press(key)
      await waitFor(`${key} at ${at}`, async () => (await text(alice.page)) === want)
      await converged([alice.page, bob.page])
      expect(await text(bob.page)).toBe(want)
      await bob.page.keyboard.press(`${MOD}+z`)
      await waitFor('the undo', async () => (await text(alice.page)) === line)
    }
  })

  it('splits a paragraph with Enter where a remote cursor is, and types on the new line', async () => {
    await setup(['first second'], 1 + 6)
    await editor(bob.page).click()
    await bob.page.keyboard.press('Home')
    for (let i = 0; i < 6; i++) await bob.page.keyboard.press('ArrowRight')
    await waitForSelection(bob.page, { from: 7, to: 7 })
    await bob.page.keyboard.press('Enter')
    await bob.page.keyboard.type('Z')
    await waitForText(alice.page, 'Zsecond')
    await converged([alice.page, bob.page])
    expect(await text(bob.page)).toBe('first \nZsecond')
  })

  it('joins paragraphs with Backspace at the start of a line that begins at a remote cursor', async () => {
    await setup(['one', 'two'], 6)
    await editor(bob.page).locator('p', { hasText: 'two' }).click()
    await bob.page.keyboard.press('Home')
    await waitForSelection(bob.page, { from: 6, to: 6 })
    await bob.page.keyboard.press('Backspace')
    await bob.page.keyboard.type('Y')
    await waitForText(alice.page, 'oneYtwo')
    await converged([alice.page, bob.page])
  })

  it('joins paragraphs with Delete at the end of a line that ends at a remote cursor', async () => {
    await setup(['one', 'two'], 4)
    await editor(bob.page).locator('p', { hasText: 'one' }).click()
    await bob.page.keyboard.press('End')
    await waitForSelection(bob.page, { from: 4, to: 4 })
    await bob.page.keyboard.press('Delete')
    await bob.page.keyboard.type('Y')
    await waitForText(alice.page, 'oneYtwo')
    await converged([alice.page, bob.page])
  })

  it('moves and deletes by whole words across a remote cursor inside a word', async () => {
    const line = 'alpha beta gamma delta'
    // Alice's caret between "be" and "ta"
    await setup([line], 1 + 8)
    await editor(bob.page).click()
    await bob.page.keyboard.press('Home')
    await waitForSelection(bob.page, { from: 1, to: 1 })
    // Chromium on Linux moves to the end of the word, then to the start of the word before
    await bob.page.keyboard.press(`${MOD}+ArrowRight`)
    await bob.page.keyboard.press(`${MOD}+ArrowRight`)
    await waitForSelection(bob.page, { from: 11, to: 11 })
    await bob.page.keyboard.press(`${MOD}+ArrowRight`)
    await bob.page.keyboard.press(`${MOD}+ArrowLeft`)
    await bob.page.keyboard.press(`${MOD}+ArrowLeft`)
    await waitForSelection(bob.page, { from: 7, to: 7 })
    await bob.page.keyboard.press(`${MOD}+Shift+ArrowRight`)
    await waitForSelection(bob.page, { from: 7, to: 11 })
    // Ctrl+Backspace at the end of "beta" takes the whole word
    await bob.page.keyboard.press('ArrowRight')
    await waitForSelection(bob.page, { from: 11, to: 11 })
    await bob.page.keyboard.press(`${MOD}+Backspace`)
    await bob.page.keyboard.type('BETA')
    await waitForText(alice.page, 'alpha BETA gamma delta')
    await converged([alice.page, bob.page])
    expect(await text(bob.page)).toBe('alpha BETA gamma delta')
  })

  it('selects the whole word on a double click where a remote cursor stands inside it, and types over it', async () => {
    const line = 'alpha beta gamma delta'
    for (const side of ['before', 'after'] as const) {
      // Alice's caret between "be" and "ta"
      await setup([line], 1 + 8)
      // a click elsewhere first: a double click soon after another one nearby counts as a triple click
      await editor(bob.page).click()
      // Bob double-clicks on the "e" before her cursor, or on the "t" after it
      const at = await editor(bob.page).locator('p').first().evaluate((p, side) => {
        const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT)
        const texts: Text[] = []
        while (walker.nextNode()) texts.push(walker.currentNode as Text)
        const node = side === 'before' ? texts.find((t) => t.data.endsWith('be'))! : texts.find((t) => t.data.startsWith('ta'))!
        const range = document.createRange()
        const offset = side === 'before' ? node.data.length - 1 : 0
        range.setStart(node, offset)
        range.setEnd(node, offset + 1)
        const box = range.getBoundingClientRect()
        return { x: box.x + box.width / 2, y: box.y + box.height / 2 }
      }, side)
      await bob.page.mouse.dblclick(at.x, at.y)
      await waitForSelection(bob.page, { from: 7, to: 11 })
      await bob.page.keyboard.type('BETA')
      await waitForText(alice.page, 'alpha BETA gamma delta')
      await converged([alice.page, bob.page])
      expect(await text(bob.page)).toBe('alpha BETA gamma delta')
    }
  })

  it('keeps a composition (input method) intact while the other person types right beside it', async () => {
    // Carol composes: her page notes each message from the server once the app has handled it
    const carol = await openDoc(browser, server.url, docId, { name: 'Carol Example', color: '#2e7d32' })
    try {
      await carol.context.addInitScript(() => {
        const Native = WebSocket
        const w = window as unknown as { received: string }
        w.received = ''
        window.WebSocket = class extends Native {
          constructor(...args: ConstructorParameters<typeof WebSocket>) {
            super(...args)
            this.addEventListener('message', (event) => {
              const data = event.data instanceof ArrayBuffer ? new TextDecoder().decode(event.data) : String(event.data)
              // a task later: the app's own handler, registered after this one, has run
              setTimeout(() => (w.received += data))
            })
          }
        }
      })
      await carol.page.reload()
      await waitForStatus(carol.page, 'connected')
      await setup(['alpha beta gamma delta'], 11)
      await converged([alice.page, carol.page])
      await editor(carol.page).click()
      await carol.page.keyboard.press('Home')
      for (let i = 0; i < 10; i++) await carol.page.keyboard.press('ArrowRight')
      await waitForSelection(carol.page, { from: 11, to: 11 })
      const ime = await carol.page.context().newCDPSession(carol.page)
      for (const typed of ['k', 'ka']) await ime.send('Input.imeSetComposition', { text: typed, selectionStart: typed.length, selectionEnd: typed.length })
      await waitForText(alice.page, 'betaka')
      // Alice types right after the text Carol is composing; Carol's browser receives it
      await alice.page.keyboard.insertText('QZ')
      await waitForText(alice.page, 'betakaQZ')
      await waitFor('Carol to receive the change', () => carol.page.evaluate(() => (window as unknown as { received: string }).received.includes('QZ')))
      for (const typed of ['kan', 'かん']) await ime.send('Input.imeSetComposition', { text: typed, selectionStart: typed.length, selectionEnd: typed.length })
      await ime.send('Input.insertText', { text: '缶' })
      await waitForText(alice.page, '缶')
      await converged([alice.page, bob.page, carol.page])
      // nothing of the composition is left over; the two inserts at one place may come in either order
      expect(['alpha beta缶QZ gamma delta', 'alpha betaQZ缶 gamma delta']).toContain(await text(carol.page))
    } finally {
      await carol.context.close()
    }
  })

  it('extends a selection across a remote cursor with Shift+ArrowRight and replaces it', async () => {
    const line = 'abcdefgh'
    await setup([line], 1 + 4)
    await editor(bob.page).click()
    await bob.page.keyboard.press('Home')
    for (let i = 0; i < 2; i++) await bob.page.keyboard.press('ArrowRight')
    for (let i = 0; i < 4; i++) await bob.page.keyboard.press('Shift+ArrowRight')
    await waitForSelection(bob.page, { from: 3, to: 7 })
    await bob.page.keyboard.type('Q')
    await waitFor('the replacement', async () => (await text(alice.page)) === 'abQgh')
    await converged([alice.page, bob.page])
  })

  it('keeps bold on what is typed at the end of a bold word where a remote cursor stands', async () => {
    await editor(alice.page).click()
    await alice.page.keyboard.press(`${MOD}+a`)
    await alice.page.keyboard.press('Backspace')
    await alice.page.keyboard.type('x ')
    await alice.page.keyboard.press(`${MOD}+b`)
    await alice.page.keyboard.type('bold')
    await alice.page.keyboard.press(`${MOD}+b`)
    await alice.page.keyboard.type(' y')
    await converged([alice.page, bob.page])
    await select(alice.page, 7)
    await waitFor('Alice\'s cursor after "bold"', async () => (await remoteCursorAt(bob.page, ALICE.name)) === 7, 10_000, 25)
    await editor(bob.page).click()
    await bob.page.keyboard.press('Home')
    for (let i = 0; i < 6; i++) await bob.page.keyboard.press('ArrowRight')
    await waitForSelection(bob.page, { from: 7, to: 7 })
    await bob.page.keyboard.type('er')
    await waitForText(alice.page, 'bolder')
    const doc = await converged([alice.page, bob.page])
    expect(JSON.stringify(doc)).toContain('{"type":"text","marks":[{"type":"bold"}],"text":"bolder"}')
  })

  it("keeps every arrow key press while the other person's cursor keeps moving", async () => {
    const line = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    await setup([line], 3)
    await editor(bob.page).click()
    await bob.page.keyboard.press('End')
    await waitForSelection(bob.page, { from: 1 + line.length, to: 1 + line.length })
    // Alice's caret moves all the time near the start of the line (about a thousand moves a second)
    await alice.page.locator('tandem-doc-editor').evaluate((el) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const view = (el as any).view
      let i = 0
      ;(window as unknown as { mover: ReturnType<typeof setInterval> }).mover = setInterval(() => {
        const TextSelection = view.state.selection.constructor
        for (let k = 0; k < 5; k++) view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, 2 + (i++ % 3))))
      }, 4)
    })
    try {
      for (let i = 0; i < 50; i++) await bob.page.keyboard.press('ArrowLeft')
      await waitForSelection(bob.page, { from: 1 + line.length - 50, to: 1 + line.length - 50 })
      await bob.page.keyboard.type('X')
      await waitForText(alice.page, 'lXm')
    } finally {
      await alice.page.evaluate(() => clearInterval((window as unknown as { mover: ReturnType<typeof setInterval> }).mover))
    }
    await converged([alice.page, bob.page])
  })

  it('keeps every arrow key press while the other person types in another paragraph', async () => {
    const line = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    await setup([line, 'other'], 3)
    await editor(bob.page).locator('p').first().click()
    await bob.page.keyboard.press('End')
    await waitForSelection(bob.page, { from: 1 + line.length, to: 1 + line.length })
    // Alice types fast at the end of the next paragraph
    await alice.page.locator('tandem-doc-editor').evaluate((el) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const view = (el as any).view
      ;(window as unknown as { typer: ReturnType<typeof setInterval> }).typer = setInterval(() => {
        view.dispatch(view.state.tr.insertText('.', view.state.doc.content.size - 1))
      }, 4)
    })
    try {
      for (let i = 0; i < 50; i++) await bob.page.keyboard.press('ArrowLeft')
      await waitForSelection(bob.page, { from: 1 + line.length - 50, to: 1 + line.length - 50 })
    } finally {
      await alice.page.evaluate(() => clearInterval((window as unknown as { typer: ReturnType<typeof setInterval> }).typer))
    }
    await bob.page.keyboard.type('X')
    await waitForText(alice.page, 'lXm')
    await converged([alice.page, bob.page])
  })

  it("leaves out of one's selection what the other person types right after it, so deleting it keeps their text", async () => {
    await setup(['alpha beta gamma delta'], 3)
    // Alice selects "beta"
    await select(alice.page, 7, 11)
    await waitFor("Alice's selection shown to Bob", async () => (await bob.page.locator('.remote-selection').count()) > 0, 10_000)
    // Bob types right before it, then right after it
    await editor(bob.page).click()
    await bob.page.keyboard.press('Home')
    for (let i = 0; i < 6; i++) await bob.page.keyboard.press('ArrowRight')
    await waitForSelection(bob.page, { from: 7, to: 7 })
    await bob.page.keyboard.type('Y')
    await waitForText(alice.page, 'Ybeta')
    for (let i = 0; i < 4; i++) await bob.page.keyboard.press('ArrowRight')
    await waitForSelection(bob.page, { from: 12, to: 12 })
    await bob.page.keyboard.type('X')
    await waitForText(alice.page, 'YbetaX')
    expect(await selection(alice.page)).toEqual({ from: 8, to: 12 })
    // Alice deletes what she selected: Bob's letters stay
    await alice.page.keyboard.press('Backspace')
    await waitFor('the deletion everywhere', async () => !(await text(bob.page)).includes('beta'))
    await converged([alice.page, bob.page])
    expect(await text(bob.page)).toBe('alpha YX gamma delta')
  })

  it('keeps the caret in its place in the text when the other person makes its paragraph a heading, list, quote or code, or joins it to the one above', async () => {
    for (const [change, want] of [
      [`${MOD}+Alt+2`, 'p"First line" h2"HelloX world"'],
      [`${MOD}+Shift+8`, 'p"First line" bullet(item(p"HelloX world"))'],
      [`${MOD}+Shift+b`, 'p"First line" quote(p"HelloX world")'],
      [`${MOD}+Alt+c`, 'p"First line" code"HelloX world"'],
      ['Home Backspace', 'p"First lineHelloX world"'],
    ] as const) {
      await setBody(alice.page, '<p>First line</p><p>Hello world</p>', 'p"First line" p"Hello world"')
      await converged([alice.page, bob.page])
      // Alice's caret after "Hello"
      await select(alice.page, 13 + 5)
      await waitFor("Bob to see Alice's cursor in place", async () => (await remoteCursorAt(bob.page, ALICE.name)) === 18, 10_000, 25)
      await caretIn(bob.page, 'Hello world', 11)
      const before = await shape(alice.page)
      for (const key of change.split(' ')) await bob.page.keyboard.press(key)
      await waitFor(`Alice to get ${change}`, async () => (await shape(alice.page)) !== before)
      await alice.page.keyboard.type('X')
      await waitForShape(bob.page, want)
      await converged([alice.page, bob.page])
      expect(await shape(alice.page), change).toBe(want)
      // and Bob sees her cursor right after what she typed
      const at = (await selection(alice.page)).from
      await waitFor(`Bob to see Alice's cursor after the X (${change})`, async () => (await remoteCursorAt(bob.page, ALICE.name)) === at, 5_000, 25)
    }
    expect([...alice.errors, ...bob.errors]).toEqual([])
  })

  // (last: Alice is someone else afterwards)
  it("shows a person's new name and colour on their cursor when they change them in another tab", async () => {
    await setup(['alpha beta gamma delta'], 9)
    // Alice's editor keeps its caret; in a second tab she changes how others see her
    const other = await alice.context.newPage()
    try {
      await other.goto('/')
      await other.getByRole('button', { name: `Your name and colour: ${ALICE.name}` }).click()
      const panel = other.getByRole('dialog', { name: 'How others see you' })
      await panel.getByRole('textbox', { name: 'Your name' }).fill('Alicia Renamed')
      await panel.getByRole('radio', { name: 'Green' }).check()
      await panel.getByRole('button', { name: 'Done' }).click()
      await bob.page.locator('tandem-presence-list li', { hasText: 'Alicia Renamed' }).waitFor({ timeout: 10_000 })
      const label = bob.page.locator('.remote-cursor-label')
      await waitFor('the cursor label renamed', async () => (await label.getAttribute('data-name')) === 'Alicia Renamed', 5_000)
      expect(await label.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(46, 125, 50)')
      expect(await bob.page.locator('.remote-cursor').evaluate((el) => getComputedStyle(el).borderLeftColor)).toBe('rgb(46, 125, 50)')
      // and it stays so when her cursor moves
      await select(alice.page, 12)
      await waitFor("Alice's cursor moved", async () => (await remoteCursorAt(bob.page, 'Alicia Renamed')) === 12, 5_000)
    } finally {
      await other.close()
    }
  })
})
