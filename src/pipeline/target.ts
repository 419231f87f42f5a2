import type { IncomingMessage } from 'node:http'
import type { Route } from '../config/types.ts'
import { IfgateError } from '../errors.ts'
import { keyByDigest } from '../http/credentials.ts'
import { normalizeTarget, type TargetOptions } from '../http/request-target.ts'
import type { RouteTable } from '../config/routes.ts'
import { resourceKey } from '../validators/store.ts'

/** Where a request goes: its route, the path the origin receives, its resource key and its host. */
export interface Resolved {
  readonly route: Route
  /** The normalised path and query as sent to the origin (the origin URL's path prefix included). */
  readonly path: string
  readonly key: string
  /** The authority the request named (absolute-form target, else Host): routed on, and sent as X-Forwarded-Host. */
  readonly host: string | undefined
}

/** Returns true when the request has more than one Host field line (RFC 9112 §3.2: 400). */
function severalHosts (req: IncomingMessage): boolean {
  const raw = req.rawHeaders
  let seen = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]
    if (name.length === 4 && name.toLowerCase() === 'host' && ++seen > 1) return true
  }
  return false
}

/** Returns the resource key of a path on a route for a request's headers (SPEC §2.2: keyBy values digested in). */
export function keyOf (route: Route, path: string, headers: IncomingMessage['headers']): string {
  const keyBy = route.policy.keyBy
  if (keyBy.length === 0) return resourceKey(route.origin, path)
  const digest = keyByDigest(headers, keyBy)
  return digest === '' ? resourceKey(route.origin, path) : resourceKey(route.origin, path, digest)
}

/**
 * Returns where a request goes (SPEC §2 "One resource, one key"): the target normalised before
 * routing, keying and forwarding, so what ifgate locks is what the origin changes. Throws a 400
 * IfgateError for a target it cannot reduce or two Host fields, a 404 for no route.
 */
export function resolveTarget (routes: RouteTable, options: TargetOptions, req: IncomingMessage): Resolved {
  if (severalHosts(req)) throw new IfgateError('IFG_ERR_BAD_REQUEST', 'the request has more than one Host field (RFC 9112 §3.2)')
  const target = normalizeTarget(req.url, options)
  if (!target.ok) throw new IfgateError('IFG_ERR_BAD_REQUEST', target.reason)
  // RFC 9112 §3.2.2: a server that receives an absolute-form target ignores Host and uses its authority.
  const host = target.authority ?? req.headers.host
  const route = routes.match(host, target.pathAndQuery)
  if (route === undefined) throw new IfgateError('IFG_ERR_NO_ROUTE', `no route matches ${host ?? ''}${target.pathAndQuery.split('?')[0]}`)
  const path = route.originPathPrefix + target.pathAndQuery
  return { route, path, key: keyOf(route, path, req.headers), host }
}
