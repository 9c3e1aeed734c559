/** Registers `<tandem-history-dialog>`. */
import { TandemHistoryDialog } from './history-dialog.js'

if (!customElements.get('tandem-history-dialog')) customElements.define('tandem-history-dialog', TandemHistoryDialog)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-history-dialog': TandemHistoryDialog
  }
}
