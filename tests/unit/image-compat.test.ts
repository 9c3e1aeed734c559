/**
 * What an app from before images (an open tab across a deploy, or the service worker's cached
 * build) does with a document holding one: y-prosemirror builds nodes with that app's schema, which
 * has no `image`. It does not crash: it deletes the element it cannot build, in a transaction of
 * its own that it then sends to the server like any edit. This pins that behaviour down, so the
 * guard against it (PROTOCOL.md D2: the app names its schema version on the sync URL, and the
 * server turns older apps away with 4426) keeps its reason.
 */
import { Schema } from 'prosemirror-model'
import { describe, expect, it } from 'vitest'
import { prosemirrorToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import * as Y from 'yjs'
import { CONTENT } from '../../shared/doc-fields.js'
import { imagePath } from '../../shared/images.js'
import { schema } from '../../shared/schema.js'
import { b } from './client-editor-helpers.js'

describe('a client from before images', () => {
  it('renders the rest of the document and deletes the image, in an update it would send', () => {
    const before = new Schema({ nodes: schema.spec.nodes.remove('image'), marks: schema.spec.marks })
    const doc = new Y.Doc()
    const fragment = doc.getXmlFragment(CONTENT)
    const src = imagePath('d', `${'a'.repeat(64)}.png`)
    prosemirrorToYXmlFragment(b.doc(b.p('before ', schema.nodes.image!.create({ src, alt: 'x' }), ' after')), fragment)
    expect(fragment.toString()).toContain('<image')
    const sent: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => sent.push(update))

    const shown = yXmlFragmentToProseMirrorRootNode(fragment, before)
    // no crash: the old app shows the text around it
    expect(shown.textContent).toBe('before  after')
    // ...and took the image out of the shared document: that update reaches everyone
    expect(fragment.toString()).not.toContain('<image')
    expect(sent.length).toBe(1)
    // the new app, given the same document, keeps it
    const again = new Y.Doc()
    prosemirrorToYXmlFragment(b.doc(b.p(schema.nodes.image!.create({ src }))), again.getXmlFragment(CONTENT))
    const kept = yXmlFragmentToProseMirrorRootNode(again.getXmlFragment(CONTENT), schema)
    expect(kept.firstChild!.firstChild!.type.name).toBe('image')
    expect(again.getXmlFragment(CONTENT).toString()).toContain('<image')
  })
})
