/**
 * What a role lets this page do, in one place, pure: write, rename, delete; the words of the
 * "View only" badge and of share links; and a small per-browser memory of roles so a document
 * reopened offline is editable or read-only as it was last time.
 */
import type { AuthMode, GrantableRole, Role, ShareLinkInfo } from './api.js'
import type { KeyValueStore } from './identity.js'
import { webStorage } from './web-storage.js'

/** True when `role` may change the document's text and title. */
export function canWrite(role: Role | null | undefined): boolean {
  return role === 'owner' || role === 'editor'
}

/** True when `role` may rename the document from the list. */
export function canRename(role: Role | null | undefined): boolean {
  return canWrite(role)
}

/** True when `role` may delete the document (and change who has access). */
export function canDelete(role: Role | null | undefined): boolean {
  return role === 'owner'
}

/** How a read-only document was opened, for the badge's explanation. */
export interface ViewOnlyContext {
  readonly mode: AuthMode | null
  /** Opened with a share link (`?share=`). */
  readonly viaLink: boolean
  /** The document's owner, when known. */
  readonly owner?: string | null
}

/** Why the document is view only, in one sentence (null when it is not). */
export function viewOnlyReason(role: Role | null | undefined, context: ViewOnlyContext): string | null {
  if (role !== 'viewer') return null
  if (context.mode === 'token') return 'Your access token lets you read this document, not change it.'
  if (context.viaLink) return 'You opened a view link: you can read along, not edit.'
  const by = context.owner ? `${context.owner} shared` : 'The owner shared'
  return `${by} this document with you as a viewer: you can read along, not edit.`
}

/** The absolute address of a share link. */
export function linkAddress(link: Pick<ShareLinkInfo, 'url'>, origin: string = location.origin): string {
  return new URL(link.url, origin).href
}

/** What a link grants, in words. */
export function linkLabel(role: GrantableRole): string {
  return role === 'editor' ? 'Anyone with this link can edit' : 'Anyone with this link can view'
}

/** localStorage key of the remembered roles. */
export const ROLES_KEY = 'tandem.roles'
/** How many documents' roles are remembered. */
const MAX_REMEMBERED = 200

/** The last role this browser had on each recently opened document. */
export class RoleMemory {
  constructor(private readonly store: KeyValueStore | null = webStorage('localStorage')) {}

  private read(): Record<string, Role> {
    try {
      const value = JSON.parse(this.store?.getItem(ROLES_KEY) ?? '{}') as unknown
      return value && typeof value === 'object' ? (value as Record<string, Role>) : {}
    } catch {
      return {}
    }
  }

  /** The role last seen on `docId` (with `share`, a link's role is remembered apart). */
  get(docId: string, share?: string | null): Role | null {
    const role = this.read()[key(docId, share)]
    return role === 'owner' || role === 'editor' || role === 'viewer' ? role : null
  }

  /** Remembers a role; the oldest entries go past MAX_REMEMBERED. */
  set(docId: string, share: string | null | undefined, role: Role | null): void {
    const roles = this.read()
    const k = key(docId, share)
    delete roles[k]
    if (role) roles[k] = role
    const entries = Object.entries(roles).slice(-MAX_REMEMBERED)
    try {
      this.store?.setItem(ROLES_KEY, JSON.stringify(Object.fromEntries(entries)))
    } catch {
      // not remembered: offline reopening assumes editing
    }
  }
}

const key = (docId: string, share?: string | null) => (share ? `${docId}?link` : docId)
