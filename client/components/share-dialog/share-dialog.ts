/**
 * `<tandem-share-dialog>`: who has access to a document, as a modal dialog (native <dialog>:
 * focus stays inside, Escape closes, the page behind is inert). The owner adds people by
 * username as editor or viewer, changes or removes them, and creates, copies and revokes share
 * links (view or edit); everyone else who may read the document sees the list read-only.
 * Changes take effect on open editors at once (the server re-checks their sockets).
 *
 * Properties: `docId`, `docTitle`, `share` (the link secret the page was opened with, if any).
 * Methods: `show()`. Slots: none.
 * Events: `access-changed` (after a change the owner made). CSS parts: `dialog`.
 */
import { ContextConsumer } from '@lit/context'
import { html, LitElement, nothing } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { linkAddress, linkLabel } from '../../access.js'
import type { DocAccess, GrantableRole, ShareLinkInfo } from '../../api.js'
import { roleLabel } from '../../auth.js'
import { apiContext, authContext } from '../../context.js'
import { ActionController } from '../action.js'
import { icons } from '../icons.js'
import { shareDialogStyles } from './share-dialog.styles.js'

/** The sharing dialog (see the file comment). */
export class TandemShareDialog extends LitElement {
  static override styles = shareDialogStyles
  static override properties = {
    docId: { attribute: 'doc-id' },
    docTitle: { attribute: false },
    share: { attribute: false },
    access: { state: true },
    loadError: { state: true },
    announcement: { state: true },
  }

  declare docId: string
  declare docTitle: string
  declare share: string | null
  /** Who has access, once loaded. */
  declare access: DocAccess | null
  declare loadError: string
  /** Polite confirmation of the last change. */
  declare announcement: string

  private readonly api = new ContextConsumer(this, { context: apiContext })
  private readonly auth = new ContextConsumer(this, { context: authContext })
  private readonly action = new ActionController(this)

