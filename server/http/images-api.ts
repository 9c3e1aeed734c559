/**
 * Images of a document over HTTP:
 *
 *   POST /api/docs/:id/images        the image as the raw body, Content-Type image/png, image/jpeg,
 *                                    image/gif or image/webp (the bytes must be one; no SVG), at
 *                                    most --max-image-size: 201 { name, url, type, size }
 *                                    (Location: url), or 200 with the same when those bytes were
 *                                    stored already. Needs the right to edit the document.
 *                                    At most IMAGE_UPLOADS_AT_ONCE run at once (their bodies are
 *                                    held whole): others get 503 with Retry-After, to send again.
 *   GET  /api/docs/:id/images/:name  the bytes with their type, cached for good (the name is their
 *                                    hash); needs the right to read the document; 404 unknown.
 *
 * Errors are JSON like the rest of the API (./api.ts); the sharing rules are those of the document.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { IMAGE_NAME, imagePath } from '../../shared/images.js'
import { isDocId } from '../../shared/validate.js'
import type { Catalog } from '../docs/catalog.js'
import { DocImages, ImageRefusedError, mediaType, sizeText } from '../docs/images.js'
import type { Metrics } from '../metrics.js'
import type { Guard } from './guard.js'
import { HttpError, json, readBody } from './respond.js'
import type { RouteContext, Router } from './router.js'

/**
 * Headers of a served image. The name is the SHA-256 of the bytes, so they never change: a year,
 * immutable; `private` because who may see it depends on the document's access. The bytes were
 * checked at upload, and still: nosniff, and a CSP that lets nothing run should one be opened as a page.
 */
export const IMAGE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'private, max-age=31536000, immutable',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
  'Cross-Origin-Resource-Policy': 'same-origin',
}

/** Image uploads taken in at once, each holding up to --max-image-size in memory. */
export const IMAGE_UPLOADS_AT_ONCE = 4

/** Seconds a client told the uploads are busy waits before sending again (an upload takes a moment). */
export const IMAGE_RETRY_AFTER_S = 1

/** What the image routes need. */
export interface ImagesApiContext {
  readonly catalog: Catalog
  readonly guard: Guard
  readonly images: DocImages
  readonly metrics: Metrics
  readonly log: Logger
  /** Uploads taken in at once (default IMAGE_UPLOADS_AT_ONCE). */
  readonly uploadsAtOnce?: number
}

/** Adds the /api/docs/:id/images routes to a router. */
export function addImageRoutes(router: Router, ctx: ImagesApiContext): void {
  const { catalog, guard, images, metrics, log } = ctx
  const uploadsAtOnce = ctx.uploadsAtOnce ?? IMAGE_UPLOADS_AT_ONCE
  let uploading = 0

  const docId = (route: RouteContext) => {
    const id = route.params.id ?? ''
    if (!isDocId(id)) throw new HttpError(400, 'document ids are 1 to 64 characters of A-Z a-z 0-9 _ -')
    return id
  }
  // a document comes to be with its first change (open and token modes: whoever opens an id), and
  // an image may be its first: only a deleted document's id, retired for good, takes no images
  const notDeleted = async (id: string) => {
    if (await catalog.deleted(id)) throw new HttpError(404, `no document ${id}`)
  }
  const refused = (err: unknown): never => {
    if (err instanceof ImageRefusedError) throw new HttpError(err.status, err.message)
    throw err
  }

  router.add('POST', '/api/docs/:id/images', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    guard.require(await guard.access(req, route.url), id, 'write')
    const type = mediaType(req.headers['content-type'])
    try {
      images.checkType(type)
    } catch (err) {
      refused(err)
    }
    await notDeleted(id)
    // taken in before the body is read: many bodies of up to --max-image-size held at once are
    // what fills memory (60 uploads of 9.5 MB took a server to 851 MB). The rest are told to send
    // again shortly; their bodies are drained unread, as an import's are
    if (uploading >= uploadsAtOnce) {
      throw new HttpError(503, `${uploadsAtOnce} images are being uploaded; try again in ${IMAGE_RETRY_AFTER_S} s`, { 'Retry-After': String(IMAGE_RETRY_AFTER_S) })
    }
    uploading++
    let image
    try {
      const bytes = await readBody(req, images.maxBytes).catch((err: unknown) => {
        // the body was cut off unread (readBody stops reading): that connection cannot carry another
        // request, and a client told nothing would reuse it and see it reset
        if (err instanceof HttpError && err.status === 413) throw new HttpError(413, `images may take at most ${sizeText(images.maxBytes)}`, { Connection: 'close' })
        throw err
      })
      image = await images.store(id, type, bytes).catch(refused)
    } finally {
      uploading--
    }
    // deleted while the upload ran: its range may already have been cleared, and this image
    // would outlive the document, unreachable; the id is retired, so clearing again is safe
    if (await catalog.deleted(id)) {
      await images.forget(id)
      throw new HttpError(404, `no document ${id}`)
    }
    metrics.imageUploads.inc({ result: image.created ? 'stored' : 'existing' })
    if (image.created) metrics.imageBytesStored.inc(image.size)
    log.debug({ docId: id, name: image.name, bytes: image.size, created: image.created }, 'image uploaded')
    const url = imagePath(id, image.name)
    json(res, image.created ? 201 : 200, { name: image.name, url, type: image.type, size: image.size }, { Location: url })
  })

  router.add('GET', '/api/docs/:id/images/:name', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const id = docId(route)
    const name = route.params.name ?? ''
    guard.require(await guard.access(req, route.url), id, 'read')
    if (!IMAGE_NAME.test(name)) throw new HttpError(400, 'an image name is the SHA-256 of its bytes in hex and .png, .jpg, .gif or .webp')
    await notDeleted(id)
    const file = await images.read(id, name)
    if (!file) throw new HttpError(404, `document ${id} has no image ${name}`)
    const etag = `"${name.slice(0, 64)}"`
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ...IMAGE_HEADERS, ETag: etag })
      res.end()
      return
    }
    res.writeHead(200, {
      ...IMAGE_HEADERS,
      'Content-Type': file.type,
      'Content-Length': String(file.bytes.length),
      'Content-Disposition': `inline; filename="${name}"`,
      ETag: etag,
    })
    res.end(req.method === 'HEAD' ? undefined : file.bytes)
  })
}
