/** Registers `<tandem-doc-list>` (and the confirm dialog and undelivered notices it uses). */
import '../confirm-dialog/define.js'
import '../undelivered/define.js'
import { TandemDocList } from './doc-list.js'

if (!customElements.get('tandem-doc-list')) customElements.define('tandem-doc-list', TandemDocList)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-doc-list': TandemDocList
  }
}
