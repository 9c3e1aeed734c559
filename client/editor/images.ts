/**
 * Images in the editor. Files pasted, dropped or picked with the toolbar's button upload to the
 * server (POST /api/docs/:id/images) while a placeholder shows where each will go; the image node
 * goes in there once the server has the bytes, so every collaborator's browser can load it. An
 * upload that fails, or cannot start offline, leaves nothing in the document and says why.
 *
 * Pasted or dropped HTML keeps only this document's images: another document's image of this
 * server (copied from another Tandem document) is copied into this one (fetched, uploaded, its
 * node pointed at the copy); an image held in the page itself (a data: URI: the editor's own
 * web-page download, pages saved whole) uploads behind a placeholder, as a pasted file does, and
 * its bytes never enter the document; any other image (another site's) becomes its alt text
 * linked to it, or goes when it has none (shared/import.ts keepImages), so nobody's browser
 * fetches what a pasted page names.
 *
 * Image nodes are drawn by ImageView, which adds the credentials the page holds (a share link's
 * secret, a token) to the URL: an <img> cannot send them as headers.
 */
import { Slice, type Mark, type Node as PMNode } from 'prosemirror-model'
import { Plugin, PluginKey, TextSelection, type EditorState, type Transaction } from 'prosemirror-state'
import { Decoration, DecorationSet, type EditorView, type NodeView } from 'prosemirror-view'
import { cleanImageText, decodeDataImage, IMAGE_TYPES, imagePath, isDataImageSrc, parseImageSrc, safeImageSrc } from '../../shared/images.js'
import { keepImages } from '../../shared/import.js'
import { schema } from '../../shared/schema.js'

/** What the editor needs to upload and show images of the document open here. */
export interface ImageHost {
  /** The document open here: its images are kept when pasted. */
  readonly docId: string
  /** Uploads an image; resolves with its site-relative URL, rejects with a message for the person. */
  upload(file: Blob): Promise<string>
  /** Shows a message about images to the person; '' clears it. */
  notify(message: string): void
  /** The bytes of an image of this server (another document's, to copy into this one). */
  fetch(src: string): Promise<Blob>
}

type Meta = { readonly add: ReadonlyArray<{ readonly id: object; readonly pos: number; readonly name: string }> } | { readonly remove: object }

const key = new PluginKey<DecorationSet>('images')

/** Message for a failed upload while offline. */
export const OFFLINE_MESSAGE = 'You are offline: images can be added once the connection is back.'

/** The placeholder shown while an image uploads. */
function placeholder(name: string): HTMLElement {
  const el = document.createElement('span')
  el.className = 'image-uploading'
  el.setAttribute('contenteditable', 'false')
  el.setAttribute('role', 'status')
  el.textContent = `Uploading ${name || 'image'}…`
  return el
}

/** The image files among pasted or dropped data. */
export function imageFiles(data: DataTransfer | null): File[] {
  if (!data) return []
  return [...data.files].filter((file) => file.type.startsWith('image/'))
}

/**
 * True when the clipboard holds text besides its image files: Excel, Word and others add a
 * picture of what was copied to its text, and the text is what the person wants. A browser's
 * "Copy image" and a screenshot tool give the image alone (with at most HTML naming it).
 */
export function holdsText(data: DataTransfer): boolean {
  if (data.getData('text/plain').trim() !== '') return true
  const html = data.getData('text/html')
  if (!html) return false
  const template = document.createElement('template')
  template.innerHTML = html
  return (template.content.textContent ?? '').trim() !== ''
}

/** The host the images plugin of `state` was made with, if any. */
function hostOf(state: EditorState): ImageHost | null {
  return (key.get(state)?.spec.host as ImageHost | undefined) ?? null
}

/** The position of a placeholder now, or null once its place is gone. */
function placeholderPos(state: EditorState, id: object): number | null {
  const found = key.getState(state)?.find(undefined, undefined, (spec) => spec.id === id)
  return found && found.length > 0 ? found[0]!.from : null
}

/**
 * Uploads `files` and puts each image in at `pos` (default: the selection, which they replace),
 * in order. Files the server cannot take, an upload that fails and being offline are said through
 * the host's `notify`; their placeholders go, and no node is left behind.
 */
