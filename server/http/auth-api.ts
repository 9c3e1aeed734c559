/**
 * The account API (accounts mode), JSON in and out:
 *
 *   GET  /api/auth/me        { mode, signup, user | null, csrf | null }   (every mode)
 *   POST /api/auth/signup    { username, password }  201 { user, csrf } and the session cookie
 *   POST /api/auth/login     { username, password }  200 { user, csrf } and the session cookie
 *   POST /api/auth/logout                            204; the session's sockets close (4401)
 *   POST /api/auth/password  { current, next }       204; other sessions end
 *   POST /api/auth/users     { username, password }  201 (admin: create an account)
 *
 * Failed logins, and wrong current passwords on a change, are limited per account and per
 * address, sign-ups per address (429 with Retry-After).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { PASSWORD_LENGTH, USERNAME_PATTERN } from '../../shared/validate.js'
import { AccountError, publicUser, type User } from '../auth/accounts.js'
import type { Auth } from '../auth/auth.js'
import { SESSION_TTL_MS } from '../auth/auth.js'
import { SESSION_COOKIE, type Access } from '../auth/policy.js'
import { clientAddress, isSecure } from '../transport/request.js'
import type { Guard } from './guard.js'
import { HttpError, json, readJson } from './respond.js'
import type { RouteContext, Router } from './router.js'

/** A string field whose absence and wrong type are told apart. */
const text = (name: string) => z.string({ error: (issue) => (issue.input === undefined ? `${name} is required` : `${name} must be a string`) })

const username = text('username').regex(USERNAME_PATTERN, 'usernames are 3 to 32 characters of A-Z a-z 0-9 _ . -')
const password = text('password')
  .min(PASSWORD_LENGTH.min, `passwords are at least ${PASSWORD_LENGTH.min} characters`)
  .max(PASSWORD_LENGTH.max, `passwords are at most ${PASSWORD_LENGTH.max} characters`)

/** Body of sign-up, login and account creation. */
export const Credentials = z.strictObject({ username, password }, { error: 'send {"username": ..., "password": ...}' })
/** Body of a password change. */
export const PasswordChange = z.strictObject(
  { current: text('current').max(PASSWORD_LENGTH.max), next: password },
  { error: 'send {"current": ..., "next": ...}' },
)

