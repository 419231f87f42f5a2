import { firstValue } from '../http/fields.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { normalizeTarget } from '../http/request-target.ts'
import { keyOf } from './target.ts'

/** Returns the parent collection path of a path (`/docs/7` → `/docs`, `/docs` → `/`), query dropped. */
export function parentPath (pathAndQuery: string): string | undefined {
  const q = pathAndQuery.indexOf('?')
  let path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q)
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  if (path === '/' || path === '') return undefined
  const slash = path.lastIndexOf('/')
  return slash <= 0 ? '/' : path.slice(0, slash)
}

/**
 * Returns the path and query a Location or Content-Location names on the same origin, or
 * undefined when it points elsewhere. Relative references resolve against the request path.
 */
export function sameOriginPath (value: string, requestPath: string, origin: string, clientHost: string | undefined): string | undefined {
  let url: URL
  try {
    url = new URL(value, `${origin}${requestPath}`)
  } catch {
    return undefined
  }
  const local = url.origin === origin || (clientHost !== undefined && url.host.toLowerCase() === clientHost.toLowerCase())
  return local ? url.pathname + url.search : undefined
}

/** Response fields that name another resource a write changed. */
const NAMING_FIELDS = ['location', 'content-location'] as const

/**
 * Returns the keys whose validators a 2xx write makes unknown besides its own (SPEC §2.5): the
 * resources its `Location` and `Content-Location` name on the same origin, and its parent collection.
 */
export function relatedKeys (gw: Gateway, ctx: RequestContext, headers: Readonly<Record<string, string | string[] | undefined>>): string[] {
  const route = ctx.route!
  const keys: string[] = []
  const add = (key: string): void => { if (key !== ctx.key && !keys.includes(key)) keys.push(key) }
  for (const field of NAMING_FIELDS) {
    const value = firstValue(headers[field])
    if (value === undefined) continue
    const path = sameOriginPath(value, ctx.path, route.origin, ctx.host)
    // Keyed as a request for it would be: normalised (SPEC §2), with this request's keyBy values.
    const target = path === undefined ? undefined : normalizeTarget(path, gw.targetOptions)
    if (target?.ok === true) add(keyOf(route, target.pathAndQuery, ctx.req.headers))
  }
  const parent = parentPath(ctx.path)
  if (parent !== undefined) add(keyOf(route, parent, ctx.req.headers))
  return keys
}
