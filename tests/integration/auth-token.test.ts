/**
 * Token mode: another application signs short-lived JWTs naming the user and a role per document.
 * Valid tokens open exactly what they name; forged, expired, wrong-document, unsigned and
 * malformed tokens are refused before any WebSocket opens; a token's expiry closes its socket;
 * the same tokens work as Bearer on the API; key pairs work as well as a shared secret.
 */
import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SignJWT, type JWTPayload } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as frame from '../../shared/frame.js'
import { Close } from '../../shared/protocol.js'
import { upgradeStatus } from '../helpers/http-client.js'
import { rawClient } from '../helpers/raw-client.js'
import { connect, startServer, tempDir } from '../helpers/server.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const SECRET = 'a shared secret of at least thirty-two characters'
const key = new TextEncoder().encode(SECRET)
const now = () => Math.floor(Date.now() / 1000)

/** Signs claims with the shared secret (HS256), expiring in `ttl` seconds unless `exp` is given. */
function sign(claims: JWTPayload & { docs?: unknown }, ttl = 60, secret: Uint8Array = key, alg = 'HS256') {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg })
  if (claims.exp === undefined && ttl !== 0) jwt.setExpirationTime(now() + ttl)
  return jwt.sign(secret)
}

async function tokenServer() {
  const server = await startServer({ auth: 'token', jwtSecret: SECRET })
  cleanups.push(() => server.close())
  return server
}

