/**
 * Images of a document: the media types the server takes, how an image is named (the SHA-256 of
 * its bytes, so the same bytes are one image) and where it is served. Shared by the server (upload,
 * serve, import), the schema (which sources a document may show) and the editor (upload, paste).
 *
 * A document shows only images this server serves for that document: a site-relative path
 * `/api/docs/<docId>/images/<name>`. Anything else (another site's URL, a data: URI) would make
 * every collaborator's browser fetch it, or bloat the shared document, so it never becomes an
 * image node's source; editor.md says what paste and import do with such images instead.
 */
import { isDocId } from './validate.js'

/** Media types an image may have, and the extension its name gets. SVG is not one: it can hold script. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
}

/** A stored image's name: the lowercase hex SHA-256 of its bytes and the extension of its type. */
export const IMAGE_NAME = /^[0-9a-f]{64}\.(?:png|jpg|gif|webp)$/

/** Longest alt text or title kept on an image. */
export const MAX_IMAGE_TEXT = 500

/** The media type of an image by its name's extension, or null for a name that is no image's. */
export function imageTypeOfName(name: string): string | null {
  if (!IMAGE_NAME.test(name)) return null
  const ext = name.slice(name.lastIndexOf('.') + 1)
  return Object.keys(IMAGE_TYPES).find((type) => IMAGE_TYPES[type] === ext) ?? null
}

/**
 * The media type `bytes` start like (their magic numbers), or null when none of IMAGE_TYPES.
 * The server stores an image only when this agrees with the type it was sent as.
 */
export function sniffImageType(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b)
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png'
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg'
  if (starts(0x47, 0x49, 0x46, 0x38) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return 'image/gif'
  // RIFF, 4 bytes of size, WEBP
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp'
  return null
}

/** The site-relative path an image of a document is served at. */
export function imagePath(docId: string, name: string): string {
  return `/api/docs/${docId}/images/${name}`
}

const PATH = /^\/api\/docs\/([A-Za-z0-9_-]{1,64})\/images\/([0-9a-f]{64}\.(?:png|jpg|gif|webp))$/

/**
 * The document and name of an image path of this server, or null. Takes the site-relative path,
 * and an absolute URL when its origin is `origin` (this server's, as the page or request knows it).
 */
export function parseImageSrc(src: unknown, origin: string | null = null): { docId: string; name: string } | null {
  if (typeof src !== 'string' || src.length > 300) return null
  let path = src
  if (origin !== null && src.startsWith(`${origin}/`)) path = src.slice(origin.length)
  const m = PATH.exec(path)
  if (!m || !isDocId(m[1]!)) return null
  return { docId: m[1]!, name: m[2]! }
}

/** The src to render for an untrusted image source: a site-relative image path of this server, or null. */
export function safeImageSrc(src: unknown): string | null {
  const image = parseImageSrc(src)
  return image ? imagePath(image.docId, image.name) : null
}

/** A data: URI of an image type the server takes, in base64 (group 1: the type, 2: the bytes). */
const DATA_IMAGE_SRC = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/]*={0,2})$/

/** True when `src` is a base64 data: URI of a type the server takes (its bytes not checked yet). */
export function isDataImageSrc(src: unknown): src is string {
  return typeof src === 'string' && src.startsWith('data:image/') && DATA_IMAGE_SRC.test(src.replace(/\s+/g, ''))
}

/**
 * The type and bytes of a base64 data: URI image of a type the server takes whose bytes start as
 * that type does (as an upload is checked); null for anything else.
 */
export function decodeDataImage(src: unknown): { type: string; bytes: Uint8Array<ArrayBuffer> } | null {
  if (typeof src !== 'string') return null
  const m = DATA_IMAGE_SRC.exec(src.replace(/\s+/g, ''))
  if (!m || m[2]!.length % 4 !== 0) return null
  const binary = atob(m[2]!)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return sniffImageType(bytes) === m[1] ? { type: m[1]!, bytes } : null
}

/** Alt text or a title as kept on an image: one line, at most MAX_IMAGE_TEXT characters; '' for none. */
export function cleanImageText(text: unknown): string {
  return typeof text === 'string' ? text.replace(/\s+/g, ' ').trim().slice(0, MAX_IMAGE_TEXT) : ''
}
