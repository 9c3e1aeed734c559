/**
 * A data directory damaged while the server was stopped, with the real server in a child process:
 * the start fails with a message naming the problem and an exit code, and leaves every file as
 * it found it, so that what it holds can still be saved; a journal it can read only in part is
 * named in the log and kept aside.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runToExit, spawn, type ChildServer } from '../helpers/child.js'
import { connect, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function start(dataDir: string): Promise<ChildServer> {
  const server = await spawn(['--port', '0', '--data', dataDir, '--log-level', 'warn'])
  cleanups.push(async () => {
    server.kill('SIGKILL')
    await server.exited
  })
  return server
}

async function stop(server: ChildServer): Promise<void> {
  server.kill('SIGTERM')
  expect((await server.exited).code).toBe(0)
}

/** Every file of `dir` (not its subdirectories) with its bytes, by name. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isFile()) out.set(entry.name, readFileSync(join(dir, entry.name)))
  return out
}

const titles = async (server: ChildServer) => ((await (await fetch(`${server.url}/api/docs`)).json()) as { docs: Array<{ title: string }> }).docs.map((d) => d.title).sort()

describe('a damaged LevelDB directory', () => {
  it('missing its CURRENT file is refused and left as it is, not replaced by an empty store', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    let server = await start(data.dir)
    for (const n of [1, 2, 3]) {
      const res = await fetch(`${server.url}/api/docs`, { method: 'POST', headers: { 'content-type': 'text/markdown', 'x-filename': `n${n}.md` }, body: `# Note ${n}\n\nbody ${n}\n` })
      expect(res.status).toBe(201)
    }
    await stop(server)
    // a second start moves LevelDB's log into a table file: what the stores lose is in tables
    server = await start(data.dir)
    expect(await titles(server)).toEqual(['Note 1', 'Note 2', 'Note 3'])
    await stop(server)
    const before = files(data.dir)
    expect([...before.keys()].some((name) => name.endsWith('.ldb'))).toBe(true)
    const current = before.get('CURRENT')!.toString()

    unlinkSync(join(data.dir, 'CURRENT'))
    const refused = await runToExit(['--port', '0', '--data', data.dir])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toContain(`the data directory ${data.dir} holds LevelDB files`)
    expect(refused.stderr).toContain('no CURRENT file')
    // the message says what to put back
    expect(refused.stderr).toContain(current.trim())
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    // nothing was written, deleted or made
    const after = files(data.dir)
    before.delete('CURRENT')
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort())
    for (const [name, bytes] of before) expect(after.get(name)!.equals(bytes), name).toBe(true)

    // put back as the message says, everything is there
    writeFileSync(join(data.dir, 'CURRENT'), current)
    server = await start(data.dir)
    expect(await titles(server)).toEqual(['Note 1', 'Note 2', 'Note 3'])
  })
})

describe('data paths that are not what they should be', () => {
  it('a data directory, journal directory or journal file that is of the wrong kind is named in the error, and nothing is changed', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    // --data naming a file
    const file = join(data.dir, 'data-file')
    writeFileSync(file, 'not a directory')
    let refused = await runToExit(['--port', '0', '--data', file])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`the data directory ${file} is a file, not a directory`)
    expect(readFileSync(file, 'utf8')).toBe('not a directory')

    // the journal directory replaced by a file
    const dir = join(data.dir, 'db')
    const server = await start(dir)
    await stop(server)
    const journal = join(dir, 'journal')
    rmSync(journal, { recursive: true })
    writeFileSync(journal, 'x')
    refused = await runToExit(['--port', '0', '--data', dir])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`cannot open the write-ahead journal ${journal}: it is a file, not a directory`)
    expect(refused.stderr).not.toMatch(/\n\s+at /)

    // a journal segment that cannot be read: it may hold acknowledged edits, so it is not skipped
    rmSync(journal)
    mkdirSync(join(journal, '00000001.wal'), { recursive: true })
    refused = await runToExit(['--port', '0', '--data', dir])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`cannot read the write-ahead journal file ${join(journal, '00000001.wal')}: EISDIR`)
    expect(statSync(join(journal, '00000001.wal')).isDirectory()).toBe(true)
  })
})

describe('a damaged write-ahead journal', () => {
  it('a record that does not check out is named by file and byte, and the file is kept aside, not deleted with the journal', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    let server = await start(data.dir)
    const writer = connect(server.wsUrl, 'journaled')
    const watcher = connect(server.wsUrl, 'journaled')
    cleanups.push(() => writer.destroy(), () => watcher.destroy())
    await Promise.all([writer.synced(), watcher.synced()])
    const body = writer.doc.getText('body')
    for (let i = 0; i < 20; i++) body.insert(body.length, `edit ${i} `)
    await waitFor('the watcher to see every edit', () => watcher.doc.getText('body').toString() === body.toString())
    writer.provider.disconnect()
    watcher.provider.disconnect()
    server.kill('SIGKILL')
    await server.exited

    // the segment the killed run wrote, with one byte of its first record's payload changed
    const journal = join(data.dir, 'journal')
    const segment = readdirSync(journal).find((name) => name.endsWith('.wal') && statSync(join(journal, name)).size > 0)!
    expect(segment).toBeDefined()
    const damaged = readFileSync(join(journal, segment))
    damaged[8 + 2]! ^= 0xff
    writeFileSync(join(journal, segment), damaged)

    server = await start(data.dir)
    await waitFor('the damage to be logged', () => server.stderr.includes('is damaged at byte 0'))
    expect(server.stderr).toContain(`the journal file ${join(journal, segment)} is damaged at byte 0: the ${damaged.length} bytes from there could not be read`)
    const copies = readdirSync(journal).filter((name) => name.startsWith('unreadable-') && name.endsWith(segment))
    expect(copies).toHaveLength(1)
    expect(readFileSync(join(journal, copies[0]!)).equals(damaged)).toBe(true)
    expect(server.stderr).toContain(`a copy is kept in ${join(journal, copies[0]!)}`)
    // the copy stays through a clean stop, which empties the journal, and the next start
    await stop(server)
    server = await start(data.dir)
    expect(readdirSync(journal).filter((name) => name.startsWith('unreadable-'))).toEqual(copies)
  })
})
