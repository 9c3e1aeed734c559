/** Registers `<tandem-download-menu>`. */
import { TandemDownloadMenu } from './download-menu.js'

if (!customElements.get('tandem-download-menu')) customElements.define('tandem-download-menu', TandemDownloadMenu)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-download-menu': TandemDownloadMenu
  }
}
