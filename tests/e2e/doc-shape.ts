/**
 * The shape of a document in a page, for browser tests: a short string per block
 * (`p"one"`, `bullet(item(p"a"))`), its text runs with their marks, and putting the caret into
 * a block or the whole body into the editor as a paste.
 */
import type { Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { editor } from './harness.js'

/** A node of a document as ProseMirror JSON. */
export interface JSONNode {
  type: string
  attrs?: Record<string, unknown>
  content?: JSONNode[]
  text?: string
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>
}

/**
 * A document (ProseMirror JSON) as a short string: `p"one"`, `task[x](p"a")`, `bullet(item(p"a"))`.
 * Lists drop the `_list` suffix; task items show their box; headings their level; code blocks
 * their language, when they have one (`code[javascript]"x"`).
 */
export function shapeOf(node: JSONNode): string {
  if (node.type === 'text') return node.text ?? ''
  const kids = node.content ?? []
  const names: Record<string, string> = { paragraph: 'p', bullet_list: 'bullet', ordered_list: 'ordered', task_list: 'tasks', list_item: 'item', blockquote: 'quote', code_block: 'code' }
  let name = names[node.type] ?? node.type
  if (node.type === 'task_item') name = node.attrs?.checked === true ? 'task[x]' : 'task[ ]'
  if (node.type === 'heading') name = `h${String(node.attrs?.level)}`
  if (node.type === 'code_block' && typeof node.attrs?.language === 'string') name = `code[${node.attrs.language}]`
  if (node.type === 'hard_break') return '⏎'
  const textblock = kids.every((k) => k.type === 'text' || k.type === 'hard_break')
  if (textblock) return `${name}"${kids.map(shapeOf).join('')}"`
  return `${name}(${kids.map(shapeOf).join(' ')})`
}

/** The body of `page`'s document as a shape string (without the doc wrapper). */
export async function shape(page: Page): Promise<string> {
  const json = (await page.locator('tandem-doc-editor').evaluate((el) => (el as unknown as { contentJSON(): unknown }).contentJSON())) as JSONNode
  return (json.content ?? []).map(shapeOf).join(' ')
}

/** Waits until `page`'s document has the shape `want`; a timeout says what it had. */
export async function waitForShape(page: Page, want: string): Promise<void> {
  await waitFor(
    `the document shape ${want}`,
    async () => {
      const seen = await shape(page)
      if (seen !== want) throw new Error(`it is ${seen}`)
      return true
    },
    5_000,
    25,
  )
}

/** The editor's caret in `page`: the textblock's text and the offset in it. */
export function caret(page: Page): Promise<{ text: string; offset: number; empty: boolean }> {
  return page.locator('tandem-doc-editor').evaluate((el) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const sel = (el as any).view.state.selection
    return { text: sel.$from.parent.textContent as string, offset: sel.$from.parentOffset as number, empty: sel.empty as boolean }
  })
}

/** Puts the caret `offset` characters into the (first) textblock whose text is `blockText`, and waits until the editor has it there. */
export async function caretIn(page: Page, blockText: string, offset: number): Promise<void> {
  await page.locator('tandem-doc-editor').evaluate(
    (el, [want, at]) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const view = (el as any).view
      let pos = -1
      view.state.doc.descendants((node: { isTextblock: boolean; textContent: string }, p: number) => {
        if (pos < 0 && node.isTextblock && node.textContent === want) pos = p + 1 + (at as number)
        return pos < 0
      })
      if (pos < 0) throw new Error(`no block "${String(want)}"`)
      view.focus()
      const TextSelection = view.state.selection.constructor
      view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, pos)))
    },
    [blockText, offset] as const,
  )
  await waitFor(`the caret at ${offset} in "${blockText}"`, async () => {
    const c = await caret(page)
    return c.empty && c.text === blockText && c.offset === offset
  }, 5_000, 25)
}

/** Replaces the whole document with `html`, pasted (a setup step), and waits until it has the shape `want`. */
export async function setBody(page: Page, html: string, want: string): Promise<void> {
  await editor(page).click()
  await page.locator('tandem-doc-editor').evaluate((el, markup) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const view = (el as any).view
    view.focus()
    view.dispatch(view.state.tr.delete(0, view.state.doc.content.size))
    view.pasteHTML(markup)
  }, html)
  await waitForShape(page, want)
}

