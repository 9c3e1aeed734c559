/**
 * Small pure parts of the browser app: routes, the API client against a fake fetch, who is
 * present (from awareness states), the status words, relative times, and the sync URL.
 */
import { describe, expect, it } from 'vitest'
import { ApiError, DocsApi } from '../../client/api.js'
import { peopleFrom } from '../../client/collab/controllers.js'
import { endMessage, shouldReconnect } from '../../client/collab/session.js'
import { statusText } from '../../client/components/connection-status/status-text.js'
import { relativeTime } from '../../client/components/doc-list/time.js'
import { docPath, parseRoute } from '../../client/router.js'

describe('routes', () => {
  it('maps paths to screens', () => {
    expect(parseRoute('/')).toEqual({ name: 'list' })
    expect(parseRoute('/d/abc_DEF-123')).toEqual({ name: 'doc', docId: 'abc_DEF-123' })
    expect(parseRoute('/d/abc/')).toEqual({ name: 'doc', docId: 'abc' })
    expect(parseRoute('/d/bad%20id')).toEqual({ name: 'not-found', path: '/d/bad%20id' })
    expect(parseRoute('/d/%E0%A4%A')).toEqual({ name: 'not-found', path: '/d/%E0%A4%A' })
    expect(parseRoute('/d/' + 'a'.repeat(65)).name).toBe('not-found')
    expect(parseRoute('/elsewhere').name).toBe('not-found')
    expect(docPath('abc')).toBe('/d/abc')
  })
})

describe('DocsApi', () => {
  function fakeFetch(answers: Array<{ status: number; body?: unknown } | Error>) {
    const calls: Array<{ url: string; init: RequestInit }> = []
    const impl = (async (url: string, init: RequestInit) => {
      calls.push({ url, init })
      const next = answers.shift()!
      if (next instanceof Error) throw next
      return new Response(next.body === undefined ? null : JSON.stringify(next.body), { status: next.status })
    }) as unknown as typeof fetch
    return { calls, impl }
  }

  it('speaks JSON to /api/docs', async () => {
    const doc = { id: 'a1', title: 'T', createdAt: 1, updatedAt: 2 }
    const { calls, impl } = fakeFetch([{ status: 200, body: { docs: [doc] } }, { status: 201, body: doc }, { status: 200, body: doc }, { status: 204 }])
    const api = new DocsApi('', impl)
    expect(await api.list(' find me ')).toEqual([doc])
    expect(calls[0]!.url).toBe('/api/docs?q=find%20me')
    expect(await api.create('T')).toEqual(doc)
    expect(calls[1]!.init.method).toBe('POST')
    expect(JSON.parse(String(calls[1]!.init.body))).toEqual({ title: 'T' })
    expect((calls[1]!.init.headers as Record<string, string>)['Content-Type']).toBe('application/json')
    await api.rename('a1', 'New')
    expect(calls[2]!.url).toBe('/api/docs/a1')
    expect(calls[2]!.init.method).toBe('PATCH')
    await api.remove('a1')
    expect(calls[3]!.init.method).toBe('DELETE')
  })

  it('turns refusals into the server message, and network failures and a gateway standing in for the server into "offline"', async () => {
    const { impl } = fakeFetch([{ status: 400, body: { error: 'title must be a string' } }, new TypeError('Failed to fetch'), { status: 502 }, { status: 500 }])
    const api = new DocsApi('', impl)
    await expect(api.create('x')).rejects.toMatchObject({ status: 400, message: 'Title must be a string.', offline: false })
    const offline = await api.list().catch((e: unknown) => e)
    expect(offline).toBeInstanceOf(ApiError)
    expect((offline as ApiError).offline).toBe(true)
    await expect(api.get('x')).rejects.toMatchObject({ status: 502, offline: true, message: 'The server cannot be reached right now. Try again in a moment.' })
    await expect(api.get('x')).rejects.toMatchObject({ status: 500, offline: false, message: 'The server answered 500.' })
  })
})

