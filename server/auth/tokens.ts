/**
 * Token mode: another application signs short-lived JWTs (HS256 with a shared secret, or a key
 * pair) naming the user and their role per document. Verified with jose; `exp` is required.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import { errors, jwtVerify } from 'jose'
import { z } from 'zod'
import { isDocId } from '../../shared/validate.js'
import { isRole, ownRole, type Role } from './roles.js'

/** What a valid token says. */
export interface TokenClaims {
  readonly sub: string
  readonly name: string
  /** Seconds since the epoch. */
  readonly exp: number
  /** Document id (or "*" for every document) to role. */
  readonly docs: Readonly<Record<string, Role>>
}

/** Why a token was refused (message safe to show). */
export class TokenError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TokenError'
  }
}

const Claims = z.object({
  sub: z.string().min(1).max(256),
  name: z.string().max(256).optional(),
  exp: z.number(),
  docs: z.record(
    z.string().refine((k) => k === '*' || isDocId(k), 'docs keys are document ids or "*"'),
    z.string().refine(isRole, 'roles are owner, editor or viewer'),
  ),
})

/** How tokens are checked: a shared secret (HS256) or a PEM public key. */
export type TokenKey = { readonly secret: string } | { readonly publicKeyPem: string }

/** Verifies tokens with one key. */
export class TokenVerifier {
  private readonly key: KeyObject
  private readonly algorithms: string[]

  constructor(key: TokenKey) {
    if ('secret' in key) {
      if (key.secret.length < 32) throw new Error('the JWT secret must be at least 32 characters')
      this.key = createSecretKey(Buffer.from(key.secret, 'utf8'))
      this.algorithms = ['HS256']
    } else {
      this.key = createPublicKey(key.publicKeyPem)
      this.algorithms = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']
    }
  }

  /** The claims of a valid token; rejects with TokenError saying why not. */
  async verify(token: string): Promise<TokenClaims> {
    let payload: unknown
    try {
      ;({ payload } = await jwtVerify(token, this.key, { algorithms: this.algorithms, requiredClaims: ['exp', 'sub'] }))
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new TokenError('the token has expired')
      if (err instanceof errors.JWSSignatureVerificationFailed) throw new TokenError('the token signature is not valid')
      if (err instanceof errors.JOSEAlgNotAllowed) throw new TokenError('the token is signed with an algorithm this server does not accept')
      throw new TokenError(`the token is not valid: ${(err as Error).message}`)
    }
    const claims = Claims.safeParse(payload)
    if (!claims.success) throw new TokenError(`the token claims are not valid: ${claims.error.issues[0]?.message ?? 'bad shape'}`)
    const { sub, name, exp, docs } = claims.data
    return { sub, name: name ?? sub, exp, docs: docs as Record<string, Role> }
  }
}

/** The role a token grants on a document (own claims only: ids like `constructor` are plain ids). */
export function tokenRole(claims: TokenClaims, docId: string): Role | null {
  return ownRole(claims.docs, docId) ?? ownRole(claims.docs, '*')
}
