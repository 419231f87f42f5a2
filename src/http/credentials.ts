import { hash } from 'node:crypto'

type Headers = Readonly<Record<string, string | string[] | undefined>>

/** Characters of a base64url SHA-256 kept to tell credentials apart: 22 are 132 bits. */
const DIGEST_CHARS = 22

/** Returns a short digest of a field value: what ifgate keeps instead of a credential. */
export function valueDigest (value: string): string {
  return hash('sha256', value, 'base64url').slice(0, DIGEST_CHARS)
}

function joined (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * Returns who a request speaks for: '' without credentials, else a digest of its Authorization
 * and Cookie (SPEC §2 "Credentials decide disclosure": compared by digest, never kept as sent).
 */
export function principalOf (headers: Headers): string {
  const authorization = joined(headers.authorization)
  const cookie = joined(headers.cookie)
  if (authorization === undefined && cookie === undefined) return ''
  return valueDigest(`${authorization ?? ''}\n${cookie ?? ''}`)
}

/**
 * Returns the digest of the values of the `names` headers (a route's keyBy list), '' when none of
 * them is present: these requests name different resources at one URL (SPEC §2.2).
 */
export function keyByDigest (headers: Headers, names: readonly string[]): string {
  let text = ''
  let any = false
  for (const name of names) {
    const value = joined(headers[name])
    if (value !== undefined) any = true
    text += (value ?? '') + '\n'
  }
  return any ? valueDigest(text) : ''
}