describe('presence', () => {
  it('lists people with a user field, the local one first, untrusted fields cleaned', () => {
    const states = new Map<number, Record<string, unknown>>([
      [30, { user: { name: 'Zed', color: '#2e7d32' } }],
      [10, { user: { name: 'Me', color: '#c62828' }, cursor: {} }],
      [20, { user: { name: '<img src=x onerror=alert(1)>', color: 'red; background:url(//evil)' } }],
      [40, { cursor: {} }],
      [50, { user: { name: 'Zed', color: '#2e7d32' } }],
    ])
    const people = peopleFrom(states, 10)
    expect(people.map((p) => [p.clientId, p.name, p.color, p.self])).toEqual([
      [10, 'Me', '#c62828', true],
      [20, '<img src=x onerror=alert(1)>', '#37474f', false],
      [30, 'Zed', '#2e7d32', false],
    ])
  })
})

describe('status words', () => {
  it('says what the user can trust', () => {
    expect(statusText({ connection: 'connected', save: 'saved', ended: null })).toEqual({ connection: 'Online', save: 'All changes saved' })
    expect(statusText({ connection: 'connected', save: 'saving', ended: null }).save).toBe('Saving...')
    expect(statusText({ connection: 'offline', save: 'saving', ended: null })).toEqual({ connection: 'Offline', save: 'Changes kept on this device' })
    expect(statusText({ connection: 'offline', save: 'saving', ended: null, keptLocally: false }).save).toBe('Saving on this device...')
    expect(statusText({ connection: 'offline', save: 'saving', ended: null, keptLocally: true }).save).toBe('Changes kept on this device')
    // no copy in this browser (IndexedDB refused): nothing is kept on this device
    expect(statusText({ connection: 'offline', save: 'saving', ended: null, keptLocally: true, localCopy: false }).save).toBe('Not saved: keep this tab open')
    expect(statusText({ connection: 'connecting', save: 'saved', ended: null }).connection).toBe('Connecting…')
    // opened offline with nothing of it in this browser: not "saved", it never loaded
    expect(statusText({ connection: 'offline', save: 'saved', ended: null, loadedHere: false }).save).toBe('Not loaded yet')
    expect(statusText({ connection: 'offline', save: 'saved', ended: null, loadedHere: false, readOnly: true }).save).toBe('Not loaded yet')
    expect(statusText({ connection: 'offline', save: 'saved', ended: null, loadedHere: true }).save).toBe('All changes saved')
    // what is typed there is kept here all the same
    expect(statusText({ connection: 'offline', save: 'saving', ended: null, loadedHere: false }).save).toBe('Changes kept on this device')
    expect(statusText({ connection: 'offline', save: 'saved', ended: 'gone' }).connection).toBe('Closed')
    // changes the server refused are never "saved", nor "up to date" for the viewer they made
    expect(statusText({ connection: 'connected', save: 'saved', ended: null, refused: true }).save).toBe('Changes not saved')
    expect(statusText({ connection: 'connected', save: 'saved', ended: null, readOnly: true, refused: true }).save).toBe('Changes not saved')
    expect(endMessage(4410)).toMatch(/deleted/)
    expect(endMessage(4403)).toMatch(/access/)
    expect(endMessage(1009)).toMatch(/too large to send/)
    expect(endMessage(4426)).toMatch(/updated.*Reload/)
  })

  it('stops reconnecting after permanent closes and a change too large to send, not after passing trouble', () => {
    for (const code of [4401, 4403, 4410, 4413, 4426, 1009]) expect(shouldReconnect({ code }), String(code)).toBe(false)
    for (const code of [1001, 1006, 1011, 4003, 4503, 4507, 4529]) expect(shouldReconnect({ code }), String(code)).toBe(true)
  })

  it('describes times relative to now', () => {
    const now = Date.UTC(2026, 0, 15, 12, 0, 0)
    expect(relativeTime(now - 10_000, now, 'en')).toBe('just now')
    expect(relativeTime(now - 5 * 60_000, now, 'en')).toBe('5 minutes ago')
    expect(relativeTime(now - 3 * 3600_000, now, 'en')).toBe('3 hours ago')
    expect(relativeTime(now - 26 * 3600_000, now, 'en')).toBe('yesterday')
    expect(relativeTime(now - 400 * 24 * 3600_000, now, 'en')).toBe('last year')
  })
})
