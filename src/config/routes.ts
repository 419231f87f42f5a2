import { deepFreeze } from './defaults.ts'
import type { Config, Policy, Route, RouteConfig } from './types.ts'

/** Returns `defaults` overridden by the route's keys; `timeouts` and `lock` merge key by key (SPEC §1). */
export function routePolicy (defaults: Policy, route: RouteConfig): Policy {
  return {
    mode: route.mode ?? defaults.mode,
    etags: route.etags ?? defaults.etags,
    ownership: route.ownership ?? defaults.ownership,
    requirePrecondition: route.requirePrecondition ?? defaults.requirePrecondition,
    repair: route.repair ?? defaults.repair,
    onLookupError: route.onLookupError ?? defaults.onLookupError,
    validatorTtlMs: route.validatorTtlMs ?? defaults.validatorTtlMs,
    maxHashBytes: route.maxHashBytes ?? defaults.maxHashBytes,
    timeouts: { ...defaults.timeouts, ...route.timeouts },
    lock: { ...defaults.lock, ...route.lock },
    keyBy: route.keyBy ?? defaults.keyBy
  }
}

/** Returns a Host value reduced to what routes match on: lower case, no port, no trailing dot. */
export function normalizeHost (host: string): string {
  const h = host.toLowerCase()
  if (h.startsWith('[')) {
    // RFC 3986 §3.2.2: an IPv6 literal is bracketed; the port follows the bracket.
    const end = h.indexOf(']')
    return end === -1 ? h : h.slice(0, end + 1)
  }
  const colon = h.indexOf(':')
  const name = colon === -1 ? h : h.slice(0, colon)
  // RFC 1034 §3.1: `example.com.` is the same fully qualified name as `example.com`.
  return name.endsWith('.') ? name.slice(0, -1) : name
}

// RFC 3986 §2.3: unreserved characters are ALPHA / DIGIT / "-" / "." / "_" / "~".
const ESCAPED_UNRESERVED = /%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DEde]|5[Ff]|7[Ee])/g

/** Returns the path part of a request target with percent-encoded unreserved characters decoded. */
function matchablePath (target: string): string {
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  // RFC 3986 §6.2.2.2: percent-encoded unreserved characters are equivalent to the characters
  // themselves, so `/%61pi` must not slip past the `/api` route's policy.
  return path.includes('%') ? path.replace(ESCAPED_UNRESERVED, (e) => String.fromCharCode(parseInt(e.slice(1), 16))) : path
}

/** A route with its precomputed matching key. */
interface Entry {
  readonly prefix: string
  /** true when the prefix itself ends on a segment boundary (`/` or `/api/`). */
  readonly open: boolean
  readonly route: Route
}

/** Returns true when `path` is `prefix` or continues it at a segment boundary (`/api` matches `/api/x`, not `/apix`). */
function covers (e: Entry, path: string): boolean {
  if (!path.startsWith(e.prefix)) return false
  return e.open || path.length === e.prefix.length || path.charCodeAt(e.prefix.length) === 47 /* '/' */
}

function compile (config: Config, r: RouteConfig): Route {
  const url = new URL(r.origin)
  const host = r.host ?? null
  return {
    id: r.name ?? `${host ?? '*'}${r.path}`,
    path: r.path,
    host,
    origin: url.origin,
    originPathPrefix: url.pathname.replace(/\/+$/, ''),
    policy: routePolicy(config.defaults, r)
  }
}

const byLongestPrefix = (a: Entry, b: Entry): number => b.prefix.length - a.prefix.length

/**
 * The compiled routes of a config, built once at start. `match` picks a route with a matching
 * host before any route without one, and the longest path prefix among equals (SPEC §1).
 */
export class RouteTable {
  readonly routes: readonly Route[]
  readonly #byHost = new Map<string, Entry[]>()
  readonly #anyHost: Entry[] = []

  constructor (config: Config) {
    const routes = config.routes.map((r) => compile(config, r))
    for (const route of routes) {
      const prefix = matchablePath(route.path)
      const entry: Entry = { prefix, open: prefix.endsWith('/'), route }
      if (route.host === null) {
        this.#anyHost.push(entry)
      } else {
        const key = normalizeHost(route.host)
        const list = this.#byHost.get(key) ?? []
        list.push(entry)
        this.#byHost.set(key, list)
      }
    }
    this.#anyHost.sort(byLongestPrefix)
    for (const list of this.#byHost.values()) list.sort(byLongestPrefix)
    this.routes = deepFreeze(routes)
  }

  /** Returns the route for a request's Host header and target (path and query), or undefined (404). */
  match (host: string | undefined, target: string): Route | undefined {
    const path = matchablePath(target)
    if (host !== undefined && this.#byHost.size > 0) {
      const list = this.#byHost.get(normalizeHost(host))
      if (list !== undefined) {
        for (const e of list) if (covers(e, path)) return e.route
      }
    }
    for (const e of this.#anyHost) if (covers(e, path)) return e.route
    return undefined
  }
}

/** Returns the RouteTable of a config. */
export function compileRoutes (config: Config): RouteTable {
  return new RouteTable(config)
}