function edit(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('body').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

describe('token mode', () => {
  it('refuses forged, expired, unsigned, malformed and wrong-document tokens before the upgrade', async () => {
    const server = await tokenServer()
    const url = (token?: string) => `${server.wsUrl}/plan${token ? `?token=${encodeURIComponent(token)}` : ''}`
    const good = await sign({ sub: 'u1', name: 'Ada', docs: { plan: 'editor' } })
    expect(await upgradeStatus(url(good))).toBe(101)
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      forged: await sign({ sub: 'u1', docs: { plan: 'owner' } }, 60, new TextEncoder().encode('another secret that is long enough!!')),
      expired: await sign({ sub: 'u1', docs: { plan: 'editor' }, exp: now() - 10 }),
      'no exp': await sign({ sub: 'u1', docs: { plan: 'editor' } }, 0),
      unsigned: `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u1', exp: now() + 60, docs: { plan: 'owner' } })).toString('base64url')}.`,
      'bad docs claim': await sign({ sub: 'u1', docs: { plan: 'admin' } }),
      'tampered payload': good.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ sub: 'u1', exp: now() + 60, docs: { '*': 'owner' } })).toString('base64url')}.`),
      garbage: 'not a token at all',
    }
    const statuses: Record<string, number> = {}
    for (const [name, token] of Object.entries(cases)) statuses[name] = await upgradeStatus(url(token))
    expect(statuses).toEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, 401])))
    // a valid token for another document
    const other = await sign({ sub: 'u1', docs: { elsewhere: 'owner' } })
    expect(await upgradeStatus(url(other))).toBe(403)
    // "*" opens every document
    expect(await upgradeStatus(url(await sign({ sub: 'u1', docs: { '*': 'viewer' } })))).toBe(101)
  })

  it('document ids that are property names (constructor, __proto__) open only when the token names them', async () => {
    const server = await tokenServer()
    const notes = await sign({ sub: 'u1', docs: { notes: 'viewer' } })
    for (const id of ['constructor', '__proto__', 'toString']) {
      expect(await upgradeStatus(`${server.wsUrl}/${id}?token=${notes}`), id).toBe(403)
      const api = await fetch(`${server.url}/api/docs/${id}`, { headers: { Authorization: `Bearer ${notes}` } })
      expect(api.status, id).toBe(404)
    }
    // named in the token, such an id is an ordinary document with the role the token gives
    const viewer = await sign({ sub: 'u1', docs: { constructor: 'viewer' } })
    expect(await upgradeStatus(`${server.wsUrl}/constructor?token=${viewer}`)).toBe(101)
    const patch = await fetch(`${server.url}/api/docs/constructor`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${viewer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'x' }),
    })
    expect(patch.status).toBe(403)
  })

  it('editors write, viewers do not, and the API takes the same token as Bearer', async () => {
    const server = await tokenServer()
    const editorToken = await sign({ sub: 'e', name: 'Ed', docs: { plan: 'editor' } })
    const viewerToken = await sign({ sub: 'v', name: 'Vi', docs: { plan: 'viewer' } })
    const editor = connect(server.wsUrl, 'plan', new Y.Doc(), { params: { token: editorToken } })
    const viewer = connect(server.wsUrl, 'plan', new Y.Doc(), { params: { token: viewerToken } })
    cleanups.push(() => editor.destroy(), () => viewer.destroy())
    await Promise.all([editor.synced(), viewer.synced()])
    editor.doc.getText('body').insert(0, 'from the editor')
    const raw = await rawClient(server.wsUrl, 'plan', { query: `token=${viewerToken}` })
    cleanups.push(() => raw.close())
    raw.send(frame.update(edit('from the viewer')))
    raw.send(frame.savedRequest(1))
    await raw.waitFor('saved', (m) => m.kind === 'saved')
    const check = connect(server.wsUrl, 'plan', new Y.Doc(), { params: { token: editorToken } })
    cleanups.push(() => check.destroy())
    await check.synced()
    expect(check.doc.getText('body').toString()).toBe('from the editor')

    const api = (token: string | null, method = 'GET', path = '/api/docs', body?: unknown) =>
      fetch(server.url + path, {
        method,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
    expect((await api(null)).status).toBe(401)
    expect((await api('nonsense')).status).toBe(401)
    expect((await api(viewerToken, 'PATCH', '/api/docs/plan', { title: 'x' })).status).toBe(403)
    // a document the token names but nobody opened yet reads as empty, with the token's role
    const fresh = await api(viewerToken, 'GET', '/api/docs/plan')
    expect(fresh.status).toBe(200)
    expect(await (await api(await sign({ sub: 'v', docs: { unopened: 'viewer' } }), 'GET', '/api/docs/unopened')).json()).toMatchObject({ id: 'unopened', title: '', role: 'viewer' })
    // creating needs a "*" grant
    expect((await api(editorToken, 'POST', '/api/docs', { title: 'new' })).status).toBe(403)
    const admin = await sign({ sub: 'app', docs: { '*': 'owner' } })
    const created = await api(admin, 'POST', '/api/docs', { title: 'Made by the app' })
    expect(created.status).toBe(201)
    const listed = (await (await api(admin)).json()).docs.map((d: { title: string }) => d.title)
    expect(listed).toContain('Made by the app')
  })

  it("a token's expiry closes its live socket with 4401 within a second", async () => {
    const server = await tokenServer()
    const exp = now() + 2
    const token = await sign({ sub: 'u', docs: { plan: 'editor' }, exp })
    const raw = await rawClient(server.wsUrl, 'plan', { query: `token=${token}` })
    const code = await raw.closed(10_000)
    const lateMs = Date.now() - exp * 1000
    expect(code).toBe(Close.Unauthorized.code)
    expect(lateMs).toBeGreaterThanOrEqual(-5)
    expect(lateMs).toBeLessThan(1000)
  })

  it('verifies tokens signed with a key pair (--jwt-public-key)', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = join(dir.dir, 'public.pem')
    writeFileSync(pem, pair.publicKey.export({ type: 'spki', format: 'pem' }))
    const server = await startServer({ auth: 'token', jwtPublicKey: pem })
    cleanups.push(() => server.close())
    const signed = await new SignJWT({ sub: 'u', docs: { plan: 'viewer' } }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(now() + 60).sign(pair.privateKey)
    expect(await upgradeStatus(`${server.wsUrl}/plan?token=${signed}`)).toBe(101)
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const forged = await new SignJWT({ sub: 'u', docs: { plan: 'owner' } }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(now() + 60).sign(stranger.privateKey)
    expect(await upgradeStatus(`${server.wsUrl}/plan?token=${forged}`)).toBe(401)
    // an HS256 token made with the public key as a secret (algorithm confusion) is refused
    const confused = await sign({ sub: 'u', docs: { plan: 'owner' } }, 60, new TextEncoder().encode(pair.publicKey.export({ type: 'spki', format: 'pem' }) as string))
    expect(await upgradeStatus(`${server.wsUrl}/plan?token=${confused}`)).toBe(401)
  })
})
