/**
 * Transport and abuse limits: https and wss end to end with a self-signed certificate made here,
 * the Origin allow-list on upgrades (403 before any socket opens), only this machine's names as
 * Host on loopback (421, against DNS rebinding), connections per address
 * (429, the slot given back however the handshake ends), messages and bytes per connection per
 * second (4529), the maximum document size (4413), and writers held while compaction catches up
 * (never refused for it, never stopping the server), each with a clear answer while everyone else
 * goes on.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect as connectTcp } from 'node:net'
import { get } from 'node:https'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import * as frame from '../../shared/frame.js'
import { Close } from '../../shared/protocol.js'
import { createInlineCompactor, type Compactor } from '../../server/docs/compactor.js'
import { spawnTuned } from '../helpers/child.js'
import { upgradeStatus } from '../helpers/http-client.js'
import { rawClient } from '../helpers/raw-client.js'
import { encodeFrame, Opcode, open, RawWebSocket, upgrade, type HttpResponse } from '../helpers/raw-ws.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { nextEvent, waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function edit(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('body').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

describe('TLS', () => {
  it('serves https and wss end to end with a self-signed certificate', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const cert = join(dir.dir, 'cert.pem')
    const key = join(dir.dir, 'key.pem')
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' })
    const server = await startServer({ tlsCert: cert, tlsKey: key })
    cleanups.push(() => server.close())
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(server.wsUrl).toMatch(/^wss:/)
    const ca = readFileSync(cert)

    const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get(`${server.url}/healthz`, { ca }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      }).on('error', reject)
    })
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body).status).toBe('ok')

    // stock providers over wss, trusting the test's certificate
    const Trusting = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { ca })
      }
    } as typeof WebSocket
    const a = connect(server.wsUrl, 'secure', new Y.Doc(), { WebSocket: Trusting })
    const b = connect(server.wsUrl, 'secure', new Y.Doc(), { WebSocket: Trusting })
    cleanups.push(() => a.destroy(), () => b.destroy())
    await Promise.all([a.synced(), b.synced()])
    a.doc.getText('body').insert(0, 'over TLS')
    await waitFor('b to receive over wss', () => b.doc.getText('body').toString() === 'over TLS')

    // a client that does not trust the certificate cannot connect; plain ws to the TLS port fails
    await expect(upgradeStatus(`${server.wsUrl}/secure`)).rejects.toThrow(/self[- ]signed|certificate/i)
    await expect(upgradeStatus(`${server.wsUrl.replace('wss:', 'ws:')}/secure`)).rejects.toThrow()
  })

  it('closes a connection that never starts its TLS handshake', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const cert = join(dir.dir, 'cert.pem')
    const key = join(dir.dir, 'key.pem')
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    ], { stdio: 'ignore' })
    const server = await startServer({ tlsCert: cert, tlsKey: key }, {}, { headersTimeoutMs: 300 })
    cleanups.push(() => server.close())
    const silent = connectTcp(server.port, '127.0.0.1')
    await nextEvent(silent, 'close', 10_000)
  })
})

describe('TLS files', () => {
  it('a file that is not the PEM its option wants, or a pair that does not belong together, is named in the error', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const cert = join(dir.dir, 'cert.pem')
    const key = join(dir.dir, 'key.pem')
    const other = join(dir.dir, 'other-key.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
    execFileSync('openssl', ['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', other], { stdio: 'ignore' })
    const data = join(dir.dir, 'data')
    // swapped, as is easily done; then a key of another certificate
    await expect(startServer({ dataDir: data, tlsCert: key, tlsKey: cert })).rejects.toThrow(`--tls-cert ${key} holds no PEM certificate`)
    await expect(startServer({ dataDir: data, tlsCert: cert, tlsKey: other })).rejects.toThrow(`--tls-key ${other} is not the key of --tls-cert ${cert}`)
    // nothing was left open: the data directory is free for the next start
    const server = await startServer({ dataDir: data, tlsCert: cert, tlsKey: key })
    cleanups.push(() => server.close())
    expect(server.url).toMatch(/^https:/)
  })
})

describe('behind a reverse proxy', () => {
  it('the README\'s nginx set-up, terminating TLS, gets the session cookie marked Secure', async () => {
    // the proxy headers exactly as the README tells nginx to set them
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
    const block = /```nginx\n([^]*?)```/.exec(readme)![1]!
    // what nginx puts in for a request that reached it over https from 203.0.113.7
    const nginx: Record<string, string> = { $scheme: 'https', $host: 'docs.example.com', $proxy_add_x_forwarded_for: '203.0.113.7', $http_upgrade: '', $connection_upgrade: 'close', $remote_addr: '203.0.113.7' }
    const headers: Record<string, string> = {}
    for (const [, name, value] of block.matchAll(/proxy_set_header\s+(\S+)\s+(\S+);/g)) headers[name!] = value!.replace(/\$\w+/g, (v) => nginx[v] ?? v)
    const server = await startServer({ auth: 'accounts', trustProxy: true })
    cleanups.push(() => server.close())
    const url = new URL(server.url)
    const setCookie = await new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ username: 'proxied', password: 'correct horse battery' })
      const req = httpRequest(
        { host: url.hostname, port: url.port, method: 'POST', path: '/api/auth/signup', headers: { ...headers, 'Content-Type': 'application/json', Origin: 'https://docs.example.com' } },
        (res) => {
          res.resume()
          if (res.statusCode !== 201) reject(new Error(`signup answered ${res.statusCode}`))
          else resolve(String(res.headers['set-cookie']))
        },
      )
      req.on('error', reject)
      req.end(body)
    })
    expect(setCookie).toMatch(/; Secure/)
  })
})

describe('origin allow-list', () => {
  it('refuses cross-origin upgrades with 403 and accepts our own and configured origins', async () => {
    const server = await startServer({ origins: ['https://docs.example.com'] })
    cleanups.push(() => server.close())
    const url = `${server.wsUrl}/doc`
    expect(await upgradeStatus(url, { Origin: 'https://evil.example' })).toBe(403)
    expect(await upgradeStatus(url, { Origin: 'null' })).toBe(403)
    expect(await upgradeStatus(url, { Origin: server.url })).toBe(101)
    expect(await upgradeStatus(url, { Origin: 'https://docs.example.com' })).toBe(101)
    // non-browser clients send no Origin
    expect(await upgradeStatus(url)).toBe(101)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/tandem_errors_total\{kind="upgrade-403"\} 2/)
  })

  it('on loopback answers only to names of this machine and configured origins (DNS rebinding)', async () => {
    const server = await startServer({ auth: 'open', host: '127.0.0.1', origins: ['http://docs.internal:8080'] })
    cleanups.push(() => server.close())
    const id = (await (await fetch(`${server.url}/api/docs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"mine"}' })).json()).id as string
    // what a page at http://attacker.example:PORT sends once that name resolves to 127.0.0.1
    const send = (host: string, method: string, path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { Host: host, Origin: `http://${host}` } }, (res) => {
          res.resume()
          resolve(res.statusCode!)
        })
        req.on('error', reject)
        req.end()
      })
    const rebound = `attacker.example:${server.port}`
    expect(await send(rebound, 'DELETE', `/api/docs/${id}`)).toBe(421)
    expect(await send(rebound, 'GET', '/api/docs')).toBe(421)
    expect(await send(rebound, 'GET', '/')).toBe(421)
    expect(await upgradeStatus(`${server.wsUrl}/${id}`, { Host: rebound, Origin: `http://${rebound}` })).toBe(421)
    // this machine's names, and a configured origin's host (a proxy on this machine that keeps Host)
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, 'docs.internal:8080']) {
      expect(await send(host, 'GET', '/api/docs'), host).toBe(200)
    }
    expect(await upgradeStatus(`${server.wsUrl}/${id}`, { Host: `localhost:${server.port}` })).toBe(101)
    expect(await send(`127.0.0.1:${server.port}`, 'DELETE', `/api/docs/${id}`)).toBe(204)

    // behind a trusted proxy the proxy routes names; any Host is answered
    const proxied = await startServer({ auth: 'open', host: '127.0.0.1', trustProxy: true })
    cleanups.push(() => proxied.close())
    expect(await upgradeStatus(`${proxied.wsUrl}/doc`, { Host: 'docs.example.com' })).toBe(101)
  })
})

describe('abuse limits', () => {
  it('limits open connections per address (429) and frees the slot when one closes', async () => {
    const server = await startServer({ maxConnectionsPerIp: 3 })
    cleanups.push(() => server.close())
    const open = await Promise.all([1, 2, 3].map(() => rawClient(server.wsUrl, 'busy')))
    expect(await upgradeStatus(`${server.wsUrl}/busy`)).toBe(429)
    open[0]!.close()
    await open[0]!.closed()
    await waitFor('a free slot', async () => (await upgradeStatus(`${server.wsUrl}/busy`)) === 101)
    for (const c of open.slice(1)) c.close()
  })

  it('closes connections that send no complete request head in time, and leaves idle WebSockets to the heartbeat', async () => {
    const server = await startServer({}, {}, { headersTimeoutMs: 300 })
    cleanups.push(() => server.close())
    const a = connect(server.wsUrl, 'idle-ws')
    const b = connect(server.wsUrl, 'idle-ws')
    cleanups.push(() => a.destroy(), () => b.destroy())
    await Promise.all([a.synced(), b.synced()])
    const socket = a.provider.ws
    let reconnected = false
    a.provider.on('status', () => (reconnected = true))

    // one says nothing at all, one stops half-way through its headers (slowloris)
    const silent = connectTcp(server.port, '127.0.0.1')
    const partial = connectTcp(server.port, '127.0.0.1', () => partial.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '))
    // both read what they are sent: the server may answer the slow head with a 408 before it
    // closes, and a socket that leaves that answer unread never sees the end of the stream
    let answer = ''
    silent.resume()
    partial.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk))
    await Promise.all([nextEvent(silent, 'close', 10_000), nextEvent(partial, 'close', 10_000)])
    // closed by the idle timeout (nothing said), or by the headers timeout (a 408 first)
    expect(answer === '' || answer.startsWith('HTTP/1.1 408 '), answer).toBe(true)

    // the WebSockets idled longer than that, and are still open and working
    expect(a.provider.ws).toBe(socket)
    expect(reconnected).toBe(false)
    b.doc.getText('body').insert(0, 'still here')
    await waitFor('the edit over the idle WebSocket', () => a.doc.getText('body').toString() === 'still here')
    expect(reconnected).toBe(false)
  })

  it('answers a request the server works on for longer than the idle timeout (imports waiting for the file worker), and still closes a body that stalls', async () => {
    const server = await startServer({}, {}, { headersTimeoutMs: 500 })
    cleanups.push(() => server.close())
    // one file job at a time: the last of these waits seconds for its turn, saying nothing meanwhile
    const text = 'a line of words that the importer reads as one paragraph\n'.repeat(16_000)
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        fetch(`${server.url}/api/docs?title=Import${i}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: text }).then(
          (res) => res.status,
          (err: Error) => `${err.message}: ${(err.cause as Error | undefined)?.message}`,
        ),
      ),
    )
    expect(answers).toEqual([201, 201, 201, 201])
    expect(((await (await fetch(`${server.url}/api/docs`)).json()) as { docs: unknown[] }).docs).toHaveLength(4)

    // a body that stops half-way is still a client saying nothing: closed by the idle timeout
    const stalled = connectTcp(server.port, '127.0.0.1', () =>
      stalled.write('POST /api/docs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten b'),
    )
    stalled.resume()
    await nextEvent(stalled, 'close', 5000)
    // and a keep-alive connection idle after its answer is closed as before
    const idle = connectTcp(server.port, '127.0.0.1', () => idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'))
    let reply = ''
    idle.setEncoding('latin1').on('data', (chunk: string) => (reply += chunk))
    await nextEvent(idle, 'close', 10_000)
    expect(reply).toMatch(/^HTTP\/1\.1 200 /)
  })

  it('gives the per-address slot back when the WebSocket handshake itself is refused (400)', async () => {
    const server = await startServer({ maxConnectionsPerIp: 2 })
    cleanups.push(() => server.close())
    // ws answers these itself, without calling back: a version it does not speak, a bad key
    const refusals: Array<Record<string, string>> = [{ 'Sec-WebSocket-Version': '12' }, { 'Sec-WebSocket-Key': 'short' }, { 'Sec-WebSocket-Version': '12' }]
    for (const headers of refusals) {
      const refused = await upgrade(server.url, '/sync/refused', { headers })
      expect(refused).not.toBeInstanceOf(RawWebSocket)
      expect((refused as HttpResponse).status).toBe(400)
    }
    // nothing is open from this address, so both slots are free
    const both = await Promise.all([upgrade(server.url, '/sync/refused'), upgrade(server.url, '/sync/refused')])
    for (const ws of both) if (ws instanceof RawWebSocket) ws.destroy()
    expect(both.map((ws) => (ws instanceof RawWebSocket ? 101 : ws.status))).toEqual([101, 101])
  })

  it('closes a connection sending too many messages per second with 4529; others go on', async () => {
    const server = await startServer({ maxMessagesPerSecond: 20 })
    cleanups.push(() => server.close())
    const calm = connect(server.wsUrl, 'rate')
    cleanups.push(() => calm.destroy())
    await calm.synced()
    const flooder = await rawClient(server.wsUrl, 'rate')
    // 4 s of burst (80 messages) pass, the rest do not
    for (let i = 0; i < 200; i++) flooder.send(frame.queryAwareness())
    expect(await flooder.closed()).toBe(Close.RateLimited.code)
    calm.doc.getText('body').insert(0, 'still fine')
    const other = connect(server.wsUrl, 'rate')
    cleanups.push(() => other.destroy())
    await other.synced()
    await waitFor('the calm client to be heard', () => other.doc.getText('body').toString() === 'still fine')
  })

  it('closes a connection sending too many bytes per second with 4529', async () => {
    const server = await startServer({ maxBytesPerSecond: 4096, maxMessage: 16 * 1024 })
    cleanups.push(() => server.close())
    const flooder = await rawClient(server.wsUrl, 'bytes')
    // the burst is max(--max-message, 4 s) = 16 KiB; 40 KiB at once is over it
    for (let i = 0; i < 40; i++) flooder.send(frame.update(edit('x'.repeat(1000) + i)))
    expect(await flooder.closed()).toBe(Close.RateLimited.code)
  })

  it('refuses updates beyond the maximum document size with 4413 and keeps what was stored', async () => {
    const server = await startServer({ maxDocSize: 64 * 1024 })
    cleanups.push(() => server.close())
    const writer = await rawClient(server.wsUrl, 'big')
    writer.send(frame.syncStep1(Uint8Array.of(0)))
    await writer.waitFor('step 2', (m) => m.kind === 'sync-step2')
    for (let i = 0; i < 6; i++) writer.send(frame.update(edit(`${i}`.repeat(10_000))))
    writer.send(frame.savedRequest(1))
    await writer.waitFor('saved', (m) => m.kind === 'saved')
    writer.send(frame.update(edit('z'.repeat(20_000))))
    expect(await writer.closed()).toBe(Close.DocumentTooLarge.code)
    const reader = connect(server.wsUrl, 'big')
    cleanups.push(() => reader.destroy())
    await reader.synced()
    const text = reader.doc.getText('body').toString()
    expect(text.length).toBe(60_000)
    expect(text).not.toContain('z')
  })

  it('a burst read in one turn past the compaction lag holds its writer without stopping the server', async () => {
    // in a process of its own: the failure this guards against (a writer offered its update again
    // and again within the turn) blocks the event loop, which here would stop the test runner too
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = await spawnTuned(['--port', '0', '--data', data.dir, '--log-level', 'warn'], { compactMinBytes: 1024 })
    cleanups.push(async () => {
      server.kill('SIGKILL')
      await server.exited
    })
    // a fresh document may run 8 x 1 KiB ahead of compaction; one TCP write brings 10 KiB and then
    // 10 bytes, both read in the same turn, before the group commit takes the first
    const ws = await open(server.url, '/sync/burst')
    const bin = (update: Uint8Array) => encodeFrame({ opcode: Opcode.Binary, payload: frame.update(update) })
    const value = (key: string, bytes: number) => {
      const doc = new Y.Doc()
      doc.getMap('m').set(key, new Uint8Array(bytes).fill(1))
      return Y.encodeStateAsUpdate(doc)
    }
    ws.write(Buffer.concat([bin(value('first', 10 * 1024)), bin(value('second', 10))]))
    expect((await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5000) })).status).toBe(200)
    // the held update goes through once the first is compacted, and the writer is still connected
    const reader = connect(server.wsUrl, 'burst')
    cleanups.push(() => reader.destroy())
    await reader.synced()
    await waitFor('the held update', () => (reader.doc.getMap('m').get('second') as Uint8Array | undefined)?.length === 10)
    expect((reader.doc.getMap('m').get('first') as Uint8Array).length).toBe(10 * 1024)
    expect(ws.closeFrame).toBe(null)
    expect(ws.isTcpClosed).toBe(false)
    ws.destroy()
  })

  it('holds, not refuses, overwrites of a full document that arrive in one turn', async () => {
    const server = await startServer({ maxDocSize: 100 * 1024 })
    cleanups.push(() => server.close())
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    // three 40 KiB values, each replacing the last: the third fits once the first is compacted away
    for (let i = 1; i <= 3; i++) doc.getMap('m').set('blob', new Uint8Array(40 * 1024).fill(i))
    const ws = await open(server.url, '/sync/full-burst')
    cleanups.push(() => ws.destroy())
    const bin = (update: Uint8Array) => encodeFrame({ opcode: Opcode.Binary, payload: frame.update(update) })
    ws.write(bin(updates[0]!))
    await waitFor('the first value', () => (server.registry.get('full-burst')?.size ?? 0) > 40 * 1024)
    ws.write(Buffer.concat([bin(updates[1]!), bin(updates[2]!)]))
    const reader = connect(server.wsUrl, 'full-burst')
    cleanups.push(() => reader.destroy())
    await reader.synced()
    await waitFor('the third value', () => (reader.doc.getMap('m').get('blob') as Uint8Array | undefined)?.[0] === 3)
    expect(ws.closeFrame).toBe(null)
    expect(ws.isTcpClosed).toBe(false)
  })

  it('pauses a writer that runs far ahead of compaction, and lets it go on once compaction catches up', async () => {
    // a real compactor held back by a gate: compaction "takes" as long as the test wants
    const inline = createInlineCompactor()
    let openGate: () => void = () => {}
    const gate = new Promise<void>((resolve) => (openGate = resolve))
    let started = 0
    const compactor: Compactor = {
      ...inline,
      compact: async (updates) => {
        started++
        await gate
        return inline.compact(updates)
      },
    }
    const data = tempDir()
    cleanups.push(data.cleanup)
    const compactMinBytes = 64 * 1024
    const server = await startServer({ dataDir: data.dir }, { compactor }, { compactMinBytes })
    cleanups.push(() => server.close())
    const writer = connect(server.wsUrl, 'lag')
    const reader = connect(server.wsUrl, 'lag')
    cleanups.push(() => writer.destroy(), () => reader.destroy())
    await Promise.all([writer.synced(), reader.synced()])
    const writerWs = writer.provider.ws
    let received = 0
    reader.doc.on('update', () => received++)
    // 64 KiB values, each replacing the last: the log may run 8 x 128 KiB (twice the compacted
    // size, still empty, or the minimum) = 512 KiB ahead of compaction, about 8 of them
    const last = 39
    for (let i = 0; i <= last; i++) writer.doc.getMap('m').set('blob', new Uint8Array(64 * 1024).fill(i))
    const room = server.registry.get('lag')!
    await waitFor('the writer to be held and a compaction to wait at the gate', async () => {
      const metrics = await (await fetch(`${server.url}/metrics`)).text()
      return /^tandem_writer_holds_total [1-9]/m.test(metrics) && started > 0
    })
    // held: what the room holds stays near the lag bound, and the reader got only what fit
    expect(room.size).toBeLessThan(12 * compactMinBytes)
    expect(received).toBeLessThan(last)
    openGate()
    await waitFor('the reader to get the last value', () => (reader.doc.getMap('m').get('blob') as Uint8Array | undefined)?.[0] === last, 20_000)
    expect(writer.provider.ws).toBe(writerWs)
    expect(writer.provider.wsconnected).toBe(true)
  })

  it('pauses a writer whose overwritten history fills the document until compaction makes room, and refuses nothing', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = await startServer({ maxDocSize: 256 * 1024, dataDir: data.dir })
    cleanups.push(() => server.close())
    const writer = connect(server.wsUrl, 'overwrite')
    const reader = connect(server.wsUrl, 'overwrite')
    cleanups.push(() => writer.destroy(), () => reader.destroy())
    await Promise.all([writer.synced(), reader.synced()])
    const writerWs = writer.provider.ws
    // 40 KiB values, each replacing the last: 1.2 MiB of updates into a document of 40 KiB,
    // five times its limit before compaction drops what was overwritten
    const value = (i: number) => {
      const bytes = new Uint8Array(40 * 1024).fill(i)
      new DataView(bytes.buffer).setUint32(0, i)
      return bytes
    }
    const last = 29
    for (let i = 0; i <= last; i++) writer.doc.getMap('m').set('blob', value(i))
    const seen = () => reader.doc.getMap('m').get('blob') as Uint8Array | undefined
    await waitFor('the reader to get the last value', () => {
      const v = seen()
      return v !== undefined && new DataView(v.buffer, v.byteOffset).getUint32(0) === last
    }, 20_000)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    const count = (line: RegExp) => Number(metrics.split('\n').find((l) => line.test(l))?.split(' ').at(-1) ?? 0)
    expect(count(/^tandem_writer_holds_total /)).toBeGreaterThan(0)
    expect(count(/^tandem_closes_total\{code="4413"/)).toBe(0)
    // the writer was never closed: same socket, still connected
    expect(writer.provider.ws).toBe(writerWs)
    expect(writer.provider.wsconnected).toBe(true)
    // and a newcomer loads the last value from what was stored
    const late = connect(server.wsUrl, 'overwrite')
    cleanups.push(() => late.destroy())
    await late.synced()
    expect([...(late.doc.getMap('m').get('blob') as Uint8Array).subarray(4, 8)]).toEqual([last, last, last, last])
  })
})