/** Every text node of a document (ProseMirror JSON), in order, with the names of its marks. */
export function runs(node: JSONNode, out: Array<[string, string[]]> = []): Array<[string, string[]]> {
  if (node.type === 'text') out.push([node.text ?? '', (node.marks ?? []).map((m) => m.type)])
  for (const child of node.content ?? []) runs(child, out)
  return out
}

/** Ends the current undo step of `page`'s editor, so that the next change is one of its own. */
export async function newUndoStep(page: Page): Promise<void> {
  await page.locator('tandem-doc-editor').evaluate((el) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const view = (el as any).view
    for (const plugin of view.state.plugins) plugin.getState(view.state)?.undoManager?.stopCapturing()
  })
}

/**
 * Defines `tandemDocsJSON(el)` in `page` (once): a tandem-doc-editor's documents as ProseMirror
 * JSON, `editor` (what its view shows) and `shared` (its Y.XmlFragment: what is sent, stored and
 * seen by the others).
 */
async function defineDocsReader(page: Page): Promise<void> {
  await page.evaluate(() => {
    interface YNode {
      nodeName?: string
      getAttributes?(): Record<string, unknown>
      toArray?(): YNode[]
      toDelta?(): Array<{ insert: unknown }>
    }
    const w = window as unknown as { tandemDocsJSON?: (el: Element) => { editor: JSONNode; shared: JSONNode } }
    if (w.tandemDocsJSON) return
    const toJSON = (node: YNode): JSONNode[] => {
      // a text (Y.XmlText): its runs; an element: a node with its children
      if (node.toDelta) return node.toDelta().flatMap((op) => (typeof op.insert === 'string' ? [{ type: 'text', text: op.insert }] : []))
      return [{ type: node.nodeName ?? '?', attrs: node.getAttributes?.() ?? {}, content: (node.toArray?.() ?? []).flatMap(toJSON) }]
    }
    w.tandemDocsJSON = (el) => {
      const editor = el as unknown as { view: { state: { doc: { toJSON(): JSONNode } } }; session: { content: YNode } }
      return { editor: editor.view.state.doc.toJSON(), shared: { type: 'doc', content: (editor.session.content.toArray?.() ?? []).flatMap(toJSON) } }
    }
  })
}

/** A document as a shape string (without the doc wrapper). */
const bodyShape = (doc: JSONNode): string => (doc.content ?? []).map(shapeOf).join(' ')

/** The body of `page`'s shared document (what is sent, stored and seen by the others) as a shape string, to compare with `shape`. */
export async function sharedShape(page: Page): Promise<string> {
  await defineDocsReader(page)
  const docs = await page.locator('tandem-doc-editor').evaluate((el) => (window as unknown as { tandemDocsJSON(el: Element): { shared: JSONNode } }).tandemDocsJSON(el))
  return bodyShape(docs.shared)
}

/**
 * Presses `key` (e.g. `Control+z`) in `page` and returns the shapes of the editor's document and
 * of the shared document as they were once the key's keydown (`name`, e.g. `z`) had been handled:
 * what the editor shows then, before any timer or later event could change either.
 */
export async function shapesOnKey(page: Page, key: string, name: string): Promise<{ editor: string; shared: string }> {
  await defineDocsReader(page)
  await page.locator('tandem-doc-editor').evaluate((el, want) => {
    const w = window as unknown as { tandemDocsJSON(el: Element): unknown; tandemOnKey: unknown }
    w.tandemOnKey = null
    // on the window: after the editor's own handler, on the way up from the text
    const listener = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== want) return
      window.removeEventListener('keydown', listener)
      w.tandemOnKey = w.tandemDocsJSON(el)
    }
    window.addEventListener('keydown', listener)
  }, name)
  await page.keyboard.press(key)
  const docs = await waitFor(`the keydown of ${key}`, () => page.evaluate(() => (window as unknown as { tandemOnKey: { editor: JSONNode; shared: JSONNode } | null }).tandemOnKey), 5_000, 25)
  return { editor: bodyShape(docs.editor), shared: bodyShape(docs.shared) }
}
