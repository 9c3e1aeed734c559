/**
 * `<tandem-confirm-dialog>`: a modal question with Cancel and a confirm button, built on the
 * native <dialog> (focus trap, Escape, inert page for free). Call `ask()` and await the answer.
 *
 * Slots: none. Events: none (the promise of `ask` answers). CSS parts: `dialog`, `confirm`, `cancel`.
 */
import { html, LitElement } from 'lit'
import { confirmDialogStyles } from './confirm-dialog.styles.js'

/** What `ask` shows. */
export interface ConfirmOptions {
  readonly title: string
  readonly message: string
  /** Label of the confirm button (default "OK"). */
  readonly confirmLabel?: string
  /** Show the confirm button as destructive. */
  readonly danger?: boolean
}

export class TandemConfirmDialog extends LitElement {
  static override styles = confirmDialogStyles
  static override properties = {
    options: { state: true },
  }

  declare options: ConfirmOptions
  private settle: ((ok: boolean) => void) | null = null

  constructor() {
    super()
    this.options = { title: '', message: '' }
  }

  private get dialog(): HTMLDialogElement {
    return this.renderRoot.querySelector('dialog')!
  }

  /** Shows the question; resolves true when confirmed, false when cancelled or dismissed. */
  async ask(options: ConfirmOptions): Promise<boolean> {
    this.settle?.(false)
    this.options = options
    await this.updateComplete
    const answer = new Promise<boolean>((resolve) => (this.settle = resolve))
    this.dialog.returnValue = ''
    this.dialog.showModal()
    return answer
  }

  private onClose(): void {
    const ok = this.dialog.returnValue === 'confirm'
    this.settle?.(ok)
    this.settle = null
  }

  override render() {
    const o = this.options
    return html`<dialog part="dialog" aria-labelledby="title" aria-describedby="message" @close=${this.onClose}>
      <form method="dialog">
        <h2 id="title">${o.title}</h2>
        <p id="message">${o.message}</p>
        <div class="actions">
          <button part="cancel" value="cancel" autofocus>Cancel</button>
          <button part="confirm" value="confirm" class=${o.danger ? 'danger' : 'primary'}>${o.confirmLabel ?? 'OK'}</button>
        </div>
      </form>
    </dialog>`
  }
}
