import { Pool } from 'undici'
import type { Route } from '../config/types.ts'

/**
 * How long an idle origin connection is kept, in ms: below the 5 s that Node's http server (and
 * most origins) keep an idle connection, so ifgate closes it first and never sends a request on a
 * connection the origin is closing at that moment.
 */
export const ORIGIN_KEEP_ALIVE_MS = 4000

/** Returns what makes two routes share a Pool: the same origin and the same connection timeouts. */
function poolKey (route: Route): string {
  const t = route.policy.timeouts
  return `${route.origin} ${t.originConnectMs} ${t.originHeadersMs} ${t.originBodyMs}`
}

/**
 * One keep-alive undici Pool per (origin, timeouts) (SPEC §2.6), all built at start from the
 * routes, so a route never inherits another route's timeouts. Closed together.
 */
export class OriginPools {
  readonly #byRoute = new Map<string, Pool>()
  readonly #pools: Pool[] = []

  constructor (routes: readonly Route[], keepAliveTimeoutMs = ORIGIN_KEEP_ALIVE_MS) {
    const byKey = new Map<string, Pool>()
    for (const route of routes) {
      const key = poolKey(route)
      let pool = byKey.get(key)
      if (pool === undefined) {
        const t = route.policy.timeouts
        pool = new Pool(route.origin, {
          connect: { timeout: t.originConnectMs },
          headersTimeout: t.originHeadersMs,
          bodyTimeout: t.originBodyMs,
          keepAliveTimeout: keepAliveTimeoutMs
        })
        byKey.set(key, pool)
        this.#pools.push(pool)
      }
      this.#byRoute.set(route.id, pool)
    }
  }

  /** Returns the Pool of a route (every route has one from the start). */
  for (route: Route): Pool {
    const pool = this.#byRoute.get(route.id)
    if (pool === undefined) throw new Error(`no origin pool for route ${route.id}: the pools were built for other routes`)
    return pool
  }

  /** Returns how many Pools there are (one per distinct origin and timeouts). */
  get size (): number {
    return this.#pools.length
  }

  /** Closes every pool, waiting for the requests in flight. */
  async close (): Promise<void> {
    await Promise.all(this.#pools.map((p) => p.close()))
  }

  /** Destroys every pool at once, aborting what is in flight. */
  async destroy (): Promise<void> {
    await Promise.all(this.#pools.map((p) => p.destroy()))
  }
}
