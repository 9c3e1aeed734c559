/**
 * A document body drawn for reading only (a version's preview, a downloaded web page): the
 * schema's own toDOM, so a link that is not allowed stays without its href, minus what belongs to
 * the live editor (editable islands, checkboxes one could tick).
 */
import { DOMSerializer, type Fragment } from 'prosemirror-model'
import { schema } from '../../shared/schema.js'

/** `content` as DOM nodes of `document`, read-only; `imageUrl` adds the page's credentials to image URLs (an <img> sends no headers). */
export function readOnlyDom(content: Fragment, document: Document = window.document, imageUrl?: (src: string) => string): DocumentFragment | HTMLElement {
  const dom = DOMSerializer.fromSchema(schema).serializeFragment(content, { document })
  if (imageUrl) for (const img of dom.querySelectorAll('img[src]')) img.setAttribute('src', imageUrl(img.getAttribute('src')!))
  for (const el of dom.querySelectorAll('[contenteditable]')) el.removeAttribute('contenteditable')
  for (const box of dom.querySelectorAll('input[type="checkbox"]')) box.setAttribute('disabled', '')
  return dom
}
