/**
 * A load generator worker process (forked by ./pool.ts): hosts many emulated clients and runs
 * the commands of ./messages.ts one request at a time, answering each over IPC. It exits when
 * told to close or when the benchmark process goes away.
 */
import { join, warm } from './join.js'
import { LoadGroup } from './load.js'
import type { Command, Reply, Request } from './messages.js'
import { ReplaySender, ReplayWatcher } from './replay.js'

const group = new LoadGroup()
const sender = new ReplaySender()
const watcher = new ReplayWatcher()

async function handle(cmd: Command): Promise<unknown> {
  switch (cmd.type) {
    case 'setup':
      return group.setup(cmd)
    case 'prepare':
      return group.prepare(cmd.updates)
    case 'run':
      return group.run(cmd)
    case 'verify':
      return group.verify()
    case 'upload':
      return group.upload(cmd)
    case 'probe-arm':
      return group.probeArm()
    case 'probe-send':
      return group.probeSend()
    case 'probe-wait':
      return group.probeWait(cmd.timeoutMs)
    case 'warm':
      return warm(cmd)
    case 'join':
      return join(cmd)
    case 'replay-send':
      return sender.connect(cmd)
    case 'replay-go':
      return sender.go()
    case 'replay-watch':
      return watcher.connect(cmd)
    case 'replay-result':
      return watcher.result()
    case 'close':
      group.close()
      sender.close()
      watcher.close()
      return null
  }
}

function reply(message: Reply): void {
  process.send?.(message)
}

process.on('message', (message: Request) => {
  handle(message.cmd).then(
    (result) => {
      reply({ id: message.id, ok: true, result: result ?? null })
      if (message.cmd.type === 'close') process.disconnect()
    },
    (err: Error) => reply({ id: message.id, ok: false, error: err.stack ?? String(err) }),
  )
})
// the benchmark process went away (or told us to close): nothing else keeps us here
process.on('disconnect', () => process.exit(0))
