/**
 * An HTML file as a standard DOM Document on the server, which has no DOM of its own: jsdom, so
 * that the import reads a page with the same HTML parser rules and the same ProseMirror parse
 * rules as a browser pasting it (shared/html-import.ts). Runs in the file worker only.
 */
import { JSDOM, VirtualConsole } from 'jsdom'

/**
 * `text` parsed as a web page. Nothing in it runs or loads: no scripts (jsdom runs none unless
 * asked), no subresources (none fetched unless asked), no frames; what the page's CSS says is
 * wrong is not logged.
 */
export function parsePage(text: string): Document {
  const dom = new JSDOM(text, { contentType: 'text/html', virtualConsole: new VirtualConsole() })
  return dom.window.document
}
