import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Histogram, Registry } from 'prom-client'
import { RouteHistogram } from '../../src/observability/route-histogram.ts'

const BUCKETS = [0.001, 0.01, 0.1, 1]

/** Observations as (route, seconds), including values on a bound, above every bound and zero. */
const cases = [
  { name: 'no observation', input: [] as Array<[string, number]> },
  { name: 'one route, one value inside a bucket', input: [['api', 0.005]] as Array<[string, number]> },
  { name: 'values exactly on bounds count in that bucket (le)', input: [['api', 0.001], ['api', 0.1], ['api', 1]] as Array<[string, number]> },
  { name: 'values above every bound land in +Inf only', input: [['api', 7], ['api', 30]] as Array<[string, number]> },
  { name: 'two routes keep separate series', input: [['api', 0], ['strict', 0.02], ['api', 0.5], ['strict', 2]] as Array<[string, number]> }
]

for (const c of cases) {
  test(`RouteHistogram exports what prom-client's Histogram exports: ${c.name}`, async () => {
    const ours = new Registry()
    const theirs = new Registry()
    const mine = new RouteHistogram({ name: 'x_seconds', help: 'h', buckets: BUCKETS, registers: [ours] })
    const reference = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['route'] as const, buckets: BUCKETS, registers: [theirs] })
    for (const [route, value] of c.input) {
      mine.observe(route, value)
      reference.observe({ route }, value)
    }
    assert.equal(await ours.metrics(), await theirs.metrics())
  })
}

test('RouteHistogram forgets its observations on Registry#resetMetrics', async () => {
  const registry = new Registry()
  const h = new RouteHistogram({ name: 'y_seconds', help: 'h', buckets: BUCKETS, registers: [registry] })
  h.observe('api', 0.5)
  assert.match(await registry.metrics(), /y_seconds_count\{route="api"\} 1/)
  registry.resetMetrics()
  assert.doesNotMatch(await registry.metrics(), /y_seconds_count/)
})
