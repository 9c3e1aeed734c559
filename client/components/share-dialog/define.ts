/** Registers `<tandem-share-dialog>`. */
import { TandemShareDialog } from './share-dialog.js'

if (!customElements.get('tandem-share-dialog')) customElements.define('tandem-share-dialog', TandemShareDialog)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-share-dialog': TandemShareDialog
  }
}