/** Parses a body with `schema`, or throws a 400 naming the first problem. */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const message = issue?.code === 'unrecognized_keys' ? `unknown field: ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid input')
    throw new HttpError(400, message)
  }
  return result.data
}

/** What the account routes need. */
export interface AuthApiContext {
  readonly auth: Auth
  readonly guard: Guard
  readonly trustProxy: boolean
}

/** Adds /api/auth routes to a router. */
export function addAuthRoutes(router: Router, ctx: AuthApiContext): void {
  const { auth, guard } = ctx

  const accounts = () => {
    if (!auth.accounts) throw new HttpError(404, `accounts are off on this server (it runs with --auth ${auth.mode})`)
    return auth.accounts
  }
  const signedIn = (access: Access) => {
    if (access.principal.kind !== 'user') throw new HttpError(401, 'sign in first')
    return access.principal
  }
  const cookie = (req: IncomingMessage, value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${isSecure(req, ctx.trustProxy) ? '; Secure' : ''}`
  const startSession = async (req: IncomingMessage, res: ServerResponse, user: User, status: number) => {
    const { token, session } = await accounts().startSession(user)
    json(res, status, { user: publicUser(user), csrf: session.csrf }, { 'Set-Cookie': cookie(req, token, SESSION_TTL_MS / 1000) })
  }
  const create = async (input: { username: string; password: string }, options: { onlyFirst?: boolean } = {}) => {
    try {
      return await accounts().create(input.username, input.password, options)
    } catch (err) {
      if (err instanceof AccountError) throw new HttpError(err.status, err.message)
      throw err
    }
  }

  /**
   * Takes one password check of `username`'s from the failed-login limits (429 when they are
   * spent); `succeeded` gives it back. Every check takes its tokens before the slow hash: taken
   * only after a failed one, guesses sent at once were all checked.
   */
  const passwordAttempt = (req: IncomingMessage, username: string) => {
    const accountKey = username.toLowerCase()
    const addressKey = clientAddress(req, ctx.trustProxy)
    const { perAccount, perAddress } = auth.loginFailures
    const byAccount = perAccount.take(accountKey)
    if (!byAccount || !perAddress.take(addressKey)) {
      if (byAccount) perAccount.giveBack(accountKey)
      const wait = Math.max(perAccount.retryAfter(accountKey), perAddress.retryAfter(addressKey))
      throw new HttpError(429, `too many failed sign-ins; try again in ${wait} s`, { 'Retry-After': String(wait) })
    }
    return {
      succeeded() {
        perAccount.reset(accountKey)
        perAddress.giveBack(addressKey)
      },
    }
  }

  router.add('GET', '/api/auth/me', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const access = await guard.access(req, route.url)
    const p = access.principal
    json(res, 200, {
      mode: auth.mode,
      signup: auth.accounts ? (auth.signup === 'open' || (await auth.accounts.count()) === 0 ? 'open' : 'closed') : 'closed',
      user: p.kind === 'user' ? publicUser(p.user) : p.kind === 'token' ? { id: p.claims.sub, username: p.claims.name, admin: false } : null,
      csrf: p.kind === 'user' ? p.session.csrf : null,
    })
  })

  router.add('POST', '/api/auth/signup', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    await guard.access(req, route.url)
    const input = parseBody(Credentials, await readJson(req))
    // each sign-up costs a password hash (two run at a time, logins queue behind them) and an
    // account: an address gets a team's worth an hour. Taken before the hash, so that sign-ups
    // sent at once are counted like ones sent one after another
    const addressKey = clientAddress(req, ctx.trustProxy)
    if (!auth.signups.take(addressKey)) {
      const wait = auth.signups.retryAfter(addressKey)
      throw new HttpError(429, `too many sign-ups from this address; try again in ${wait} s`, { 'Retry-After': String(wait) })
    }
    // closed sign-up still lets the first person in (the admin); create decides that atomically
    await startSession(req, res, await create(input, { onlyFirst: auth.signup === 'closed' }), 201)
  })

  router.add('POST', '/api/auth/login', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    await guard.access(req, route.url)
    const input = parseBody(Credentials, await readJson(req))
    const attempt = passwordAttempt(req, input.username)
    const user = await accounts().verify(input.username, input.password)
    if (!user) throw new HttpError(401, 'wrong username or password')
    attempt.succeeded()
    await startSession(req, res, user, 200)
  })

  router.add('POST', '/api/auth/logout', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const access = await guard.access(req, route.url)
    if (access.principal.kind === 'user') {
      await accounts().endSession(access.principal.session.id)
      auth.live.endSessions(new Set([access.principal.session.id]))
    }
    res.writeHead(204, { 'Set-Cookie': cookie(req, '', 0), 'Cache-Control': 'no-store' })
    res.end()
  })

  router.add('POST', '/api/auth/password', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const p = signedIn(await guard.access(req, route.url))
    const input = parseBody(PasswordChange, await readJson(req))
    // a wrong current password is a failed sign-in: else a stolen cookie could guess the
    // password here without limit, and then change it
    const attempt = passwordAttempt(req, p.user.username)
    try {
      await accounts().changePassword(p.user, input.current, input.next, p.session)
    } catch (err) {
      if (err instanceof AccountError) throw new HttpError(err.status, err.message)
      throw err
    }
    attempt.succeeded()
    const ended = await accounts().endOtherSessions(p.user.id, p.session.id)
    auth.live.endSessions(new Set(ended))
    res.writeHead(204, { 'Cache-Control': 'no-store' })
    res.end()
  })

  router.add('POST', '/api/auth/users', async (req: IncomingMessage, res: ServerResponse, route: RouteContext) => {
    const p = signedIn(await guard.access(req, route.url))
    if (!p.user.admin) throw new HttpError(403, 'only the admin may create accounts')
    const input = parseBody(Credentials, await readJson(req))
    const user = await create(input)
    json(res, 201, { user: publicUser(user) })
  })
}
