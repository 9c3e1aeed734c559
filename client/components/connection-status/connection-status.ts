/**
 * `<tandem-connection-status>`: whether the open document reaches the server (connecting,
 * connected, offline) and whether the server has every change ("Saving..." until the server's
 * saved acknowledgement, then "All changes saved"). Offline, unconfirmed changes are kept on
 * this device and sent on reconnect. Announced politely to screen readers.
 *
 * Attributes reflected for styling and tests: `connection`, `save`.
 * Slots: none. Events: none. CSS parts: `dot`, `text`.
 */
import { html, LitElement } from 'lit'
import { SessionStatusController } from '../../collab/controllers.js'
import { connectionStatusStyles } from './connection-status.styles.js'
import { statusText } from './status-text.js'

export class TandemConnectionStatus extends LitElement {
  static override styles = connectionStatusStyles
  private readonly status = new SessionStatusController(this)

  protected override updated(): void {
    const s = this.status.value
    this.setAttribute('connection', s.ended ? 'closed' : s.connection)
    this.setAttribute('save', s.save)
  }

  override render() {
    const s = this.status.value
    const text = statusText(s)
    const hint =
      s.connection !== 'offline'
        ? ''
        : s.localCopy === false
          ? 'This browser keeps no copy of the document: your changes are only in this tab until the connection is back.'
          : 'Your changes are kept in this browser and sent when the connection is back.'
    return html`<span class="status" role="status" aria-live="polite" title=${hint}>
      <span part="dot" class="dot" aria-hidden="true"></span>
      <span part="text" class="connection">${text.connection}</span>
      <span class="sep" aria-hidden="true">·</span>
      <span class="save">${text.save}</span>
    </span>`
  }
}
