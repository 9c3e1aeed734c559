/**
 * The images of documents: checks an upload (allowed type, bytes that really are that type, size),
 * names it by the SHA-256 of its bytes and stores it with its document (Storage files, PROTOCOL.md
 * ST9). The same bytes uploaded again are the same image: nothing new is written. Deleting the
 * document removes its images (ST5).
 */
import { createHash } from 'node:crypto'
import { IMAGE_NAME, IMAGE_TYPES, imagePath, sniffImageType } from '../../shared/images.js'
import type { Storage, StoredFile } from '../storage/storage.js'

/** Why an upload is refused; `status` is the HTTP answer that says so. */
export class ImageRefusedError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message)
    this.name = 'ImageRefusedError'
  }
}

/** A stored image as the API describes it. */
export interface ImageInfo {
  readonly name: string
  readonly type: string
  readonly size: number
  /** False when the same bytes were stored already (nothing was written). */
  readonly created: boolean
}

/** A size as a person reads it: `10 MiB`, `512 KiB`, or bytes when it is no whole number of either. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} bytes`
}

/** The media type of a Content-Type header value, lower case, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase()
}

/** Stores and reads document images. */
export class DocImages {
  constructor(
    private readonly storage: Storage,
    /** Largest image, in bytes. */
    readonly maxBytes: number,
  ) {}

  /**
   * Checks `declaredType` against what the server takes, then whether the bytes really are one:
   * a browser shows a file by its bytes, so a "PNG" that is HTML or SVG must never be served.
   */
  check(declaredType: string, bytes: Uint8Array): string {
    this.checkType(declaredType)
    if (bytes.length === 0) throw new ImageRefusedError(400, 'the image is empty')
    if (bytes.length > this.maxBytes) throw new ImageRefusedError(413, `images may take at most ${sizeText(this.maxBytes)}; this one takes ${bytes.length} bytes`)
    const sniffed = sniffImageType(bytes)
    if (sniffed !== declaredType) {
      throw new ImageRefusedError(400, `the bytes are ${sniffed ? `a ${sniffed} image` : 'no image the server takes'}, not ${declaredType} as sent`)
    }
    return declaredType
  }

  /** Refuses a declared type the server does not take (before the body is read). */
  checkType(declaredType: string): void {
    if (declaredType === 'image/svg+xml') throw new ImageRefusedError(415, 'SVG images are not accepted (they can hold scripts); send PNG, JPEG, GIF or WebP')
    if (!(declaredType in IMAGE_TYPES)) {
      throw new ImageRefusedError(415, `send the image with Content-Type ${Object.keys(IMAGE_TYPES).join(', ')}${declaredType ? `, not ${declaredType.slice(0, 100)}` : ''}`)
    }
  }

  /** Stores an image of `docId` (checked with `check`) unless the same bytes are there already. */
  async store(docId: string, declaredType: string, bytes: Uint8Array): Promise<ImageInfo> {
    const type = this.check(declaredType, bytes)
    const name = `${createHash('sha256').update(bytes).digest('hex')}.${IMAGE_TYPES[type]}`
    // content-addressed: a file of this name holds these very bytes, so it need not be written again
    if (await this.storage.hasFile(docId, name)) return { name, type, size: bytes.length, created: false }
    await this.storage.putFile(docId, name, { type, bytes })
    return { name, type, size: bytes.length, created: true }
  }

  /**
   * Stores the data: URI images of an imported file (the web-page download embeds its images so)
   * as images of `docId`, and gives the file back with each such URI replaced by its image path,
   * with the names stored. A URI whose bytes are no image the server takes (type, size) is left
   * as it is, and the import drops it as it drops any other outside image.
   */
  async storeDataImages(text: string, docId: string): Promise<{ text: string; names: string[] }> {
    // each URI's image name (the same bytes twice are one image)
    const stored = new Map<string, string>()
    for (const m of text.matchAll(DATA_IMAGE)) {
      if (stored.has(m[0]) || stored.size >= MAX_IMPORTED_IMAGES) continue
      try {
        stored.set(m[0], (await this.store(docId, m[1]!, Buffer.from(m[2]!, 'base64'))).name)
      } catch (err) {
        if (!(err instanceof ImageRefusedError)) throw err
      }
    }
    if (stored.size === 0) return { text, names: [] }
    const replaced = text.replace(DATA_IMAGE, (uri) => {
      const name = stored.get(uri)
      return name === undefined ? uri : imagePath(docId, name)
    })
    return { text: replaced, names: [...new Set(stored.values())] }
  }

  /** Copies an image from one document to another; false when the first has none of that name. */
  async copy(fromDoc: string, toDoc: string, name: string): Promise<boolean> {
    const file = await this.read(fromDoc, name)
    if (!file) return false
    if (!(await this.storage.hasFile(toDoc, name))) await this.storage.putFile(toDoc, name, file)
    return true
  }

  /**
   * Removes every image of a document that is gone or never came to be: an upload that raced the
   * deletion, an import that failed after copying. Only for such documents: it is Storage.deleteDoc.
   */
  async forget(docId: string): Promise<void> {
    await this.storage.deleteDoc(docId)
  }

  /** An image of a document, or undefined when it has none of that name. */
  async read(docId: string, name: string): Promise<StoredFile | undefined> {
    if (!IMAGE_NAME.test(name)) return undefined
    return this.storage.getFile(docId, name)
  }
}

/** A data: URI of an image type the server takes, in base64 (group 1: the type, 2: the bytes). */
const DATA_IMAGE = /data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/]+={0,2})/g

/** Most images an imported file may bring along from other documents. */
export const MAX_IMPORTED_IMAGES = 500

/**
 * The images of this server a file (Markdown or HTML text) refers to: `/api/docs/<id>/images/<name>`,
 * site-relative or under `http(s)://<host>` (the host the request was sent to), each once, at
 * most MAX_IMPORTED_IMAGES. Found in the text as written: the import keeps only those it parses as images.
 */
export function imageRefs(text: string, host: string | undefined): Array<{ docId: string; name: string }> {
  const found = new Map<string, { docId: string; name: string }>()
  const pattern = /(?:https?:\/\/([^/\s"'()<>]+))?\/api\/docs\/([A-Za-z0-9_-]{1,64})\/images\/([0-9a-f]{64}\.(?:png|jpg|gif|webp))/g
  for (const m of text.matchAll(pattern)) {
    if (m[1] !== undefined && m[1].toLowerCase() !== host?.toLowerCase()) continue
    const key = `${m[2]}/${m[3]}`
    if (!found.has(key)) found.set(key, { docId: m[2]!, name: m[3]! })
    if (found.size >= MAX_IMPORTED_IMAGES) break
  }
  return [...found.values()]
}
