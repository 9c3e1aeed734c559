/**
 * Accounts mode, enforced at the relay: the role-by-action matrix (owner, editor, viewer,
 * stranger, link holders, nobody; read, write, share, delete) through the HTTP API and through
 * raw y-websocket clients that ignore any UI; a viewer's forged updates and awareness change
 * nothing; a role change never grants access; revocation, logout and deletion close live
 * sockets within a second; sign-up, login, CSRF and brute-force limits.
 */
import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as awarenessCodec from '../../shared/awareness.js'
import * as frame from '../../shared/frame.js'
import { Close } from '../../shared/protocol.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import { faulty } from '../helpers/faulty-storage.js'
import { Person, upgradeStatus } from '../helpers/http-client.js'
import { rawClient, type RawClient } from '../helpers/raw-client.js'
import type { Storage } from '../../server/storage/storage.js'
import { spawn } from '../helpers/child.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { storedText } from '../helpers/ydoc.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A server in accounts mode with alice (owner), bob (editor), carol (viewer) and dave (no access). */
async function world() {
  const server = await startServer({ auth: 'accounts' })
  cleanups.push(() => server.close())
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => new Person(server.url, n)) as [Person, Person, Person, Person]
  for (const p of [alice, bob, carol, dave]) await p.signup(p.name)
  const created = await alice.request('POST', '/api/docs', { title: 'Plans' })
  expect(created.status).toBe(201)
  const id: string = created.body.id
  expect((await alice.request('PUT', `/api/docs/${id}/access/members/bob`, { role: 'editor' })).status).toBe(200)
  expect((await alice.request('PUT', `/api/docs/${id}/access/members/carol`, { role: 'viewer' })).status).toBe(200)
  const viewLink = await alice.request('POST', `/api/docs/${id}/access/links`, { role: 'viewer' })
  const editLink = await alice.request('POST', `/api/docs/${id}/access/links`, { role: 'editor' })
  const secret = (l: { body: { url: string } }) => new URL(l.body.url, server.url).searchParams.get('share')!
  return { server, alice, bob, carol, dave, id, viewSecret: secret(viewLink), editSecret: secret(editLink), viewLink, editLink }
}

