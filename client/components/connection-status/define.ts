/** Registers `<tandem-connection-status>`. */
import { TandemConnectionStatus } from './connection-status.js'

if (!customElements.get('tandem-connection-status')) customElements.define('tandem-connection-status', TandemConnectionStatus)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-connection-status': TandemConnectionStatus
  }
}
