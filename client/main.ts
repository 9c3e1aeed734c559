/**
 * The browser entry: fills browser gaps (first, before any component can render an editor),
 * defines the components, and registers the service worker that keeps the app itself available
 * offline (documents themselves are kept in IndexedDB).
 */
import './shims.js'
import './styles.css'
import './components/app/define.js'
import './components/identity/define.js'
import './components/sign-in/define.js'
import './components/doc-list/define.js'
import './components/doc-editor/define.js'

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  // only on localhost or https (secure contexts); elsewhere the app simply needs the network
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err: unknown) => {
    console.warn('Tandem: offline app cache unavailable:', err)
  })
}
