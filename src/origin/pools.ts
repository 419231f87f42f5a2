import { Pool } from 'undici'
import type { Route } from '../config/types.ts'

/** One keep-alive undici Pool per origin (SPEC §2.6), created on first use and closed together. */
export class OriginPools {
  readonly #pools = new Map<string, Pool>()
  readonly #keepAliveTimeoutMs: number

  constructor (options: { keepAliveTimeoutMs?: number } = {}) {
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 4000
  }

  /** Returns the Pool of a route's origin. */
  for (route: Route): Pool {
    let pool = this.#pools.get(route.origin)
    if (pool === undefined) {
      const t = route.policy.timeouts
      pool = new Pool(route.origin, {
        connect: { timeout: t.originConnectMs },
        headersTimeout: t.originHeadersMs,
        bodyTimeout: t.originBodyMs,
        keepAliveTimeout: this.#keepAliveTimeoutMs
      })
      this.#pools.set(route.origin, pool)
    }
    return pool
  }

  /** Closes every pool, waiting for the requests in flight. */
  async close (): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close()))
    this.#pools.clear()
  }

  /** Destroys every pool at once, aborting what is in flight. */
  async destroy (): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.destroy()))
    this.#pools.clear()
  }
}
