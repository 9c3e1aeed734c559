/**
 * A reverse proxy in front of a Tandem server, as nginx or Caddy would be (README, "Running behind
 * a reverse proxy"): it forwards requests and WebSocket upgrades with their Host header, and
 * answers 502 Bad Gateway with an HTML page of its own while the server behind it is down.
 */
import { createServer, request, type Server } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'

/** A running proxy: its URL, and `close()`. */
export interface Proxy {
  readonly url: string
  close(): Promise<void>
}

const BAD_GATEWAY = '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>'

/** Starts a proxy on a free loopback port that forwards to 127.0.0.1:`backendPort()`. */
export async function startProxy(backendPort: () => number): Promise<Proxy> {
  const server: Server = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: backendPort(), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      if (res.headersSent) return void res.destroy()
      res.writeHead(502, { 'Content-Type': 'text/html' })
      res.end(BAD_GATEWAY)
    })
    req.pipe(upstream)
  })
  // upgraded sockets are no longer the HTTP server's to close
  const tunnels = new Set<{ destroy(): void }>()
  server.on('upgrade', (req, socket, head) => {
    const upstream = connect(backendPort(), '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      upstream.write(lines.join('\r\n') + '\r\n\r\n')
      upstream.write(head)
      socket.pipe(upstream).pipe(socket)
    })
    upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'))
    socket.on('error', () => upstream.destroy())
    socket.on('close', () => {
      upstream.destroy()
      tunnels.delete(socket)
    })
    tunnels.add(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of tunnels) socket.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
