import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMetrics } from '../../src/observability/metrics.ts'
import { createMemoryStore } from '../../src/validators/memory-store.ts'
import { createMemoryLock } from '../../src/lock/key-lock.ts'
import type { RequestContext } from '../../src/pipeline/context.ts'

/** A finished request as recordRequest reads it. */
function finished (route: string, method: string, status: number, decision: string | undefined, more: Record<string, unknown> = {}): RequestContext {
  return { route: { id: route }, req: { method }, res: { statusCode: status, writableFinished: true }, decision, ...more } as unknown as RequestContext
}

/** Returns the samples of one metric as `labels → value`, labels sorted by name. */
async function samples (metrics: ReturnType<typeof createMetrics>, name: string): Promise<Record<string, number>> {
  const metric = metrics.registry.getSingleMetric(name)
  assert.ok(metric !== undefined, name)
  const out: Record<string, number> = {}
  for (const v of (await metric.get()).values) out[Object.entries(v.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => `${k}=${String(x)}`).join(',')] = v.value
  return out
}

test('metrics: each label combination counts apart, whatever the values share', async () => {
  const metrics = createMetrics({ store: createMemoryStore({ maxEntries: 10, maxBytes: 1e6 }), lock: createMemoryLock() })
  const requests = [
    finished('a', 'GET', 200, 'forwarded'),
    finished('a', 'GET', 200, 'forwarded'),
    finished('a', 'PUT', 412, 'edge-412', { cause: 'stale-etag' }),
    finished('a', 'PUT', 412, 'edge-412', { cause: 'unknown-etag' }),
    finished('b', 'GET', 200, 'forwarded'),
    finished('b', 'PUT', 412, 'edge-412', { cause: 'stale-etag' }),
    finished('b', 'BREW', 502, 'error'),
    finished('a', 'PUT', 200, undefined, { wouldDecide: 'edge-412', cause: 'stale-etag' }),
    finished('a', 'PUT', 204, undefined, { repaired: 'weakened-etag', leaseLost: true, writeEcho: 'representation' })
  ]
  for (const r of requests) metrics.recordRequest(r)
  assert.deepEqual(await samples(metrics, 'ifgate_requests_total'), {
    'decision=forwarded,method=GET,route=a,status_class=2xx': 2,
    'decision=edge-412,method=PUT,route=a,status_class=4xx': 2,
    'decision=forwarded,method=GET,route=b,status_class=2xx': 1,
    'decision=edge-412,method=PUT,route=b,status_class=4xx': 1,
    'decision=error,method=OTHER,route=b,status_class=5xx': 1,
    'decision=forwarded,method=PUT,route=a,status_class=2xx': 2
  })
  assert.deepEqual(await samples(metrics, 'ifgate_edge_412_total'), { 'cause=stale-etag,route=a': 1, 'cause=unknown-etag,route=a': 1, 'cause=stale-etag,route=b': 1 })
  assert.deepEqual(await samples(metrics, 'ifgate_observed_total'), { 'cause=stale-etag,route=a,would_decide=edge-412': 1 })
  assert.deepEqual(await samples(metrics, 'ifgate_repairs_total'), { 'kind=weakened-etag,route=a': 1 })
  assert.deepEqual(await samples(metrics, 'ifgate_lock_lease_lost_total'), { 'route=a': 1 })
  assert.deepEqual(await samples(metrics, 'ifgate_write_echo_total'), { 'outcome=representation,route=a': 1 })
  // A scrape reports the counts it finds; a second one, after more requests, the new totals.
  metrics.recordRequest(finished('b', 'GET', 200, 'forwarded'))
  assert.equal((await samples(metrics, 'ifgate_requests_total'))['decision=forwarded,method=GET,route=b,status_class=2xx'], 2)
})
