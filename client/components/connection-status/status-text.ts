/**
 * The words of the status indicator, pure so they can be tested without a DOM.
 */
import type { StatusView } from '../../collab/controllers.js'

/** The words for a status: the connection, and what happened to the changes. */
export function statusText(status: StatusView): { connection: string; save: string } {
  if (status.ended) return { connection: 'Closed', save: 'Not saving' }
  const connection = status.connection === 'connected' ? 'Online' : status.connection === 'connecting' ? 'Connecting…' : 'Offline'
  // the server dropped them: never "saved", whatever it answers later
  if (status.refused) return { connection, save: 'Changes not saved' }
  // offline with nothing of it from the server: what shows is not the document others see
  const notLoaded = status.connection === 'offline' && status.loadedHere === false
  if (status.readOnly) {
    if (notLoaded) return { connection, save: 'Not loaded yet' }
    // a viewer changes nothing: say whether what is shown is live
    const save = status.connection === 'connected' ? 'Up to date' : status.connection === 'connecting' ? 'Loading…' : 'Showing the last copy'
    return { connection, save }
  }
  let save: string
  if (status.save === 'saved') save = status.connection === 'connecting' ? 'Loading…' : notLoaded ? 'Not loaded yet' : 'All changes saved'
  else if (status.connection !== 'offline') save = 'Saving...'
  // without a copy in this browser, unconfirmed changes live only in this tab
  else if (status.localCopy === false) save = 'Not saved: keep this tab open'
  else save = status.keptLocally === false ? 'Saving on this device...' : 'Changes kept on this device'
  return { connection, save }
}
