/**
 * Refusals of the JSON API read as sentences: the 403 for a role that may not do something
 * names the role with the right article ("an editor", "a viewer"), and a field of the wrong
 * type is called that, not missing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Person } from '../helpers/http-client.js'
import { startServer } from '../helpers/server.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

describe('accounts mode: a refused action names the role in good English', () => {
  it('an editor may not delete or share; a viewer may not write', async () => {
    const server = await startServer({ auth: 'accounts' })
    cleanups.push(() => server.close())
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((n) => new Person(server.url, n)) as [Person, Person, Person]
    for (const p of [alice, bob, carol]) await p.signup(p.name)
    const id: string = (await alice.request('POST', '/api/docs', { title: 'Plans' })).body.id
    expect((await alice.request('PUT', `/api/docs/${id}/access/members/bob`, { role: 'editor' })).status).toBe(200)
    expect((await alice.request('PUT', `/api/docs/${id}/access/members/carol`, { role: 'viewer' })).status).toBe(200)

    const del = await bob.request('DELETE', `/api/docs/${id}`)
    expect(del.status).toBe(403)
    expect(del.body).toEqual({ error: 'an editor may not delete this document' })
    const share = await bob.request('POST', `/api/docs/${id}/access/links`, { role: 'viewer' })
    expect(share.status).toBe(403)
    expect(share.body).toEqual({ error: 'an editor may not change sharing of this document' })
    const rename = await carol.request('PATCH', `/api/docs/${id}`, { title: 'Mine' })
    expect(rename.status).toBe(403)
    expect(rename.body).toEqual({ error: 'a viewer may not write this document' })
    // nothing changed
    expect((await alice.request('GET', `/api/docs/${id}`)).body.title).toBe('Plans')
  })
})

describe('accounts mode: a field of the wrong type is named as such', () => {
  it('sign-up, login and password change say "must be a string" for a number or a list, "is required" when missing', async () => {
    const server = await startServer({ auth: 'accounts' })
    cleanups.push(() => server.close())
    const p = new Person(server.url)
    const cases: Array<[string, unknown, string]> = [
      ['/api/auth/signup', { username: 'zed', password: 12345678 }, 'password must be a string'],
      ['/api/auth/signup', { username: ['zed'], password: 'long enough!' }, 'username must be a string'],
      ['/api/auth/signup', { username: 'zed' }, 'password is required'],
      ['/api/auth/login', { username: 'zed', password: null }, 'password must be a string'],
      ['/api/auth/login', { password: 'long enough!' }, 'username is required'],
    ]
    for (const [path, body, error] of cases) {
      const r = await p.request('POST', path, body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body, JSON.stringify(body)).toEqual({ error })
    }
    await p.signup('alice')
    const change = await p.request('POST', '/api/auth/password', { current: 5, next: 'a new long password' })
    expect(change.status).toBe(400)
    expect(change.body).toEqual({ error: 'current must be a string' })
  })
})
