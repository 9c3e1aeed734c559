/**
 * HTML pasted from other applications, made to read as it looked there before ProseMirror parses
 * it: shared/html-clean.ts, which the server's import of web pages runs too, so that a page
 * pastes and imports alike. ProseMirror's own clipboard HTML, marked `data-pm-slice`, is left as
 * it is.
 */
import { Plugin } from 'prosemirror-state'
import { cleanHTML } from '../../shared/html-clean.js'

/** `html` from another application cleaned as shared/html-clean.ts says. */
export function cleanPastedHTML(html: string): string {
  if (html.includes('data-pm-slice')) return html
  const template = document.createElement('template')
  template.innerHTML = html
  cleanHTML(template.content)
  return template.innerHTML
}

/** Cleans HTML pasted (or dropped) from other applications, see cleanPastedHTML. */
export function pastePlugin(): Plugin {
  return new Plugin({ props: { transformPastedHTML: (html) => cleanPastedHTML(html) } })
}
