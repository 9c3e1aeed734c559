/**
 * The browser's access logic without a DOM: which screen shows for which mode, account and
 * route; credentials on API requests (CSRF on changes, bearer token, share link); the AuthStore
 * against a fake server (sign-in, offline start from the remembered answer, a refused token);
 * roles (what each may do, the "View only" reasons, remembered roles); share routes and links;
 * the presence name following the account; the words for ends and for a viewer's status.
 */
import { describe, expect, it } from 'vitest'
import { canDelete, canRename, canWrite, linkAddress, linkLabel, RoleMemory, ROLES_KEY, viewOnlyReason } from '../../client/access.js'
import { AuthApi, DocsApi, requestHeaders, sentence } from '../../client/api.js'
import { AuthStore, canCreate, LINK_REFUSED, ME_KEY, screenFor, TOKEN_KEY, tokenClaims, tokenFromSearch, tokenMessage, tokenRole, withoutToken, type AuthState } from '../../client/auth.js'
import { PENDING_KEY, UNDELIVERED_KEY } from '../../client/collab/pending.js'
import { endMessage } from '../../client/collab/session.js'
import { statusText } from '../../client/components/connection-status/status-text.js'
import { IDENTITY_KEY, IdentityStore } from '../../client/identity.js'
import { docPath, parseRoute } from '../../client/router.js'

function memoryStore(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial))
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  }
}

type Answer = { status: number; body?: unknown } | Error

/** A fetch that answers from a list and records what it was asked. */
function fakeFetch(answers: Answer[]) {
  const calls: Array<{ url: string; init: RequestInit }> = []
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    const next = answers.shift()
    if (!next) throw new Error(`unexpected request ${init.method} ${url}`)
    if (next instanceof Error) throw next
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), { status: next.status })
  }) as unknown as typeof fetch
  return { calls, impl }
}

const header = (call: { init: RequestInit }, name: string) => (call.init.headers as Record<string, string>)[name]

const state = (change: Partial<AuthState>): AuthState => ({ mode: 'accounts', signup: 'open', user: null, refused: null, epoch: 0, ...change })
const alice = { id: 'u1', username: 'alice', admin: true }

/** A JWT-shaped string with these claims (unsigned: the client never checks signatures). */
const fakeJwt = (claims: unknown) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

describe('screens', () => {
  const list = parseRoute('/')
  const doc = parseRoute('/d/abc')
  const linked = parseRoute('/d/abc', '?share=s3cret')

  it('shows every page in open mode and waits while the mode is unknown', () => {
    expect(screenFor(list, state({ mode: 'open' }), '/')).toEqual({ name: 'route' })
    expect(screenFor(doc, state({ mode: null }), '/d/abc')).toEqual({ name: 'loading' })
  })

  it('asks for sign-in in accounts mode, except on a share link until it is refused', () => {
    expect(screenFor(list, state({}), '/')).toEqual({ name: 'sign-in', message: null })
    expect(screenFor(doc, state({}), '/d/abc')).toEqual({ name: 'sign-in', message: null })
    expect(screenFor(linked, state({}), '/d/abc?share=s3cret')).toEqual({ name: 'route' })
    const refused = { message: 'Sign in to use this document.', path: '/d/abc?share=s3cret' }
    expect(screenFor(linked, state({ refused }), '/d/abc?share=s3cret')).toEqual({ name: 'sign-in', message: LINK_REFUSED })
    expect(screenFor(doc, state({ refused: { ...refused, path: '/d/abc' } }), '/d/abc')).toEqual({ name: 'sign-in', message: 'Sign in to use this document.' })
    // a refusal belongs to the page it happened on
    expect(screenFor(list, state({ user: alice, refused }), '/')).toEqual({ name: 'route' })
    expect(screenFor(doc, state({ user: alice }), '/d/abc')).toEqual({ name: 'route' })
  })

  it('explains tokens in token mode instead of signing in', () => {
    expect(screenFor(doc, state({ mode: 'token' }), '/d/abc')).toEqual({ name: 'token-missing', message: null })
    expect(screenFor(doc, state({ mode: 'token', user: alice }), '/d/abc')).toEqual({ name: 'route' })
    const refused = { message: 'Your access was refused: the token has expired.', path: '/d/abc' }
    expect(screenFor(doc, state({ mode: 'token', user: alice, refused }), '/d/abc')).toEqual({ name: 'token-missing', message: refused.message })
    expect(screenFor(doc, state({ mode: 'token', refused: { message: '', path: '/d/abc' } }), '/d/abc')).toEqual({ name: 'token-missing', message: null })
  })
})

