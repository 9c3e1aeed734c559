/**
 * What --data says about PostgreSQL: which values select it, which URLs are refused, and how a
 * URL is shown (never with its password, whether it parses or not).
 */
import { describe, expect, it } from 'vitest'
import { isPostgresUrl, postgresUrlProblem, redactPostgresUrl } from '../../server/storage/postgres-url.js'

describe('PostgreSQL URLs', () => {
  it('selects PostgreSQL for postgres:// and postgresql:// only', () => {
    for (const url of ['postgres://h/d', 'postgresql://h/d', 'POSTGRES://h/d']) expect(isPostgresUrl(url), url).toBe(true)
    for (const dir of ['./data', ':memory:', 'postgres', 'postgres:data', '/var/lib/postgres://x']) expect(isPostgresUrl(dir), dir).toBe(false)
  })

  it('finds what makes a URL unusable', () => {
    expect(postgresUrlProblem('postgres://u:p@db.example:5432/docs')).toBeNull()
    expect(postgresUrlProblem('postgres:///docs?host=/run/postgresql')).toBeNull()
    expect(postgresUrlProblem('postgres://db:99999/x')).toMatch(/not a valid URL/)
    expect(postgresUrlProblem('postgres:///x')).toMatch(/names no host/)
    expect(postgresUrlProblem('postgres://u:%zz@db/x')).toMatch(/percent-encoded/)
  })

  it('shows a URL without its password or query string, parsed or not', () => {
    expect(redactPostgresUrl('postgres://u:hunter2@db.example:5432/docs?sslmode=require&password=hunter2')).toBe('postgres://u@db.example:5432/docs')
    expect(redactPostgresUrl('postgresql://db.example/docs')).toBe('postgresql://db.example/docs')
    expect(redactPostgresUrl('postgres://u:hun@ter2@db:99999/docs?password=hunter2')).toBe('postgres://…@db:99999/docs')
  })
})
