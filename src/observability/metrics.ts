import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { KeyLock } from '../lock/key-lock.ts'
import type { RequestContext } from '../pipeline/context.ts'
import type { ValidatorStore } from '../validators/store.ts'

/**
 * Every metric ifgate exports (SPEC §7), in its own registry. Label sets are fixed and bounded:
 * route ids from the config, methods from a closed list, status classes, and the `as const`
 * vocabularies of decisions, causes and repairs. Never a URL.
 */
export interface Metrics {
  readonly registry: Registry
  /** Counts a finished request from its context (called once, when the response closes). */
  recordRequest (ctx: RequestContext): void
}

/** Methods counted by name; any other is `OTHER`, so a client cannot grow the label set. */
const METHODS = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS'])
/** Latency buckets in seconds, from a loopback origin (0.5 ms) to the default timeouts (30 s). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const NO_ROUTE = 'none'

/** Returns a counter that mirrors a monotonic value read at scrape time. */
function mirrored (registry: Registry, name: string, help: string, read: () => number): Counter {
  let seen = 0
  return new Counter({
    name,
    help,
    registers: [registry],
    collect () {
      const now = read()
      if (now > seen) this.inc(now - seen)
      seen = now
    }
  })
}

/** Returns the metrics of one gateway; `store` and `lock` are read at scrape time. */
export function createMetrics (deps: { readonly store: ValidatorStore; readonly lock: KeyLock }): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requests = new Counter({
    name: 'ifgate_requests_total',
    help: 'Requests by route, method, status class and decision (forwarded, edge-412, edge-304, edge-428, error).',
    labelNames: ['route', 'method', 'status_class', 'decision'] as const,
    registers: [registry]
  })
  const edge412 = new Counter({ name: 'ifgate_edge_412_total', help: 'Preconditions failed at the edge, by route and cause (SPEC §5).', labelNames: ['route', 'cause'] as const, registers: [registry] })
  const repairs = new Counter({ name: 'ifgate_repairs_total', help: 'If-Match tags repaired before the comparison, by route and kind.', labelNames: ['route', 'kind'] as const, registers: [registry] })
  const observed = new Counter({
    name: 'ifgate_observed_total',
    help: 'Observe mode: what enforce mode would have answered at the edge, by route, decision and cause (none for 304/428).',
    labelNames: ['route', 'would_decide', 'cause'] as const,
    registers: [registry]
  })
  const lookup = new Histogram({ name: 'ifgate_lookup_duration_seconds', help: 'Validator lookups at the origin (HEAD, GET), by route.', labelNames: ['route'] as const, buckets: BUCKETS, registers: [registry] })
  const origin = new Histogram({ name: 'ifgate_origin_duration_seconds', help: 'Forwarded requests: time to the origin\'s response headers, by route.', labelNames: ['route'] as const, buckets: BUCKETS, registers: [registry] })
  const lockWait = new Histogram({ name: 'ifgate_lock_wait_seconds', help: 'Time unsafe requests waited for their resource\'s write lock, by route.', labelNames: ['route'] as const, buckets: BUCKETS, registers: [registry] })
  const store = deps.store
  mirrored(registry, 'ifgate_validator_cache_hits_total', 'Validator store reads that found an entry.', () => store.stats().hits)
  mirrored(registry, 'ifgate_validator_cache_misses_total', 'Validator store reads that found none.', () => store.stats().misses)
  mirrored(registry, 'ifgate_validator_cache_evictions_total', 'Entries evicted to stay within cache.maxEntries / cache.maxBytes.', () => store.stats().evictions)
  new Gauge({ name: 'ifgate_validator_cache_entries', help: 'Resources whose validators are cached.', registers: [registry], collect () { this.set(store.stats().entries) } })
  new Gauge({ name: 'ifgate_validator_cache_bytes', help: 'Estimated heap bytes of the cached validators (bounded by cache.maxBytes).', registers: [registry], collect () { this.set(store.stats().bytes) } })
  new Gauge({ name: 'ifgate_lock_waiting', help: 'Unsafe requests waiting for a write lock now.', registers: [registry], collect () { this.set(deps.lock.waiting()) } })
  new Gauge({ name: 'ifgate_lock_held', help: 'Resources whose write lock is held now.', registers: [registry], collect () { this.set(deps.lock.held()) } })

  return {
    registry,
    recordRequest (ctx) {
      const route = ctx.route?.id ?? NO_ROUTE
      const method = METHODS.has(ctx.req.method ?? '') ? ctx.req.method as string : 'OTHER'
      const decision = ctx.decision ?? (ctx.res.writableFinished ? 'forwarded' : 'error')
      requests.inc({ route, method, status_class: `${Math.floor(ctx.res.statusCode / 100)}xx`, decision })
      if (ctx.decision === 'edge-412' && ctx.cause !== undefined) edge412.inc({ route, cause: ctx.cause })
      if (ctx.repaired !== undefined) repairs.inc({ route, kind: ctx.repaired })
      if (ctx.wouldDecide !== undefined) observed.inc({ route, would_decide: ctx.wouldDecide, cause: ctx.wouldDecide === 'edge-412' ? ctx.cause ?? 'none' : 'none' })
      if (ctx.lookupMs !== undefined) lookup.observe({ route }, ctx.lookupMs / 1000)
      if (ctx.originMs !== undefined) origin.observe({ route }, ctx.originMs / 1000)
      if (ctx.lockWaitMs !== undefined) lockWait.observe({ route }, ctx.lockWaitMs / 1000)
    }
  }
}