describe('tokens in the address', () => {
  it('takes the token out of the query and keeps the rest', () => {
    expect(tokenFromSearch('?token=abc.def.ghi&share=x')).toBe('abc.def.ghi')
    expect(tokenFromSearch('?token=')).toBeNull()
    expect(tokenFromSearch('')).toBeNull()
    expect(withoutToken('?token=abc&share=x')).toBe('?share=x')
    expect(withoutToken('?token=abc')).toBe('')
  })

  it('reads claims for UI decisions only, and offers "New document" when the token may create', () => {
    expect(tokenClaims(fakeJwt({ name: 'Ünïcode', docs: { '*': 'editor' } }))).toMatchObject({ name: 'Ünïcode' })
    expect(tokenClaims('garbage')).toBeNull()
    expect(tokenClaims(null)).toBeNull()
    expect(canCreate({ mode: 'open', user: null }, null)).toBe(true)
    expect(canCreate({ mode: 'accounts', user: null }, null)).toBe(false)
    expect(canCreate({ mode: 'accounts', user: alice }, null)).toBe(true)
    expect(canCreate({ mode: 'token', user: alice }, fakeJwt({ docs: { '*': 'owner' } }))).toBe(true)
    expect(canCreate({ mode: 'token', user: alice }, fakeJwt({ docs: { '*': 'viewer' } }))).toBe(false)
    expect(canCreate({ mode: 'token', user: alice }, fakeJwt({ docs: { plan: 'owner' } }))).toBe(false)
    const token = fakeJwt({ docs: { plan: 'viewer', '*': 'editor' } })
    expect([tokenRole(token, 'plan'), tokenRole(token, 'other'), tokenRole(fakeJwt({ docs: { plan: 'admin' } }), 'plan'), tokenRole(null, 'plan')]).toEqual(['viewer', 'editor', null, null])
    expect(tokenMessage('The token has expired.')).toBe('Your access was refused: the token has expired.')
  })
})

