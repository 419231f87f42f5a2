import type { Dispatcher } from 'undici'
import type { Route } from '../config/types.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'

/** One request's handling from the route on: a chain of stages chosen at start; resolves once it is handled. */
export type Handler = (ctx: RequestContext) => Promise<unknown>

/**
 * A stage of a write: resolves to true when it answered the request (nothing after it runs).
 * The chain is `compose()`d once per route from the route's policy.
 */
export type Step<S> = (ctx: RequestContext, state: S) => Promise<boolean> | boolean

/** What a route's stages need at run time, taken from the config once at start (SPEC §1: no stage reads raw config). */
export interface RouteSettings {
  readonly route: Route
  readonly pool: Dispatcher
  /** server.trustForwarded: the client's X-Forwarded-* are passed on. */
  readonly trustForwarded: boolean
  /** server.maxBufferBytes: write bodies received before the lock. */
  readonly maxBufferBytes: number
  /** cache.historyDepth: earlier ETags kept per resource. */
  readonly historyDepth: number
}

/** A compiled route: its settings and its handlers by kind of method. */
export interface CompiledRoute extends RouteSettings {
  /** GET and HEAD: forwarded, validators learned, 304 at the edge. */
  readonly read: Handler
  /** Other safe methods (OPTIONS, TRACE, PROPFIND, …): forwarded as they are. */
  readonly pass: Handler
  /** Unsafe methods: the lock and the write decision. */
  readonly write: Handler
}

/**
 * Returns the steps run in order, stopping at the first that answers (undici's `compose`, Caddy's
 * compiled route list). Throws at start, never per request, when a step is missing.
 */
export function compose<S> (steps: ReadonlyArray<Step<S> | false>): (ctx: RequestContext, state: S) => Promise<boolean> {
  const chosen = steps.filter((s): s is Step<S> => s !== false)
  for (const [i, s] of chosen.entries()) if (typeof s !== 'function') throw new TypeError(`stage ${i} is not a function`)
  return async (ctx, state) => {
    for (const step of chosen) {
      // A step that decides synchronously costs no promise hop.
      const answered = step(ctx, state)
      if (answered === true || (answered !== false && await answered)) return true
    }
    return false
  }
}

/** Returns the settings of a route, read from the config once. */
export function routeSettings (gw: Gateway, route: Route): RouteSettings {
  return {
    route,
    pool: gw.pools.for(route),
    trustForwarded: gw.config.server.trustForwarded,
    maxBufferBytes: gw.config.server.maxBufferBytes,
    historyDepth: gw.config.cache.historyDepth
  }
}
