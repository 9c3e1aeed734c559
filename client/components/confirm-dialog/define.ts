/** Registers `<tandem-confirm-dialog>`. */
import { TandemConfirmDialog } from './confirm-dialog.js'

if (!customElements.get('tandem-confirm-dialog')) customElements.define('tandem-confirm-dialog', TandemConfirmDialog)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-confirm-dialog': TandemConfirmDialog
  }
}
