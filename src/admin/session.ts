import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/**
 * Who may use the admin port when `admin.token` is set (SPEC §11): a request with
 * `Authorization: Bearer <token>`, or with the session cookie the login form sets. The cookie
 * holds an HMAC of the token, never the token, so it is worthless once the token changes.
 */

export const SESSION_COOKIE = 'ifgate_admin'

/** Paths open without the token: probes and the scrape target. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics'])

/** Returns the session cookie's value for a token. */
export function sessionValue (token: string): string {
  return createHmac('sha256', token).update('ifgate admin session').digest('base64url')
}

function same (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Returns the value of one cookie of a request, or undefined. */
function cookie (req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** Returns true when `sent` is the token (compared in constant time, through their HMACs). */
export function tokenMatches (sent: string, token: string): boolean {
  return same(sessionValue(sent), sessionValue(token))
}

/** Returns true when the request carries the bearer token or a valid session cookie. */
export function authenticated (req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization
  // RFC 9110 §11.1: the auth-scheme is case-insensitive.
  const bearer = typeof header === 'string' ? /^bearer +(\S+) *$/i.exec(header)?.[1] : undefined
  if (bearer !== undefined) return tokenMatches(bearer, token)
  const session = cookie(req, SESSION_COOKIE)
  return session !== undefined && same(session, sessionValue(token))
}

/** Returns the Set-Cookie value of a session (HttpOnly, SameSite=Strict: not readable by scripts nor sent cross-site). */
export function sessionCookie (token: string): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/`
}