export function insertImageFiles(view: EditorView, files: readonly File[], pos?: number): boolean {
  const host = hostOf(view.state)
  if (!host || !view.editable) return false
  const refused = files.filter((file) => !(file.type in IMAGE_TYPES))
  const taken = files.filter((file) => file.type in IMAGE_TYPES)
  if (refused.length > 0) host.notify(`${refused.map((f) => f.name || f.type).join(', ')}: only PNG, JPEG, GIF and WebP images can be added.`)
  if (taken.length === 0) return refused.length > 0
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    host.notify(OFFLINE_MESSAGE)
    return true
  }
  if (refused.length === 0) host.notify('')
  const tr = view.state.tr
  let at = pos
  if (at === undefined) {
    tr.deleteSelection()
    at = tr.selection.from
  } else {
    // dropped: the caret goes where the drop did, as for dropped text
    tr.setSelection(TextSelection.near(tr.doc.resolve(at)))
    at = tr.selection.from
  }
  const pending = taken.map((file) => ({ file, id: {} }))
  view.dispatch(tr.setMeta(key, { add: pending.map(({ id, file }) => ({ id, pos: at, name: file.name })) } satisfies Meta))
  for (const { file, id } of pending) void uploadOne(view, host, file, id)
  return true
}

/** Uploads one file, then puts its image where its placeholder is now, or says why not. */
async function uploadOne(view: EditorView, host: ImageHost, file: File, id: object): Promise<void> {
  let src: string | null = null
  try {
    src = await host.upload(file)
  } catch (err) {
    host.notify((err as Error).message || 'The image could not be uploaded.')
  }
  if (view.isDestroyed) return
  const pos = placeholderPos(view.state, id)
  const tr = view.state.tr.setMeta(key, { remove: id } satisfies Meta)
  // the place is gone (someone deleted it), or this person may no longer edit: nothing goes in
  if (src !== null && pos !== null && view.editable) {
    const alt = cleanImageText(file.name.replace(/\.[^.]*$/, ''))
    const caretThere = view.state.selection.empty && view.state.selection.from === pos
    tr.replaceRangeWith(pos, pos, schema.nodes.image!.create({ src, alt }))
    // a caret waiting where the image went goes after it, as after typing or pasting there
    if (caretThere) tr.setSelection(TextSelection.near(tr.doc.resolve(tr.mapping.map(pos, 1))))
  }
  view.dispatch(tr)
}

/**
 * Keeps the images of a pasted slice that are this server's (their URLs made site-relative):
 * this document's as they are, another document's passed to `adopt` (which copies them into this
 * one), and data: URI images for takeDataImages; the others become their alt text, as keepImages
 * says.
 */
export function keepOwnImages(slice: Slice, docId: string, origin: string | null, adopt: (src: string) => void = () => {}): Slice {
  const keep = (src: string) => {
    // uploaded once the paste is in (takeDataImages), before anything of it is sent
    if (isDataImageSrc(src)) return src
    const image = parseImageSrc(src, origin)
    if (!image) return null
    const path = imagePath(image.docId, image.name)
    if (image.docId !== docId) adopt(path)
    return path
  }
  // keepImages walks a node's children: the slice's content in a paragraph (inline) or the doc (blocks)
  const first = slice.content.firstChild
  if (!first) return slice
  const holder = (first.isInline ? schema.nodes.paragraph! : schema.nodes.doc!).create(null, slice.content)
  const kept = keepImages(holder, keep)
  if (kept === holder) return slice
  return kept.content.size === 0 ? Slice.empty : new Slice(kept.content, slice.openStart, slice.openEnd)
}

/**
 * Copies another document's image into this one: fetched, uploaded here (the same bytes, so the
 * same name), then every node showing it points at the copy. When that fails (no right to read
 * it, gone, offline) those nodes become their alt text, as any image from elsewhere does.
 */
