/**
 * `<tandem-download-menu>`: a Download button in the editor's header that opens a short list
 * of file formats (Markdown, HTML, plain text) and saves the open document in the one chosen
 * (see client/export.ts). A disclosure, not an ARIA menu: Tab moves through the formats, Escape
 * or a click elsewhere closes it and gives the focus back to the button; Tab out of it closes it.
 *
 * Properties: `source`, a function giving the document's title and body (null: nothing to save
 * yet, the button is disabled). Slots: none. Events: none. CSS parts: `button`, `list`.
 */
import { html, LitElement, nothing } from 'lit'
import type { Node as PMNode } from 'prosemirror-model'
import type { DownloadFormat } from '../../export.js'
import { icons } from '../icons.js'
import { OutsidePointerController } from '../outside-pointer.js'
import { downloadMenuStyles } from './download-menu.styles.js'

/** The formats offered, in order, with their labels. */
const FORMATS: ReadonlyArray<{ readonly format: DownloadFormat; readonly label: string; readonly hint: string }> = [
  { format: 'markdown', label: 'Markdown', hint: '.md' },
  { format: 'html', label: 'Web page', hint: '.html' },
  { format: 'text', label: 'Plain text', hint: '.txt' },
]

/** What the menu saves; `imageUrl` gives an image's URL as this page may load it (credentials added). */
export type DownloadSource = () => { readonly title: string; readonly body: PMNode; readonly imageUrl?: (src: string) => string } | null

export class TandemDownloadMenu extends LitElement {
  static override styles = downloadMenuStyles
  static override properties = {
    source: { attribute: false },
    open: { state: true },
  }

  declare source: DownloadSource | null
  declare open: boolean

  private readonly closeOnOutsidePointer = new OutsidePointerController(
    this,
    () => this.open,
    () => (this.open = false),
  )

  constructor() {
    super()
    this.source = null
    this.open = false
  }

  private toggle(): void {
    this.open = !this.open
    if (this.open) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('.list button')?.focus())
  }

  private close(): void {
    this.open = false
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('.toggle')?.focus())
  }

  /**
   * Tab out of the open list (or Shift+Tab past the button) closes it, leaving the focus where
   * it went. A focus going nowhere (the window left, a click on the page) leaves it to the
   * pointer controller.
   */
  private readonly onFocusOut = (event: FocusEvent) => {
    const next = event.relatedTarget
    if (this.open && next instanceof Node && !this.renderRoot.contains(next)) this.open = false
  }

  private async save(format: DownloadFormat): Promise<void> {
    const doc = this.source?.()
    if (!doc) return
    // loaded on first use (the Markdown serializer is a large part of the app); the service
    // worker keeps it with the rest of the build, so this works offline too
    const { documentFile, fetchDataUri, saveFile } = await import('../../export.js')
    const imageUrl = doc.imageUrl ?? ((src: string) => src)
    const file = await documentFile(format, doc.title, doc.body, { origin: location.origin, dataUri: (src) => fetchDataUri(imageUrl(src)) })
    saveFile(file.name, file.type, file.text)
    this.close()
  }

  override render() {
    return html`<div @keydown=${(e: KeyboardEvent) => this.open && e.key === 'Escape' && (e.preventDefault(), this.close())} @focusout=${this.onFocusOut}>
      <button
        class="toggle"
        part="button"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="formats"
        title="Download"
        ?disabled=${this.source === null}
        @click=${this.toggle}
      >
        ${icons.download}<span>Download</span>
      </button>
      ${this.open
        ? html`<ul id="formats" class="list" part="list" aria-label="Download as">
            ${FORMATS.map(
              ({ format, label, hint }) =>
                html`<li><button @click=${() => void this.save(format)}>${label} <span class="hint">${hint}</span></button></li>`,
            )}
          </ul>`
        : nothing}
    </div>`
  }
}
