import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Gateway } from '../pipeline/gateway.ts'
import { historyOf, variantsOf } from '../validators/entry.ts'
import { normalizeTarget } from '../http/request-target.ts'
import { resourceKey } from '../validators/store.ts'

/** Returns the store key of `url` (path and query as a client requests it through ifgate), or an error text. */
export function keyOfUrl (gw: Gateway, url: string | null, host: string | null): { key: string; route: string } | { error: string } {
  if (url === null || !url.startsWith('/')) return { error: 'url= must be the path and query a client requests through ifgate, e.g. url=/todos/1' }
  // Normalised as a request for it would be (SPEC §2), so every spelling names the same entry.
  const target = normalizeTarget(url, gw.targetOptions)
  if (!target.ok) return { error: `url=: ${target.reason}` }
  const route = gw.routes.match(host ?? undefined, target.pathAndQuery)
  if (route === undefined) return { error: `no route matches ${host ?? ''}${target.pathAndQuery.split('?')[0]}` }
  return { key: resourceKey(route.origin, route.originPathPrefix + target.pathAndQuery), route: route.id }
}

/** Returns what ifgate knows of one resource, as GET /validators shows it (ages in ms from `now`). */
export async function describe (gw: Gateway, key: string, route: string, now: number): Promise<Record<string, unknown> | undefined> {
  const entry = await gw.store.get(key)
  if (entry === undefined) return undefined
  return {
    key,
    route,
    vary: entry.vary,
    writes: entry.writes,
    current: entry.current === undefined
      ? null
      : variantsOf(entry).map((v) => ({
        variant: v.variantKey === '' ? null : v.variantKey.slice(0, -1).split('\n'),
        learnedWithCredentials: v.principal !== '',
        etag: v.etag ?? null,
        lastModified: v.lastModified ?? null,
        source: v.source,
        digest: v.digest ?? null,
        encoding: v.encoding ?? null,
        firstSeen: new Date(v.firstSeen).toISOString(),
        ageMs: now - v.learnedAt
      })),
    history: historyOf(entry).map((h) => ({
      etag: h.etag,
      lastModified: h.lastModified ?? null,
      source: h.source,
      digest: h.digest ?? null,
      encoding: h.encoding ?? null,
      firstSeen: new Date(h.firstSeen).toISOString(),
      supersededAt: new Date(h.supersededAt).toISOString(),
      byWrite: h.byWrite
    }))
  }
}

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** Returns how a purge request stands against `admin.token`: allowed, or the status and reason to refuse it. */
export function authorize (req: IncomingMessage, token: string | null): { ok: true } | { ok: false; status: number; detail: string } {
  if (token === null) return { ok: false, status: 403, detail: 'DELETE /validators is refused: no admin.token is configured (IFGATE_ADMIN_TOKEN)' }
  const header = req.headers.authorization
  // RFC 9110 §11.1: the auth-scheme is case-insensitive (`bearer`, `BEARER`).
  const scheme = typeof header === 'string' ? /^bearer +(\S+) *$/i.exec(header) : null
  const sent = scheme === null ? undefined : scheme[1]
  // Digests of equal length, compared in constant time, so the answer time says nothing of the token.
  if (sent === undefined || !timingSafeEqual(digest(sent), digest(token))) return { ok: false, status: 401, detail: 'a valid Authorization: Bearer <admin.token> is required' }
  return { ok: true }
}
