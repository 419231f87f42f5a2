import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { KeyLock } from '../lock/key-lock.ts'
import { finalDecision, type RequestContext } from '../pipeline/context.ts'
import type { ValidatorStore } from '../validators/store.ts'
import { RouteHistogram } from './route-histogram.ts'

/**
 * Every metric ifgate exports (SPEC §7), in its own registry. Label sets are fixed and bounded:
 * route ids from the config, methods from a closed list, status classes, and the `as const`
 * vocabularies of decisions, causes and repairs. Never a URL.
 */
export interface Metrics {
  readonly registry: Registry
  /** Counts a finished request from its context (once, after its response closed); `decision`: the one its log line took. */
  recordRequest (ctx: RequestContext, decision?: string): void
}

/** Methods counted by name; any other is `OTHER`, so a client cannot grow the label set. */
const METHODS = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS'])
/** Latency buckets in seconds, from a loopback origin (0.5 ms) to the default timeouts (30 s). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const NO_ROUTE = 'none'
/** Status class labels by the status code's first digit. */
const STATUS_CLASSES: readonly string[] = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx']

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

interface Cell<L extends string> { readonly labels: Record<L, string>; n: number }

/**
 * Returns a counter whose per-request increments are plain additions, handed to prom-client at
 * scrape time: prom-client hashes and validates the label set on every `inc`. The label values
 * (up to four, in `labelNames` order) find their cell through one map per label, so no key is
 * built per increment.
 */
function tallied<L extends string> (registry: Registry, name: string, help: string, labelNames: readonly L[]): { inc (a: string, b?: string, c?: string, d?: string): void } {
  const root = new Map<string, unknown>()
  const cells: Array<Cell<L>> = []
  const last = labelNames.length - 1
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect () {
      this.reset()
      for (const { labels, n } of cells) this.inc(labels, n)
    }
  })
  return {
    inc (a, b, c, d) {
      let level = root
      for (let i = 0; i < last; i++) {
        const value = (i === 0 ? a : i === 1 ? b : c) as string
        let next = level.get(value) as Map<string, unknown> | undefined
        if (next === undefined) level.set(value, next = new Map())
        level = next
      }
      const value = (last === 0 ? a : last === 1 ? b : last === 2 ? c : d) as string
      const cell = level.get(value) as Cell<L> | undefined
      if (cell !== undefined) {
        cell.n++
        return
      }
      const values = [a, b, c, d]
      const labels = {} as Record<L, string>
      for (const [i, label] of labelNames.entries()) labels[label] = values[i] as string
      const fresh = { labels, n: 1 }
      level.set(value, fresh)
      cells.push(fresh)
    }
  }
}