function edit(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('body').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

describe('accounts mode: role by action', () => {
  it('answers every role and action as the matrix says, over HTTP and over raw sync clients', async () => {
    const w = await world()
    const { server, id } = w
    const anon = new Person(server.url, 'anonymous')
    const linkViewer = new Person(server.url, 'link-viewer')
    const linkEditor = new Person(server.url, 'link-editor')
    const shareHeader = (p: Person): Record<string, string> =>
      p === linkViewer ? { 'X-Tandem-Share': w.viewSecret } : p === linkEditor ? { 'X-Tandem-Share': w.editSecret } : {}
    const shareQuery = (p: Person) => (p === linkViewer ? `share=${w.viewSecret}` : p === linkEditor ? `share=${w.editSecret}` : '')

    type Row = { who: Person; read: number; write: number; share: number; delete: number; sync: number; syncWrites: boolean }
    const matrix: Row[] = [
      { who: w.alice, read: 200, write: 200, share: 201, delete: 204, sync: 101, syncWrites: true },
      { who: w.bob, read: 200, write: 200, share: 403, delete: 403, sync: 101, syncWrites: true },
      { who: w.carol, read: 200, write: 403, share: 403, delete: 403, sync: 101, syncWrites: false },
      { who: w.dave, read: 404, write: 404, share: 404, delete: 404, sync: 403, syncWrites: false },
      { who: linkViewer, read: 200, write: 403, share: 403, delete: 403, sync: 101, syncWrites: false },
      { who: linkEditor, read: 200, write: 200, share: 403, delete: 403, sync: 101, syncWrites: true },
      { who: anon, read: 401, write: 401, share: 401, delete: 401, sync: 401, syncWrites: false },
    ]

    // an honest observer (the owner in a browser) watches what reaches other peers
    const observer = connect(server.wsUrl, id, new Y.Doc(), { WebSocket: w.alice.webSocketClass() })
    cleanups.push(() => observer.destroy())
    await observer.synced()

    const seen: Record<string, Record<string, number | boolean>> = {}
    for (const row of matrix) {
      const p = row.who
      const h = shareHeader(p)
      const result: Record<string, number | boolean> = {}
      result.read = (await p.request('GET', `/api/docs/${id}`, undefined, h)).status
      result.write = (await p.request('PATCH', `/api/docs/${id}`, { title: `by ${p.name}` }, h)).status
      result.share = (await p.request('POST', `/api/docs/${id}/access/links`, { role: 'viewer' }, h)).status
      // deletion is tried on a document of its own so the matrix can go on
      result.delete = row.delete === 204 ? -1 : (await p.request('DELETE', `/api/docs/${id}`, undefined, h)).status

      const wsHeaders: Record<string, string> = p.cookie ? { Cookie: p.cookie } : {}
      const query = shareQuery(p)
      result.sync = await upgradeStatus(`${server.wsUrl}/${id}${query ? `?${query}` : ''}`, wsHeaders)
      if (result.sync === 101) {
        const raw: RawClient = await rawClient(server.wsUrl, id, { headers: wsHeaders, query })
        cleanups.push(() => raw.close())
        raw.send(frame.syncStep1(Uint8Array.of(0)))
        const step2 = await raw.waitFor('sync step 2', (m) => m.kind === 'sync-step2')
        const got = new Y.Doc()
        Y.applyUpdate(got, (step2 as { update: Uint8Array }).update)
        expect(got.getText('title').toString(), `${p.name} reads the title`).toMatch(/^by /)
        const marker = `written by ${p.name}`
        raw.send(frame.update(edit(marker)))
        raw.send(frame.savedRequest(1))
        await raw.waitFor('saved', (m) => m.kind === 'saved')
        const stored = await storedText(server.storage, id)
        result.syncWrites = stored.includes(marker)
        if (result.syncWrites) {
          await waitFor(`the observer to get ${p.name}'s edit`, () => observer.doc.getText('body').toString().includes(marker))
        } else {
          // a viewer is told once, and nobody else hears of the edit
          expect(raw.received.some((m) => m.kind === 'permission-denied'), `${p.name} is told it is read-only`).toBe(true)
          expect(observer.doc.getText('body').toString()).not.toContain(marker)
        }
      } else {
        result.syncWrites = false
      }
      seen[p.name] = result
    }

    const expected = Object.fromEntries(
      matrix.map((r) => [r.who.name, { read: r.read, write: r.write, share: r.share, delete: r.delete === 204 ? -1 : r.delete, sync: r.sync, syncWrites: r.syncWrites }]),
    )
    expect(seen).toEqual(expected)

    // the owner deletes (every other role was refused above)
    expect((await w.alice.request('DELETE', `/api/docs/${id}`)).status).toBe(204)
    expect((await w.bob.request('GET', `/api/docs/${id}`)).status).toBe(404)
  })

  it('each person lists only what they may open', async () => {
    const w = await world()
    const own = await w.dave.request('POST', '/api/docs', { title: 'Dave alone' })
    const ids = async (p: Person) => (await p.request('GET', '/api/docs')).body.docs.map((d: { id: string; role: string }) => `${d.id}:${d.role}`).sort()
    expect(await ids(w.alice)).toEqual([`${w.id}:owner`])
    expect(await ids(w.bob)).toEqual([`${w.id}:editor`])
    expect(await ids(w.carol)).toEqual([`${w.id}:viewer`])
    expect(await ids(w.dave)).toEqual([`${own.body.id}:owner`])
    expect((await new Person(w.server.url).request('GET', '/api/docs')).status).toBe(401)
  })

  it('usernames that are property names (constructor, __proto__) have no role until given one', async () => {
    const w = await world()
    const { server, id } = w
    for (const name of ['constructor', '__proto__', 'toString']) {
      const p = new Person(server.url, name)
      await p.signup(name)
      expect((await p.request('GET', '/api/docs')).body.docs, `${name} lists nothing`).toEqual([])
      expect(await upgradeStatus(`${server.wsUrl}/${id}`, { Cookie: p.cookie }), `${name} syncs`).toBe(403)
      expect((await p.request('GET', `/api/docs/${id}`)).status, `${name} reads`).toBe(404)
      expect((await p.request('PATCH', `/api/docs/${id}`, { title: 'pwned' })).status, `${name} writes`).toBe(404)
      expect((await p.request('GET', `/api/docs/${id}/access`)).status, `${name} reads access`).toBe(404)
      expect((await p.request('DELETE', `/api/docs/${id}/access/members/${name}`)).status, `${name} leaves`).toBe(404)
    }
    expect((await w.alice.request('GET', `/api/docs/${id}`)).body.title).toBe('Plans')

    // given a role, such a user has exactly that role
    expect((await w.alice.request('PUT', `/api/docs/${id}/access/members/constructor`, { role: 'viewer' })).status).toBe(200)
    const member = new Person(server.url, 'constructor')
    expect((await member.login('constructor')).status).toBe(200)
    expect((await member.request('GET', '/api/docs')).body.docs.map((d: { role: string }) => d.role)).toEqual(['viewer'])
    expect((await member.request('PATCH', `/api/docs/${id}`, { title: 'pwned' })).status).toBe(403)
    const raw = await rawClient(server.wsUrl, id, { headers: { Cookie: member.cookie } })
    cleanups.push(() => raw.close())
    raw.send(frame.update(edit('written by constructor')))
    raw.send(frame.savedRequest(1))
    await raw.waitFor('saved', (m) => m.kind === 'saved')
    expect(raw.received.some((m) => m.kind === 'permission-denied')).toBe(true)
    expect(await storedText(server.storage, id)).not.toContain('written by constructor')
  })
})

describe('accounts mode: export', () => {
  it('gives the file to whoever may read the document, and to nobody else', async () => {
    const w = await world()
    const path = `/api/docs/${w.id}/export`
    for (const [who, status] of [[w.alice, 200], [w.bob, 200], [w.carol, 200], [w.dave, 404]] as const) {
      const res = await who.request('GET', path)
      expect([who.name, res.status]).toEqual([who.name, status])
      if (status === 200) expect(res.body).toBe('# Plans\n')
    }
    const viaLink = new Person(w.server.url, 'link-viewer')
    expect((await viaLink.request('GET', path, undefined, { 'X-Tandem-Share': w.viewSecret })).status).toBe(200)
    expect((await new Person(w.server.url, 'anonymous').request('GET', path)).status).toBe(401)
  })

  it('lists versions to those who may change the document only: a viewer is refused', async () => {
    const w = await world()
    const path = `/api/docs/${w.id}/versions`
    for (const [who, status] of [[w.alice, 200], [w.bob, 200], [w.carol, 403], [w.dave, 404]] as const) {
      expect([who.name, (await who.request('GET', path)).status]).toEqual([who.name, status])
    }
    const viaLink = new Person(w.server.url, 'link-viewer')
    expect((await viaLink.request('GET', path, undefined, { 'X-Tandem-Share': w.viewSecret })).status).toBe(403)
    const editLink = new Person(w.server.url, 'link-editor')
    expect((await editLink.request('GET', path, undefined, { 'X-Tandem-Share': w.editSecret })).status).toBe(200)
    expect((await w.carol.request('GET', `${path}/1`)).status).toBe(403)
  })

  it('imports a file as a new document its importer owns; signed out, nothing', async () => {
    const w = await world()
    const imported = await w.bob.request('POST', '/api/docs?filename=Bob.md', '# Bob\n\nhello', { 'Content-Type': 'text/markdown' })
    expect(imported.status).toBe(201)
    expect(imported.body).toMatchObject({ title: 'Bob', role: 'owner' })
    expect((await w.dave.request('GET', `/api/docs/${imported.body.id}`)).status).toBe(404)
    expect((await w.bob.request('GET', `/api/docs/${imported.body.id}/export`)).body).toBe('# Bob\n\nhello\n')
    const anon = new Person(w.server.url, 'anonymous')
    expect((await anon.request('POST', '/api/docs', 'x', { 'Content-Type': 'text/plain' })).status).toBe(401)
    // a web page the same: its importer owns it, nobody else sees it, signed out nothing
    const page = await w.bob.request('POST', '/api/docs?filename=page.html', '<title>Bob page</title><p>hi</p>', { 'Content-Type': 'text/html' })
    expect(page.status).toBe(201)
    expect(page.body).toMatchObject({ title: 'Bob page', role: 'owner' })
    expect((await w.dave.request('GET', `/api/docs/${page.body.id}`)).status).toBe(404)
    expect((await anon.request('POST', '/api/docs', '<p>x</p>', { 'Content-Type': 'text/html' })).status).toBe(401)
  })
})

describe('accounts mode: sharing routes', () => {
  it('tell people without access nothing about which usernames exist', async () => {
    const w = await world()
    const anon = new Person(w.server.url, 'anonymous')
    for (const p of [anon, w.dave]) {
      for (const [method, body] of [['DELETE', undefined], ['PUT', { role: 'editor' }], ['PATCH', { role: 'editor' }]] as const) {
        const answer = async (username: string) => {
          const r = await p.request(method, `/api/docs/${w.id}/access/members/${username}`, body)
          return { status: r.status, error: r.body?.error }
        }
        const existing = await answer('carol')
        expect(existing.status, `${p.name} ${method}`).toBe(p === anon ? 401 : 404)
        expect(await answer('nobody-here'), `${p.name} ${method}`).toEqual(existing)
      }
    }
    // a member who may not change sharing cannot probe either
    const probe = async (username: string) => (await w.carol.request('DELETE', `/api/docs/${w.id}/access/members/${username}`)).status
    expect([await probe('bob'), await probe('nobody-here')]).toEqual([403, 403])
    // the owner still learns that a name is unknown, and members still leave on their own
    expect((await w.alice.request('PUT', `/api/docs/${w.id}/access/members/nobody-here`, { role: 'viewer' })).status).toBe(404)
    expect((await w.carol.request('DELETE', `/api/docs/${w.id}/access/members/Carol`)).status).toBe(204)
    expect((await w.carol.request('GET', `/api/docs/${w.id}`)).status).toBe(404)
  })
})

describe('accounts mode: changing a role', () => {
  it('changes the role of a member only, and never gives access to someone who is not one', async () => {
    const w = await world()
    const change = (p: Person, username: string, role: string) => p.request('PATCH', `/api/docs/${w.id}/access/members/${username}`, { role })
    expect((await change(w.alice, 'bob', 'viewer')).status).toBe(200)
    expect((await w.bob.request('GET', `/api/docs/${w.id}`)).body.role).toBe('viewer')
    // dave is no member (or was removed after the owner's list was read): nothing is granted
    const refused = await change(w.alice, 'dave', 'editor')
    expect(refused.status).toBe(404)
    expect(refused.body.error).toBe('dave is not a member of this document')
    expect((await w.dave.request('GET', `/api/docs/${w.id}`)).status).toBe(404)
    expect((await change(w.carol, 'bob', 'editor')).status).toBe(403)
    expect((await change(w.alice, 'bob', 'owner')).status).toBe(400)
    expect((await w.alice.request('GET', `/api/docs/${w.id}/access`)).body.members).toEqual([
      { username: 'bob', role: 'viewer' },
      { username: 'carol', role: 'viewer' },
    ])
  })
})

describe('accounts mode: viewers cannot change anything', () => {
  it("a viewer's raw client sending updates and forged awareness changes nothing on the server or for others", async () => {
    const w = await world()
    const { server, id } = w
    const alice = connect(server.wsUrl, id, new Y.Doc(), { WebSocket: w.alice.webSocketClass() })
    cleanups.push(() => alice.destroy())
    await alice.synced()
    alice.doc.getText('body').insert(0, 'original')
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' })
    await waitFor('stored', async () => (await storedText(server.storage, id)) === 'original')

    const carol = await rawClient(server.wsUrl, id, { headers: { Cookie: w.carol.cookie } })
    cleanups.push(() => carol.close())
    carol.send(frame.syncStep1(Uint8Array.of(0)))
    await carol.waitFor('sync step 2', (m) => m.kind === 'sync-step2')
    const aliceId = alice.doc.clientID
    const aliceClock = alice.provider.awareness.meta.get(aliceId)!.clock
    // an update that deletes everything, as an update and as a sync step 2
    const carolDoc = new Y.Doc()
    Y.applyUpdate(carolDoc, Y.encodeStateAsUpdate(alice.doc))
    const before = Y.encodeStateVector(carolDoc)
    carolDoc.getText('body').delete(0, carolDoc.getText('body').length)
    const wipe = Y.encodeStateAsUpdate(carolDoc, before)
    carol.send(frame.update(wipe))
    carol.send(frame.syncStep2(wipe))
    // overwrite and remove Alice's presence
    carol.send(frame.awareness(awarenessCodec.encode([{ clientId: aliceId, clock: aliceClock + 50, state: JSON.stringify({ user: { name: 'Mallory' } }) }])))
    carol.send(frame.awareness(awarenessCodec.encode([{ clientId: aliceId, clock: aliceClock + 60, state: 'null' }])))
    carol.send(frame.savedRequest(7))
    await carol.waitFor('saved', (m) => m.kind === 'saved')

    expect(await storedText(server.storage, id)).toBe('original')
    expect(alice.doc.getText('body').toString()).toBe('original')
    expect(alice.provider.awareness.getStates().get(aliceId)?.user?.name).toBe('Alice')
    const bob = connect(server.wsUrl, id, new Y.Doc(), { WebSocket: w.bob.webSocketClass() })
    cleanups.push(() => bob.destroy())
    await bob.synced()
    expect(bob.doc.getText('body').toString()).toBe('original')
    await waitFor('Bob to see Alice', () => bob.provider.awareness.getStates().get(aliceId)?.user?.name === 'Alice')
  })
})

describe('accounts mode: revocation', () => {
  it('removing a member, revoking a link, logging out and deleting close live sockets within 1 s', async () => {
    const w = await world()
    const { server, id } = w
    const open = async (headers: Record<string, string>, query = '') => {
      const c = await rawClient(server.wsUrl, id, { headers, query })
      cleanups.push(() => c.close())
      c.send(frame.syncStep1(Uint8Array.of(0)))
      await c.waitFor('sync step 2', (m) => m.kind === 'sync-step2')
      return c
    }
    const timed = async (what: string, client: RawClient, act: () => Promise<unknown>, code: number) => {
      const started = performance.now()
      await act()
      const closed = await client.closed()
      const ms = performance.now() - started
      expect(closed, what).toBe(code)
      expect(ms, what).toBeLessThan(1000)
      return ms
    }

    const carol = await open({ Cookie: w.carol.cookie })
    const linkHolder = await open({}, `share=${w.viewSecret}`)
    const bobTab = await open({ Cookie: w.bob.cookie })
    const aliceTab = await open({ Cookie: w.alice.cookie })

    const times = {
      member: await timed('member removed', carol, () => w.alice.request('DELETE', `/api/docs/${id}/access/members/carol`), Close.Forbidden.code),
      link: await timed('link revoked', linkHolder, () => w.alice.request('DELETE', `/api/docs/${id}/access/links/${w.viewLink.body.id}`), Close.Forbidden.code),
      logout: await timed('logged out', bobTab, () => w.bob.request('POST', '/api/auth/logout'), Close.Unauthorized.code),
      deleted: await timed('document deleted', aliceTab, () => w.alice.request('DELETE', `/api/docs/${id}`), Close.DocumentDeleted.code),
    }
    console.log('revocation to close (ms):', Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(v)])))

    // and they cannot come back
    expect(await upgradeStatus(`${server.wsUrl}/${id}`, { Cookie: w.carol.cookie })).not.toBe(101)
    expect(await upgradeStatus(`${server.wsUrl}/${id}?share=${w.viewSecret}`)).not.toBe(101)
    expect(await upgradeStatus(`${server.wsUrl}/${id}`, { Cookie: w.bob.cookie })).toBe(401)
  })

  it('a logout is not undone by a request that was reading the session when it happened', async () => {
    const storage = faulty(createMemoryStorage())
    const first = await startServer({ auth: 'accounts' }, { storage: { ...storage, close: async () => {} } })
    const alice = new Person(first.url, 'alice')
    await alice.signup('alice')
    await first.close()
    // after a restart on the same store, no session is cached: the next request reads it
    const server = await startServer({ auth: 'accounts' }, { storage })
    cleanups.push(() => server.close())
    const tab = (): Person => Object.assign(new Person(server.url, 'alice'), { cookie: alice.cookie, csrf: alice.csrf })
    storage.holdReads('session')
    const reading = tab().request('GET', '/api/auth/me')
    await waitFor('the session read to be under way', () => storage.heldReads === 1)
    expect((await tab().request('POST', '/api/auth/logout')).status).toBe(204)
    storage.releaseReads()
    await reading
    expect((await tab().request('GET', '/api/auth/me')).body.user).toBeNull()
    expect((await tab().request('GET', '/api/docs')).status).toBe(401)
  })

  /** A server in accounts mode over a store whose reads can be held, and alice signed up with a document. */
  async function aliceWithADoc() {
    const storage = faulty(createMemoryStorage())
    const server = await startServer({ auth: 'accounts' }, { storage })
    cleanups.push(() => server.close())
    const alice = new Person(server.url, 'alice')
    await alice.signup('alice')
    const id: string = (await alice.request('POST', '/api/docs', { title: 'Plans' })).body.id
    return { storage, server, alice, id }
  }

  it('a socket being opened while its session ends (logout, password change elsewhere) never opens', async () => {
    const { storage, server, alice, id } = await aliceWithADoc()
    const stolen = new Person(server.url, 'alice')
    await stolen.login('alice')

    // the upgrade has found the session and waits for its user record when the session ends
    const opening = (cookie: string) => upgradeStatus(`${server.wsUrl}/${id}`, { Cookie: cookie })
    storage.holdReads('user')
    const afterLogout = opening(alice.cookie)
    await waitFor('the upgrade to read the user', () => storage.heldReads === 1)
    expect((await alice.request('POST', '/api/auth/logout')).status).toBe(204)
    storage.releaseReads()
    expect(await afterLogout).toBe(401)

    await alice.login('alice')
    storage.holdReads('user')
    const afterChange = opening(stolen.cookie)
    await waitFor('the upgrade to read the user', () => storage.heldReads === 1)
    expect((await alice.request('POST', '/api/auth/password', { current: 'correct horse battery', next: 'a brand new secret' })).status).toBe(204)
    storage.releaseReads()
    expect(await afterChange).toBe(401)
    expect(server.auth.live.count(id)).toBe(0)
  })

  it('a sign-in with the old password under way while the password changes gets no session that outlives the change', async () => {
    const { storage, server, alice, id } = await aliceWithADoc()

    // whoever learnt the old password signs in again and again; one sign-in has read the
    // account, with the old password, when alice changes it
    const thief = new Person(server.url, 'alice')
    storage.holdReads('user')
    const signingIn = thief.login('alice')
    await waitFor('the sign-in to read the account', () => storage.heldReads === 1)
    expect((await alice.request('POST', '/api/auth/password', { current: 'correct horse battery', next: 'a brand new secret' })).status).toBe(204)
    storage.releaseReads()
    await signingIn

    expect((await thief.request('GET', '/api/auth/me')).body.user).toBeNull()
    expect((await thief.request('GET', `/api/docs/${id}`)).status).toBe(401)
    expect(await upgradeStatus(`${server.wsUrl}/${id}`, { Cookie: thief.cookie })).toBe(401)
    // the session that changed the password goes on, and the new password signs in
    expect((await alice.request('GET', `/api/docs/${id}`)).status).toBe(200)
    expect(await upgradeStatus(`${server.wsUrl}/${id}`, { Cookie: alice.cookie })).toBe(101)
    const later = new Person(server.url, 'alice')
    expect((await later.login('alice', 'a brand new secret')).status).toBe(200)
    expect((await later.request('GET', `/api/docs/${id}`)).status).toBe(200)
  })

  it('a password change under way when its own session logs out does not bring that session back', async () => {
    const storage = faulty(createMemoryStorage())
    const first = await startServer({ auth: 'accounts' }, { storage: { ...storage, close: async () => {} } })
    const alice = new Person(first.url, 'alice')
    await alice.signup('alice')
    // the logout's answer clears alice.cookie: this is what a copy of it still holds
    const cookie = alice.cookie

    // the change is let in (its session checked) and waits for the rest of its body
    const body = JSON.stringify({ current: 'correct horse battery', next: 'a brand new secret' })
    const url = new URL('/api/auth/password', first.url)
    const changed = new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Cookie: cookie, 'X-CSRF-Token': alice.csrf },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write(body.slice(0, 10))
      // a request answered after this one's head arrived: its access check has run by then
      void new Person(first.url).request('GET', '/api/auth/me').then(async () => {
        expect((await alice.request('POST', '/api/auth/logout')).status).toBe(204)
        req.end(body.slice(10))
      }, reject)
    })
    expect(await changed).toBe(204)
    await first.close()

    // what the store holds decides after a restart: the logout, not the change
    const server = await startServer({ auth: 'accounts' }, { storage })
    cleanups.push(() => server.close())
    const again = Object.assign(new Person(server.url, 'alice'), { cookie })
    expect((await again.request('GET', '/api/auth/me')).body.user).toBeNull()
  })

  it('changing a role reconnects the member with the new role (4003)', async () => {
    const w = await world()
    const bob = connect(w.server.wsUrl, w.id, new Y.Doc(), { WebSocket: w.bob.webSocketClass() })
    cleanups.push(() => bob.destroy())
    await bob.synced()
    const codes: number[] = []
    bob.provider.on('connection-close', (e: CloseEvent | null) => e && codes.push(e.code))
    await w.alice.request('PUT', `/api/docs/${w.id}/access/members/bob`, { role: 'viewer' })
    await waitFor('Bob to be told', () => codes.includes(Close.AccessChanged.code), 2000)
    await waitFor('Bob back as a viewer', () => bob.provider.synced)
    bob.doc.getText('body').insert(0, 'should not land')
    const check = await rawClient(w.server.wsUrl, w.id, { headers: { Cookie: w.alice.cookie } })
    cleanups.push(() => check.close())
    check.send(frame.savedRequest(1))
    await check.waitFor('saved', (m) => m.kind === 'saved')
    expect(await storedText(w.server.storage, w.id)).not.toContain('should not land')
  })
})

