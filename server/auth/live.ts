/**
 * Live sync connections by document and by login session, so that access changes take effect
 * on open sockets at once: revoked access closes with 4403, a changed role with 4003 (the client
 * reconnects with its new role), a logout or an expired token with 4401.
 */
import { Close, type CloseCode } from '../../shared/protocol.js'
import type { Access, AccessPolicy } from './policy.js'
import type { Role } from './roles.js'

/** A connection as access control sees it. */
export interface LiveConnection {
  readonly docId: string
  readonly access: Access
  readonly role: Role
  close(code: CloseCode): void
}

/** Tracks live connections and re-checks them when access changes. */
export class LiveAccess {
  private readonly byDoc = new Map<string, Set<LiveConnection>>()
  private readonly expiry = new Map<LiveConnection, NodeJS.Timeout>()

  constructor(private readonly policy: AccessPolicy) {}

  /** Starts tracking a connection; a token's expiry closes it when the time comes. */
  add(conn: LiveConnection): void {
    let set = this.byDoc.get(conn.docId)
    if (!set) this.byDoc.set(conn.docId, (set = new Set()))
    set.add(conn)
    const p = conn.access.principal
    const deadline = p.kind === 'token' ? p.claims.exp * 1000 : p.kind === 'user' ? p.session.expiresAt : null
    if (deadline !== null) {
      const timer = setTimeout(() => {
        this.remove(conn)
        conn.close(Close.Unauthorized)
      }, Math.max(0, Math.min(deadline - Date.now(), 2 ** 31 - 1)))
      timer.unref()
      this.expiry.set(conn, timer)
    }
  }

  /** Stops tracking a connection (it closed). */
  remove(conn: LiveConnection): void {
    const set = this.byDoc.get(conn.docId)
    set?.delete(conn)
    if (set?.size === 0) this.byDoc.delete(conn.docId)
    const timer = this.expiry.get(conn)
    if (timer) clearTimeout(timer)
    this.expiry.delete(conn)
  }

  /** Re-checks every connection to `docId` after its access changed. */
  recheck(docId: string): void {
    for (const conn of [...(this.byDoc.get(docId) ?? [])]) {
      const role = this.policy.roleFor(conn.access, docId)
      if (role === conn.role) continue
      this.remove(conn)
      conn.close(role === null ? Close.Forbidden : Close.AccessChanged)
    }
  }

  /** Closes every connection made with a login session (logout, password change). */
  endSessions(sessionIds: ReadonlySet<string>): void {
    for (const set of [...this.byDoc.values()]) {
      for (const conn of [...set]) {
        const p = conn.access.principal
        if (p.kind === 'user' && sessionIds.has(p.session.id)) {
          this.remove(conn)
          conn.close(Close.Unauthorized)
        }
      }
    }
  }

  /** Number of tracked connections to `docId`. */
  count(docId: string): number {
    return this.byDoc.get(docId)?.size ?? 0
  }
}
