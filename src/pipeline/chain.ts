import type { Dispatcher } from 'undici'
import type { Route } from '../config/types.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'

/**
 * One request's handling from the route on: a chain of stages chosen at start. Returns a promise
 * that settles once the request is handled, or `true` when it was handled before returning (an
 * answer at the edge on what this process knows costs no promise).
 */
export type Handler = (ctx: RequestContext) => Promise<unknown> | true

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
 * compiled route list). Steps that decide synchronously run with no promise between them: the
 * chain returns a boolean when every step it ran did, and a promise from the first step that
 * returned one. Throws at start, never per request, when a step is missing.
 */
export function compose<S> (steps: ReadonlyArray<Step<S> | false>): (ctx: RequestContext, state: S) => Promise<boolean> | boolean {
  const chosen = steps.filter((s): s is Step<S> => s !== false)
  for (const [i, s] of chosen.entries()) if (typeof s !== 'function') throw new TypeError(`stage ${i} is not a function`)
  /** The rest of the chain once step `from - 1` returned `pending`. */
  const after = async (ctx: RequestContext, state: S, pending: Promise<boolean>, from: number): Promise<boolean> => {
    if (await pending) return true
    for (let i = from; i < chosen.length; i++) {
      const answered = chosen[i](ctx, state)
      if (answered === true || (answered !== false && await answered)) return true
    }
    return false
  }
  return (ctx, state) => {
    for (let i = 0; i < chosen.length; i++) {
      const answered = chosen[i](ctx, state)
      if (answered === true) return true
      if (answered !== false) return after(ctx, state, answered, i + 1)
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
