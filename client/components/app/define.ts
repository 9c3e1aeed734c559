/** Registers `<tandem-app>`. */
import { TandemApp } from './app.js'

if (!customElements.get('tandem-app')) customElements.define('tandem-app', TandemApp)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-app': TandemApp
  }
}