async function adoptImage(view: EditorView, host: ImageHost, src: string): Promise<void> {
  let copy: string | null = null
  try {
    const bytes = await host.fetch(src).catch((err: unknown) => {
      throw new Error(`An image copied from another document could not be added: ${(err as Error).message}`)
    })
    copy = await host.upload(bytes)
  } catch (err) {
    host.notify((err as Error).message)
  }
  if (view.isDestroyed || !view.editable) return
  const tr = view.state.tr
  view.state.doc.descendants((node, pos) => {
    if (node.type !== schema.nodes.image || node.attrs.src !== src) return
    const at = tr.mapping.map(pos)
    if (copy !== null) {
      tr.setNodeAttribute(at, 'src', copy)
      return
    }
    const alt = cleanImageText(node.attrs.alt)
    if (alt === '') tr.delete(at, at + node.nodeSize)
    else tr.replaceWith(at, at + node.nodeSize, schema.text(alt, node.marks))
  })
  if (tr.docChanged) view.dispatch(tr)
}

/** An image a paste held as a data: URI, waiting for its upload behind a placeholder. */
interface DataImage {
  readonly id: object
  readonly src: string
  readonly alt: string
  readonly marks: readonly Mark[]
}

/** Images at most this many pixels wide or high are spacers and tracking pixels: kept as their alt text. */
const DECORATION_PIXELS = 2

/**
 * Takes the data: URI images a paste or drop put in `state` out again, in the same transaction, so
 * their bytes never reach the shared document: each leaves a placeholder and goes to `upload`.
 * Offline, each becomes its alt text at once (and the notice says why). Null when the paste held
 * none.
 */
function takeDataImages(state: EditorState, host: ImageHost, upload: (image: DataImage) => void): Transaction | null {
  const found: Array<{ pos: number; node: PMNode }> = []
  state.doc.descendants((node, pos) => {
    if (node.type === schema.nodes.image && isDataImageSrc(node.attrs.src)) found.push({ pos, node })
  })
  if (found.length === 0) return null
  const offline = typeof navigator !== 'undefined' && navigator.onLine === false
  const tr = state.tr
  for (const { pos, node } of [...found].reverse()) {
    const alt = cleanImageText(node.attrs.alt)
    if (offline && alt !== '') tr.replaceWith(pos, pos + node.nodeSize, schema.text(alt, node.marks))
    else tr.delete(pos, pos + node.nodeSize)
  }
  if (offline) {
    host.notify(OFFLINE_MESSAGE)
    return tr
  }
  const add = found.map(({ pos, node }) => {
    const image: DataImage = { id: {}, src: node.attrs.src as string, alt: cleanImageText(node.attrs.alt), marks: node.marks }
    upload(image)
    return { id: image.id, pos: tr.mapping.map(pos, -1), name: image.alt }
  })
  return tr.setMeta(key, { add } satisfies Meta)
}

/**
 * Uploads a pasted data: URI image and puts it where its placeholder is now. One that is no image
 * the server takes (its bytes are not of its type, the browser cannot draw it) or is a spacer
 * becomes its alt text, as another site's image does; a failed upload too, and says why.
 */
async function uploadDataImage(view: EditorView, host: ImageHost, image: DataImage): Promise<void> {
  let src: string | null = null
  try {
    const decoded = decodeDataImage(image.src)
    const blob = decoded && new Blob([decoded.bytes], { type: decoded.type })
    if (blob && (await drawable(blob))) src = await host.upload(blob)
  } catch (err) {
    host.notify((err as Error).message || 'The image could not be uploaded.')
  }
  if (view.isDestroyed) return
  const pos = placeholderPos(view.state, image.id)
  const tr = view.state.tr.setMeta(key, { remove: image.id } satisfies Meta)
  if (pos !== null && view.editable) {
    if (src !== null) tr.insert(pos, schema.nodes.image!.create({ src, alt: image.alt }, null, image.marks))
    else if (image.alt !== '') tr.insert(pos, schema.text(image.alt, image.marks))
  }
  view.dispatch(tr)
}

/** True when the browser can draw `blob` as an image larger than a spacer. */
async function drawable(blob: Blob): Promise<boolean> {
  try {
    const bitmap = await createImageBitmap(blob)
    const big = bitmap.width > DECORATION_PIXELS && bitmap.height > DECORATION_PIXELS
    bitmap.close()
    return big
  } catch {
    return false
  }
}

/** Draws an image node: this server's URL with the page's credentials, or no src at all. */
export class ImageView implements NodeView {
  readonly dom: HTMLImageElement