describe('accounts mode: sharing changes at once', () => {
  /** A server whose record writes take 20 ms (as a disk might), with alice, bob and carol. */
  async function slowWorld() {
    const inner = createMemoryStorage()
    const storage: Storage = {
      ...inner,
      putRecords: async (writes) => {
        await new Promise((resolve) => setTimeout(resolve, 20))
        return inner.putRecords(writes)
      },
    }
    const server = await startServer({ auth: 'accounts' }, { storage })
    cleanups.push(() => server.close())
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((n) => new Person(server.url, n)) as [Person, Person, Person]
    for (const p of [alice, bob, carol]) await p.signup(p.name)
    const id: string = (await alice.request('POST', '/api/docs', { title: 'Plans' })).body.id
    return { server, alice, bob, carol, id }
  }

  it('ten share links created at once all open the document', async () => {
    const { server, alice, id } = await slowWorld()
    const links = await Promise.all(Array.from({ length: 10 }, () => alice.request('POST', `/api/docs/${id}/access/links`, { role: 'viewer' })))
    expect(links.map((l) => l.status)).toEqual(Array(10).fill(201))
    expect((await alice.request('GET', `/api/docs/${id}/access`)).body.links).toHaveLength(10)
    for (const link of links) {
      const share = new URL(link.body.url, server.url).searchParams.get('share')!
      expect((await new Person(server.url).request('GET', `/api/docs/${id}`, undefined, { 'X-Tandem-Share': share })).status).toBe(200)
    }
  })

  it('revoking bob while adding carol keeps both changes: bob loses access over HTTP and his socket', async () => {
    const { server, alice, bob, id } = await slowWorld()
    expect((await alice.request('PUT', `/api/docs/${id}/access/members/bob`, { role: 'editor' })).status).toBe(200)
    const bobTab = await rawClient(server.wsUrl, id, { headers: { Cookie: bob.cookie } })
    cleanups.push(() => bobTab.close())
    const [removed, added] = await Promise.all([
      alice.request('DELETE', `/api/docs/${id}/access/members/bob`),
      alice.request('PUT', `/api/docs/${id}/access/members/carol`, { role: 'viewer' }),
    ])
    expect([removed.status, added.status]).toEqual([204, 200])
    expect((await alice.request('GET', `/api/docs/${id}/access`)).body.members).toEqual([{ username: 'carol', role: 'viewer' }])
    expect((await bob.request('GET', `/api/docs/${id}`)).status).toBe(404)
    expect(await bobTab.closed(2000)).toBe(Close.Forbidden.code)
  })
})

