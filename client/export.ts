/**
 * Downloading the open document as a file: Markdown or plain text as the server's export gives
 * them (shared/export.ts), or a standalone HTML page drawn with the schema's own toDOM (so a
 * link that is not allowed stays without its href there too). Made from what this browser shows,
 * so it works offline and includes changes not sent yet. Images: the Markdown file names them by
 * absolute URL (this server's origin), the web page holds them (data: URIs), so it stands alone;
 * one that cannot be fetched (offline) keeps its alt text only.
 */
import type { Node as PMNode } from 'prosemirror-model'
import { EXPORT_TYPES, exportDocument, exportFileName, type ExportFormat } from '../shared/export.js'
import { readOnlyDom } from './editor/static-dom.js'

/** The formats the editor offers. */
export type DownloadFormat = ExportFormat | 'html'

/** A standalone HTML page of the document: its title as <title> and <h1>, then the body (drawn with `dom`'s DOM). */
export function toHtml(title: string, body: PMNode, dom: Document = document): string {
  return serialize(htmlPage(title, body, dom))
}

/** The page toHtml writes, as a document (images still pointing at the server). */
function htmlPage(title: string, body: PMNode, dom: Document): Document {
  const page = dom.implementation.createHTMLDocument(title.trim() || 'Untitled')
  const meta = page.createElement('meta')
  meta.setAttribute('charset', 'utf-8')
  page.head.prepend(meta)
  const style = page.createElement('style')
  style.textContent = 'body{max-width:48rem;margin:2rem auto;padding:0 1rem;font:16px/1.6 system-ui,sans-serif}pre{background:#f4f4f4;padding:.75rem;overflow:auto}blockquote{border-left:3px solid #ccc;margin-left:0;padding-left:1rem;color:#555}ul.task-list{list-style:none;padding-left:1.2rem}li.task-item{display:flex;gap:.5rem}'
  page.head.append(style)
  if (title.trim()) {
    const h1 = page.createElement('h1')
    h1.textContent = title.trim()
    page.body.append(h1)
  }
  page.body.append(readOnlyDom(body.content, page))
  return page
}

/** A page as an HTML file. */
const serialize = (page: Document) => `<!doctype html>\n${page.documentElement.outerHTML}\n`

/** How a download reaches the document's images. */
export interface DownloadImages {
  /** This server's origin: Markdown names images by absolute URL under it. */
  readonly origin: string
  /** An image's bytes as a data: URI, or null when they cannot be had (offline, gone). */
  readonly dataUri: (src: string) => Promise<string | null>
}

/** Replaces the src of every image of `page` with its bytes (a data: URI), or drops it when they cannot be had. */
export async function embedImages(page: Document, dataUri: (src: string) => Promise<string | null>): Promise<void> {
  const images = [...page.querySelectorAll('img[src]')]
  // one fetch per distinct image, however often the document shows it
  const uris = new Map<string, Promise<string | null>>()
  for (const img of images) {
    const src = img.getAttribute('src')!
    if (!uris.has(src)) uris.set(src, dataUri(src).catch(() => null))
  }
  for (const img of images) {
    const uri = await uris.get(img.getAttribute('src')!)!
    if (uri) img.setAttribute('src', uri)
    else img.removeAttribute('src')
  }
}

/** An image's bytes fetched from `url` as a data: URI, or null when the server does not give them. */
export async function fetchDataUri(url: string): Promise<string | null> {
  const res = await fetch(url, { credentials: 'same-origin' })
  if (!res.ok) return null
  const blob = await res.blob()
  return new Promise((resolve) => {
    const reader = new FileReader()
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : null)
    reader.onerror = () => resolve(null)
    reader.readAsDataURL(blob)
  })
}

/** The file of a document in `format`: its name, media type and text (images as DownloadImages says). */
export async function documentFile(format: DownloadFormat, title: string, body: PMNode, images?: DownloadImages): Promise<{ name: string; type: string; text: string }> {
  let text: string
  if (format === 'html') {
    const page = htmlPage(title, body, document)
    if (images) await embedImages(page, images.dataUri)
    else for (const img of page.querySelectorAll('img[src]')) img.removeAttribute('src')
    text = serialize(page)
  } else {
    text = exportDocument(format, title, body, { imageBase: images?.origin ?? '' })
  }
  return { name: exportFileName(title, format), type: EXPORT_TYPES[format].mediaType, text }
}

/** Has the browser save `text` as a file named `name`. */
export function saveFile(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // the download has its own reference by now; the URL need not outlive this turn by much
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
