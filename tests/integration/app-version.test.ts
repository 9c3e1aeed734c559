/**
 * PROTOCOL.md D2: Tandem's own app names the document schema it edits with, and the server turns
 * away (4426) a browser that names an older one, or none: an app cached from before an upgrade
 * would otherwise delete, for everyone, what newer apps wrote. Clients without an Origin connect
 * as before.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as frame from '../../shared/frame.js'
import { Close } from '../../shared/protocol.js'
import { SCHEMA_VERSION } from '../../shared/schema-version.js'
import { rawClient, type RawClient } from '../helpers/raw-client.js'
import { connect, startServer } from '../helpers/server.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

const start = async (...args: Parameters<typeof startServer>) => {
  const server = await startServer(...args)
  cleanups.push(() => server.close())
  return server
}

const open = async (wsUrl: string, docId: string, options: Parameters<typeof rawClient>[2]) => {
  const client = await rawClient(wsUrl, docId, options)
  cleanups.push(() => client.close())
  return client
}

/** Waits for the server's sync step 1: the connection was admitted to the document. */
const admitted = (client: RawClient) => client.waitFor('the sync step 1', (m) => m.kind === 'sync-step1')

describe('apps older than the server (D2)', () => {
  it('turns away its own app naming no schema or an older one, with 4426 and nothing of the document', async () => {
    const server = await start({}, {}, { appSchema: 3 })
    // something to leak, were the document sent
    const writer = connect(server.wsUrl, 'doc')
    cleanups.push(() => writer.destroy())
    await writer.synced()
    writer.doc.getText('body').insert(0, 'secret-ish')
    const own = { Origin: server.url }
    for (const query of [undefined, 'schema=2', 'schema=0', 'schema=abc', 'schema=', 'schema=3.5', 'schema=1e9']) {
      const client = await open(server.wsUrl, 'doc', { headers: own, query })
      expect(await client.closed(), String(query)).toBe(Close.AppOutdated.code)
      expect(client.received, String(query)).toEqual([])
    }
    // the same app at the server's schema, or a later one (a server rolled back), is admitted
    for (const query of ['schema=3', 'schema=4']) await admitted(await open(server.wsUrl, 'doc', { headers: own, query }))
  })

  it('asks every browser, the origins of --origin too (behind a proxy that rewrites Host, the app\'s own); not clients without an Origin', async () => {
    const server = await start({ origins: ['https://docs.example.com'] }, {}, { appSchema: SCHEMA_VERSION + 1 })
    const listed = { Origin: 'https://docs.example.com' }
    expect(await (await open(server.wsUrl, 'doc', { headers: listed })).closed()).toBe(Close.AppOutdated.code)
    expect(await (await open(server.wsUrl, 'doc', { headers: listed, query: `schema=${SCHEMA_VERSION}` })).closed()).toBe(Close.AppOutdated.code)
    await admitted(await open(server.wsUrl, 'doc', { headers: listed, query: `schema=${SCHEMA_VERSION + 1}` }))
    await admitted(await open(server.wsUrl, 'doc', {}))
    const stock = connect(server.wsUrl, 'doc')
    cleanups.push(() => stock.destroy())
    await stock.synced()
  })

  it('admits the app of this build, which names SCHEMA_VERSION', async () => {
    const server = await start()
    const client = await open(server.wsUrl, 'doc', { headers: { Origin: server.url }, query: `schema=${SCHEMA_VERSION}` })
    await admitted(client)
    client.send(frame.syncStep1(new Uint8Array([0])))
    await client.waitFor('the sync step 2', (m) => m.kind === 'sync-step2')
  })

  it('gives the per-address slot back after turning an app away', async () => {
    const server = await start({ maxConnectionsPerIp: 1 }, {}, { appSchema: 2 })
    for (let i = 0; i < 3; i++) {
      const turned = await open(server.wsUrl, 'doc', { headers: { Origin: server.url }, query: 'schema=1' })
      expect(await turned.closed()).toBe(Close.AppOutdated.code)
    }
    await admitted(await open(server.wsUrl, 'doc', { headers: { Origin: server.url }, query: 'schema=2' }))
  })
})