describe('credentials on requests', () => {
  it('sends CSRF only on changes, the bearer token always, and the share secret when given', () => {
    expect(requestHeaders('GET', false, { csrf: 'c', token: null })).toEqual({ Accept: 'application/json' })
    expect(requestHeaders('PATCH', true, { csrf: 'c' })).toEqual({ Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': 'c' })
    expect(requestHeaders('GET', false, { token: 't' }, 's')).toEqual({ Accept: 'application/json', Authorization: 'Bearer t', 'X-Tandem-Share': 's' })
    expect(sentence('no user zed')).toBe('No user zed.')
    expect(sentence('Done!')).toBe('Done!')
  })

  it('puts them on document and sharing calls, and reports a 401 once', async () => {
    const { calls, impl } = fakeFetch([
      { status: 200, body: { id: 'a', title: '', createdAt: 1, updatedAt: 1, role: 'viewer' } },
      { status: 200, body: { username: 'bob', role: 'editor' } },
      { status: 201, body: { id: 'l1', role: 'viewer', createdAt: 1, url: '/d/a?share=x' } },
      { status: 204 },
      { status: 204 },
      { status: 401, body: { error: 'sign in to see your documents' } },
    ])
    const refusals: string[] = []
    const api = new DocsApi('', impl, { credentials: () => ({ csrf: 'csrf-1', token: null }), onUnauthorized: (e) => refusals.push(e.message) })
    expect((await api.get('a', { share: 'secret' })).role).toBe('viewer')
    expect(header(calls[0]!, 'X-Tandem-Share')).toBe('secret')
    expect(header(calls[0]!, 'X-CSRF-Token')).toBeUndefined()
    await api.setMember('a', 'bob', 'editor')
    expect(calls[1]!.url).toBe('/api/docs/a/access/members/bob')
    expect(calls[1]!.init.method).toBe('PUT')
    expect(header(calls[1]!, 'X-CSRF-Token')).toBe('csrf-1')
    await api.createLink('a', 'viewer')
    expect(JSON.parse(String(calls[2]!.init.body))).toEqual({ role: 'viewer' })
    await api.revokeLink('a', 'l1')
    expect(calls[3]!.url).toBe('/api/docs/a/access/links/l1')
    await api.removeMember('a', 'bob')
    expect(calls[4]!.init.method).toBe('DELETE')
    await expect(api.list()).rejects.toMatchObject({ status: 401, message: 'Sign in to see your documents.' })
    expect(refusals).toEqual(['Sign in to see your documents.'])
  })

  it('takes a gateway\'s 502, 503 or 504 page for an unreachable server, and the server\'s own errors for refusals', async () => {
    const { impl } = fakeFetch([{ status: 502 }, { status: 504 }, { status: 503, body: { error: 'storage unavailable' } }, { status: 500 }, new TypeError('Failed to fetch')])
    const api = new DocsApi('', impl)
    for (const status of [502, 504]) {
      await expect(api.list()).rejects.toMatchObject({ status, offline: true, message: 'The server cannot be reached right now. Try again in a moment.' })
    }
    await expect(api.list()).rejects.toMatchObject({ status: 503, offline: false, message: 'Storage unavailable.' })
    await expect(api.list()).rejects.toMatchObject({ status: 500, offline: false, message: 'The server answered 500.' })
    await expect(api.list()).rejects.toMatchObject({ status: 0, offline: true })
  })

  it('lets the credentials catch up before changes only', async () => {
    const { impl } = fakeFetch([{ status: 200, body: { docs: [] } }, { status: 204 }])
    const before: string[] = []
    const api = new DocsApi('', impl, { beforeChange: async () => void before.push('refresh') })
    await api.list()
    expect(before).toEqual([])
    await api.remove('a')
    expect(before).toEqual(['refresh'])
  })
})

describe('AuthStore', () => {
  function store(answers: Answer[], initial: { session?: Record<string, string>; local?: Record<string, string> } = {}) {
    const { calls, impl } = fakeFetch(answers)
    const session = memoryStore(initial.session)
    const local = memoryStore(initial.local)
    let auth!: AuthStore
    const api = new AuthApi('', impl, { credentials: () => auth.credentials })
    auth = new AuthStore({ api, session, local, window: null })
    return { auth, calls, session, local }
  }

  it('learns the mode, signs in (new CSRF, new epoch) and out', async () => {
    const { auth, calls, local } = store([
      { status: 200, body: { mode: 'accounts', signup: 'closed', user: null, csrf: null } },
      { status: 401, body: { error: 'wrong username or password' } },
      { status: 200, body: { user: alice, csrf: 'csrf-2' } },
      { status: 204 },
    ])
    await auth.load()
    expect(auth.state).toMatchObject({ mode: 'accounts', signup: 'closed', user: null, epoch: 0 })
    await expect(auth.signIn('alice', 'nope')).rejects.toMatchObject({ message: 'Wrong username or password.' })
    expect(auth.state.user).toBeNull()
    await auth.signIn('alice', 'right')
    expect(auth.state).toMatchObject({ user: alice, epoch: 1 })
    expect(auth.credentials.csrf).toBe('csrf-2')
    expect(JSON.parse(local.data.get(ME_KEY)!)).toEqual({ mode: 'accounts', signup: 'closed', user: alice })
    local.setItem(ROLES_KEY, JSON.stringify({ a: 'owner' }))
    local.setItem(PENDING_KEY, JSON.stringify({ a: { account: alice.id, share: null } }))
    local.setItem(UNDELIVERED_KEY, JSON.stringify({ b: { account: alice.id, reason: 'deleted' } }))
    await auth.signOut()
    expect(header(calls[3]!, 'X-CSRF-Token')).toBe('csrf-2')
    expect(auth.state.user).toBeNull()
    expect(auth.credentials.csrf).toBeNull()
    expect(local.data.get(ROLES_KEY)).toBe('{}')
    // the copies are deleted with it: nothing left to send, nor to keep from the next account
    expect(local.data.get(PENDING_KEY)).toBe('{}')
    expect(local.data.get(UNDELIVERED_KEY)).toBe('{}')
  })

  it('starts offline from the remembered answer, or as open mode without one, and catches up before a change', async () => {
    const offline = new TypeError('Failed to fetch')
    const remembered = store(
      [offline, { status: 200, body: { mode: 'accounts', signup: 'open', user: alice, csrf: 'late' } }, { status: 204 }],
      { local: { [ME_KEY]: JSON.stringify({ mode: 'accounts', signup: 'open', user: alice }) } },
    )
    await remembered.auth.load()
    expect(remembered.auth.state).toMatchObject({ mode: 'accounts', user: alice })
    expect(remembered.auth.credentials.csrf).toBeNull()
    // the server is back: a change first asks who the page is, to send the right CSRF token
    await remembered.auth.changePassword('old password', 'new password')
    expect(remembered.calls.map((c) => c.url)).toEqual(['/api/auth/me', '/api/auth/me', '/api/auth/password'])
    expect(header(remembered.calls[2]!, 'X-CSRF-Token')).toBe('late')
    await remembered.auth.refreshIfStale()
    expect(remembered.calls).toHaveLength(3)
    const fresh = store([offline])
    await fresh.auth.load()
    expect(fresh.auth.state).toMatchObject({ mode: 'open', user: null })
  })

  it('uses a token from this tab, and drops it when the server refuses it', async () => {
    const { auth, calls, session } = store(
      [
        { status: 401, body: { error: 'the token has expired' } },
        { status: 200, body: { mode: 'token', signup: 'closed', user: null, csrf: null } },
      ],
      { session: { [TOKEN_KEY]: 'old.jwt.x' } },
    )
    await auth.load()
    expect(header(calls[0]!, 'Authorization')).toBe('Bearer old.jwt.x')
    expect(header(calls[1]!, 'Authorization')).toBeUndefined()
    expect(auth.token).toBeNull()
    expect(session.data.has(TOKEN_KEY)).toBe(false)
    expect(auth.state.mode).toBe('token')
    expect(auth.state.refused?.message).toBe('Your access was refused: the token has expired.')
    auth.adoptToken('new.jwt.y')
    expect(session.data.get(TOKEN_KEY)).toBe('new.jwt.y')
    expect(auth.credentials.token).toBe('new.jwt.y')
  })

  it('turns a 401 into a refusal for the current page and learns who it is now', async () => {
    const { auth } = store([
      { status: 200, body: { mode: 'accounts', signup: 'open', user: alice, csrf: 'c' } },
      { status: 200, body: { mode: 'accounts', signup: 'open', user: null, csrf: null } },
    ])
    await auth.load()
    await auth.unauthorized('Sign in to see your documents.')
    expect(auth.state.user).toBeNull()
    expect(auth.state.refused).toEqual({ message: 'Sign in to see your documents.', path: '' })
  })
})

describe('roles', () => {
  it('says what each role may do', () => {
    expect([canWrite('owner'), canWrite('editor'), canWrite('viewer'), canWrite(null)]).toEqual([true, true, false, false])
    expect([canRename('editor'), canRename('viewer')]).toEqual([true, false])
    expect([canDelete('owner'), canDelete('editor'), canDelete(undefined)]).toEqual([true, false, false])
  })

  it('explains why a document is view only', () => {
    expect(viewOnlyReason('editor', { mode: 'accounts', viaLink: false })).toBeNull()
    expect(viewOnlyReason('viewer', { mode: 'accounts', viaLink: false, owner: 'alice' })).toBe('alice shared this document with you as a viewer: you can read along, not edit.')
    expect(viewOnlyReason('viewer', { mode: 'accounts', viaLink: false })).toMatch(/^The owner shared/)
    expect(viewOnlyReason('viewer', { mode: 'accounts', viaLink: true })).toMatch(/view link/)
    expect(viewOnlyReason('viewer', { mode: 'token', viaLink: false })).toMatch(/access token/)
  })

  it('remembers the last role per document (a link apart), and the newest 200 only', () => {
    const local = memoryStore()
    const roles = new RoleMemory(local)
    roles.set('a', null, 'owner')
    roles.set('a', 'secret', 'viewer')
    expect(roles.get('a')).toBe('owner')
    expect(roles.get('a', 'secret')).toBe('viewer')
    roles.set('a', null, null)
    expect(roles.get('a')).toBeNull()
    for (let i = 0; i < 250; i++) roles.set(`d${i}`, null, 'editor')
    expect(roles.get('d0')).toBeNull()
    expect(roles.get('d249')).toBe('editor')
    expect(new RoleMemory(memoryStore({ [ROLES_KEY]: 'not json' })).get('a')).toBeNull()
  })

  it('shows share links as full addresses with their role in words', () => {
    expect(linkAddress({ url: '/d/a?share=x' }, 'https://t.example')).toBe('https://t.example/d/a?share=x')
    expect(linkLabel('editor')).toBe('Anyone with this link can edit')
    expect(linkLabel('viewer')).toBe('Anyone with this link can view')
  })
})

describe('share routes', () => {
  it('keeps a valid share secret with the document route', () => {
    expect(parseRoute('/d/abc', '?share=Ab_9-')).toEqual({ name: 'doc', docId: 'abc', share: 'Ab_9-' })
    expect(parseRoute('/d/abc', '?share=bad%20secret')).toEqual({ name: 'doc', docId: 'abc' })
    expect(parseRoute('/', '?share=x')).toEqual({ name: 'list' })
    expect(docPath('abc', 'Ab_9-')).toBe('/d/abc?share=Ab_9-')
    expect(docPath('abc', null)).toBe('/d/abc')
  })
})

describe('presence name and account', () => {
  it('defaults to the username the first time an account uses this browser, then keeps the chosen name', () => {
    const local = memoryStore({ [IDENTITY_KEY]: JSON.stringify({ name: 'Curious Otter', color: '#c62828' }) })
    const identity = new IdentityStore(local, null)
    expect(identity.useAccount(null).name).toBe('Curious Otter')
    expect(identity.useAccount('alice')).toEqual({ name: 'alice', color: '#c62828', account: 'alice' })
    identity.set({ name: 'Alice Liddell' })
    expect(identity.useAccount('alice').name).toBe('Alice Liddell')
    expect(JSON.parse(local.data.get(IDENTITY_KEY)!)).toEqual({ name: 'Alice Liddell', color: '#c62828', account: 'alice' })
    // another account on the same browser starts from its own username
    expect(identity.useAccount('bob').name).toBe('bob')
  })
})

describe('words', () => {
  it('says why a session ended, per mode', () => {
    expect(endMessage(4401, { mode: 'accounts' })).toMatch(/signed out/)
    expect(endMessage(4401, { mode: 'token' })).toMatch(/expired/)
    expect(endMessage(4403, { mode: 'accounts', viaLink: true })).toMatch(/revoked/)
    expect(endMessage(4403, { mode: 'accounts' })).toBe('You no longer have access to this document.')
  })

  it('tells a viewer whether what they see is live', () => {
    expect(statusText({ connection: 'connected', save: 'saving', ended: null, readOnly: true })).toEqual({ connection: 'Online', save: 'Up to date' })
    expect(statusText({ connection: 'offline', save: 'saved', ended: null, readOnly: true }).save).toBe('Showing the last copy')
  })
})
