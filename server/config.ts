/**
 * Server configuration from command-line flags and environment variables (flags win). Pure: it
 * takes argv and env as arguments and returns a Config or throws ConfigError with a message
 * meant for the person who typed the command.
 */
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { LEVELS } from './log.js'
import { DEFAULT_SCHEMA, isPostgresUrl, postgresUrlProblem, redactPostgresUrl, SCHEMA_PATTERN } from './storage/postgres-url.js'

/** Everything the server can be told at start-up. */
export interface Config {
  readonly host: string
  readonly port: number
  /** LevelDB directory, a postgres:// URL, or ':memory:' for a store that dies with the process. */
  readonly dataDir: string
  /** PostgreSQL schema holding the tables, when dataDir is a postgres:// URL. */
  readonly pgSchema: string
  readonly maxMessage: number
  readonly sendBudget: number
  readonly pingIntervalMs: number
  readonly fsync: boolean
  readonly logLevel: (typeof LEVELS)[number]
  /** Who may do what: open (anyone edits), accounts, or tokens signed by another application. */
  readonly auth: 'open' | 'accounts' | 'token'
  /** Whether anyone may create an account (accounts mode); the first account is the admin. */
  readonly signup: 'open' | 'closed'
  /** HS256 secret for token mode. */
  readonly jwtSecret: string | null
  /** Path of a PEM public key for token mode. */
  readonly jwtPublicKey: string | null
  /** Paths of a PEM certificate and key: serve https and wss directly. */
  readonly tlsCert: string | null
  readonly tlsKey: string | null
  /** Origins allowed to open WebSockets and call the API from a browser, besides the server's own. */
  readonly origins: readonly string[]
  /** Take the client address and scheme from X-Forwarded-For/-Proto (behind a reverse proxy). */
  readonly trustProxy: boolean
  readonly maxConnectionsPerIp: number
  readonly maxMessagesPerSecond: number
  readonly maxBytesPerSecond: number
  readonly maxDocSize: number
  /** Largest image upload (POST /api/docs/:id/images); larger ones get 413. */
  readonly maxImageSize: number
  /** Failed logins allowed per account per 15 minutes (per address: five times as many). */
  readonly loginAttempts: number
  /** Sign-ups allowed per client address per hour (accounts mode); more get 429. */
  readonly signupsPerHour: number
}

/** True when `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** A configuration mistake; `message` says what and how to fix it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

interface Option {
  readonly flag: string
  readonly env: string
  readonly type: 'string' | 'boolean'
  readonly help: string
  readonly default: string
  /** May be given more than once; the values add up (comma-joined). */
  readonly multiple?: boolean
}

/** Every option: flag, environment variable, default and help (README's table mirrors this). */
export const OPTIONS: readonly Option[] = [
  { flag: 'port', env: 'PORT', type: 'string', default: '1234', help: 'TCP port; 0 picks a free one' },
  { flag: 'host', env: 'HOST', type: 'string', default: '127.0.0.1', help: 'interface to listen on' },
  { flag: 'data', env: 'DATA_DIR', type: 'string', default: './data', help: "LevelDB directory, postgres:// URL, or ':memory:' (keeps nothing)" },
  { flag: 'pg-schema', env: 'PG_SCHEMA', type: 'string', default: DEFAULT_SCHEMA, help: 'PostgreSQL schema for the tables (with a postgres:// --data)' },
  { flag: 'max-message', env: 'MAX_MESSAGE', type: 'string', default: '8MiB', help: 'largest WebSocket message accepted' },
  { flag: 'send-budget', env: 'SEND_BUDGET', type: 'string', default: '4MiB', help: 'unsent bytes per peer before it is closed (4507)' },
  { flag: 'ping-interval', env: 'PING_INTERVAL', type: 'string', default: '30000', help: 'ms between pings; two missed pongs close a peer' },
  { flag: 'fsync', env: 'FSYNC', type: 'boolean', default: 'false', help: 'LevelDB: flush each batch to disk (survives power loss); --no-fsync turns it off' },
  { flag: 'log-level', env: 'LOG_LEVEL', type: 'string', default: 'info', help: LEVELS.join('|') },
  { flag: 'auth', env: 'AUTH', type: 'string', default: 'open on loopback without --trust-proxy, else accounts', help: 'open|accounts|token' },
  { flag: 'signup', env: 'SIGNUP', type: 'string', default: 'open', help: 'open|closed: may anyone create an account' },
  { flag: 'jwt-secret', env: 'JWT_SECRET', type: 'string', default: 'none', help: 'token mode: HS256 secret (32+ characters)' },
  { flag: 'jwt-public-key', env: 'JWT_PUBLIC_KEY', type: 'string', default: 'none', help: 'token mode: PEM public key file' },
  { flag: 'tls-cert', env: 'TLS_CERT', type: 'string', default: 'none', help: 'PEM certificate file: serve https/wss' },
  { flag: 'tls-key', env: 'TLS_KEY', type: 'string', default: 'none', help: 'PEM private key file for --tls-cert' },
  { flag: 'origin', env: 'ORIGINS', type: 'string', default: 'none', help: 'extra allowed browser origins, comma-separated or repeated', multiple: true },
  { flag: 'trust-proxy', env: 'TRUST_PROXY', type: 'boolean', default: 'false', help: 'read client address from X-Forwarded-For' },
  { flag: 'max-connections-per-ip', env: 'MAX_CONNECTIONS_PER_IP', type: 'string', default: '64', help: 'open WebSockets per client address' },
  { flag: 'max-messages-per-second', env: 'MAX_MESSAGES_PER_SECOND', type: 'string', default: '500', help: 'per connection (bursts of 4 s allowed)' },
  { flag: 'max-bytes-per-second', env: 'MAX_BYTES_PER_SECOND', type: 'string', default: '2MiB', help: 'per connection (bursts up to --max-message)' },
  { flag: 'max-doc-size', env: 'MAX_DOC_SIZE', type: 'string', default: '32MiB', help: 'largest document; more is refused (4413)' },
  { flag: 'max-image-size', env: 'MAX_IMAGE_SIZE', type: 'string', default: '10MiB', help: 'largest image upload; more is refused (413)' },
  { flag: 'login-attempts', env: 'LOGIN_ATTEMPTS', type: 'string', default: '10', help: 'failed logins per account per 15 min' },
  { flag: 'signups-per-hour', env: 'SIGNUPS_PER_HOUR', type: 'string', default: '20', help: 'sign-ups per client address per hour' },
]

