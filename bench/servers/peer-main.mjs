// @ts-nocheck -- runs from bench/.peers/y-websocket-server/, whose packages the repository's type check cannot see
// Starts @y/websocket-server 0.1.1 in memory, exactly as its bin (src/server.js) does, except
// that it listens where it is told and prints `listening on http://HOST:PORT` like the other
// servers of the benchmark. Copied into bench/.peers/y-websocket-server/ at install time so its
// imports resolve to that folder's own yjs 13, y-protocols and ws.
import http from 'node:http'
import { parseArgs } from 'node:util'
import { WebSocketServer } from 'ws'
import { setupWSConnection } from '@y/websocket-server/utils'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } })

const wss = new WebSocketServer({ noServer: true })
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' })
  response.end('okay')
})
wss.on('connection', setupWSConnection)
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => {
    wss.emit('connection', ws, request)
  })
})
server.listen(Number(values.port), values.host, () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : values.port
  process.stdout.write(`listening on http://${values.host}:${port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
