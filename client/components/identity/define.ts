/** Registers `<tandem-identity>`. */
import { TandemIdentity } from './identity.js'

if (!customElements.get('tandem-identity')) customElements.define('tandem-identity', TandemIdentity)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-identity': TandemIdentity
  }
}
