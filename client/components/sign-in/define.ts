/** Registers `<tandem-sign-in>`. */
import { TandemSignIn } from './sign-in.js'

if (!customElements.get('tandem-sign-in')) customElements.define('tandem-sign-in', TandemSignIn)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-sign-in': TandemSignIn
  }
}
