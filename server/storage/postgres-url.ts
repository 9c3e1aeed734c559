/**
 * What `--data` says about PostgreSQL: whether it is a PostgreSQL URL, whether that URL is usable,
 * and how to show it without its password (logs, errors, health output).
 */

/** The schema Tandem's tables go in unless `--pg-schema` names another. */
export const DEFAULT_SCHEMA = 'tandem'

/** Schema names Tandem accepts: plain lower-case identifiers, so they never need quoting rules. */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/

/** True when `data` selects the PostgreSQL backend (`postgres://` or `postgresql://`). */
export function isPostgresUrl(data: string): boolean {
  return /^postgres(ql)?:\/\//i.test(data)
}

/**
 * Why `url` cannot be used, or null when it can. Only the shape is checked here; whether the
 * database answers is for startup to find out.
 */
export function postgresUrlProblem(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'not a valid URL (postgres://user:password@host:5432/database)'
  }
  // a socket directory may come as ?host=/run/postgresql instead of a host name
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) return 'names no host (postgres://user:password@host:5432/database)'
  try {
    decodeURIComponent(parsed.password)
    decodeURIComponent(parsed.username)
  } catch {
    return 'holds a user name or password that is not percent-encoded properly'
  }
  return null
}

/**
 * `url` as it may be shown: scheme, user, host, port and database; never the password, nor the
 * query string (which may carry one as `?password=`). Text that is no URL is not echoed at all.
 */
export function redactPostgresUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // up to the last @ before the host: a password may hold an unencoded @
    return url.replace(/\?.*$/s, '').replace(/^([a-z]+:\/\/).*@/is, '$1…@')
  }
  const user = parsed.username ? `${parsed.username}@` : ''
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`
}
