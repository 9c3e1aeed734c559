/**
 * The document API over the catalogue (./../docs/catalog.ts), JSON in and out:
 *
 *   GET    /api/docs?q=text   { docs: DocSummary[] }, most recently edited first, q filters titles
 *   POST   /api/docs          { title? }            201 DocSummary (Location: /api/docs/<id>)
 *   POST   /api/docs?title=&filename=   a Markdown (text/markdown), plain text (text/plain) or
 *                             web page (text/html) file: the same, holding it; titled ?title=,
 *                             else by the file's own title (a leading # heading, a page's
 *                             <title> or first heading), else by ?filename= without extension;
 *                             images of this server the caller may read are copied into it, others
 *                             become their alt text (a link to them when they are on the web)
 *   GET    /api/docs/:id      DocSummary, or 404
 *   PATCH  /api/docs/:id      { title }             DocSummary (open editors see the title), or 404
 *   DELETE /api/docs/:id      204 (open editors are closed with 4410), or 404
 *   GET    /api/docs/:id/export?format=markdown|text   the document as a file to download, or 404
 *   GET    /api/docs/:id/versions        { versions: [{ seq, time }] } newest first (editors)
 *   GET    /api/docs/:id/versions/:seq   that version as one Yjs update (application/octet-stream)
 *
 * Input is validated with zod; anything wrong is a 400 with a message saying what and where.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { MAX_TITLE_LENGTH } from '../../shared/doc-fields.js'
import { EXPORT_FORMATS, EXPORT_TYPES, exportFileName } from '../../shared/export.js'
import { MAX_IMPORT_CHARS, type ImportFormat } from '../../shared/import.js'
import { isDocId, newDocId } from '../../shared/validate.js'
import type { Auth } from '../auth/auth.js'
import type { Access } from '../auth/policy.js'
import { can } from '../auth/roles.js'
import { DocumentTooLargeError, type Catalog } from '../docs/catalog.js'
import { FileJobError, FileJobsBusyError, type ImportImages } from '../docs/files.js'
import { imageRefs, type DocImages } from '../docs/images.js'
import type { Guard } from './guard.js'
import { HttpError, json, readBody, readJson } from './respond.js'
import type { RouteContext, Router } from './router.js'

/** Path prefix of the API. */
export const API_PREFIX = '/api/'

/** Largest request body the API reads. */
const MAX_BODY = 16 * 1024

/** A title as sent by a client: any string up to the limit (it is normalised to one line). */
const title = z
  .string({ error: (issue) => (issue.input === undefined ? 'title is required' : 'title must be a string') })
  .max(MAX_TITLE_LENGTH, `title must be at most ${MAX_TITLE_LENGTH} characters`)

/** Body of POST /api/docs. */
export const CreateBody = z.strictObject({ title: title.optional() }, { error: 'the body must be a JSON object such as {"title": "Notes"}' })
/** Body of PATCH /api/docs/:id. */
export const PatchBody = z.strictObject({ title }, { error: 'the body must be a JSON object such as {"title": "Notes"}' })
/** Query of GET /api/docs. */
export const ListQuery = z.object({ q: z.string().max(MAX_TITLE_LENGTH, `q must be at most ${MAX_TITLE_LENGTH} characters`).optional() })

/** Query of POST /api/docs with a file. */
export const ImportQuery = z.object({
  title: title.optional(),
  filename: z.string().max(1024, 'filename must be at most 1024 characters').optional(),
})

/** A file's name without its folder and extension: the title of a file that names none. */
export function fileStem(name: string): string {
  return name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')
}

/** Largest file POST /api/docs takes (UTF-8 takes at most 3 bytes per UTF-16 code unit). */
const MAX_IMPORT_BYTES = 3 * MAX_IMPORT_CHARS

/** The import format a request's Content-Type names, or null when it is not a file to import. */
export function importFormat(req: IncomingMessage): ImportFormat | null {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'text/markdown' || type === 'text/x-markdown') return 'markdown'
  if (type === 'text/plain') return 'text'
  if (type === 'text/html') return 'html'
  return null
}

/** Takes in a file request (FileJobs.admit), or answers 503 with Retry-After when too many are in. */
function admitFile(catalog: Catalog): () => void {
  try {
    return catalog.files.admit()
  } catch (err) {
    if (err instanceof FileJobsBusyError) throw new HttpError(503, err.message, { 'Retry-After': '5' })
    throw err
  }
}

