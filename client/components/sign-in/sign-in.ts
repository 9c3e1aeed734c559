/**
 * `<tandem-sign-in>`: the sign-in and sign-up screen of accounts mode, shown by the app in place
 * of the page the person was going to (which then opens once they are in). Errors are the
 * server's messages; when the server's sign-up is closed, the sign-up form is replaced by a note.
 * Uses the AuthStore from context.
 *
 * Properties: `message` (why signing in is needed, shown first), `signup` ('open' | 'closed'),
 * `cancellable` (shows "Not now", which fires `cancel`).
 * Slots: none. Events: `cancel`. CSS parts: `card`, `form`.
 */
import { ContextConsumer } from '@lit/context'
import { html, LitElement, nothing, type PropertyValues } from 'lit'
import { PASSWORD_LENGTH } from '../../../shared/validate.js'
import { authContext } from '../../context.js'
import { ActionController } from '../action.js'
import { signInStyles } from './sign-in.styles.js'

/** The sign-in and sign-up screen (see the file comment). */
export class TandemSignIn extends LitElement {
  static override styles = signInStyles
  static override properties = {
    message: { attribute: false },
    signup: {},
    cancellable: { type: Boolean },
    creating: { state: true },
  }

  declare message: string | null
  declare signup: 'open' | 'closed'
  declare cancellable: boolean
  /** Showing the sign-up form rather than sign-in. */
  declare creating: boolean

  private readonly auth = new ContextConsumer(this, { context: authContext })
  private readonly action = new ActionController(this)

  constructor() {
    super()
    this.message = null
    this.signup = 'closed'
    this.cancellable = false
    this.creating = false
  }

  protected override firstUpdated(): void {
    this.focusFirst()
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('creating') && changed.get('creating') !== undefined) this.focusFirst()
  }

  private focusFirst(): void {
    this.renderRoot.querySelector<HTMLInputElement>('#username')?.focus()
  }

  /** Signing up (only while the server's sign-up is open). */
  private get signingUp(): boolean {
    return this.creating && this.signup !== 'closed'
  }

  private switchTo(creating: boolean): void {
    this.creating = creating
    this.action.clear()
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault()
    const form = event.target as HTMLFormElement
    const data = new FormData(form)
    const username = String(data.get('username') ?? '').trim()
    const password = String(data.get('password') ?? '')
    const auth = this.auth.value
    if (!auth) return
    const signingUp = this.signingUp
    await this.action.run('submit', () => (signingUp ? auth.signUp(username, password) : auth.signIn(username, password)))
    if (this.action.error) {
      // put the cursor where the fix goes
      this.renderRoot.querySelector<HTMLInputElement>(signingUp ? '#username' : '#password')?.select()
    }
  }

  private renderForm(creating: boolean) {
    const busy = this.action.busy !== null
    return html`<form part="form" novalidate @submit=${this.submit} aria-describedby=${this.action.error ? 'error' : nothing}>
      ${this.action.error ? html`<p id="error" class="error" role="alert">${this.action.error}</p>` : nothing}
      <div class="field">
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required aria-describedby=${creating ? 'username-hint' : nothing} />
        ${creating ? html`<span id="username-hint" class="hint">3 to 32 letters, digits, dots, dashes or underscores.</span>` : nothing}
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete=${creating ? 'new-password' : 'current-password'} required aria-describedby=${creating ? 'password-hint' : nothing} />
        ${creating ? html`<span id="password-hint" class="hint">At least ${PASSWORD_LENGTH.min} characters.</span>` : nothing}
      </div>
      <button class="primary" type="submit" ?disabled=${busy}>${creating ? (busy ? 'Creating your account…' : 'Create account') : busy ? 'Signing in…' : 'Sign in'}</button>
    </form>`
  }

  override render() {
    const closed = this.signup === 'closed'
    const creating = this.signingUp
    return html`<div class="card" part="card">
      <h1>${creating ? 'Create your account' : 'Sign in to Tandem'}</h1>
      <p class="lead">${creating ? 'Pick a username; others add you to their documents by it.' : 'Your documents, and the ones shared with you, are waiting.'}</p>
      ${this.message ? html`<p class="message" role="status">${this.message}</p>` : nothing}
      ${this.renderForm(creating)}
      ${closed
        ? html`<p class="closed" id="signup-closed">New here? Sign-up is closed on this server: ask its admin for an account.</p>`
        : creating
          ? html`<p class="switch">Already have an account? <button class="link" type="button" @click=${() => this.switchTo(false)}>Sign in</button></p>`
          : html`<p class="switch">New here? <button class="link" type="button" @click=${() => this.switchTo(true)}>Create an account</button></p>`}
      ${this.cancellable ? html`<button class="quiet cancel" type="button" @click=${() => this.dispatchEvent(new Event('cancel'))}>Not now</button>` : nothing}
    </div>`
  }
}
