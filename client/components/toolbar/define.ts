/** Registers `<tandem-toolbar>`. */
import { TandemToolbar } from './toolbar.js'

if (!customElements.get('tandem-toolbar')) customElements.define('tandem-toolbar', TandemToolbar)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-toolbar': TandemToolbar
  }
}