/** Usage text for --help and error messages. */
export function usage(): string {
  const rows = OPTIONS.map((o) => `  --${o.flag}${o.type === 'string' ? ' <value>' : ''}`.padEnd(30) + `${o.help} [${o.env}, default ${o.default}]`)
  return ['Usage: npm start -- [options]', '', ...rows, '  --help'.padEnd(30) + 'show this help'].join('\n')
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 }

/** Parses a byte size like `8388608`, `64KiB` or `8MiB`. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined
  if (!m || unit === undefined) throw new Error(`"${text}" is not a size (examples: 65536, 64KiB, 8MiB)`)
  return Math.floor(Number(m[1]) * unit)
}

const integer = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max))
const bytes = (min: number, max: number) =>
  z
    .string()
    .transform((s, ctx) => {
      try {
        return parseBytes(s)
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message })
        return z.NEVER
      }
    })
    .pipe(z.number().min(min, `must be at least ${min} bytes`).max(max, `must be at most ${max} bytes`))
const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ['true', 'false', '1', '0', 'yes', 'no', ''].includes(s), 'must be true or false')
  .transform((s) => s === 'true' || s === '1' || s === 'yes' || s === '')

/**
 * An origin as a browser sends it in the Origin header (lower case, punycode, no default port),
 * which is what requests are compared with; one that is no URL at all is refused here.
 */
