/**
 * The relay stores any valid Yjs update, so a writer's client can put into the body what no
 * Tandem editor writes: texts, hooks, maps and plain values among the blocks or inside a block,
 * an embed inside a text, a formatting mark among the blocks. y-prosemirror threw on each of
 * these while rendering, and the document showed empty for everyone, for good. The editor
 * opens such a document showing its content, removes the rest for everyone, and keeps
 * rendering when such structure arrives while it is open.
 */
import { describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { CONTENT } from '../../shared/doc-fields.js'
import { connect } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { ALICE, type AppServer, BOB, CHROMIUM, editor, MOD, openDoc, SKIP_REASON, startAppServer, text, useBrowserAndServer, waitForText } from './harness.js'


const element = (name: string, ...children: Array<Y.XmlElement | Y.XmlText>): Y.XmlElement => {
  const el = new Y.XmlElement(name)
  el.insert(0, children)
  return el
}

/** A formatting mark directly in the body's list (a struct no Yjs API puts there), by client 1. */
function formatAmongBlocks(): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 1) // one client
  encoding.writeVarUint(e, 1) // one struct
  encoding.writeVarUint(e, 1) // client 1
  encoding.writeVarUint(e, 0) // clock 0
  encoding.writeUint8(e, 6) // ContentFormat, no origins: the parent follows
  encoding.writeVarUint(e, 1) // the parent is a root type
  encoding.writeVarString(e, CONTENT)
  encoding.writeVarString(e, 'bold')
  encoding.writeVarString(e, 'true')
  encoding.writeVarUint(e, 0) // empty delete set
  return encoding.toUint8Array(e)
}

/** Writes `text` as a paragraph, surrounded by everything y-prosemirror cannot render, as a stock client. */
async function writeWithJunk(wsUrl: string, docId: string, text: string): Promise<void> {
  const client = connect(wsUrl, docId)
  await client.synced()
  const doc = client.doc
  const body = doc.getXmlFragment(CONTENT)
  const embedded = new Y.XmlText('Embedded.')
  const paragraph = element('paragraph', new Y.XmlText(text))
  // a remote update of its own (applied in the local transaction, it would make the doc pick a new client id)
  Y.applyUpdate(doc, formatAmongBlocks())
  doc.transact(() => {
    body.insert(body.length, [new Y.XmlText('top-level text'), paragraph, element('paragraph', embedded)])
    body.insert(body.length, [new Y.XmlHook('hook') as unknown as Y.XmlElement, new Y.Map() as unknown as Y.XmlElement])
    ;(body as unknown as Y.Array<unknown>).insert(body.length, ['a string', 42])
    paragraph.insert(1, [new Y.XmlHook('hook') as unknown as Y.XmlElement])
    ;(paragraph as unknown as Y.Array<unknown>).insert(2, ['x'])
    embedded.insertEmbed(0, { image: 'x' })
  })
  // the stock client applied its own update: the server has it once it answers a sync request
  await waitFor('the update on the server', async () => {
    const probe = connect(wsUrl, docId)
    await probe.synced()
    const ok = probe.doc.getXmlFragment(CONTENT).toString().includes(text)
    probe.destroy()
    return ok
  })
  client.destroy()
}

/** What the server stores of the body: the XML text and the unrenderable items still alive. */
async function storedJunk(server: Awaited<ReturnType<typeof startAppServer>>, docId: string): Promise<number> {
  const probe = connect(server.wsUrl, docId)
  await probe.synced()
  const body = probe.doc.getXmlFragment(CONTENT)
  const { unrenderable } = await import('../../client/editor/repair.js')
  const n = unrenderable(body).length
  probe.destroy()
  return n
}

describe.skipIf(!CHROMIUM)(`documents holding structure no editor writes${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('opens such a document with its content, removes the rest for everyone, and edits it', async () => {
    const docId = (await server.catalog.create('Poisoned')).id
    await writeWithJunk(server.wsUrl, docId, 'Written before.')
    expect(await storedJunk(server, docId)).toBeGreaterThan(0)
    const alice = await openDoc(browser, server.url, docId, ALICE)
    await waitForText(alice.page, 'Written before.')
    await waitForText(alice.page, 'Embedded.')
    await waitFor('the repair on the server', async () => (await storedJunk(server, docId)) === 0)
    await editor(alice.page).click()
    await alice.page.keyboard.press(`${MOD}+End`)
    await alice.page.keyboard.type(' Typed after.')
    await waitForText(alice.page, 'Typed after.')
    expect(alice.errors).toEqual([])
    await alice.context.close()
  })

  it('keeps rendering when such structure arrives while the document is open', async () => {
    const docId = (await server.catalog.create('Poisoned live')).id
    const alice = await openDoc(browser, server.url, docId, ALICE)
    const bob = await openDoc(browser, server.url, docId, BOB)
    await editor(alice.page).click()
    await alice.page.keyboard.type('Open already.')
    await waitForText(bob.page, 'Open already.')
    await writeWithJunk(server.wsUrl, docId, 'Arrived live.')
    for (const user of [alice, bob]) await waitForText(user.page, 'Arrived live.')
    await editor(bob.page).click()
    await bob.page.keyboard.press(`${MOD}+End`)
    await bob.page.keyboard.type(' Bob after.')
    await waitForText(alice.page, 'Bob after.')
    expect(await text(alice.page)).toBe(await text(bob.page))
    await waitFor('the repair on the server', async () => (await storedJunk(server, docId)) === 0)
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
    await alice.context.close()
    await bob.context.close()
  })
})