/** Returns the metrics of one gateway; `store` and `lock` are read at scrape time. */
export function createMetrics (deps: { readonly store: ValidatorStore; readonly lock: KeyLock; readonly storeUp?: () => boolean; readonly storeRoundTrips?: () => number }): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const requests = tallied(registry, 'ifgate_requests_total', 'Requests by route, method, status class and decision (forwarded, edge-412, edge-304, edge-428, origin-denied, client-gone, error).', ['route', 'method', 'status_class', 'decision'])
  const edge412 = tallied(registry, 'ifgate_edge_412_total', 'Preconditions failed at the edge, by route and cause (SPEC §5).', ['route', 'cause'])
  const repairs = tallied(registry, 'ifgate_repairs_total', 'If-Match tags repaired before the comparison, by route and kind.', ['route', 'kind'])
  const observed = tallied(registry, 'ifgate_observed_total', 'Observe mode: what enforce mode would have answered at the edge, by route, decision and cause (none for 304/428).', ['route', 'would_decide', 'cause'])
  const echoes = tallied(registry, 'ifgate_write_echo_total', 'Writes that asked for their representation (Prefer: return=representation, SPEC §10), by route and outcome: representation returned, or read-failed (the write\'s own response sent).', ['route', 'outcome'])
  const leasesLost = tallied(registry, 'ifgate_lock_lease_lost_total', 'Writes whose shared lock lease ran out or passed to another holder before they were done (SPEC §9): their outcome is unknown, their validators dropped.', ['route'])
  const lookup = new RouteHistogram({ name: 'ifgate_lookup_duration_seconds', help: 'Validator lookups at the origin (HEAD, GET), by route.', buckets: BUCKETS, registers: [registry] })
  const origin = new RouteHistogram({ name: 'ifgate_origin_duration_seconds', help: 'Forwarded requests: time to the origin\'s response headers, by route.', buckets: BUCKETS, registers: [registry] })
  const lockWait = new RouteHistogram({ name: 'ifgate_lock_wait_seconds', help: 'Time unsafe requests waited for their resource\'s write lock, by route.', buckets: BUCKETS, registers: [registry] })
  const store = deps.store
  mirrored(registry, 'ifgate_validator_cache_hits_total', 'Validator store reads that found an entry.', () => store.stats().hits)
  mirrored(registry, 'ifgate_validator_cache_misses_total', 'Validator store reads that found none.', () => store.stats().misses)
  mirrored(registry, 'ifgate_validator_cache_evictions_total', 'Entries evicted to stay within cache.maxEntries / cache.maxBytes.', () => store.stats().evictions)
  new Gauge({ name: 'ifgate_validator_cache_entries', help: 'Resources whose validators are cached.', registers: [registry], collect () { this.set(store.stats().entries) } })
  new Gauge({ name: 'ifgate_validator_cache_bytes', help: 'Estimated heap bytes of the cached validators (bounded by cache.maxBytes).', registers: [registry], collect () { this.set(store.stats().bytes) } })
  const storeUp = deps.storeUp ?? (() => true)
  const roundTrips = deps.storeRoundTrips
  if (roundTrips !== undefined) mirrored(registry, 'ifgate_store_commands_total', 'Commands sent to the shared store (a script is one; commands sent together share a round trip).', roundTrips)
  new Gauge({ name: 'ifgate_store_up', help: 'Whether the validator and lock store answers: 1 up, 0 down (always 1 with the memory store; with --workers, 0 when any worker finds it down).', registers: [registry], aggregator: 'min', collect () { this.set(storeUp() ? 1 : 0) } })
  new Gauge({ name: 'ifgate_lock_waiting', help: 'Unsafe requests waiting for a write lock now.', registers: [registry], collect () { this.set(deps.lock.waiting()) } })
  new Gauge({ name: 'ifgate_lock_held', help: 'Resources whose write lock is held now.', registers: [registry], collect () { this.set(deps.lock.held()) } })

  return {
    registry,
    recordRequest (ctx, logged) {
      const route = ctx.route?.id ?? NO_ROUTE
      const method = METHODS.has(ctx.req.method ?? '') ? ctx.req.method as string : 'OTHER'
      const decision = logged ?? finalDecision(ctx)
      const digit = Math.floor(ctx.res.statusCode / 100)
      const statusClass = STATUS_CLASSES[digit] ?? `${digit}xx`
      requests.inc(route, method, statusClass, decision)
      const cause = ctx.cause
      if (ctx.decision === 'edge-412' && cause !== undefined) edge412.inc(route, cause)
      const kind = ctx.repaired
      if (kind !== undefined) repairs.inc(route, kind)
      const would = ctx.wouldDecide
      if (would !== undefined) {
        const why = would === 'edge-412' ? cause ?? 'none' : 'none'
        observed.inc(route, would, why)
      }
      if (ctx.leaseLost === true) leasesLost.inc(route)
      const echo = ctx.writeEcho
      if (echo !== undefined) echoes.inc(route, echo)
      if (ctx.lookupMs !== undefined) lookup.observe(route, ctx.lookupMs / 1000)
      if (ctx.originMs !== undefined) origin.observe(route, ctx.originMs / 1000)
      if (ctx.lockWaitMs !== undefined) lockWait.observe(route, ctx.lockWaitMs / 1000)
    }
  }
}
