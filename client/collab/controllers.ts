/**
 * Reactive controllers that let a component follow the open document's session: its connection
 * and save state (SessionStatusController) and who is present (PresenceController). Both find the
 * session through @lit/context and re-render their host when it changes.
 */
import { ContextConsumer } from '@lit/context'
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { sessionContext } from '../context.js'
import { cleanName, safeColor } from '../identity.js'
import type { DocSession, SessionEvents } from './session.js'

type Host = ReactiveControllerHost & HTMLElement

/** Follows the session from context and re-renders the host on the given session events. */
class SessionFollower implements ReactiveController {
  protected session: DocSession | undefined
  private readonly listener = () => this.changed()

  constructor(
    protected readonly host: Host,
    private readonly events: ReadonlyArray<keyof SessionEvents>,
  ) {
    host.addController(this)
    new ContextConsumer(host, {
      context: sessionContext,
      subscribe: true,
      callback: (session) => this.attach(session),
    })
  }

  private attach(session: DocSession | undefined): void {
    if (session === this.session) return
    for (const e of this.events) this.session?.off(e, this.listener)
    this.session = session
    for (const e of this.events) session?.on(e, this.listener)
    this.changed()
  }

  /** Called when the session or one of its watched events changed. */
  protected changed(): void {
    this.host.requestUpdate()
  }

  hostConnected(): void {
    for (const e of this.events) this.session?.off(e, this.listener)
    for (const e of this.events) this.session?.on(e, this.listener)
  }

  hostDisconnected(): void {
    for (const e of this.events) this.session?.off(e, this.listener)
  }
}

/** What a status indicator shows. */
export interface StatusView {
  readonly connection: 'connecting' | 'connected' | 'offline'
  readonly save: 'saved' | 'saving'
  /** Set when the server ended the session for good. */
  readonly ended: string | null
  /** The person may only read (a viewer). */
  readonly readOnly?: boolean
  /** False while local changes are still on their way into this browser's IndexedDB copy. */
  readonly keptLocally?: boolean
  /** False when this browser keeps no copy of the document (no IndexedDB, or refused). */
  readonly localCopy?: boolean
  /** The server refused local changes (read-only): they are only in this browser. */
  readonly refused?: boolean
  /** False while this browser has nothing of the document from the server (session.loadedHere). */
  readonly loadedHere?: boolean
}

/** Connection and save state of the open document. */
export class SessionStatusController extends SessionFollower {
  constructor(host: Host) {
    super(host, ['status'])
  }

  /** The current status; `connecting` and `saved` while no session is open. */
  get value(): StatusView {
    const s = this.session
    if (!s) return { connection: 'connecting', save: 'saved', ended: null }
    return { connection: s.connection, save: s.saveState, ended: s.ended?.message ?? null, readOnly: s.readOnly, keptLocally: s.keptLocally, localCopy: s.localCopy, refused: s.refused, loadedHere: s.loadedHere }
  }
}

/** One person in the document. */
export interface Person {
  readonly clientId: number
  readonly name: string
  readonly color: string
  readonly self: boolean
}

/** Everyone in `states` with a user field, the local client first; same name and colour once. */
export function peopleFrom(states: Map<number, Record<string, unknown>>, localClientId: number): Person[] {
  const people: Person[] = []
  const seen = new Set<string>()
  const entries = [...states.entries()].sort(([a], [b]) => (a === localClientId ? -1 : b === localClientId ? 1 : a - b))
  for (const [clientId, state] of entries) {
    const user = state.user as { name?: unknown; color?: unknown } | undefined
    if (!user) continue
    const name = cleanName(user.name) || 'Anonymous'
    const color = safeColor(user.color) ?? '#37474f'
    const self = clientId === localClientId
    // the same person in two tabs shows once
    const key = `${name}\u0000${color}`
    if (seen.has(key) && !self) continue
    seen.add(key)
    people.push({ clientId, name, color, self })
  }
  return people
}

/** Who is in the open document. */
export class PresenceController extends SessionFollower {
  private signature = ''

  constructor(host: Host) {
    super(host, ['presence'])
  }

  /** Re-renders only when someone joined, left or changed name or colour (not on cursor moves). */
  protected override changed(): void {
    const next = this.people.map((p) => `${p.clientId}:${p.name}:${p.color}`).join('|')
    if (next === this.signature) return
    this.signature = next
    this.host.requestUpdate()
  }

  /** Everyone present, the local user first. */
  get people(): Person[] {
    const s = this.session
    if (!s) return []
    return peopleFrom(s.awareness.getStates() as Map<number, Record<string, unknown>>, s.doc.clientID)
  }
}
