/**
 * `<tandem-identity>`: the local user's avatar and name in the app header; opens a small panel
 * to change the name and colour others see. Changes apply at once (to every open document and
 * every tab) and are remembered in localStorage. When signed in (accounts mode) the panel is
 * also the account menu: who is signed in, change password, create an account (admin), sign
 * out. Uses the IdentityStore and the AuthStore from context.
 *
 * Slots: none. Events: none. CSS parts: `button`, `panel`.
 */
import { ContextConsumer } from '@lit/context'
import { html, LitElement, nothing } from 'lit'
import { styleMap } from 'lit/directives/style-map.js'
import type { AuthState } from '../../auth.js'
import { PASSWORD_LENGTH } from '../../../shared/validate.js'
import { authContext, identityContext } from '../../context.js'
import { initials, MAX_NAME_LENGTH, PALETTE, type Identity } from '../../identity.js'
import { PendingDocs } from '../../collab/pending.js'
import { readLocalCopy } from '../../collab/session.js'
import { ActionController } from '../action.js'
import { OutsidePointerController } from '../outside-pointer.js'
import type { TandemConfirmDialog } from '../confirm-dialog/confirm-dialog.js'
import '../confirm-dialog/define.js'
import { signOutWarning } from './sign-out-warning.js'
import { identityStyles } from './identity.styles.js'

export class TandemIdentity extends LitElement {
  static override styles = identityStyles
  static override properties = {
    open: { state: true },
    identity: { state: true },
    account: { state: true },
    form: { state: true },
    notice: { state: true },
  }

  declare open: boolean
  declare identity: Identity | null
  /** The access state (null until known). */
  declare account: AuthState | null
  /** Which account form is open. */
  declare form: 'password' | 'create-user' | null
  /** Polite confirmation after an account action. */
  declare notice: string
  private readonly action = new ActionController(this)
  private readonly onAccount = (state: AuthState) => (this.account = state)
  private readonly auth = new ContextConsumer(this, {
    context: authContext,
    subscribe: true,
    callback: (store) => {
      this.account = store.state
      store.on('change', this.onAccount)
    },
  })
  private readonly onChange = (identity: Identity) => (this.identity = identity)
  private readonly store = new ContextConsumer(this, {
    context: identityContext,
    subscribe: true,
    callback: (store, unsubscribe) => {
      this.identity = store.identity
      store.on('change', this.onChange)
      void unsubscribe
    },
  })
  private readonly closeOnOutsidePointer = new OutsidePointerController(
    this,
    () => this.open,
    () => this.close(false),
  )

  constructor() {
    super()
    this.open = false
    this.identity = null
    this.account = null
    this.form = null
    this.notice = ''
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.store.value?.off('change', this.onChange)
    this.auth.value?.off('change', this.onAccount)
  }

