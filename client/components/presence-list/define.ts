/** Registers `<tandem-presence-list>`. */
import { TandemPresenceList } from './presence-list.js'

if (!customElements.get('tandem-presence-list')) customElements.define('tandem-presence-list', TandemPresenceList)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-presence-list': TandemPresenceList
  }
}
