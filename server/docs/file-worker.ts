/**
 * Worker thread entry (see ./files.ts): turns a file into a new document's first update, or a
 * document's state into a file. Parsing and serializing a large document takes seconds, which
 * must not be spent on the relay's thread. One job per worker; the answer is posted back.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Node as PMNode } from 'prosemirror-model'
import { prosemirrorToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from 'y-prosemirror'
import * as Y from 'yjs'
import { cleanTitle, CONTENT, TITLE } from '../../shared/doc-fields.js'
import { exportDocument } from '../../shared/export.js'
import { checkHTML, importHTML, UnreadableHTMLError } from '../../shared/html-import.js'
import { imagePath, parseImageSrc } from '../../shared/images.js'
import { fromMarkdown, fromPlainText, importDocument } from '../../shared/import.js'
import { schema } from '../../shared/schema.js'
import type { FileJob, FileResult, ImportImages } from './files.js'

/** The src an imported image keeps (pointed at the new document), or null: see ImportImages. */
function keeper(images: ImportImages | null): (src: string) => string | null {
  const keep = new Set(images?.keep ?? [])
  return (src) => {
    if (!images) return null
    for (const origin of [null, ...images.origins]) {
      const found = parseImageSrc(src, origin)
      if (found && keep.has(`${found.docId}/${found.name}`)) return imagePath(images.docId, found.name)
    }
    return null
  }
}

/** The title and body of the file of an import job. */
async function readFile(job: Extract<FileJob, { kind: 'import' }>): Promise<{ title: string; body: PMNode }> {
  const keep = keeper(job.images)
  if (job.format === 'html') {
    checkHTML(job.text)
    // the DOM (a second to load) only for the jobs that need one
    const { parsePage } = await import('./html-page.js')
    return importHTML(parsePage(job.text), job.fallbackTitle, job.title, keep)
  }
  // a title given by the caller leaves the file whole; otherwise the file's own title is taken out of it
  if (job.title !== null) return { title: job.title, body: job.format === 'markdown' ? fromMarkdown(job.text, keep) : fromPlainText(job.text) }
  return importDocument(job.format, job.text, job.fallbackTitle, keep)
}

async function run(job: FileJob): Promise<FileResult> {
  if (job.kind === 'import') {
    const file = await readFile(job)
    const title = cleanTitle(file.title)
    const doc = new Y.Doc()
    doc.transact(() => {
      doc.getText(TITLE).insert(0, title)
      prosemirrorToYXmlFragment(file.body, doc.getXmlFragment(CONTENT))
    })
    return { kind: 'import', title, update: Y.encodeStateAsUpdate(doc) }
  }
  const doc = new Y.Doc()
  Y.applyUpdate(doc, job.state)
  const title = doc.getText(TITLE).toString()
  const body = yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(CONTENT), schema)
  return { kind: 'export', title, text: exportDocument(job.format, title, body) }
}

try {
  parentPort!.postMessage({ ok: await run(workerData as FileJob) })
} catch (err) {
  // a file that is not what it says is the sender's mistake, told apart from the import failing
  parentPort!.postMessage({ error: (err as Error).message, unreadable: err instanceof UnreadableHTMLError })
}
