/** Registers `<tandem-undelivered>`. */
import { TandemUndelivered } from './undelivered.js'

if (!customElements.get('tandem-undelivered')) customElements.define('tandem-undelivered', TandemUndelivered)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-undelivered': TandemUndelivered
  }
}
