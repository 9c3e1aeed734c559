/**
 * Access checks for HTTP requests: who is asking (the mode's policy), and for state-changing
 * requests made with a session cookie, same-origin and CSRF checks. Then role checks per
 * document that answer 401, 403 or 404 with a clear message.
 */
import type { IncomingMessage } from 'node:http'
import type { Access, AccessPolicy } from '../auth/policy.js'
import { can, type Action, type Role } from '../auth/roles.js'
import { originAllowed } from '../transport/request.js'
import { HttpError } from './respond.js'

/** Header carrying the session's CSRF token on state-changing requests. */
export const CSRF_HEADER = 'x-csrf-token'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Checks requests against the access policy. */
export class Guard {
  constructor(
    readonly policy: AccessPolicy,
    private readonly origins: readonly string[],
  ) {}

  /**
   * Identifies the request. A state-changing request must come from an allowed origin, and one
   * authenticated by a session cookie must carry that session's CSRF token.
   */
  async access(req: IncomingMessage, url: URL): Promise<Access> {
    const unsafe = UNSAFE.has(req.method ?? 'GET')
    if (unsafe && !originAllowed(req, this.origins)) throw new HttpError(403, `requests from ${req.headers.origin} are not allowed`)
    const access = await this.policy.identify(req, url)
    const p = access.principal
    if (unsafe && p.kind === 'user' && req.headers[CSRF_HEADER] !== p.session.csrf) {
      throw new HttpError(403, `missing or wrong ${CSRF_HEADER} header (GET /api/auth/me gives the token)`)
    }
    return access
  }

  /** The caller's role on `docId` when it allows `action`; 401, 403 or 404 otherwise. */
  require(access: Access, docId: string, action: Action): Role {
    const role = this.policy.roleFor(access, docId)
    if (can(role, action)) return role!
    if (role === null) {
      if (access.principal.kind === 'anonymous') throw new HttpError(401, 'sign in to use this document')
      // strangers learn nothing about whether the document exists
      throw new HttpError(404, `no document ${docId}`)
    }
    throw new HttpError(403, `${role === 'editor' || role === 'owner' ? 'an' : 'a'} ${role} may not ${action === 'share' ? 'change sharing of' : action} this document`)
  }
}