  constructor(
    private node: PMNode,
    private readonly resolve: (src: string) => string,
  ) {
    this.dom = document.createElement('img')
    this.dom.className = 'image'
    this.render()
  }

  private render(): void {
    const src = safeImageSrc(this.node.attrs.src)
    const url = src === null ? null : this.resolve(src)
    if (url === null) this.dom.removeAttribute('src')
    else if (this.dom.getAttribute('src') !== url) this.dom.setAttribute('src', url)
    this.dom.alt = cleanImageText(this.node.attrs.alt)
    const title = cleanImageText(this.node.attrs.title)
    if (title) this.dom.title = title
    else this.dom.removeAttribute('title')
  }

  update(node: PMNode): boolean {
    if (node.type !== this.node.type) return false
    this.node = node
    this.render()
    return true
  }

  // loading an image changes nothing ProseMirror must read back
  ignoreMutation(): boolean {
    return true
  }
}

/**
 * The plugin: placeholders of running uploads, image files pasted or dropped, pasted HTML keeping
 * only this document's images.
 */
export function imagePlugin(host: ImageHost): Plugin {
  // other documents' images in the latest paste: copied once the paste is in the document
  const adopting = new Set<string>()
  // data: URI images of the latest paste, taken out of it: uploaded once the paste is in
  let uploading: DataImage[] = []
  return new Plugin({
    key,
    host,
    view: () => ({
      update(view) {
        if (uploading.length > 0) {
          const images = uploading
          uploading = []
          for (const image of images) void uploadDataImage(view, host, image)
        }
        if (adopting.size === 0) return
        const sources = [...adopting]
        adopting.clear()
        for (const src of sources) void adoptImage(view, host, src)
      },
    }),
    appendTransaction(transactions, _old, state) {
      const pasted = transactions.some((tr) => tr.docChanged && (tr.getMeta('uiEvent') === 'paste' || tr.getMeta('uiEvent') === 'drop'))
      return pasted ? takeDataImages(state, host, (image) => uploading.push(image)) : null
    },
    state: {
      init: () => DecorationSet.empty,
      apply(tr, set) {
        let next = set.map(tr.mapping, tr.doc)
        const meta = tr.getMeta(key) as Meta | undefined
        if (meta && 'add' in meta) {
          // before what goes in at the same place (an image whose upload ended first), earlier files first
          next = next.add(tr.doc, meta.add.map(({ id, pos, name }, i) => Decoration.widget(pos, () => placeholder(name), { id, side: -1000 + i })))
        }
        if (meta && 'remove' in meta) next = next.remove(next.find(undefined, undefined, (spec) => spec.id === meta.remove))
        return next
      },
    },
    props: {
      decorations: (state) => key.getState(state),
      handlePaste(view, event) {
        const data = event.clipboardData
        const files = imageFiles(data)
        // a copied image comes with HTML naming it (a web page's URL): the file is what was copied;
        // copied text that comes with a picture of itself is pasted as text (the other plugins)
        return files.length > 0 && !holdsText(data!) && insertImageFiles(view, files)
      },
      handleDrop(view, event) {
        const files = imageFiles((event as DragEvent).dataTransfer)
        if (files.length === 0) return false
        const at = view.posAtCoords({ left: (event as DragEvent).clientX, top: (event as DragEvent).clientY })
        event.preventDefault()
        return insertImageFiles(view, files, at?.pos ?? view.state.selection.from)
      },
      transformPasted: (slice) => keepOwnImages(slice, host.docId, typeof location === 'undefined' ? null : location.origin, (src) => adopting.add(src)),
    },
  })
}

/**
 * Where the image `node` (as it was when its description editor opened at `pos`) is now: the
 * same node wherever edits moved it, else the same image (src) still at `pos`; null when gone.
 */
export function imageNow(doc: PMNode, node: PMNode, pos: number): number | null {
  let found: number | null = null
  doc.descendants((n, at) => {
    if (found !== null) return false
    if (n === node) found = at
    return true
  })
  if (found !== null) return found
  const there = pos < doc.content.size ? doc.nodeAt(pos) : null
  return there?.type === schema.nodes.image && there.attrs.src === node.attrs.src ? pos : null
}