function origin(text: string, ctx: z.RefinementCtx): string {
  try {
    return new URL(text).origin
  } catch {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a valid origin` })
    return z.NEVER
  }
}

const schema = z.object({
  port: integer(0, 65535),
  host: z.string().trim().min(1, 'must not be empty'),
  data: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .superRefine((s, ctx) => {
      const problem = isPostgresUrl(s) ? postgresUrlProblem(s) : null
      if (problem) ctx.addIssue({ code: 'custom', message: `PostgreSQL URL ${problem}` })
    }),
  'pg-schema': z.string().trim().regex(SCHEMA_PATTERN, 'must be a lower-case identifier: letters a-z, digits and _, not starting with a digit, at most 63'),
  'max-message': bytes(1024, 1024 ** 3),
  'send-budget': bytes(64 * 1024, 1024 ** 3),
  'ping-interval': integer(100, 3_600_000),
  fsync: bool,
  'log-level': z.enum(LEVELS),
  auth: z.enum(['open', 'accounts', 'token', 'open on loopback without --trust-proxy, else accounts']),
  signup: z.enum(['open', 'closed']),
  'jwt-secret': z.string().refine((s) => s === 'none' || s.length >= 32, 'must be at least 32 characters'),
  'jwt-public-key': z.string().min(1),
  'tls-cert': z.string().min(1),
  'tls-key': z.string().min(1),
  origin: z
    .string()
    .transform((s) => (s === 'none' ? [] : s.split(',').map((o) => o.trim()).filter(Boolean)))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'origins look like https://docs.example.com (scheme and host, no path)').transform(origin))),
  'trust-proxy': bool,
  'max-connections-per-ip': integer(1, 1_000_000),
  'max-messages-per-second': integer(1, 1_000_000),
  'max-bytes-per-second': bytes(1024, 1024 ** 3),
  'max-doc-size': bytes(64 * 1024, 64 * 1024 ** 3),
  // LevelDB keeps each image as one value, read whole to answer: a gigabyte is already unreasonable
  'max-image-size': bytes(1024, 1024 ** 3),
  'login-attempts': integer(1, 10_000),
  'signups-per-hour': integer(1, 1_000_000),
})

/** Parses flags (argv without node and script) and environment into a Config. */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Config | 'help' {
  let values: Record<string, string | string[] | boolean | undefined>
  try {
    const parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: o.type, multiple: o.multiple ?? false }])),
      },
    })
    values = parsed.values as Record<string, string | string[] | boolean | undefined>
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}\n\n${usage()}`)
  }
  if (values.help) return 'help'
  const raw: Record<string, string> = {}
  for (const o of OPTIONS) {
    const fromFlag = values[o.flag]
    // an empty environment variable counts as unset
    const fromEnv = env[o.env] === '' ? undefined : env[o.env]
    // a repeated --origin adds to the list: keeping only the last would shut out the others' users
    raw[o.flag] = fromFlag === undefined ? (fromEnv ?? o.default) : Array.isArray(fromFlag) ? fromFlag.join(',') : String(fromFlag)
  }
  const result = schema.safeParse(raw)
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0])
      const option = OPTIONS.find((o) => o.flag === key)!
      // a PostgreSQL URL may hold a password: it is never repeated back
      const value = key === 'data' && isPostgresUrl(raw[key]!) ? redactPostgresUrl(raw[key]!) : raw[key]
      return `--${key} (${option.env}) ${JSON.stringify(value)}: ${issue.message}`
    })
    throw new ConfigError(problems.join('\n'))
  }
  const v = result.data
  const none = (s: string) => (s === 'none' ? null : s)
  // behind a trusted proxy a loopback server answers whoever reaches the proxy: not open by default
  const onlyThisMachine = isLoopback(v.host) && !v['trust-proxy']
  const auth = v.auth === 'open on loopback without --trust-proxy, else accounts' ? (onlyThisMachine ? 'open' : 'accounts') : v.auth
  const jwtSecret = none(v['jwt-secret'])
  const jwtPublicKey = none(v['jwt-public-key'])
  if (auth === 'token' && (jwtSecret === null) === (jwtPublicKey === null)) {
    throw new ConfigError('--auth token needs exactly one of --jwt-secret (JWT_SECRET) or --jwt-public-key (JWT_PUBLIC_KEY)')
  }
  if (auth !== 'token' && (jwtSecret !== null || jwtPublicKey !== null)) {
    throw new ConfigError(`--jwt-secret and --jwt-public-key only apply with --auth token (this is --auth ${auth})`)
  }
  const tlsCert = none(v['tls-cert'])
  const tlsKey = none(v['tls-key'])
  if ((tlsCert === null) !== (tlsKey === null)) throw new ConfigError('--tls-cert and --tls-key go together: give both or neither')
  if (!isPostgresUrl(v.data) && v['pg-schema'] !== DEFAULT_SCHEMA) {
    throw new ConfigError(`--pg-schema (PG_SCHEMA) only applies with a postgres:// --data (this is --data ${v.data})`)
  }
  return {
    host: v.host,
    port: v.port,
    dataDir: v.data,
    pgSchema: v['pg-schema'],
    maxMessage: v['max-message'],
    sendBudget: v['send-budget'],
    pingIntervalMs: v['ping-interval'],
    fsync: v.fsync,
    logLevel: v['log-level'],
    auth,
    signup: v.signup,
    jwtSecret,
    jwtPublicKey,
    tlsCert,
    tlsKey,
    origins: v.origin,
    trustProxy: v['trust-proxy'],
    maxConnectionsPerIp: v['max-connections-per-ip'],
    maxMessagesPerSecond: v['max-messages-per-second'],
    maxBytesPerSecond: v['max-bytes-per-second'],
    maxDocSize: v['max-doc-size'],
    maxImageSize: v['max-image-size'],
    loginAttempts: v['login-attempts'],
    signupsPerHour: v['signups-per-hour'],
  }
}

/** The configuration `npm start` uses with no flags and no environment. */
export const DEFAULTS: Config = parseConfig([], {}) as Config