  constructor() {
    super()
    this.docId = ''
    this.docTitle = ''
    this.share = null
    this.access = null
    this.loadError = ''
    this.announcement = ''
  }

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog')
  }

  /** True while the dialog is open. */
  get isOpen(): boolean {
    return this.dialog?.open ?? false
  }

  /** Opens the dialog and loads who has access. */
  async show(): Promise<void> {
    this.announcement = ''
    this.action.clear()
    await this.updateComplete
    this.dialog?.showModal()
    await this.load()
    const first = this.renderRoot.querySelector<HTMLElement>('#username') ?? this.renderRoot.querySelector<HTMLElement>('.close')
    first?.focus()
  }

  /** Closes the dialog. */
  close(): void {
    this.dialog?.close()
  }

  private async load(): Promise<void> {
    try {
      this.access = await this.api.value!.access(this.docId, { share: this.share })
      this.loadError = ''
    } catch (err) {
      this.loadError = (err as Error).message
    }
  }

  private get isOwner(): boolean {
    return this.access?.role === 'owner'
  }

  private changed(message: string): void {
    this.announcement = message
    this.dispatchEvent(new Event('access-changed'))
  }

  private async add(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const data = new FormData(form)
    const username = String(data.get('username') ?? '').trim()
    const role = data.get('role') === 'viewer' ? 'viewer' : 'editor'
    if (!username) {
      this.action.error = 'Type the username of the person to add.'
      this.action.failed = 'add'
      this.requestUpdate()
      return
    }
    const added = await this.action.run('add', async () => {
      const result = await this.api.value!.setMember(this.docId, username, role)
      await this.load()
      return result
    })
    if (added) {
      form.reset()
      this.changed(`${added.username} can now ${added.role === 'editor' ? 'edit' : 'view'} this document.`)
      this.renderRoot.querySelector<HTMLInputElement>('#username')?.focus()
    } else {
      this.renderRoot.querySelector<HTMLInputElement>('#username')?.select()
    }
  }

  private async setRole(username: string, role: GrantableRole, select: HTMLSelectElement): Promise<void> {
    const done = await this.action.run(`member:${username}`, async () => {
      await this.api.value!.changeMember(this.docId, username, role)
      await this.load()
      return true
    })
    if (done) return this.changed(`${username} can now ${role === 'editor' ? 'edit' : 'view'} this document.`)
    // removed meanwhile from another tab or device, perhaps: show the list as it is now
    await this.load()
    select.value = this.access?.members.find((m) => m.username === username)?.role ?? select.value
  }

  private async removeMember(username: string): Promise<void> {
    const done = await this.action.run(`member:${username}`, async () => {
      await this.api.value!.removeMember(this.docId, username)
      await this.load()
      return true
    })
    if (done) {
      this.changed(`${username} no longer has access.`)
      this.renderRoot.querySelector<HTMLElement>('#username')?.focus()
    } else {
      // removed meanwhile from another tab or device, perhaps: show the list as it is now
      await this.load()
    }
  }

  private async createLink(): Promise<void> {
    const select = this.renderRoot.querySelector<HTMLSelectElement>('#link-role')
    const role: GrantableRole = select?.value === 'editor' ? 'editor' : 'viewer'
    const link = await this.action.run('create-link', async () => {
      const created = await this.api.value!.createLink(this.docId, role)
      await this.load()
      return created
    })
    if (link) {
      this.changed(`Link created: ${linkLabel(link.role).toLowerCase()}.`)
      await this.updateComplete
      this.renderRoot.querySelector<HTMLElement>(`li[data-link="${CSS.escape(link.id)}"] .copy`)?.focus()
    }
  }

  private async revoke(link: ShareLinkInfo): Promise<void> {
    const done = await this.action.run(`link:${link.id}`, async () => {
      await this.api.value!.revokeLink(this.docId, link.id)
      await this.load()
      return true
    })
    if (done) {
      this.changed('Link revoked: it no longer opens this document.')
      this.renderRoot.querySelector<HTMLElement>('#link-role')?.focus()
    } else {
      // revoked meanwhile from another tab or device, perhaps: show the links as they are now
      await this.load()
    }
  }

  private async copy(link: ShareLinkInfo): Promise<void> {
    const address = linkAddress(link)
    try {
      await navigator.clipboard.writeText(address)
      this.announcement = 'Link copied to the clipboard.'
    } catch {
      // no clipboard permission (or an insecure page): select it for Ctrl+C
      const input = this.renderRoot.querySelector<HTMLInputElement>(`li[data-link="${CSS.escape(link.id)}"] input`)
      input?.focus()
      input?.select()
      this.announcement = 'Press Ctrl+C (⌘C on a Mac) to copy the selected link.'
    }
  }

  private errorFor(prefix: string) {
    const failed = this.action.failed
    return this.action.error && failed && failed.startsWith(prefix) ? html`<p class="error" role="alert">${this.action.error}</p>` : nothing
  }

  private renderPeople(access: DocAccess) {
    const me = this.auth.value?.state.user?.username ?? null
    const owner = this.isOwner
    return html`<section aria-labelledby="people-heading">
      <h3 id="people-heading">People with access</h3>
      <ul aria-labelledby="people-heading">
        <li class="person" data-username=${access.owner}>
          <span class="who">${access.owner}${access.owner === me ? html`<span class="you"> (you)</span>` : nothing}</span>
          <span class="role-text">Owner</span>
        </li>
        ${repeat(
          access.members,
          (m) => m.username,
          (m) => {
            const busy = this.action.busy === `member:${m.username}`
            return html`<li class="person" data-username=${m.username}>
              <span class="who">${m.username}${m.username === me ? html`<span class="you"> (you)</span>` : nothing}</span>
              ${owner
                ? html`<label class="visually-hidden" for="role-${m.username}">Role of ${m.username}</label>
                    <select id="role-${m.username}" ?disabled=${busy} @change=${(e: Event) => this.setRole(m.username, (e.target as HTMLSelectElement).value as GrantableRole, e.target as HTMLSelectElement)}>
                      <option value="editor" ?selected=${m.role === 'editor'}>Editor</option>
                      <option value="viewer" ?selected=${m.role === 'viewer'}>Viewer</option>
                    </select>
                    <button type="button" class="quiet remove" aria-label="Remove ${m.username}" title="Remove" ?disabled=${busy} @click=${() => this.removeMember(m.username)}>${icons.trash}</button>`
                : html`<span class="role-text">${roleLabel(m.role)}</span>`}
            </li>`
          },
        )}
      </ul>
      ${access.members.length === 0 ? html`<p class="empty">Nobody else yet.</p>` : nothing}
      ${this.errorFor('member:')}
    </section>`
  }

  private renderAdd() {
    const busy = this.action.busy === 'add'
    return html`<section aria-labelledby="add-heading">
      <h3 id="add-heading">Add people</h3>
      <form class="add" novalidate @submit=${this.add}>
        <div class="field grow">
          <label for="username">Username</label>
          <input id="username" name="username" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" ?disabled=${busy} />
        </div>
        <div class="field">
          <label for="role">Role</label>
          <select id="role" name="role" ?disabled=${busy}>
            <option value="editor">Editor</option>
            <option value="viewer">Viewer</option>
          </select>
        </div>
        <button class="primary" type="submit" ?disabled=${busy}>${busy ? 'Adding…' : 'Add'}</button>
      </form>
      ${this.errorFor('add')}
    </section>`
  }

  private renderLinks(access: DocAccess) {
    const creating = this.action.busy === 'create-link'
    return html`<section aria-labelledby="links-heading">
      <h3 id="links-heading">Share links</h3>
      <p class="explain">Whoever has a link opens the document with its role, no account needed. Revoke a link to shut it.</p>
      ${access.links.length
        ? html`<ul aria-labelledby="links-heading">
            ${repeat(
              access.links,
              (l) => l.id,
              (l) => html`<li class="link" data-link=${l.id} data-role=${l.role}>
                <span class="what">${linkLabel(l.role)}</span>
                <label class="visually-hidden" for="link-${l.id}">${linkLabel(l.role)}: address</label>
                <input id="link-${l.id}" type="text" readonly .value=${linkAddress(l)} @focus=${(e: FocusEvent) => (e.target as HTMLInputElement).select()} />
                <button type="button" class="copy" aria-label="Copy the ${l.role === 'editor' ? 'edit' : 'view'} link" @click=${() => this.copy(l)}>Copy</button>
                <button type="button" class="quiet revoke" aria-label="Revoke the ${l.role === 'editor' ? 'edit' : 'view'} link" ?disabled=${this.action.busy === `link:${l.id}`} @click=${() => this.revoke(l)}>Revoke</button>
              </li>`,
            )}
          </ul>`
        : html`<p class="empty">No links yet.</p>`}
      <div class="create">
        <div class="field">
          <label for="link-role">New link</label>
          <select id="link-role" ?disabled=${creating}>
            <option value="viewer">Can view</option>
            <option value="editor">Can edit</option>
          </select>
        </div>
        <button type="button" ?disabled=${creating} @click=${this.createLink}>${icons.link}${creating ? 'Creating…' : 'Create link'}</button>
      </div>
      ${this.errorFor('link:')}${this.errorFor('create-link')}
    </section>`
  }

  private renderBody() {
    if (this.loadError) return html`<section><p class="error" role="alert">${this.loadError}</p></section>`
    const access = this.access
    if (!access) return html`<section><p class="empty" aria-busy="true">Loading…</p></section>`
    return html`${this.isOwner
        ? this.renderAdd()
        : html`<section><p class="explain">Only the owner, ${access.owner}, can change who has access.</p></section>`}
      ${this.renderPeople(access)} ${this.isOwner ? this.renderLinks(access) : nothing}`
  }

  override render() {
    const title = this.docTitle.trim() || 'Untitled'
    return html`<dialog part="dialog" aria-labelledby="share-title" @close=${() => (this.access = null)}>
      <div class="head">
        <h2 id="share-title">Share “${title}”</h2>
        <button type="button" class="quiet close" aria-label="Close" @click=${this.close}>${icons.close}</button>
      </div>
      ${this.renderBody()}
      <p class="status" role="status" aria-live="polite">${this.announcement}</p>
    </dialog>`
  }
}