  private toggle(): void {
    if (this.open) return this.close(true)
    this.open = true
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('#name')?.focus())
  }

  private close(refocus: boolean): void {
    this.open = false
    this.form = null
    this.notice = ''
    this.action.clear()
    if (refocus) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('.me')?.focus())
  }

  /**
   * Tab past the panel's last control closes it, leaving the focus where it went (as a click
   * elsewhere does). Shift+Tab back to the avatar button keeps it open; a focus going nowhere
   * (the window left) too.
   */
  private readonly onFocusOut = (event: FocusEvent) => {
    const next = event.relatedTarget
    if (this.open && next instanceof Node && !this.renderRoot.contains(next)) this.close(false)
  }

  private onName(event: InputEvent): void {
    const value = (event.target as HTMLInputElement).value
    if (value.trim()) this.store.value?.set({ name: value })
  }

  private onColor(color: string): void {
    this.store.value?.set({ color })
  }

  /** The signed-in account's name (accounts or token mode), else null. */
  private get username(): string | null {
    const state = this.account
    return state && state.mode !== 'open' && state.user ? state.user.username : null
  }

  private showForm(form: 'password' | 'create-user'): void {
    this.form = this.form === form ? null : form
    this.notice = ''
    this.action.clear()
    if (this.form) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>('.account-form input')?.focus())
  }

  private async changePassword(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const data = new FormData(form)
    const current = String(data.get('current') ?? '')
    const next = String(data.get('next') ?? '')
    const auth = this.auth.value
    if (!auth) return
    if (next !== String(data.get('confirm') ?? '')) {
      this.action.error = 'The new password and its confirmation differ.'
      this.requestUpdate()
      return
    }
    const done = await this.action.run('password', async () => (await auth.changePassword(current, next), true))
    if (done) {
      form.reset()
      this.form = null
      this.notice = 'Password changed. You stay signed in here; everywhere else you were signed out.'
    }
  }

  private async createUser(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const data = new FormData(form)
    const auth = this.auth.value
    if (!auth) return
    const created = await this.action.run('create-user', () => auth.createUser(String(data.get('username') ?? '').trim(), String(data.get('password') ?? '')))
    if (created) {
      form.reset()
      this.form = null
      this.notice = `Account ${created.user.username} created. Give them the password you chose.`
    }
  }

  private async signOut(): Promise<void> {
    const auth = this.auth.value
    if (!auth) return
    const warning = signOutWarning(await unsentTitles(auth.state.user?.id ?? null))
    if (warning) {
      const dialog = this.renderRoot.querySelector<TandemConfirmDialog>('tandem-confirm-dialog')!
      if (!(await dialog.ask(warning))) {
        void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('.sign-out')?.focus())
        return
      }
    }
    await this.action.run('sign-out', () => auth.signOut())
  }

  private renderAccount(username: string) {
    const state = this.account!
    const busy = this.action.busy
    const error = this.action.error ? html`<p class="error" role="alert">${this.action.error}</p>` : nothing
    if (state.mode === 'token') {
      return html`<div class="account"><p class="signed-in">Signed in as <strong>${username}</strong> through the application that opened Tandem.</p></div>`
    }
    return html`<div class="account">
      <p class="signed-in">Signed in as <strong>${username}</strong>${state.user?.admin ? html` <span class="tag">admin</span>` : nothing}</p>
      <div class="account-actions">
        <button type="button" aria-expanded=${this.form === 'password' ? 'true' : 'false'} @click=${() => this.showForm('password')}>Change password</button>
        ${state.user?.admin
          ? html`<button type="button" aria-expanded=${this.form === 'create-user' ? 'true' : 'false'} @click=${() => this.showForm('create-user')}>Create an account</button>`
          : nothing}
        <button type="button" class="sign-out" ?disabled=${busy === 'sign-out'} @click=${this.signOut}>${busy === 'sign-out' ? 'Signing out…' : 'Sign out'}</button>
      </div>
      ${this.form === 'password'
        ? html`<form class="account-form" novalidate @submit=${this.changePassword} aria-label="Change password">
            ${error}
            <label for="current">Current password</label>
            <input id="current" name="current" type="password" autocomplete="current-password" required />
            <label for="next">New password</label>
            <input id="next" name="next" type="password" autocomplete="new-password" required aria-describedby="next-hint" />
            <span id="next-hint" class="hint">At least ${PASSWORD_LENGTH.min} characters. Your other devices will be signed out.</span>
            <label for="confirm">New password again</label>
            <input id="confirm" name="confirm" type="password" autocomplete="new-password" required />
            <button class="primary" type="submit" ?disabled=${busy === 'password'}>${busy === 'password' ? 'Changing…' : 'Change password'}</button>
          </form>`
        : this.form === 'create-user'
          ? html`<form class="account-form" novalidate @submit=${this.createUser} aria-label="Create an account">
              ${error}
              <label for="new-username">Their username</label>
              <input id="new-username" name="username" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" required />
              <label for="new-password">Their password</label>
              <input id="new-password" name="password" type="password" autocomplete="new-password" required />
              <button class="primary" type="submit" ?disabled=${busy === 'create-user'}>${busy === 'create-user' ? 'Creating…' : 'Create account'}</button>
            </form>`
          : this.action.error
            ? error
            : nothing}
      <p class="notice" role="status" aria-live="polite">${this.notice}</p>
    </div>`
  }

  override render() {
    const me = this.identity
    if (!me) return html``
    const username = this.username
    return html`
      <button
        part="button"
        class="me"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="panel"
        aria-label=${username ? `Your account (${username}) and how others see you: ${me.name}` : `Your name and colour: ${me.name}`}
        @click=${this.toggle}
      >
        <span class="avatar" style=${styleMap({ backgroundColor: me.color })} aria-hidden="true">${initials(me.name)}</span>
        <span class="name">${me.name}</span>
      </button>
      <div
        id="panel"
        part="panel"
        class="panel"
        role="dialog"
        aria-label=${username ? 'Your account and how others see you' : 'How others see you'}
        ?hidden=${!this.open}
        @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && (e.preventDefault(), this.close(true))}
        @focusout=${this.onFocusOut}
      >
        ${username ? this.renderAccount(username) : nothing}
        <p class="hint">Others see this name and colour on your cursor and in the list of people.</p>
        <label for="name">Your name</label>
        <input id="name" type="text" .value=${me.name} maxlength=${MAX_NAME_LENGTH} autocomplete="nickname" @input=${this.onName} @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && this.close(true)} />
        <fieldset>
          <legend>Your colour</legend>
          <div class="swatches">
            ${PALETTE.map(
              (p) => html`<label class="swatch" style=${styleMap({ backgroundColor: p.color })} title=${p.name}>
                <input type="radio" name="color" .value=${p.color} .checked=${p.color === me.color} aria-label=${p.name} @change=${() => this.onColor(p.color)} />
              </label>`,
            )}
          </div>
        </fieldset>
        <div class="actions"><button class="primary" @click=${() => this.close(true)}>Done</button></div>
      </div>
      <tandem-confirm-dialog></tandem-confirm-dialog>
    `
  }
}

/** How long signing out waits to read a copy's title before naming it "Untitled". */
const TITLE_WAIT_MS = 2000

/** Titles of `account`'s documents whose changes this browser holds unsent, read from its copies. */
async function unsentTitles(account: string | null): Promise<{ pending: string[]; undelivered: string[] }> {
  const unsent = new PendingDocs().unsent(account)
  // a copy that cannot be read (or not soon) still counts: its changes are lost all the same
  const title = (docId: string) =>
    Promise.race([readLocalCopy(docId).then((copy) => copy.title, () => ''), new Promise<string>((resolve) => setTimeout(resolve, TITLE_WAIT_MS, ''))])
  const [pending, undelivered] = await Promise.all([Promise.all(unsent.pending.map(title)), Promise.all(unsent.undelivered.map(title))])
  return { pending, undelivered }
}
