/** Registers `<tandem-doc-editor>` and the components it renders. */
import '../connection-status/define.js'
import '../download-menu/define.js'
import '../presence-list/define.js'
import '../history-dialog/define.js'
import '../share-dialog/define.js'
import '../toolbar/define.js'
import '../undelivered/define.js'
import { TandemDocEditor } from './doc-editor.js'

if (!customElements.get('tandem-doc-editor')) customElements.define('tandem-doc-editor', TandemDocEditor)

declare global {
  interface HTMLElementTagNameMap {
    'tandem-doc-editor': TandemDocEditor
  }
}