describe('accounts mode: sign-up, login, CSRF', () => {
  it('the first account is the admin; closed sign-up refuses others; the admin can still add people', async () => {
    const server = await startServer({ auth: 'accounts', signup: 'closed' })
    cleanups.push(() => server.close())
    const admin = new Person(server.url)
    const first = await admin.signup('root')
    expect(first.body.user).toEqual({ id: 'root', username: 'root', admin: true })
    expect(first.headers.get('set-cookie')).toMatch(/tandem_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax/)
    const stranger = new Person(server.url)
    expect((await stranger.request('POST', '/api/auth/signup', { username: 'eve', password: 'long enough!' })).status).toBe(403)
    expect((await admin.request('POST', '/api/auth/users', { username: 'Eve', password: 'long enough!' })).status).toBe(201)
    expect((await stranger.login('eve', 'long enough!')).status).toBe(200)
    expect((await stranger.request('GET', '/api/auth/me')).body.user).toEqual({ id: 'eve', username: 'Eve', admin: false })
    expect((await stranger.request('POST', '/api/auth/users', { username: 'mallory', password: 'long enough!' })).status).toBe(403)
  })

  it('sign-ups at once on a fresh server make one admin, and closed sign-up lets only the first in', async () => {
    for (const signup of ['closed', 'open'] as const) {
      const server = await startServer({ auth: 'accounts', signup })
      cleanups.push(() => server.close())
      const people = ['alice', 'bob', 'carol', 'dave'].map((n) => new Person(server.url, n))
      const answers = await Promise.all(people.map((p) => p.request('POST', '/api/auth/signup', { username: p.name, password: 'correct horse battery' })))
      const created = answers.filter((a) => a.status === 201)
      expect(created.filter((a) => a.body.user.admin), signup).toHaveLength(1)
      if (signup === 'closed') {
        expect(created, signup).toHaveLength(1)
        expect(answers.filter((a) => a.status === 403), signup).toHaveLength(3)
        expect(await server.auth.accounts!.count(), signup).toBe(1)
      } else {
        expect(created, signup).toHaveLength(4)
      }
    }
  })

  it('validates input with clear messages', async () => {
    const server = await startServer({ auth: 'accounts' })
    cleanups.push(() => server.close())
    const p = new Person(server.url)
    const cases: Array<[unknown, RegExp]> = [
      [{ username: 'ab', password: 'long enough!' }, /usernames are 3 to 32 characters/],
      [{ username: 'alice', password: 'short' }, /at least 8 characters/],
      [{ username: 'alice' }, /password is required/],
      [{ username: 'alice', password: 'long enough!', admin: true }, /unknown field: admin/],
      [['alice'], /send \{"username"/],
    ]
    for (const [body, message] of cases) {
      const r = await p.request('POST', '/api/auth/signup', body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.error).toMatch(message)
    }
    await p.signup('alice')
    const taken = await new Person(server.url).request('POST', '/api/auth/signup', { username: 'ALICE', password: 'long enough!' })
    expect(taken.status).toBe(409)
  })

  it('state-changing requests need the CSRF token and a same-origin Origin', async () => {
    const server = await startServer({ auth: 'accounts' })
    cleanups.push(() => server.close())
    const alice = new Person(server.url)
    await alice.signup('alice')
    const csrf = alice.csrf
    alice.csrf = ''
    expect((await alice.request('POST', '/api/docs', { title: 'x' })).status).toBe(403)
    alice.csrf = 'wrong'
    expect((await alice.request('POST', '/api/docs', { title: 'x' })).status).toBe(403)
    alice.csrf = csrf
    expect((await alice.request('POST', '/api/docs', { title: 'x' }, { Origin: 'https://evil.example' })).status).toBe(403)
    expect((await alice.request('POST', '/api/docs', { title: 'x' }, { Origin: server.url })).status).toBe(201)
    // reads need no token
    alice.csrf = ''
    expect((await alice.request('GET', '/api/docs')).status).toBe(200)
  })

  it('limits failed logins per account and per address, and a password change ends other sessions', async () => {
    const server = await startServer({ auth: 'accounts', loginAttempts: 3 })
    cleanups.push(() => server.close())
    const alice = new Person(server.url)
    await alice.signup('alice')
    const attacker = new Person(server.url)
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await attacker.login('alice', `guess number ${i}`)).status)
    expect(statuses).toEqual([401, 401, 401, 429, 429])
    const limited = await attacker.login('alice', 'correct horse battery')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // the same address trying many accounts hits the per-address limit (5 x 3)
    const tries: number[] = []
    for (let i = 0; i < 16; i++) tries.push((await attacker.login(`user${i}`, 'nope nope nope')).status)
    expect(tries.slice(0, 12).every((s) => s === 401)).toBe(true)
    expect(tries.at(-1)).toBe(429)

    // password change: the other session (and its sockets) end, this one stays
    const other = await startServer({ auth: 'accounts' })
    cleanups.push(() => other.close())
    const phone = new Person(other.url)
    await phone.signup('zed')
    const phoneTwo = new Person(other.url)
    expect((await phoneTwo.login('zed')).status).toBe(200)
    const doc = await phone.request('POST', '/api/docs', { title: 'mine' })
    const tab = await rawClient(other.wsUrl, doc.body.id, { headers: { Cookie: phoneTwo.cookie } })
    cleanups.push(() => tab.close())
    expect((await phone.request('POST', '/api/auth/password', { current: 'correct horse battery', next: 'new secret words' })).status).toBe(204)
    expect(await tab.closed()).toBe(Close.Unauthorized.code)
    expect((await phoneTwo.request('GET', '/api/docs')).status).toBe(401)
    expect((await phone.request('GET', '/api/docs')).status).toBe(200)
    expect((await new Person(other.url).login('zed', 'new secret words')).status).toBe(200)
  })

  it('wrong current passwords on a password change count as failed sign-ins: a stolen session cannot guess the password', async () => {
    const server = await startServer({ auth: 'accounts', loginAttempts: 3 })
    cleanups.push(() => server.close())
    const alice = new Person(server.url, 'alice')
    await alice.signup('alice')
    // whoever holds alice's cookie, but not her password, guesses it through the change
    const thief = Object.assign(new Person(server.url, 'alice'), { cookie: alice.cookie, csrf: alice.csrf })
    const guess = (current: string) => thief.request('POST', '/api/auth/password', { current, next: 'taken over for good' })
    for (let i = 0; i < 3; i++) expect((await guess(`guess number ${i}`)).status).toBe(403)
    const limited = await guess('correct horse battery')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    // the right password, guessed now, changed nothing: it still signs in
    expect((await new Person(server.url).request('POST', '/api/auth/login', { username: 'alice', password: 'taken over for good' })).status).not.toBe(200)
    expect((await alice.request('GET', '/api/auth/me')).body.user.id).toBe('alice')
    // the same limit as sign-ins: the account's attempts are spent for those too
    expect((await new Person(server.url).login('alice')).status).toBe(429)
  })

  it('failed logins sent at once are limited like one after another', async () => {
    // a hash of some real cost (~25 ms), so guesses overlap while earlier ones are checked
    const server = await startServer({ auth: 'accounts', loginAttempts: 5 }, { hashCost: { N: 2 ** 14, r: 8, p: 1 } })
    cleanups.push(() => server.close())
    await new Person(server.url).signup('alice')
    const guesses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => new Person(server.url).login('alice', `guess number ${i}`)),
    )
    const statuses = guesses.map((g) => g.status)
    // only the first five passwords are checked; the rest are refused without a check
    expect(statuses.filter((s) => s === 401)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(45)
    const limited = await new Person(server.url).login('alice')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('limits sign-ups per address (behind a trusted proxy, the forwarded one): more get 429 with Retry-After and create nothing', async () => {
    const server = await startServer({ auth: 'accounts', signupsPerHour: 3, trustProxy: true })
    cleanups.push(() => server.close())
    const from = (address: string) => ({ 'X-Forwarded-For': address })
    const signup = (username: string, address: string) =>
      new Person(server.url).request('POST', '/api/auth/signup', { username, password: 'correct horse battery' }, from(address))
    // sent at once, as a flood would: they are counted before their passwords are hashed
    const statuses = (await Promise.all(Array.from({ length: 8 }, (_, i) => signup(`flood${i}`, '203.0.113.7')))).map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(3)
    expect(statuses.filter((s) => s === 429)).toHaveLength(5)
    const limited = await signup('one-more', '203.0.113.7')
    expect(limited.status).toBe(429)
    expect(limited.body.error).toMatch(/too many sign-ups/)
    // about an hour for one sign-up's worth to come back (3 an hour: 20 minutes)
    const wait = Number(limited.headers.get('retry-after'))
    expect(wait).toBeGreaterThan(60)
    expect(wait).toBeLessThanOrEqual(1200)
    // nothing was made of the refused ones: nobody can sign in as them
    expect((await new Person(server.url).login('one-more')).status).toBe(401)
    // another address is not held back by the first
    expect((await signup('neighbour', '198.51.100.4')).status).toBe(201)
    // an existing person's login is no sign-up: it is not limited by this
    expect((await new Person(server.url).login('neighbour')).status).toBe(200)
  })
})

