/**
 * A TCP relay in front of a server whose `cut()` loses every connection through it the way a
 * network change does (a phone moving from Wi-Fi to mobile data): the client's side ends at once,
 * while the server's side stays open and silent, as a peer that vanished without a goodbye.
 */
import { createServer, connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

/** A running relay: its `ws://` base URL for `/sync`, `cut()` and `close()`. */
export interface Blackhole {
  readonly wsUrl: string
  cut(): void
  close(): Promise<void>
}

/** Starts a relay on a free loopback port to 127.0.0.1:`port`. */
export async function startBlackhole(port: number): Promise<Blackhole> {
  const tunnels = new Set<{ client: Socket; upstream: Socket }>()
  /** The server's sides of the connections cut, kept open until close(). */
  const held = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1')
    client.pipe(upstream).pipe(client)
    const tunnel = { client, upstream }
    tunnels.add(tunnel)
    client.on('error', () => {})
    upstream.on('error', () => {})
    client.on('close', () => tunnels.delete(tunnel))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port: own } = server.address() as AddressInfo
  return {
    wsUrl: `ws://127.0.0.1:${own}/sync`,
    cut() {
      for (const { client, upstream } of tunnels) {
        client.unpipe(upstream)
        upstream.unpipe(client)
        // the server's side gets nothing more, not even a FIN; it is ended only by close()
        upstream.pause()
        client.destroy()
        held.add(upstream)
      }
      tunnels.clear()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of tunnels) {
          client.destroy()
          upstream.destroy()
        }
        for (const socket of held) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
