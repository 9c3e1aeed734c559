/**
 * `<tandem-history-dialog>`: the versions the server keeps of a document (newest first, thinned
 * as they age) in a modal dialog. Choosing one shows it read-only beside the list; "Restore this
 * version" hands it to the editor, which puts it in place as an ordinary change (everyone sees
 * it, Ctrl+Z takes it back). Built on the native <dialog> (focus trap, Escape).
 *
 * Properties: `docId` (attribute `doc-id`), `share` (the link secret the page was opened with).
 * Events: `restore` (detail: { title, body, time }). CSS parts: `dialog`, `list`, `preview`.
 */
import { ContextConsumer } from '@lit/context'
import { html, LitElement, nothing } from 'lit'
import type { Node as PMNode } from 'prosemirror-model'
import { ApiError, type DocVersion } from '../../api.js'
import { readVersion } from '../../collab/version.js'
import { apiContext } from '../../context.js'
import { readOnlyDom } from '../../editor/static-dom.js'
import { historyDialogStyles } from './history-dialog.styles.js'

/** What `restore` carries: the chosen version's title and body, and its time. */
export interface RestoreDetail {
  readonly title: string
  readonly body: PMNode
  readonly time: number
}

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** A version's time as people read it. */
export function versionTime(time: number): string {
  return WHEN.format(new Date(time))
}

export class TandemHistoryDialog extends LitElement {
  static override styles = historyDialogStyles
  static override properties = {
    docId: { attribute: 'doc-id' },
    share: { attribute: false },
    imageUrl: { attribute: false },
    versions: { state: true },
    chosen: { state: true },
    preview: { state: true },
    error: { state: true },
    listFailed: { state: true },
  }

  declare docId: string
  declare share: string | null
  /** How a preview's <img> loads an image path: with the share link's secret or the token, as the editor does. */
  declare imageUrl: (src: string) => string
  /** Null while loading. */
  declare versions: DocVersion[] | null
  declare chosen: DocVersion | null
  /** The chosen version read (null while loading it). */
  declare preview: { title: string; body: PMNode } | null
  declare error: string | null
  /** Whether the list itself could not be read (offline, server away): `error` says why, Try again reads it again. */
  declare listFailed: boolean

  private readonly api = new ContextConsumer(this, { context: apiContext })
  /** Guards against an older choice's answer arriving after a newer one's. */
  private loadCount = 0

  constructor() {
    super()
    this.docId = ''
    this.share = null
    this.imageUrl = (src) => src
    this.versions = null
    this.chosen = null
    this.preview = null
    this.error = null
    this.listFailed = false
  }

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog')
  }

  /** Opens the dialog and loads the list; the newest version is shown first. */
  async show(): Promise<void> {
    this.versions = null
    this.chosen = null
    this.preview = null
    this.error = null
    this.listFailed = false
    await this.updateComplete
    this.dialog?.showModal()
    await this.loadList()
  }

  /** Reads the list of versions; the newest is then chosen. */
  private async loadList(): Promise<void> {
    const count = ++this.loadCount
    this.versions = null
    this.error = null
    this.listFailed = false
    try {
      const versions = await this.api.value!.versions(this.docId, { share: this.share })
      if (count !== this.loadCount) return
      this.versions = versions
      if (versions[0]) await this.choose(versions[0])
    } catch (err) {
      if (count !== this.loadCount) return
      this.error = (err as Error).message
      this.listFailed = true
    }
  }

  /**
   * Closes the dialog and forgets what it showed: the person may no longer read history (made a
   * viewer, access removed, the document deleted). Answers still on their way are ignored.
   * True when it was open.
   */
  close(): boolean {
    const open = this.dialog?.open ?? false
    this.loadCount++
    if (open) this.dialog!.close()
    this.versions = null
    this.chosen = null
    this.preview = null
    this.error = null
    return open
  }

  private async choose(version: DocVersion): Promise<void> {
    const count = ++this.loadCount
    this.chosen = version
    this.preview = null
    this.error = null
    try {
      const read = readVersion(await this.api.value!.version(this.docId, version.seq, { share: this.share }))
      if (count === this.loadCount) this.preview = read
    } catch (err) {
      if (count !== this.loadCount) return
      if (err instanceof ApiError && err.status === 404 && (await this.replaced(version, count))) return
      if (count === this.loadCount) this.error = `This version cannot be shown: ${(err as Error).message}`
    }
  }

  /**
   * A listed version the server no longer has was thinned while the dialog was open: a newer one
   * of the same minute (hour, day) replaced it (see server/docs/retention.ts). Lists the versions
   * again and shows the one that replaced it (the oldest newer one), or the newest. False when
   * the list cannot be read either (a deleted document): the error then says why.
   */
  private async replaced(gone: DocVersion, count: number): Promise<boolean> {
    let versions: DocVersion[]
    try {
      versions = await this.api.value!.versions(this.docId, { share: this.share })
    } catch {
      return false
    }
    if (count !== this.loadCount) return true
    this.versions = versions
    const next = [...versions].reverse().find((v) => v.seq > gone.seq) ?? versions[0]
    if (!next || next.seq === gone.seq) return false
    await this.choose(next)
    return true
  }

  private restore(): void {
    if (!this.preview || !this.chosen) return
    const detail: RestoreDetail = { ...this.preview, time: this.chosen.time }
    this.dialog?.close()
    this.dispatchEvent(new CustomEvent<RestoreDetail>('restore', { detail, bubbles: true, composed: true }))
  }

  private renderPreview() {
    if (this.error && this.listFailed) {
      return html`<p class="error" role="alert">${this.error}</p>
        <button class="retry" @click=${() => void this.loadList()}>Try again</button>`
    }
    if (this.error) return html`<p class="error" role="alert">${this.error}</p>`
    if (!this.preview) return this.chosen ? html`<p class="muted">Loading…</p>` : nothing
    return html`<h3 class="doc-title">${this.preview.title.trim() || 'Untitled'}</h3>
      <div class="doc-body">${readOnlyDom(this.preview.body.content, document, this.imageUrl)}</div>`
  }

  override render() {
    const versions = this.versions
    return html`<dialog part="dialog" aria-labelledby="history-title" @close=${() => this.loadCount++}>
      <div class="head">
        <h2 id="history-title">Version history</h2>
        <form method="dialog"><button class="close" aria-label="Close">Close</button></form>
      </div>
      ${versions !== null && versions.length === 0
        ? html`<p class="muted empty">
            No versions yet. A version is kept after changes, when the document has been quiet for half a minute and
            when everyone has left it: one a minute for the last hour, one an hour for the last day, then one a day, then one a week.
          </p>`
        : html`<div class="panes">
            <ul class="list" part="list" aria-label="Versions">
              ${versions === null
                ? this.listFailed
                  ? html`<li class="muted">Not loaded</li>`
                  : html`<li class="muted">Loading…</li>`
                : versions.map(
                    (v, i) =>
                      html`<li>
                        <button aria-pressed=${this.chosen?.seq === v.seq ? 'true' : 'false'} @click=${() => void this.choose(v)}>
                          ${versionTime(v.time)}${i === 0 ? html` <span class="tag">latest</span>` : nothing}
                        </button>
                      </li>`,
                  )}
            </ul>
            <div class="preview" part="preview" role="region" aria-label="Chosen version">${this.renderPreview()}</div>
          </div>`}
      <div class="actions">
        <button class="primary" ?disabled=${this.preview === null} @click=${this.restore}>Restore this version</button>
      </div>
    </dialog>`
  }
}
