/**
 * Import and export jobs (server/docs/files.ts) in real worker threads: a large file is parsed
 * while the relay's event loop goes on turning, a job past its time limit is stopped with a
 * clear error, jobs queue behind the concurrency limit, and the round trip keeps the document.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { TITLE } from '../../shared/doc-fields.js'
import { FileJobError, FileJobs } from '../../server/docs/files.js'

const jobs: FileJobs[] = []
afterEach(async () => {
  for (const j of jobs.splice(0)) await j.close()
})

function files(options: ConstructorParameters<typeof FileJobs>[0] = {}): FileJobs {
  const f = new FileJobs(options)
  jobs.push(f)
  return f
}

const LINE = '- [ ] Some **bold** text with a [link](https://example.com) and `code`\n'

describe('file jobs', () => {
  it('parses a large file off the event loop, which keeps turning meanwhile', async () => {
    const text = `# Big\n\n${LINE.repeat(15_000)}`
    let turns = 0
    let running = true
    const spin = () => {
      turns++
      if (running) setImmediate(spin)
    }
    setImmediate(spin)
    const imported = await files().importFile('markdown', text, null, 'fallback')
    running = false
    // on the event loop the parse would be one long turn; here the loop turned all along
    expect(turns).toBeGreaterThan(20)
    expect(imported.title).toBe('Big')
    const doc = new Y.Doc()
    Y.applyUpdate(doc, imported.update)
    expect(doc.getText(TITLE).toString()).toBe('Big')

    const exported = await files().exportFile('markdown', imported.update)
    expect(exported).toEqual({ title: 'Big', text })
  })

  it('stops a job past its time limit, with a clear error, and takes the next', async () => {
    const f = files({ timeoutMs: 1 })
    await expect(f.importFile('markdown', LINE.repeat(20_000), null, 'x')).rejects.toThrow(new FileJobError('the import took longer than 0 s and was stopped'))
    const ok = files()
    expect((await ok.importFile('text', 'a\nb', 'Title', 'x')).title).toBe('Title')
  })

  it('runs one job at a time by default; the others wait their turn and all finish', async () => {
    const f = files()
    const results = await Promise.all([1, 2, 3].map((n) => f.importFile('text', `Doc ${n}\n\nbody`, null, 'x')))
    expect(results.map((r) => r.title)).toEqual(['Doc 1', 'Doc 2', 'Doc 3'])
  })

  it('refuses jobs once closed', async () => {
    const f = files()
    await f.close()
    await expect(f.importFile('text', 'x', null, 'x')).rejects.toThrow('the server is stopping')
  })
})