describe('accounts mode: password hashing beside the store', () => {
  it('sign-ups sent at once do not hold up the store: a document read meanwhile waits for a few of them, not all', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    // its own process: its own libuv thread pool, and the real hashing cost
    // (a flood from one address on purpose: the sign-up limit is not what this is about)
    const server = await spawn(['--port', '0', '--data', data.dir, '--auth', 'accounts', '--log-level', 'warn', '--signups-per-hour', '1000'])
    cleanups.push(async () => {
      server.kill('SIGKILL')
      await server.exited
    })
    const alice = new Person(server.url, 'alice')
    await alice.signup('alice')
    const created = await alice.request('POST', '/api/docs', { title: 'Plans' })
    expect(created.status).toBe(201)
    // its versions are read from the store at every request
    const read = async () => expect((await alice.request('GET', `/api/docs/${created.body.id}/versions`)).status).toBe(200)
    await read()
    let answered = 0
    const signups = Array.from({ length: 100 }, (_, i) =>
      fetch(`${server.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: server.url },
        body: JSON.stringify({ username: `flood${i}`, password: `correct horse ${i}` }),
      }).then((res) => {
        answered++
        return res.status
      }),
    )
    // read again and again while the sign-ups are hashed, counting the sign-ups answered while each
    // read waited: with every hash queued on the thread pool at once, the store's reads queued
    // behind them, and 52 sign-ups were answered while one read waited here; two hashes at a time
    // leave the store room (3 at most here)
    let reads = 0
    let mostDuringOneRead = 0
    while (answered < signups.length) {
      const before = answered
      await read()
      reads++
      mostDuringOneRead = Math.max(mostDuringOneRead, answered - before)
    }
    console.log(`${reads} reads during 100 sign-ups; at most ${mostDuringOneRead} sign-ups answered while one read waited`)
    expect(mostDuringOneRead).toBeLessThan(25)
    expect(new Set(await Promise.all(signups))).toEqual(new Set([201]))
  })
})
