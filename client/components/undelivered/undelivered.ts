/**
 * `<tandem-undelivered>`: changes made in this browser that can never reach the server, because
 * their document was deleted or this person lost access to it before they were sent (see
 * PendingDocs.undeliverable). Each is announced as an alert with the document's title and why,
 * and offers to copy its text from this browser's copy or to discard that copy. Shows nothing
 * when there are none. Follows changes made by this tab (the background sync) and other tabs.
 *
 * Properties: `docId` (attribute `doc-id`): only that document's (where it cannot be opened).
 * Slots: none. Events: none. CSS parts: `item`.
 */
import { ContextConsumer } from '@lit/context'
import { html, LitElement, nothing, type PropertyValues } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { copyToClipboard, documentText } from '../../clipboard.js'
import { PendingDocs, UNDELIVERED_EVENT, UNDELIVERED_KEY, type Undeliverable, type UndeliveredEntry } from '../../collab/pending.js'
import { forgetLocalCopy, readLocalCopy } from '../../collab/session.js'
import { authContext } from '../../context.js'
import { undeliveredStyles } from './undelivered.styles.js'

/** Why, in words, after "were not sent:". */
export function undeliveredReason(reason: Undeliverable): string {
  switch (reason) {
    case 'deleted':
      return 'the document was deleted.'
    case 'no-access':
      return 'you no longer have access to the document.'
    default:
      return 'the document was deleted, or you no longer have access to it.'
  }
}

export class TandemUndelivered extends LitElement {
  static override styles = undeliveredStyles
  static override properties = {
    docId: { attribute: 'doc-id' },
    items: { state: true },
    titles: { state: true },
    busy: { state: true },
    statuses: { state: true },
  }

  /** Only this document's notice, or every one of this person's when null. */
  declare docId: string | null
  declare items: Array<[docId: string, entry: UndeliveredEntry]>
  /** Titles read from the copies, by document id. */
  declare titles: Record<string, string>
  /** Id of a document whose copy is being read or discarded. */
  declare busy: string | null
  /** What became of "Copy", by document id. */
  declare statuses: Record<string, string>

  private readonly pending = new PendingDocs()
  private readonly auth = new ContextConsumer(this, { context: authContext, subscribe: true, callback: () => this.refresh() })
  private readonly onChange = () => this.refresh()
  private readonly onStorage = (event: StorageEvent) => {
    if (event.key === UNDELIVERED_KEY || event.key === null) this.refresh()
  }

  constructor() {
    super()
    this.docId = null
    this.items = []
    this.titles = {}
    this.busy = null
    this.statuses = {}
  }

  override connectedCallback(): void {
    super.connectedCallback()
    window.addEventListener(UNDELIVERED_EVENT, this.onChange)
    window.addEventListener('storage', this.onStorage)
    this.refresh()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    window.removeEventListener(UNDELIVERED_EVENT, this.onChange)
    window.removeEventListener('storage', this.onStorage)
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('docId')) this.refresh()
  }

  private refresh(): void {
    const account = this.auth.value?.state.user?.id ?? null
    this.items = this.pending.undelivered(account).filter(([docId]) => this.docId === null || docId === this.docId)
    for (const [docId] of this.items) if (!(docId in this.titles)) void this.loadTitle(docId)
  }

  private async loadTitle(docId: string): Promise<void> {
    this.titles = { ...this.titles, [docId]: '' }
    try {
      const { title } = await readLocalCopy(docId)
      this.titles = { ...this.titles, [docId]: title.trim() }
    } catch {
      // shown as untitled
    }
  }

  private name(docId: string): string {
    return this.titles[docId] || 'Untitled'
  }

  /** Copies the copy's title and text to the clipboard (see ../../clipboard.ts). */
  private async copy(docId: string): Promise<void> {
    this.busy = docId
    let copied = false
    try {
      const { title, text } = await readLocalCopy(docId)
      copied = await copyToClipboard(documentText(title, text), this.renderRoot)
    } catch {
      // the copy could not be read
    } finally {
      this.busy = null
    }
    this.statuses = { ...this.statuses, [docId]: copied ? 'Copied. Paste it somewhere safe before you discard it.' : 'The text could not be copied.' }
  }

  /** Deletes this browser's copy, and the notice with it. */
  private async discard(docId: string): Promise<void> {
    this.busy = docId
    try {
      await forgetLocalCopy(docId)
      this.pending.dismiss(docId)
    } finally {
      this.busy = null
    }
  }

  override render() {
    if (this.items.length === 0) return nothing
    return html`<ul>
      ${repeat(
        this.items,
        ([docId]) => docId,
        ([docId, entry]) => {
          const name = this.name(docId)
          return html`<li part="item" role="alert">
            <p>Your changes to <strong>“${name}”</strong> were not sent: ${undeliveredReason(entry.reason)} They are kept in this browser only.</p>
            <span class="actions">
              <button aria-label="Copy the text of “${name}”" ?disabled=${this.busy === docId} @click=${() => this.copy(docId)}>Copy text</button>
              <button aria-label="Discard my changes to “${name}”" ?disabled=${this.busy === docId} @click=${() => this.discard(docId)}>Discard</button>
            </span>
            ${this.statuses[docId] ? html`<span class="status" role="status">${this.statuses[docId]}</span>` : nothing}
          </li>`
        },
      )}
    </ul>`
  }
}