/** What a person is told of a file larger than MAX_IMPORT_CHARS. */
const TOO_LARGE = `files may hold at most ${MAX_IMPORT_CHARS.toLocaleString('en')} characters`

/** A file to import as UTF-8 text: 400 when it is not UTF-8, 413 past MAX_IMPORT_CHARS. */
async function textBody(req: IncomingMessage): Promise<string> {
  const bytes = await readBody(req, MAX_IMPORT_BYTES).catch((err: unknown) => {
    // cut off unread (readBody stops reading): that connection cannot carry another request
    if (err instanceof HttpError && err.status === 413) throw new HttpError(413, `the file is too large: ${TOO_LARGE}`, { Connection: 'close' })
    throw err
  })
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw new HttpError(400, 'the file is not UTF-8 text')
  }
  if (text.length > MAX_IMPORT_CHARS) throw new HttpError(413, `the file holds ${text.length.toLocaleString('en')} characters; ${TOO_LARGE}`)
  return text
}

/** Query of GET /api/docs/:id/export. */
export const ExportQuery = z.object({
  format: z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(', ')}` }).default('markdown'),
})

/** A Content-Disposition that downloads as `name`, readable by old and new clients alike. */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/** The first problem of a failed parse, as one sentence naming the field. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'invalid input'
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`
  return issue.message
}

/** Parses `value` with `schema` or throws a 400 naming the problem. */
function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value)
  if (!result.success) throw new HttpError(400, describeIssue(result.error))
  return result.data
}

/** The validated document id of a route, or a 400. */
function docId(ctx: RouteContext): string {
  const id = ctx.params.id ?? ''
  if (!isDocId(id)) throw new HttpError(400, 'document ids are 1 to 64 characters of A-Z a-z 0-9 _ -')
  return id
}

/** Reads a JSON body; an empty body counts as `{}` where every field is optional. */
async function body(req: IncomingMessage, emptyAllowed: boolean): Promise<unknown> {
  const length = req.headers['content-length']
  if (emptyAllowed && (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined))) return {}
  return readJson(req, MAX_BODY)
}

const notFound = (id: string) => new HttpError(404, `no document ${id}`)

/** What the API routes need. */
export interface ApiContext {
  readonly catalog: Catalog
  readonly guard: Guard
  readonly auth: Auth
  readonly images: DocImages
}

