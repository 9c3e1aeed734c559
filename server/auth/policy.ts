/**
 * Who is asking, and what may they do: one policy per auth mode. `identify` reads a request
 * (session cookie, bearer or `token` query parameter, share link), `roleFor` answers per document
 * synchronously so live connections can be re-checked at once when access changes.
 */
import type { IncomingMessage } from 'node:http'
import { HttpError } from '../http/respond.js'
import type { Accounts, LoginSession, User } from './accounts.js'
import type { AclStore } from './acl.js'
import { ownRole, type Role } from './roles.js'
import { TokenError, tokenRole, type TokenClaims, type TokenVerifier } from './tokens.js'

/** The three ways to run: anyone edits, accounts with sharing, or tokens from another app. */
export type AuthMode = 'open' | 'accounts' | 'token'

/** Who sent a request. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly user: User; readonly session: LoginSession }
  | { readonly kind: 'token'; readonly claims: TokenClaims }

/** A request's identity plus the share link it presented, if any. */
export interface Access {
  readonly principal: Principal
  readonly share: string | null
}

/** Name of the session cookie. */
export const SESSION_COOKIE = 'tandem_session'
/** Header (or, on the sync URL, query parameter `share`) carrying a share link secret. */
export const SHARE_HEADER = 'x-tandem-share'

/** Decides identities and roles for one auth mode. */
export interface AccessPolicy {
  readonly mode: AuthMode
  /** Who sent the request; rejects with a 401 HttpError for an invalid or expired token. */
  identify(req: IncomingMessage, url: URL): Promise<Access>
  /** The role `access` has on `docId` (null: none). */
  roleFor(access: Access, docId: string): Role | null
  /** The documents `access` may see listed. */
  visibleDocs(access: Access): 'all' | ReadonlySet<string>
}

const ANONYMOUS: Principal = { kind: 'anonymous' }

/** Reads one cookie from a request. */
export function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

const shareOf = (req: IncomingMessage, url: URL): string | null => {
  const value = (req.headers[SHARE_HEADER] as string | undefined) ?? url.searchParams.get('share')
  return value && /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : null
}

/** Open mode: anyone who reaches the server owns every document. */
export function openPolicy(): AccessPolicy {
  return {
    mode: 'open',
    identify: async () => ({ principal: ANONYMOUS, share: null }),
    roleFor: () => 'owner',
    visibleDocs: () => 'all',
  }
}

/** Accounts mode: a session cookie names the user; per-document roles and share links decide. */
export function accountsPolicy(accounts: Accounts, acl: AclStore): AccessPolicy {
  return {
    mode: 'accounts',
    async identify(req, url) {
      const token = readCookie(req, SESSION_COOKIE)
      const found = token ? await accounts.resolve(token) : null
      return { principal: found ? { kind: 'user', user: found.user, session: found.session } : ANONYMOUS, share: shareOf(req, url) }
    },
    roleFor(access, docId) {
      const p = access.principal
      // checked here too, not only when the cookie was read: role checks run in the same turn as
      // the socket's tracking starts, so a session ended in between cannot slip through
      const userId = p.kind === 'user' && !accounts.ended(p.session.id) ? p.user.id : null
      return acl.roleFor(docId, userId, access.share)
    },
    visibleDocs(access) {
      return new Set(access.principal.kind === 'user' ? acl.docsOf(access.principal.user.id) : [])
    },
  }
}

/** Token mode: a JWT from the embedding application names the user and their roles. */
export function tokenPolicy(verifier: TokenVerifier): AccessPolicy {
  return {
    mode: 'token',
    async identify(req, url) {
      const auth = req.headers.authorization
      const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : url.searchParams.get('token')
      if (!token) return { principal: ANONYMOUS, share: null }
      try {
        return { principal: { kind: 'token', claims: await verifier.verify(token) }, share: null }
      } catch (err) {
        if (err instanceof TokenError) throw new HttpError(401, err.message, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
        throw err
      }
    },
    roleFor(access, docId) {
      const p = access.principal
      return p.kind === 'token' && p.claims.exp * 1000 > Date.now() ? tokenRole(p.claims, docId) : null
    },
    visibleDocs(access) {
      const p = access.principal
      if (p.kind !== 'token') return new Set()
      return ownRole(p.claims.docs, '*') ? 'all' : new Set(Object.keys(p.claims.docs))
    },
  }
}

/** A display name for a principal (logs, presence defaults). */
export function principalName(p: Principal): string {
  if (p.kind === 'user') return p.user.username
  if (p.kind === 'token') return p.claims.name
  return 'anonymous'
}
