/**
 * Builds the access-control parts for the configured mode: the policy, the account and sharing
 * stores (accounts mode), the token verifier (token mode), live-connection tracking for
 * revocation, and the login-attempt and sign-up limits.
 */
import { readFileSync } from 'node:fs'
import type { Config } from '../config.js'
import type { Storage } from '../storage/storage.js'
import { Accounts } from './accounts.js'
import { AclStore } from './acl.js'
import { LiveAccess } from './live.js'
import { accountsPolicy, openPolicy, tokenPolicy, type AccessPolicy, type AuthMode } from './policy.js'
import { Buckets } from './rate-limit.js'
import { TokenVerifier } from './tokens.js'

/** How long a login lasts. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000
const LOGIN_WINDOW_S = 15 * 60

/** Access control as the server uses it. */
export interface Auth {
  readonly mode: AuthMode
  readonly policy: AccessPolicy
  readonly live: LiveAccess
  /** Present in accounts mode. */
  readonly accounts: Accounts | null
  readonly acl: AclStore | null
  /** Failed logins per account and per address. */
  readonly loginFailures: { readonly perAccount: Buckets; readonly perAddress: Buckets }
  /** Sign-ups per client address (each costs a password hash and an account). */
  readonly signups: Buckets
  readonly signup: 'open' | 'closed'
}

/** Reads a key file, with an error that names the option and the file. */
function readKey(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new Error(`cannot read ${option} ${path}: ${(err as Error).message}`)
  }
}

/** Builds access control for `config`. */
export async function createAuth(
  config: Pick<Config, 'auth' | 'jwtSecret' | 'jwtPublicKey' | 'signup' | 'loginAttempts' | 'signupsPerHour'>,
  storage: Storage,
  options: { now?: () => number; hashCost?: { N: number; r: number; p: number } } = {},
): Promise<Auth> {
  let policy: AccessPolicy
  let accounts: Accounts | null = null
  let acl: AclStore | null = null
  if (config.auth === 'accounts') {
    accounts = new Accounts(storage, { sessionTtlMs: SESSION_TTL_MS, now: options.now, hashCost: options.hashCost })
    acl = await AclStore.open(storage)
    policy = accountsPolicy(accounts, acl)
  } else if (config.auth === 'token') {
    const key = config.jwtSecret !== null ? { secret: config.jwtSecret } : { publicKeyPem: readKey(config.jwtPublicKey!, '--jwt-public-key') }
    let verifier: TokenVerifier
    try {
      verifier = new TokenVerifier(key)
    } catch (err) {
      // OpenSSL's words ("DECODER routines::unsupported") name neither the option nor the file
      const which = config.jwtSecret !== null ? '--jwt-secret' : `--jwt-public-key ${config.jwtPublicKey}`
      throw new Error(`${which} is not a usable token key (${(err as Error).message})`)
    }
    policy = tokenPolicy(verifier)
  } else {
    policy = openPolicy()
  }
  const attempts = config.loginAttempts
  return {
    mode: config.auth,
    policy,
    live: new LiveAccess(policy),
    accounts,
    acl,
    loginFailures: {
      perAccount: new Buckets(attempts, attempts / LOGIN_WINDOW_S, options.now),
      perAddress: new Buckets(attempts * 5, (attempts * 5) / LOGIN_WINDOW_S, options.now),
    },
    signups: new Buckets(config.signupsPerHour, config.signupsPerHour / 3600, options.now),
    signup: config.signup,
  }
}
