/** Registers `<tandem-app>` (and the undelivered notice its sign-in screen may show). */
import '../undelivered/define.js'
import { TandemApp } from './app.js'

if (!customElements.get('tandem-app')) customElements.define('tandem-app', TandemApp)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-app': TandemApp
  }
}
