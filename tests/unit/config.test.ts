/**
 * server/config.ts: defaults, environment variables, flags beating the environment, byte sizes
 * (64KiB, 8MiB), --help, and a ConfigError naming the option for every kind of mistake.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULTS, OPTIONS, parseBytes, parseConfig, usage, type Config } from '../../server/config.js'

/** Parses and fails the test unless a Config (not 'help') comes back. */
function config(argv: string[], env: Record<string, string> = {}): Config {
  const result = parseConfig(argv, env)
  if (result === 'help') throw new Error('unexpected help')
  return result
}

/** The ConfigError thrown for `argv`/`env`; fails the test when none is thrown. */
function configError(argv: string[], env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(argv, env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error(`accepted ${JSON.stringify({ argv, env })}`)
}

describe('parseConfig', () => {
  it('has the documented defaults with no flags and no environment', () => {
    const expected: Config = {
      host: '127.0.0.1',
      port: 1234,
      dataDir: './data',
      pgSchema: 'tandem',
      maxMessage: 8 * 1024 * 1024,
      sendBudget: 4 * 1024 * 1024,
      pingIntervalMs: 30_000,
      fsync: false,
      logLevel: 'info',
      auth: 'open',
      signup: 'open',
      jwtSecret: null,
      jwtPublicKey: null,
      tlsCert: null,
      tlsKey: null,
      origins: [],
      trustProxy: false,
      maxConnectionsPerIp: 64,
      maxMessagesPerSecond: 500,
      maxBytesPerSecond: 2 * 1024 * 1024,
      maxDocSize: 32 * 1024 * 1024,
      maxImageSize: 10 * 1024 * 1024,
      loginAttempts: 10,
      signupsPerHour: 20,
    }
    expect(config([])).toEqual(expected)
    expect(DEFAULTS).toEqual(expected)
  })

  it('reads every option from the environment', () => {
    const env = {
      PORT: '0',
      HOST: '0.0.0.0',
      DATA_DIR: 'postgres://tandem:secret@db.example:5432/docs',
      PG_SCHEMA: 'team_docs',
      MAX_MESSAGE: '64KiB',
      SEND_BUDGET: '8MiB',
      PING_INTERVAL: '5000',
      FSYNC: 'yes',
      LOG_LEVEL: 'debug',
      AUTH: 'token',
      SIGNUP: 'closed',
      JWT_SECRET: 's'.repeat(32),
      TLS_CERT: '/c.pem',
      TLS_KEY: '/k.pem',
      ORIGINS: 'https://a.example, http://b.example:8080',
      TRUST_PROXY: '1',
      MAX_CONNECTIONS_PER_IP: '5',
      MAX_MESSAGES_PER_SECOND: '50',
      MAX_BYTES_PER_SECOND: '1MiB',
      MAX_DOC_SIZE: '1MiB',
      MAX_IMAGE_SIZE: '2MiB',
      LOGIN_ATTEMPTS: '3',
      SIGNUPS_PER_HOUR: '7',
    }
    expect(config([], env)).toEqual({
      host: '0.0.0.0',
      port: 0,
      dataDir: 'postgres://tandem:secret@db.example:5432/docs',
      pgSchema: 'team_docs',
      maxMessage: 65536,
      sendBudget: 8 * 1024 * 1024,
      pingIntervalMs: 5000,
      fsync: true,
      logLevel: 'debug',
      auth: 'token',
      signup: 'closed',
      jwtSecret: 's'.repeat(32),
      jwtPublicKey: null,
      tlsCert: '/c.pem',
      tlsKey: '/k.pem',
      origins: ['https://a.example', 'http://b.example:8080'],
      trustProxy: true,
      maxConnectionsPerIp: 5,
      maxMessagesPerSecond: 50,
      maxBytesPerSecond: 1024 * 1024,
      maxDocSize: 1024 * 1024,
      maxImageSize: 2 * 1024 * 1024,
      loginAttempts: 3,
      signupsPerHour: 7,
    })
  })

  it('takes a postgres:// or postgresql:// URL as --data, with --pg-schema naming the schema', () => {
    expect(config(['--data', 'postgres://127.0.0.1:5432/test'])).toMatchObject({ dataDir: 'postgres://127.0.0.1:5432/test', pgSchema: 'tandem' })
    expect(config(['--data', 'postgresql://u@db/x', '--pg-schema', 'docs_2'])).toMatchObject({ dataDir: 'postgresql://u@db/x', pgSchema: 'docs_2' })
    // a socket directory instead of a host
    expect(config(['--data', 'postgres:///test?host=/run/postgresql']).dataDir).toBe('postgres:///test?host=/run/postgresql')
  })

  it('rejects a PostgreSQL URL that cannot be used, naming --data and never repeating the password', () => {
    for (const url of ['postgres://u:hunter2@db:99999/x', 'postgres://u:hunter2@/x', 'postgresql://u:hunter2%zz@db/x']) {
      const err = configError(['--data', url])
      expect(err.message, url).toMatch(/^--data \(DATA_DIR\) .*: PostgreSQL URL /)
      expect(err.message, url).not.toContain('hunter2')
    }
  })

  it('rejects a --pg-schema that is no plain identifier, or one given without PostgreSQL', () => {
    for (const schema of ['Tandem', '1docs', 'a-b', 'x'.repeat(64), 'a"; drop table x; --']) {
      expect(configError(['--data', 'postgres://db/x', '--pg-schema', schema]).message, schema).toContain('--pg-schema (PG_SCHEMA)')
    }
    expect(configError(['--pg-schema', 'docs']).message).toBe('--pg-schema (PG_SCHEMA) only applies with a postgres:// --data (this is --data ./data)')
  })

  it('defaults to open mode on a loopback host and to accounts elsewhere', () => {
    expect(config(['--host', '127.0.0.1']).auth).toBe('open')
    expect(config(['--host', 'localhost']).auth).toBe('open')
    expect(config(['--host', '::1']).auth).toBe('open')
    expect(config(['--host', '0.0.0.0']).auth).toBe('accounts')
    expect(config(['--host', '0.0.0.0', '--auth', 'open']).auth).toBe('open')
  })

  it('defaults to accounts behind a trusted proxy, which makes a loopback server public', () => {
    // README: behind a proxy, keep --host 127.0.0.1 and pass --trust-proxy; the proxy then hands
    // the whole internet to the server, which must not make everyone the owner of everything
    expect(config(['--trust-proxy']).auth).toBe('accounts')
    expect(config([], { TRUST_PROXY: '1', HOST: 'localhost' }).auth).toBe('accounts')
    expect(config(['--trust-proxy', '--auth', 'open']).auth).toBe('open')
  })

  it('checks that auth, token keys and TLS files fit together', () => {
    expect(configError(['--auth', 'token']).message).toMatch(/needs exactly one of --jwt-secret/)
    expect(configError(['--auth', 'token', '--jwt-secret', 'x'.repeat(32), '--jwt-public-key', '/k']).message).toMatch(/exactly one/)
    expect(configError(['--auth', 'token', '--jwt-secret', 'short']).message).toMatch(/--jwt-secret \(JWT_SECRET\) "short": must be at least 32/)
    expect(configError(['--jwt-secret', 'x'.repeat(32)]).message).toMatch(/only apply with --auth token/)
    expect(configError(['--tls-cert', '/c.pem']).message).toMatch(/give both or neither/)
    expect(configError(['--origin', 'example.com']).message).toMatch(/--origin \(ORIGINS\)/)
    expect(configError(['--auth', 'magic']).message).toMatch(/--auth \(AUTH\) "magic"/)
  })

  it('keeps origins as browsers send them in the Origin header, and rejects ones that are no URL', () => {
    // a browser sends its origin lower-cased, in punycode, without the scheme's default port: an
    // origin kept as typed would never match and its users would get 403 with no hint why
    expect(config(['--origin', 'https://Docs.Example.com:443,http://b.example:80,http://c.example:8080,https://bücher.example']).origins).toEqual([
      'https://docs.example.com',
      'http://b.example',
      'http://c.example:8080',
      'https://xn--bcher-kva.example',
    ])
    // not an "Invalid URL" from deep inside start-up, but the option and the value
    for (const bad of ['http://a.example:99999', 'http://exa mple.com', 'http://[::1']) {
      expect(configError(['--origin', bad]).message, bad).toMatch(/^--origin \(ORIGINS\) /)
    }
  })

  it('adds up --origin given more than once instead of keeping the last', () => {
    expect(config(['--origin', 'https://a.example', '--origin', 'https://b.example,https://c.example']).origins).toEqual([
      'https://a.example',
      'https://b.example',
      'https://c.example',
    ])
    // flags still win over the environment as a whole
    expect(config(['--origin', 'https://a.example'], { ORIGINS: 'https://env.example' }).origins).toEqual(['https://a.example'])
  })

  it('lets flags beat the environment', () => {
    const env = { PORT: '1111', HOST: 'env-host', DATA_DIR: '/env', MAX_MESSAGE: '2MiB', LOG_LEVEL: 'error' }
    const c = config(['--port', '2222', '--host=flag-host', '--data', '/flag', '--max-message', '1MiB', '--log-level', 'warn', '--fsync'], env)
    expect(c).toMatchObject({ port: 2222, host: 'flag-host', dataDir: '/flag', maxMessage: 1024 * 1024, logLevel: 'warn', fsync: true })
    // an option without a flag still comes from the environment
    expect(config(['--port', '3'], { PING_INTERVAL: '250' })).toMatchObject({ port: 3, pingIntervalMs: 250 })
  })

  it('turns fsync off with --no-fsync even when the environment turns it on', () => {
    expect(config(['--no-fsync'], { FSYNC: 'true' })).toMatchObject({ fsync: false })
    expect(config([], { FSYNC: 'true' })).toMatchObject({ fsync: true })
  })

  it('treats an empty environment variable as unset', () => {
    expect(config([], { PORT: '', FSYNC: '', LOG_LEVEL: '' })).toMatchObject({ port: 1234, fsync: false, logLevel: 'info' })
  })

  it('answers --help and -h with "help", even next to other flags', () => {
    expect(parseConfig(['--help'], {})).toBe('help')
    expect(parseConfig(['-h'], {})).toBe('help')
    expect(parseConfig(['--port', '5', '--help'], {})).toBe('help')
    const text = usage()
    for (const o of OPTIONS) {
      expect(text).toContain(`--${o.flag}`)
      expect(text).toContain(o.env)
    }
    expect(text).toContain('--help')
  })

  it('rejects an unknown flag, naming it and showing the usage', () => {
    const err = configError(['--prot', '80'])
    expect(err.message).toMatch(/Unknown option '--prot'/)
    expect(err.message).toContain('Usage:')
    expect(configError(['stray']).message).toMatch(/stray/)
    expect(configError(['--port']).message).toMatch(/--port/)
  })

  it('rejects a bad port, naming the flag, the variable and the value', () => {
    for (const [value, why] of [
      ['65536', /65535/],
      ['-1', /whole number/],
      ['12ab', /whole number/],
      ['1.5', /whole number/],
      ['', /whole number/],
    ] as const) {
      const err = configError([`--port=${value}`])
      expect(err.message, value).toContain('--port (PORT)')
      expect(err.message, value).toContain(JSON.stringify(value))
      expect(err.message, value).toMatch(why)
    }
    expect(configError([], { PORT: 'http' }).message).toContain('--port (PORT) "http"')
  })

  it('rejects a bad size, naming the option', () => {
    const notSize = configError(['--max-message', 'lots'])
    expect(notSize.message).toContain('--max-message (MAX_MESSAGE) "lots"')
    expect(notSize.message).toMatch(/not a size/)
    expect(configError(['--max-message', '10']).message).toMatch(/--max-message .*at least 1024 bytes/)
    expect(configError(['--max-message', '2GiB']).message).toMatch(/--max-message .*at most/)
    expect(configError(['--send-budget', '1KiB']).message).toMatch(/--send-budget \(SEND_BUDGET\) "1KiB": must be at least 65536 bytes/)
    expect(configError(['--send-budget', '5 parsecs']).message).toContain('--send-budget')
  })

  it('rejects a bad log level and a bad boolean, naming the option', () => {
    const level = configError(['--log-level', 'loud'])
    expect(level.message).toContain('--log-level (LOG_LEVEL) "loud"')
    expect(level.message).toMatch(/info/)
    expect(configError([], { FSYNC: 'maybe' }).message).toContain('--fsync (FSYNC) "maybe": must be true or false')
    expect(configError(['--ping-interval', '10']).message).toContain('--ping-interval (PING_INTERVAL)')
  })

  it('lists every problem at once', () => {
    const err = configError(['--port', 'x', '--log-level', 'loud'], { MAX_MESSAGE: 'big' })
    const lines = err.message.split('\n')
    expect(lines.length).toBe(3)
    expect(lines.some((l) => l.startsWith('--port'))).toBe(true)
    expect(lines.some((l) => l.startsWith('--log-level'))).toBe(true)
    expect(lines.some((l) => l.startsWith('--max-message'))).toBe(true)
  })
})

describe('parseBytes', () => {
  it('reads plain numbers and binary units, case-insensitive, with optional spaces', () => {
    expect(parseBytes('65536')).toBe(65536)
    expect(parseBytes('64KiB')).toBe(64 * 1024)
    expect(parseBytes('64kb')).toBe(64 * 1024)
    expect(parseBytes('64K')).toBe(64 * 1024)
    expect(parseBytes('8MiB')).toBe(8 * 1024 * 1024)
    expect(parseBytes('8 mb')).toBe(8 * 1024 * 1024)
    expect(parseBytes('1GiB')).toBe(1024 ** 3)
    expect(parseBytes('1.5MiB')).toBe(1.5 * 1024 * 1024)
    expect(parseBytes('100b')).toBe(100)
    expect(parseBytes(' 2 KiB ')).toBe(2048)
  })

  it('rejects what is not a size', () => {
    for (const bad of ['', 'MiB', '-1', '8 MiBs', '1e6', '8TiB', '0x10', '1,5MiB']) {
      expect(() => parseBytes(bad), bad).toThrow(/is not a size/)
    }
  })
})