/** Adds the /api/docs routes to a router. */
export function addApiRoutes(router: Router, ctx: ApiContext): void {
  const { catalog, guard, auth, images } = ctx
  const { policy } = guard

  /**
   * Brings the images of an imported file into the new document `docId`: those it holds as data:
   * URIs are stored (the file then names them by path), and those of this server the caller may
   * read (from documents that exist) are copied. The import keeps these and no others.
   */
  const bringImages = async (req: IncomingMessage, access: Access, file: string, docId: string): Promise<{ text: string; images: ImportImages }> => {
    const host = req.headers.host
    const embedded = await images.storeDataImages(file, docId)
    const keep = embedded.names.map((name) => `${docId}/${name}`)
    for (const { docId: from, name } of imageRefs(embedded.text, host)) {
      if (from === docId || !can(policy.roleFor(access, from), 'read')) continue
      if (policy.mode !== 'token' && !(await catalog.exists(from))) continue
      if (await images.copy(from, docId, name)) keep.push(`${from}/${name}`)
    }
    return { text: embedded.text, images: { docId, origins: host ? [`http://${host}`, `https://${host}`] : [], keep } }
  }

  router.add('GET', '/api/docs', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const query = parse(ListQuery, Object.fromEntries(route.url.searchParams))
    const access = await guard.access(req, route.url)
    if (policy.mode !== 'open' && access.principal.kind === 'anonymous') throw new HttpError(401, 'sign in to see your documents')
    const visible = policy.visibleDocs(access)
    // only what the caller may see is searched: no snippet of another's document is even made
    const docs = (await catalog.list(query.q ?? '', (id) => visible === 'all' || visible.has(id)))
      .map((d) => ({ ...d, role: policy.roleFor(access, d.id) }))
      .filter((d) => d.role !== null)
    json(res, 200, { docs })
  })

  router.add('POST', '/api/docs', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const access = await guard.access(req, route.url)
    const format = importFormat(req)
    const input = format === null ? parse(CreateBody, await body(req, true)) : parse(ImportQuery, Object.fromEntries(route.url.searchParams))
    const filename = 'filename' in input && typeof input.filename === 'string' ? input.filename : ''
    const p = access.principal
    if (policy.mode === 'accounts' && p.kind !== 'user') throw new HttpError(401, 'sign in to create documents')
    if (policy.mode === 'token' && !can(policy.roleFor(access, '*'), 'write')) {
      throw new HttpError(p.kind === 'anonymous' ? 401 : 403, 'creating documents needs a token granting "*" as owner or editor')
    }
    const owner = p.kind === 'user' ? p.user.id : null
    let doc
    // taken in before its body is read: the bodies of imports waiting their turn are what fills memory
    const release = format === null ? () => {} : admitFile(catalog)
    try {
      // drawn here: an import copies images into the document before it is written
      const id = newDocId()
      let file = null
      const fileText = format === null ? null : await textBody(req)
      try {
        if (format !== null && fileText !== null) {
          const { text, images: imported } = await bringImages(req, access, fileText, id)
          // parsed in a worker thread: a large file takes seconds the relay must not lose
          file = await catalog.files.importFile(format, text, input.title ?? null, fileStem(filename), imported)
        }
        doc = await catalog.create(input.title ?? '', (id) => (owner && auth.acl ? [auth.acl.create(id, owner)] : []), file, id)
      } catch (err) {
        // the images brought into a document that was never written (some, when bringing them
        // failed part-way) would be kept for nobody
        if (fileText !== null) await images.forget(id)
        throw err
      }
    } catch (err) {
      if (err instanceof DocumentTooLargeError) throw new HttpError(413, err.message)
      if (err instanceof FileJobError && err.unreadable) throw new HttpError(400, err.message)
      if (err instanceof FileJobError) throw new HttpError(422, `the file could not be imported: ${err.message}`)
      throw err
    } finally {
      release()
    }
    json(res, 201, { ...doc, role: policy.roleFor(access, doc.id) }, { Location: `/api/docs/${doc.id}` })
  })

  router.add('GET', '/api/docs/:id', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    const role = guard.require(await guard.access(req, route.url), id, 'read')
    const doc = await catalog.get(id)
    // in token mode the embedding application names documents; one nobody opened yet is empty
    if (!doc && policy.mode === 'token') return json(res, 200, { id, title: '', createdAt: null, updatedAt: null, role })
    if (!doc) throw notFound(id)
    json(res, 200, { ...doc, role })
  })

  router.add('GET', '/api/docs/:id/export', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    guard.require(await guard.access(req, route.url), id, 'read')
    const { format } = parse(ExportQuery, Object.fromEntries(route.url.searchParams))
    // in token mode a document nobody opened yet exports empty, as GET says it is
    const release = admitFile(catalog)
    const file = await catalog.export(id, format, policy.mode !== 'token').finally(release)
    if (!file) throw notFound(id)
    const bytes = Buffer.from(file.text, 'utf8')
    res.writeHead(200, {
      'Content-Type': EXPORT_TYPES[format].mediaType,
      'Content-Length': String(bytes.length),
      'Content-Disposition': attachment(exportFileName(file.title, format)),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    res.end(req.method === 'HEAD' ? undefined : bytes)
  })

  // versions hold what was deleted since: for those who may change the document, not viewers
  router.add('GET', '/api/docs/:id/versions', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    guard.require(await guard.access(req, route.url), id, 'write')
    const versions = await catalog.versions(id)
    if (!versions) throw notFound(id)
    json(res, 200, { versions })
  })

  router.add('GET', '/api/docs/:id/versions/:seq', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    guard.require(await guard.access(req, route.url), id, 'write')
    const seq = Number(route.params.seq)
    if (!/^[1-9]\d{0,14}$/.test(route.params.seq ?? '')) throw new HttpError(400, 'a version is a positive whole number (see GET /api/docs/:id/versions)')
    const state = await catalog.version(id, seq)
    if (!state) throw new HttpError(404, `document ${id} has no version ${seq}`)
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(state.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    res.end(req.method === 'HEAD' ? undefined : state)
  })

  router.add('PATCH', '/api/docs/:id', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    const role = guard.require(await guard.access(req, route.url), id, 'write')
    const input = parse(PatchBody, await body(req, false))
    const doc = await catalog.rename(id, input.title)
    if (!doc) throw notFound(id)
    json(res, 200, { ...doc, role })
  })

  router.add('DELETE', '/api/docs/:id', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    guard.require(await guard.access(req, route.url), id, 'delete')
    if (!(await catalog.delete(id))) throw notFound(id)
    await auth.acl?.remove(id)
    res.writeHead(204, { 'Cache-Control': 'no-store' })
    res.end()
  })
}
