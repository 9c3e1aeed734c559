/**
 * `<tandem-presence-list>`: who is in the document: an avatar (initials in the person's colour)
 * and name for everyone present, the local user first and marked "(you)". Follows the session
 * from context with a PresenceController. Past `max` people, the rest are summed up as "+N".
 *
 * Slots: none. Events: none. CSS parts: `list`, `person`, `avatar`.
 */
import { html, LitElement, nothing } from 'lit'
import { styleMap } from 'lit/directives/style-map.js'
import { repeat } from 'lit/directives/repeat.js'
import { PresenceController, type Person } from '../../collab/controllers.js'
import { initials } from '../../identity.js'
import { presenceListStyles } from './presence-list.styles.js'

export class TandemPresenceList extends LitElement {
  static override styles = presenceListStyles
  static override properties = {
    max: { type: Number },
  }

  /** Most people shown before "+N". */
  declare max: number
  private readonly presence = new PresenceController(this)

  constructor() {
    super()
    this.max = 5
  }

  private renderPerson(person: Person) {
    const label = person.self ? `${person.name} (you)` : person.name
    return html`<li part="person" class=${person.self ? 'self' : ''} title=${label} data-client=${person.clientId}>
      <span part="avatar" class="avatar" style=${styleMap({ backgroundColor: person.color })} aria-hidden="true">${initials(person.name)}</span>
      <span class="name">${person.name}${person.self ? html`<span class="you"> (you)</span>` : nothing}</span>
    </li>`
  }

  override render() {
    const people = this.presence.people
    const shown = people.slice(0, this.max)
    const hidden = people.slice(this.max)
    const others = people.length - 1
    const summary = others <= 0 ? 'Only you are here' : others === 1 ? '1 other person is here' : `${others} other people are here`
    return html`<ul part="list" aria-label="People in this document: ${summary}">
      ${repeat(shown, (p) => p.clientId, (p) => this.renderPerson(p))}
      ${hidden.length
        ? html`<li class="more" title=${hidden.map((p) => p.name).join(', ')}><span class="avatar more-avatar">+${hidden.length}</span><span class="visually-hidden">and ${hidden.map((p) => p.name).join(', ')}</span></li>`
        : nothing}
    </ul>`
  }
}
