import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import fc from 'fast-check'
import { REPAIRS, type Repair } from '../../src/config/types.ts'
import { CAUSES, type Cause } from '../../src/diagnosis/causes.ts'
import type { KeyLock } from '../../src/lock/key-lock.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { LOCK_WAIT_BOUNDS_MS, MAX_PATHS, RollingWindow, mergeSnapshots, quantile, windowEntryOf, type WindowEntry, type WindowSnapshot } from '../../src/observability/window.ts'
import { LOG_DECISIONS, createContext, type LogDecision } from '../../src/pipeline/context.ts'
import type { ValidatorStore } from '../../src/validators/store.ts'

const BUCKET_MS = 10_000
const BUCKETS = 90
const SPAN_MS = BUCKET_MS * BUCKETS
/** A multiple of BUCKET_MS (2023-11-14T22:13:20Z). */
const T0 = 1_700_000_000_000
const HISTOGRAM_SLOTS = LOCK_WAIT_BOUNDS_MS.length + 1

const newWindow = (): RollingWindow => new RollingWindow({ bucketMs: BUCKET_MS, buckets: BUCKETS })
const entry = (over: Partial<WindowEntry> = {}): WindowEntry => ({ decision: 'forwarded', route: 'api', path: '/a', ...over })
const refusal = (path: string, cause: Cause = 'stale-etag', route = 'api'): WindowEntry => ({ decision: 'edge-412', cause, route, path })
const sumOf = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0)
const bucketStart = (t: number, bucketMs = BUCKET_MS): number => Math.floor(t / bucketMs) * bucketMs
const histogram = (slots: Record<number, number>): number[] => Array.from({ length: HISTOGRAM_SLOTS }, (_, i) => slots[i] ?? 0)
const countBy = <T>(items: readonly T[], key: (t: T) => string | undefined): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const t of items) {
    const k = key(t)
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1
  }
  return out
}
/** The histogram slot a lock wait belongs in: the first bound it does not exceed, else the last slot. */
const slotOf = (ms: number): number => {
  const i = LOCK_WAIT_BOUNDS_MS.findIndex((b) => ms <= b)
  return i === -1 ? LOCK_WAIT_BOUNDS_MS.length : i
}

function assertShape (s: WindowSnapshot, nowMs: number, bucketMs = BUCKET_MS, buckets = BUCKETS): void {
  assert.equal(s.bucketMs, bucketMs)
  assert.equal(s.series.length, buckets)
  const current = bucketStart(nowMs, bucketMs)
  s.series.forEach((b, i) => {
    assert.equal(b.start % bucketMs, 0, `series[${i}].start ${b.start} is not aligned`)
    assert.equal(b.start, current - (buckets - 1 - i) * bucketMs)
  })
  assert.equal(s.series[buckets - 1].start, current)
}

// The ring's shape

const shapeCases: { name: string; input: { bucketMs: number; buckets: number }; want: { bucketMs: number; buckets: number } }[] = [
  { name: '90 buckets of 10 s', input: { bucketMs: 10_000, buckets: 90 }, want: { bucketMs: 10_000, buckets: 90 } },
  { name: 'a single bucket', input: { bucketMs: 1_000, buckets: 1 }, want: { bucketMs: 1_000, buckets: 1 } },
  { name: 'zero buckets count as one', input: { bucketMs: 1_000, buckets: 0 }, want: { bucketMs: 1_000, buckets: 1 } },
  { name: 'a zero bucket width counts as 1 ms', input: { bucketMs: 0, buckets: 5 }, want: { bucketMs: 1, buckets: 5 } }
]

for (const c of shapeCases) {
  test(`RollingWindow: ${c.name}: an empty window's snapshot has every bucket, aligned, oldest first`, () => {
    const w = new RollingWindow(c.input)
    const now = T0 + 12_345
    const s = w.snapshot(now)
    assert.equal(w.bucketMs, c.want.bucketMs)
    assertShape(s, now, c.want.bucketMs, c.want.buckets)
    for (const b of s.series) assert.deepEqual({ decisions: b.decisions, causes: b.causes }, { decisions: {}, causes: {} })
    assert.deepEqual(s.totals, { requests: 0, edge412: 0 })
    assert.deepEqual(s.topPaths, [])
    assert.deepEqual(s.repairs, {})
    assert.deepEqual(s.observed, {})
    assert.deepEqual(s.lockWait, { boundsMs: LOCK_WAIT_BOUNDS_MS, counts: histogram({}), count: 0, p50Ms: null, p99Ms: null })
  })
}

// Buckets roll

const rollCases: { name: string; input: { at: number[]; now: number }; want: Array<[index: number, count: number]> }[] = [
  { name: 'an entry now is in the current bucket, the last', input: { at: [T0 + 3_000], now: T0 + 3_000 }, want: [[89, 1]] },
  { name: 'the first millisecond of the current bucket is in it', input: { at: [T0], now: T0 + 9_999 }, want: [[89, 1]] },
  { name: 'the millisecond before the current bucket is in the previous one', input: { at: [T0 - 1], now: T0 }, want: [[88, 1]] },
  { name: 'entries a bucket apart are in adjacent buckets', input: { at: [T0 - 20_000, T0 - 10_000, T0 - 5_000, T0], now: T0 + 5_000 }, want: [[87, 1], [88, 2], [89, 1]] },
  { name: 'the oldest bucket still in the window is series[0]', input: { at: [T0 - 89 * BUCKET_MS], now: T0 + 9_999 }, want: [[0, 1]] },
  { name: 'an entry one millisecond older than the window is gone', input: { at: [T0 - 89 * BUCKET_MS - 1, T0], now: T0 }, want: [[89, 1]] },
  { name: 'an entry a whole window old is gone', input: { at: [T0 - SPAN_MS], now: T0 + 1 }, want: [] },
  { name: 'entries move towards series[0] as the window moves', input: { at: [T0, T0 + 5 * BUCKET_MS], now: T0 + 89 * BUCKET_MS + 1 }, want: [[0, 1], [5, 1]] },
  { name: 'entries age out one bucket at a time', input: { at: [T0, T0 + 5 * BUCKET_MS], now: T0 + 90 * BUCKET_MS }, want: [[4, 1]] },
  { name: 'after a whole window, nothing from before', input: { at: [T0, T0 + 5 * BUCKET_MS], now: T0 + 95 * BUCKET_MS }, want: [] },
  { name: 'an entry after the snapshot time is not in it', input: { at: [T0 + BUCKET_MS], now: T0 + 9_999 }, want: [] }
]

for (const c of rollCases) {
  test(`RollingWindow buckets roll: ${c.name}`, () => {
    const w = newWindow()
    for (const t of c.input.at) w.record(entry(), t)
    const s = w.snapshot(c.input.now)
    assertShape(s, c.input.now)
    const want = new Map(c.want)
    s.series.forEach((b, i) => {
      const n = want.get(i)
      assert.deepEqual(b.decisions, n === undefined ? {} : { forwarded: n }, `series[${i}]`)
    })
    assert.equal(s.totals.requests, c.want.reduce((a, [, n]) => a + n, 0))
  })
}

test('RollingWindow: a one-bucket window holds only the current bucket', () => {
  const w = new RollingWindow({ bucketMs: 1_000, buckets: 1 })
  w.record(entry(), T0 + 999)
  assert.deepEqual(w.snapshot(T0 + 999).series, [{ start: T0, decisions: { forwarded: 1 }, causes: {} }])
  assert.deepEqual(w.snapshot(T0 + 1_000).series, [{ start: T0 + 1_000, decisions: {}, causes: {} }])
  assert.equal(w.snapshot(T0 + 1_000).totals.requests, 0)
})

const reuseCases: { name: string; input: { turns: number; fresh: WindowEntry }; want: Pick<WindowSnapshot, 'topPaths' | 'repairs' | 'observed' | 'totals'> & { decisions: Record<string, number>; causes: Record<string, number>; lockWait: number[] } }[] = [
  {
    name: 'one turn later, an edge 304 with a short lock wait',
    input: { turns: 1, fresh: entry({ decision: 'edge-304', lockWaitMs: 0.2 }) },
    want: { decisions: { 'edge-304': 1 }, causes: {}, topPaths: [], repairs: {}, observed: {}, totals: { requests: 1, edge412: 0 }, lockWait: histogram({ 0: 1 }) }
  },
  {
    name: 'one turn later, a 412 on another path',
    input: { turns: 1, fresh: refusal('/y', 'unknown-etag', 'strict') },
    want: { decisions: { 'edge-412': 1 }, causes: { 'unknown-etag': 1 }, topPaths: [{ route: 'strict', path: '/y', count: 1, cause: 'unknown-etag' }], repairs: {}, observed: {}, totals: { requests: 1, edge412: 1 }, lockWait: histogram({}) }
  },
  {
    name: 'three turns later, a 412 on the same path',
    input: { turns: 3, fresh: refusal('/x', 'cdn-stale-etag') },
    want: { decisions: { 'edge-412': 1 }, causes: { 'cdn-stale-etag': 1 }, topPaths: [{ route: 'api', path: '/x', count: 1, cause: 'cdn-stale-etag' }], repairs: {}, observed: {}, totals: { requests: 1, edge412: 1 }, lockWait: histogram({}) }
  },
  {
    name: 'one turn later, a repaired observed write',
    input: { turns: 1, fresh: entry({ repaired: 'unquoted-etag', wouldDecide: 'edge-428', lockWaitMs: 7 }) },
    want: { decisions: { forwarded: 1 }, causes: {}, topPaths: [], repairs: { 'unquoted-etag': 1 }, observed: { 'edge-428': 1 }, totals: { requests: 1, edge412: 0 }, lockWait: histogram({ 4: 1 }) }
  }
]

for (const c of reuseCases) {
  test(`RollingWindow: a slot reused after a full turn holds only the new bucket's counts: ${c.name}`, () => {
    const w = newWindow()
    for (let i = 0; i < 5; i++) w.record(entry({ repaired: 'weakened-etag', wouldDecide: 'edge-412', lockWaitMs: 30 }), T0 + i)
    for (let i = 0; i < 3; i++) w.record(refusal('/x', 'stale-etag'), T0 + 100 + i)
    const before = w.snapshot(T0 + 200)
    assert.equal(before.totals.requests, 8)
    assert.deepEqual(before.topPaths, [{ route: 'api', path: '/x', count: 3, cause: 'stale-etag' }])

    const now = T0 + c.input.turns * SPAN_MS + 1_234
    w.record(c.input.fresh, now)
    const s = w.snapshot(now)
    assertShape(s, now)
    assert.deepEqual(s.series[BUCKETS - 1], { start: T0 + c.input.turns * SPAN_MS, decisions: c.want.decisions, causes: c.want.causes })
    for (const b of s.series.slice(0, -1)) assert.deepEqual({ decisions: b.decisions, causes: b.causes }, { decisions: {}, causes: {} })
    assert.deepEqual(s.totals, c.want.totals)
    assert.deepEqual(s.topPaths, c.want.topPaths)
    assert.deepEqual(s.repairs, c.want.repairs)
    assert.deepEqual(s.observed, c.want.observed)
    assert.deepEqual(s.lockWait.counts, c.want.lockWait)
    assert.equal(s.lockWait.count, c.want.lockWait.reduce((x, y) => x + y, 0))
  })
}

// The window is bounded

test('RollingWindow: 100,000 entries on distinct paths keep topPaths at 10 and each bucket at MAX_PATHS paths', () => {
  const w = newWindow()
  const perBucket = 10_000
  const hot = 100
  const causes: Record<string, number> = {}
  for (let i = 0; i < 100_000; i++) {
    const k = Math.floor(i / perBucket)
    const cause = CAUSES[i % CAUSES.length]
    causes[cause] = (causes[cause] ?? 0) + 1
    w.record(refusal(`/p${i}`, cause), T0 + k * BUCKET_MS + (i % perBucket) * 0.5)
    // Once a bucket has seen MAX_PATHS paths, even its most refused new path goes unlisted.
    if (i % perBucket === perBucket - 1) for (let j = 0; j < hot; j++) w.record(refusal('/hot', 'weakened-etag'), T0 + k * BUCKET_MS + 9_999)
  }
  causes['weakened-etag'] += 10 * hot
  const now = T0 + 9 * BUCKET_MS + 9_999
  const s = w.snapshot(now)
  assertShape(s, now)
  assert.equal(s.topPaths.length, 10)
  assert.ok(s.topPaths.every((p) => p.path !== '/hot' && p.count === 1), JSON.stringify(s.topPaths))
  // Only the first MAX_PATHS paths of each bucket are counted under their path.
  const counted = new Set<string>()
  for (let k = 0; k < 10; k++) for (let j = 0; j < MAX_PATHS; j++) counted.add(`/p${k * perBucket + j}`)
  for (const p of s.topPaths) assert.ok(counted.has(p.path), `${p.path} is beyond MAX_PATHS in its bucket`)
  assert.deepEqual(s.totals, { requests: 100_000 + 10 * hot, edge412: 100_000 + 10 * hot })
  const summed: Record<string, number> = {}
  for (const b of s.series) for (const [c, n] of Object.entries(b.causes)) summed[c] = (summed[c] ?? 0) + n
  assert.deepEqual(summed, causes)
  for (const b of s.series.slice(BUCKETS - 10)) assert.deepEqual(b.decisions, { 'edge-412': perBucket + hot })
})

const capCases: { name: string; input: { others: number }; want: { listed: boolean } }[] = [
  { name: 'after MAX_PATHS - 1 other paths, a new path is still listed', input: { others: MAX_PATHS - 1 }, want: { listed: true } },
  { name: 'after MAX_PATHS other paths, a new path is not listed', input: { others: MAX_PATHS }, want: { listed: false } },
  { name: 'well past MAX_PATHS other paths, a new path is not listed', input: { others: MAX_PATHS * 5 }, want: { listed: false } }
]

for (const c of capCases) {
  test(`RollingWindow: ${c.name}, and its 412s still count in causes and totals`, () => {
    const w = newWindow()
    for (let i = 0; i < c.input.others; i++) w.record(refusal(`/p${i}`), T0 + 1)
    for (let i = 0; i < 50; i++) w.record(refusal('/late', 'weakened-etag'), T0 + 2)
    const s = w.snapshot(T0 + 3)
    assert.deepEqual(s.series[BUCKETS - 1].causes, { 'stale-etag': c.input.others, 'weakened-etag': 50 })
    assert.deepEqual(s.totals, { requests: c.input.others + 50, edge412: c.input.others + 50 })
    assert.equal(s.topPaths.length, 10)
    const late = s.topPaths.find((p) => p.path === '/late')
    if (c.want.listed) assert.deepEqual(s.topPaths[0], { route: 'api', path: '/late', count: 50, cause: 'weakened-etag' })
    else assert.equal(late, undefined)

    // A new bucket starts with an empty path map.
    w.record(refusal('/late', 'weakened-etag'), T0 + BUCKET_MS)
    const next = w.snapshot(T0 + BUCKET_MS)
    assert.deepEqual(next.topPaths[0], { route: 'api', path: '/late', count: c.want.listed ? 51 : 1, cause: 'weakened-etag' })
  })
}

test('RollingWindow: a full bucket keeps counting the paths it holds, keyed by route and path', () => {
  const w = newWindow()
  for (let i = 0; i < MAX_PATHS; i++) w.record(refusal(`/p${i}`), T0)
  for (let i = 0; i < 30; i++) w.record(refusal('/p7', 'resource-missing'), T0 + 1)
  for (let i = 0; i < 40; i++) w.record(refusal('/p7', 'resource-missing', 'other'), T0 + 2)
  const s = w.snapshot(T0 + 3)
  assert.deepEqual(s.topPaths[0], { route: 'api', path: '/p7', count: 31, cause: 'resource-missing' })
  assert.equal(s.topPaths.find((p) => p.route === 'other'), undefined)
  assert.equal(s.totals.edge412, MAX_PATHS + 70)
})

// Counts add up

const PATHS = ['/a', '/b', '/c/d', '/items/1', '/items/2?x=1']
const entryArb: fc.Arbitrary<WindowEntry> = fc.record({
  decision: fc.constantFrom(...LOG_DECISIONS),
  cause: fc.option(fc.constantFrom(...CAUSES), { nil: undefined }),
  route: fc.constantFrom('api', 'strict', 'none'),
  path: fc.oneof(fc.constantFrom(...PATHS), fc.string({ maxLength: 6 }).map((s) => '/' + s)),
  lockWaitMs: fc.option(fc.oneof(fc.constantFrom(...LOCK_WAIT_BOUNDS_MS), fc.double({ min: 0, max: 20_000, noNaN: true })), { nil: undefined }),
  repaired: fc.option(fc.constantFrom(...REPAIRS), { nil: undefined }),
  wouldDecide: fc.option(fc.constantFrom(...LOG_DECISIONS), { nil: undefined })
}).map((e) => e.decision === 'edge-412' ? e : { ...e, cause: undefined })
/** Entries with how long before `now` they finished, all within the window (fewer than MAX_PATHS, so every path is counted). */
const timedEntries = fc.array(fc.record({ e: entryArb, ago: fc.integer({ min: 0, max: SPAN_MS - 1 }) }), { maxLength: 150 })
const nowArb = fc.integer({ min: T0, max: T0 + 3 * SPAN_MS })

test('RollingWindow: the snapshot counts every entry once, in its bucket, under each of its facts', () => {
  fc.assert(fc.property(timedEntries, nowArb, (timed, now) => {
    const w = newWindow()
    const oldest = bucketStart(now) - (BUCKETS - 1) * BUCKET_MS
    const inWindow = timed.map(({ e, ago }) => ({ e, at: Math.max(oldest, now - ago) }))
    for (const { e, at } of inWindow) w.record(e, at)
    const s = w.snapshot(now)
    assertShape(s, now)
    const entries = inWindow.map((x) => x.e)

    s.series.forEach((b, i) => {
      const here = inWindow.filter(({ at }) => bucketStart(at) === b.start).map((x) => x.e)
      assert.deepEqual(b.decisions, countBy(here, (e) => e.decision), `series[${i}].decisions`)
      assert.deepEqual(b.causes, countBy(here, (e) => e.decision === 'edge-412' ? e.cause : undefined), `series[${i}].causes`)
    })
    for (const d of LOG_DECISIONS) {
      assert.equal(s.series.reduce((n, b) => n + (b.decisions[d] ?? 0), 0), entries.filter((e) => e.decision === d).length, d)
    }
    const refused = entries.filter((e) => e.decision === 'edge-412' && e.cause !== undefined)
    assert.equal(s.totals.requests, entries.length)
    assert.equal(s.totals.edge412, refused.length)
    assert.equal(s.series.reduce((n, b) => n + sumOf(b.causes), 0), refused.length)
    assert.deepEqual(s.repairs, countBy(entries, (e) => e.repaired))
    assert.deepEqual(s.observed, countBy(entries, (e) => e.wouldDecide))
    const waits = entries.flatMap((e) => e.lockWaitMs === undefined ? [] : [e.lockWaitMs])
    assert.equal(s.lockWait.count, waits.length)
    assert.deepEqual(s.lockWait.counts, histogram(countBy(waits, (ms) => String(slotOf(ms)))))
    assert.equal(s.lockWait.p50Ms, quantile(s.lockWait.counts, 0.5))
    assert.equal(s.lockWait.p99Ms, quantile(s.lockWait.counts, 0.99))

    // topPaths: the most refused (route, path) pairs, each with a dominant cause.
    const byKey = new Map<string, { route: string; path: string; counts: Record<string, number>; total: number }>()
    for (const e of refused) {
      const k = e.route + ' ' + e.path
      const p = byKey.get(k) ?? { route: e.route, path: e.path, counts: {}, total: 0 }
      p.counts[e.cause as string] = (p.counts[e.cause as string] ?? 0) + 1
      p.total++
      byKey.set(k, p)
    }
    assert.equal(s.topPaths.length, Math.min(10, byKey.size))
    const listed = new Set<string>()
    for (const [i, p] of s.topPaths.entries()) {
      const k = p.route + ' ' + p.path
      const want = byKey.get(k)
      assert.ok(want !== undefined, `${k} was never refused`)
      assert.equal(p.count, want.total)
      assert.equal(want.counts[p.cause], Math.max(...Object.values(want.counts)), `${p.cause} is not the dominant cause of ${k}`)
      if (i > 0) assert.ok(s.topPaths[i - 1].count >= p.count)
      listed.add(k)
    }
    const floor = Math.min(...s.topPaths.map((p) => p.count))
    for (const [k, p] of byKey) if (!listed.has(k)) assert.ok(p.total <= floor, `${k} (${p.total}) outranks a listed path (${floor})`)
  }), { numRuns: 300 })
})

const fakeStore = { stats: () => ({ hits: 0, misses: 0, evictions: 0, entries: 0, bytes: 0 }) } as unknown as ValidatorStore
const fakeLock = { waiting: () => 0, held: () => 0 } as unknown as KeyLock

async function counterTotals (registry: ReturnType<typeof createMetrics>['registry'], name: string, label?: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name)
  assert.ok(metric !== undefined, name)
  const out: Record<string, number> = {}
  for (const v of (await metric.get()).values) {
    if (v.value === 0) continue
    const k = label === undefined ? 'all' : String(v.labels[label])
    out[k] = (out[k] ?? 0) + v.value
  }
  return out
}

test('RollingWindow: the window counts add up to the metrics counters for the same requests', async () => {
  // Observe mode keeps the would-be 412's cause on a request that was not refused.
  const observeEntry = fc.record({ e: entryArb, cause: fc.constantFrom(...CAUSES) }).map(({ e, cause }) => e.wouldDecide === 'edge-412' && e.decision !== 'edge-412' ? { ...e, cause } : e)
  const samples = fc.sample(fc.array(observeEntry, { maxLength: 120 }), { numRuns: 25, seed: 42 })
  for (const entries of samples) {
    const metrics = createMetrics({ store: fakeStore, lock: fakeLock })
    const w = newWindow()
    for (const [i, e] of entries.entries()) {
      const req = { method: 'PUT', url: e.path, headers: {} } as unknown as IncomingMessage
      const res = { statusCode: e.decision === 'edge-412' ? 412 : 200, writableFinished: true } as unknown as ServerResponse
      const ctx = createContext(req, res, `r${i}`, false)
      ctx.route = e.route === 'none' ? undefined : { id: e.route } as unknown as NonNullable<typeof ctx.route>
      ctx.decision = e.decision
      ctx.cause = e.cause
      ctx.lockWaitMs = e.lockWaitMs
      ctx.repaired = e.repaired
      ctx.wouldDecide = e.wouldDecide
      metrics.recordRequest(ctx)
      w.record(windowEntryOf(ctx, e.decision), T0 + i)
    }
    const s = w.snapshot(T0 + entries.length)
    const decisions: Record<string, number> = {}
    for (const b of s.series) for (const [d, n] of Object.entries(b.decisions)) decisions[d] = (decisions[d] ?? 0) + n
    const causes: Record<string, number> = {}
    for (const b of s.series) for (const [c, n] of Object.entries(b.causes)) causes[c] = (causes[c] ?? 0) + n
    const routes: Record<string, number> = {}
    for (const p of s.topPaths) routes[p.route] = (routes[p.route] ?? 0) + p.count

    assert.deepEqual(decisions, await counterTotals(metrics.registry, 'ifgate_requests_total', 'decision'))
    assert.equal(s.totals.requests, (await counterTotals(metrics.registry, 'ifgate_requests_total')).all ?? 0)
    assert.deepEqual(causes, await counterTotals(metrics.registry, 'ifgate_edge_412_total', 'cause'))
    assert.equal(s.totals.edge412, (await counterTotals(metrics.registry, 'ifgate_edge_412_total')).all ?? 0)
    assert.deepEqual(s.repairs, await counterTotals(metrics.registry, 'ifgate_repairs_total', 'kind'))
    assert.deepEqual(s.observed, await counterTotals(metrics.registry, 'ifgate_observed_total', 'would_decide'))
    const lockWaits = await metrics.registry.getSingleMetricAsString('ifgate_lock_wait_seconds')
    const observedWaits = [...lockWaits.matchAll(/^ifgate_lock_wait_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0)
    assert.equal(s.lockWait.count, observedWaits)
    if (s.topPaths.length < 10) assert.deepEqual(routes, await counterTotals(metrics.registry, 'ifgate_edge_412_total', 'route'))
  }
})

// topPaths

const topCases: { name: string; input: Array<[WindowEntry, number]>; want: WindowSnapshot['topPaths'] }[] = [
  {
    name: 'ordered by count, most refused first',
    input: [[refusal('/a'), 5], [refusal('/b'), 3], [refusal('/c'), 7]],
    want: [{ route: 'api', path: '/c', count: 7, cause: 'stale-etag' }, { route: 'api', path: '/a', count: 5, cause: 'stale-etag' }, { route: 'api', path: '/b', count: 3, cause: 'stale-etag' }]
  },
  {
    name: 'each with its dominant cause',
    input: [[refusal('/a', 'stale-etag'), 2], [refusal('/a', 'weakened-etag'), 3], [refusal('/a', 'unknown-etag'), 1], [refusal('/b', 'modified-since'), 4]],
    want: [{ route: 'api', path: '/a', count: 6, cause: 'weakened-etag' }, { route: 'api', path: '/b', count: 4, cause: 'modified-since' }]
  },
  {
    name: 'the same path on two routes is listed twice',
    input: [[refusal('/a', 'stale-etag', 'api'), 2], [refusal('/a', 'resource-exists', 'strict'), 5]],
    want: [{ route: 'strict', path: '/a', count: 5, cause: 'resource-exists' }, { route: 'api', path: '/a', count: 2, cause: 'stale-etag' }]
  },
  {
    name: 'other decisions and 412s without a cause are not listed',
    input: [[entry({ decision: 'forwarded', path: '/f' }), 9], [entry({ decision: 'edge-412', path: '/nocause' }), 9], [entry({ decision: 'edge-428', path: '/g' }), 9], [refusal('/r'), 1]],
    want: [{ route: 'api', path: '/r', count: 1, cause: 'stale-etag' }]
  },
  {
    name: 'at most 10, the most refused',
    input: Array.from({ length: 15 }, (_, i): [WindowEntry, number] => [refusal(`/p${i}`), i + 1]),
    want: Array.from({ length: 10 }, (_, i) => ({ route: 'api', path: `/p${14 - i}`, count: 15 - i, cause: 'stale-etag' }))
  }
]

for (const c of topCases) {
  test(`RollingWindow topPaths: ${c.name}`, () => {
    const w = newWindow()
    for (const [e, n] of c.input) for (let i = 0; i < n; i++) w.record(e, T0 + i)
    assert.deepEqual(w.snapshot(T0 + BUCKET_MS - 1).topPaths, c.want)
  })
}

test('RollingWindow topPaths: a path\'s counts add up over buckets, and its dominant cause is over the whole window', () => {
  const w = newWindow()
  for (let i = 0; i < 3; i++) w.record(refusal('/a', 'stale-etag'), T0 - 40 * BUCKET_MS)
  for (let i = 0; i < 2; i++) w.record(refusal('/a', 'cdn-stale-etag'), T0 - 20 * BUCKET_MS)
  for (let i = 0; i < 2; i++) w.record(refusal('/a', 'cdn-stale-etag'), T0)
  for (let i = 0; i < 6; i++) w.record(refusal('/b', 'unknown-etag'), T0)
  assert.deepEqual(w.snapshot(T0).topPaths, [{ route: 'api', path: '/a', count: 7, cause: 'cdn-stale-etag' }, { route: 'api', path: '/b', count: 6, cause: 'unknown-etag' }])
  assert.deepEqual(w.snapshot(T0 + 50 * BUCKET_MS).topPaths, [{ route: 'api', path: '/b', count: 6, cause: 'unknown-etag' }, { route: 'api', path: '/a', count: 4, cause: 'cdn-stale-etag' }])
})

// quantile

const quantileCases: { name: string; input: { counts: number[]; q: number }; want: number | null }[] = [
  { name: 'no samples: null', input: { counts: histogram({}), q: 0.5 }, want: null },
  { name: 'no samples: null at p99 too', input: { counts: histogram({}), q: 0.99 }, want: null },
  { name: 'an empty histogram: null', input: { counts: [], q: 0.5 }, want: null },
  { name: 'all samples in the first bucket: its bound', input: { counts: histogram({ 0: 7 }), q: 0.99 }, want: 0.5 },
  { name: 'all samples in one bucket: its bound, p50', input: { counts: histogram({ 3: 12 }), q: 0.5 }, want: 5 },
  { name: 'all samples in one bucket: its bound, p99', input: { counts: histogram({ 3: 12 }), q: 0.99 }, want: 5 },
  { name: 'p50 of a known histogram', input: { counts: histogram({ 0: 50, 2: 40, 5: 9, 9: 1 }), q: 0.5 }, want: 0.5 },
  { name: 'p90 of a known histogram', input: { counts: histogram({ 0: 50, 2: 40, 5: 9, 9: 1 }), q: 0.9 }, want: 2.5 },
  { name: 'p99 of a known histogram', input: { counts: histogram({ 0: 50, 2: 40, 5: 9, 9: 1 }), q: 0.99 }, want: 25 },
  { name: 'p100 of a known histogram: the highest bucket with samples', input: { counts: histogram({ 0: 50, 2: 40, 5: 9, 9: 1 }), q: 1 }, want: 500 },
  { name: 'p50 just past a bucket', input: { counts: histogram({ 0: 49, 1: 51 }), q: 0.5 }, want: 1 },
  { name: 'p50 exactly at the end of a bucket', input: { counts: histogram({ 0: 50, 1: 50 }), q: 0.5 }, want: 0.5 },
  { name: 'samples above the last bound: the last bound', input: { counts: histogram({ [LOCK_WAIT_BOUNDS_MS.length]: 3 }), q: 0.5 }, want: 10_000 },
  { name: 'p99 among samples above the last bound: the last bound', input: { counts: histogram({ 0: 1, [LOCK_WAIT_BOUNDS_MS.length]: 99 }), q: 0.99 }, want: 10_000 },
  { name: 'p50 below the samples above the last bound', input: { counts: histogram({ 4: 60, [LOCK_WAIT_BOUNDS_MS.length]: 40 }), q: 0.5 }, want: 10 }
]

for (const c of quantileCases) {
  test(`quantile: ${c.name}`, () => {
    assert.equal(quantile(c.input.counts, c.input.q), c.want)
  })
}

test('quantile: never below a smaller quantile, and always a bound', () => {
  fc.assert(fc.property(fc.array(fc.nat({ max: 1_000 }), { minLength: HISTOGRAM_SLOTS, maxLength: HISTOGRAM_SLOTS }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), (counts, a, b) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a]
    const ql = quantile(counts, lo)
    const qh = quantile(counts, hi)
    if (counts.every((n) => n === 0)) {
      assert.equal(ql, null)
      assert.equal(qh, null)
      return
    }
    assert.ok(ql !== null && qh !== null)
    assert.ok(LOCK_WAIT_BOUNDS_MS.includes(ql) && LOCK_WAIT_BOUNDS_MS.includes(qh))
    assert.ok(ql <= qh, `p${lo} ${ql} > p${hi} ${qh}`)
  }), { numRuns: 500 })
})

// Lock-wait bucketing

const lockWaitCases: { name: string; input: number; want: number }[] = [
  { name: 'zero', input: 0, want: 0 },
  { name: 'below the first bound', input: 0.1, want: 0 },
  { name: 'just above the first bound', input: 0.51, want: 1 },
  { name: 'between two bounds', input: 3, want: 3 },
  { name: 'just above a bound', input: 1.0001, want: 2 },
  { name: 'just above the last bound', input: 10_000.1, want: LOCK_WAIT_BOUNDS_MS.length },
  { name: 'far above the last bound', input: 3_600_000, want: LOCK_WAIT_BOUNDS_MS.length },
  ...LOCK_WAIT_BOUNDS_MS.map((b, i) => ({ name: `exactly on the bound ${b} ms`, input: b, want: i }))
]

for (const c of lockWaitCases) {
  test(`RollingWindow lock wait: ${c.name} goes into slot ${c.want}`, () => {
    const w = newWindow()
    w.record(entry({ decision: 'forwarded', lockWaitMs: c.input }), T0)
    w.record(entry({ decision: 'forwarded' }), T0)
    const { lockWait } = w.snapshot(T0)
    assert.deepEqual(lockWait.boundsMs, LOCK_WAIT_BOUNDS_MS)
    assert.deepEqual(lockWait.counts, histogram({ [c.want]: 1 }))
    assert.equal(lockWait.count, 1)
    const bound = LOCK_WAIT_BOUNDS_MS[Math.min(c.want, LOCK_WAIT_BOUNDS_MS.length - 1)]
    assert.equal(lockWait.p50Ms, bound)
    assert.equal(lockWait.p99Ms, bound)
  })
}

// mergeSnapshots

/** Paths whose route and cause follow from the path, so two windows' topPaths can be merged exactly. */
const MERGE_PATHS: ReadonlyArray<{ route: string; path: string; cause: Cause }> = [
  { route: 'api', path: '/a', cause: 'stale-etag' },
  { route: 'api', path: '/b', cause: 'weakened-etag' },
  { route: 'strict', path: '/c', cause: 'resource-missing' },
  { route: 'strict', path: '/d', cause: 'unknown-etag' },
  { route: 'none', path: '/e', cause: 'modified-since' }
]
const mergeEntry: fc.Arbitrary<WindowEntry> = fc.record({
  base: entryArb,
  target: fc.constantFrom(...MERGE_PATHS)
}).map(({ base, target }) => ({ ...base, route: target.route, path: target.path, cause: base.decision === 'edge-412' && base.cause !== undefined ? target.cause : undefined }))

test('mergeSnapshots: two windows fed different entries at the same times merge into one window fed them all', () => {
  const split = fc.array(fc.record({ e: mergeEntry, ago: fc.integer({ min: 0, max: SPAN_MS - 1 }), first: fc.boolean() }), { maxLength: 120 })
  fc.assert(fc.property(split, nowArb, (timed, now) => {
    const a = newWindow()
    const b = newWindow()
    const all = newWindow()
    const oldest = bucketStart(now) - (BUCKETS - 1) * BUCKET_MS
    for (const { e, ago, first } of timed) {
      const at = Math.max(oldest, now - ago)
      ;(first ? a : b).record(e, at)
      all.record(e, at)
    }
    const merged = mergeSnapshots([a.snapshot(now), b.snapshot(now)])
    const want = all.snapshot(now)
    assertShape(merged, now)
    assert.deepEqual(merged.series, want.series)
    assert.deepEqual(merged.totals, want.totals)
    assert.deepEqual(merged.repairs, want.repairs)
    assert.deepEqual(merged.observed, want.observed)
    assert.deepEqual(merged.lockWait, want.lockWait)
    assert.deepEqual(merged.topPaths, want.topPaths)
  }), { numRuns: 300 })
})

const mergeCases: { name: string; input: [Array<[WindowEntry, number]>, Array<[WindowEntry, number]>]; want: Partial<WindowSnapshot> }[] = [
  {
    name: 'topPaths are combined and re-ranked',
    input: [[[refusal('/a'), 3], [refusal('/b'), 1]], [[refusal('/b'), 5], [refusal('/c', 'unknown-etag'), 2]]],
    want: { topPaths: [{ route: 'api', path: '/b', count: 6, cause: 'stale-etag' }, { route: 'api', path: '/a', count: 3, cause: 'stale-etag' }, { route: 'api', path: '/c', count: 2, cause: 'unknown-etag' }] }
  },
  {
    name: 'a path\'s cause is the one with more 412s',
    input: [[[refusal('/a', 'stale-etag'), 1]], [[refusal('/a', 'weakened-etag'), 4]]],
    want: { topPaths: [{ route: 'api', path: '/a', count: 5, cause: 'weakened-etag' }] }
  },
  {
    name: 'lock-wait counts are added and the quantiles recomputed',
    input: [[[entry({ lockWaitMs: 0.3 }), 60]], [[entry({ lockWaitMs: 800 }), 40]]],
    want: { lockWait: { boundsMs: LOCK_WAIT_BOUNDS_MS, counts: histogram({ 0: 60, 10: 40 }), count: 100, p50Ms: 0.5, p99Ms: 1_000 } }
  },
  {
    name: 'repairs, observed and totals are added',
    input: [[[entry({ repaired: 'weakened-etag', wouldDecide: 'edge-412' }), 2], [refusal('/a'), 1]], [[entry({ repaired: 'unquoted-etag', wouldDecide: 'edge-412' }), 3], [entry({ decision: 'error' }), 4]]],
    want: { repairs: { 'weakened-etag': 2, 'unquoted-etag': 3 }, observed: { 'edge-412': 5 }, totals: { requests: 10, edge412: 1 } }
  }
]

for (const c of mergeCases) {
  test(`mergeSnapshots: ${c.name}`, () => {
    const [a, b] = [newWindow(), newWindow()]
    c.input.forEach((fed, i) => {
      for (const [e, n] of fed) for (let j = 0; j < n; j++) (i === 0 ? a : b).record(e, T0 + j)
    })
    const merged = mergeSnapshots([a.snapshot(T0 + 1_000), b.snapshot(T0 + 1_000)])
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(merged[k as keyof WindowSnapshot], v, k)
    assert.equal(sumOf(merged.series[BUCKETS - 1].decisions), merged.totals.requests)
  })
}

test('mergeSnapshots: series are aligned by bucket start', () => {
  const [a, b] = [newWindow(), newWindow()]
  a.record(entry(), T0 - 10 * BUCKET_MS)
  a.record(entry({ decision: 'edge-304' }), T0)
  b.record(entry(), T0 - 10 * BUCKET_MS)
  b.record(entry(), T0 + 5_000)
  b.record(entry(), T0 + BUCKET_MS)
  // b's snapshot is one bucket newer than a's: the merged series is b's buckets.
  const merged = mergeSnapshots([a.snapshot(T0 + 9_000), b.snapshot(T0 + BUCKET_MS)])
  assertShape(merged, T0 + BUCKET_MS)
  assert.deepEqual(merged.series[BUCKETS - 12], { start: T0 - 10 * BUCKET_MS, decisions: { forwarded: 2 }, causes: {} })
  assert.deepEqual(merged.series[BUCKETS - 2], { start: T0, decisions: { 'edge-304': 1, forwarded: 1 }, causes: {} })
  assert.deepEqual(merged.series[BUCKETS - 1], { start: T0 + BUCKET_MS, decisions: { forwarded: 1 }, causes: {} })
})

test('mergeSnapshots: a single snapshot merges to itself, and an empty window adds nothing', () => {
  fc.assert(fc.property(timedEntries, nowArb, (timed, now) => {
    const w = newWindow()
    for (const { e, ago } of timed) w.record(e, now - ago)
    const s = w.snapshot(now)
    const copy = structuredClone(s)
    assert.equal(mergeSnapshots([s]), s)
    assert.deepEqual(mergeSnapshots([s, newWindow().snapshot(now)]), s)
    assert.deepEqual(s, copy, 'merging changed its input')
  }), { numRuns: 200 })
})

// windowEntryOf

type EntryContext = Parameters<typeof windowEntryOf>[0]

const entryOfCases: { name: string; input: { ctx: EntryContext; decision: LogDecision }; want: WindowEntry }[] = [
  {
    name: 'a refused write on a route',
    input: { ctx: { route: { id: 'api' }, path: '/items/1', decision: 'edge-412', cause: 'weakened-etag', lockWaitMs: 3.5 }, decision: 'edge-412' },
    want: { decision: 'edge-412', route: 'api', path: '/items/1', cause: 'weakened-etag', lockWaitMs: 3.5, repaired: undefined, wouldDecide: undefined }
  },
  {
    name: 'no route: \'none\'',
    input: { ctx: { path: '/nowhere' }, decision: 'error' },
    want: { decision: 'error', route: 'none', path: '/nowhere', cause: undefined, lockWaitMs: undefined, repaired: undefined, wouldDecide: undefined }
  },
  {
    name: 'a repaired write in observe mode',
    input: { ctx: { route: { id: 'observe' }, path: '/x?y=1', repaired: 'encoding-suffix-etag', wouldDecide: 'edge-412', cause: 'stale-etag' }, decision: 'forwarded' },
    want: { decision: 'forwarded', route: 'observe', path: '/x?y=1', cause: 'stale-etag', lockWaitMs: undefined, repaired: 'encoding-suffix-etag', wouldDecide: 'edge-412' }
  },
  {
    name: 'the given decision, not the context\'s',
    input: { ctx: { route: { id: 'api' }, path: '/a', decision: 'forwarded' }, decision: 'client-gone' },
    want: { decision: 'client-gone', route: 'api', path: '/a', cause: undefined, lockWaitMs: undefined, repaired: undefined, wouldDecide: undefined }
  },
  {
    name: 'a lock wait of zero is kept',
    input: { ctx: { route: { id: 'api' }, path: '/a', lockWaitMs: 0 }, decision: 'forwarded' },
    want: { decision: 'forwarded', route: 'api', path: '/a', cause: undefined, lockWaitMs: 0, repaired: undefined, wouldDecide: undefined }
  }
]

for (const c of entryOfCases) {
  test(`windowEntryOf: ${c.name}`, () => {
    const got = windowEntryOf(c.input.ctx, c.input.decision)
    for (const k of ['decision', 'route', 'path', 'cause', 'lockWaitMs', 'repaired', 'wouldDecide'] as const) assert.equal(got[k], c.want[k], k)
    const w = newWindow()
    w.record(got, T0)
    const s = w.snapshot(T0)
    assert.deepEqual(s.series[BUCKETS - 1].decisions, { [c.want.decision]: 1 })
    assert.equal(s.lockWait.count, c.want.lockWaitMs === undefined ? 0 : 1)
    assert.deepEqual(s.repairs, c.want.repaired === undefined ? {} : { [c.want.repaired as Repair]: 1 })
    assert.deepEqual(s.observed, c.want.wouldDecide === undefined ? {} : { [c.want.wouldDecide]: 1 })
    const refused = c.want.decision === 'edge-412' && c.want.cause !== undefined
    assert.deepEqual(s.series[BUCKETS - 1].causes, refused ? { [c.want.cause as Cause]: 1 } : {})
    assert.equal(s.totals.edge412, refused ? 1 : 0)
    assert.deepEqual(s.topPaths, refused ? [{ route: c.want.route, path: c.want.path, count: 1, cause: c.want.cause }] : [])
  })
}

test('windowEntryOf: a request context from createContext', () => {
  const req = { method: 'DELETE', url: '/items/9', headers: {} } as unknown as IncomingMessage
  const ctx = createContext(req, {} as ServerResponse, 'r1', false)
  assert.deepEqual({ ...windowEntryOf(ctx, 'edge-428') }, { decision: 'edge-428', route: 'none', path: '/items/9', cause: undefined, lockWaitMs: undefined, repaired: undefined, wouldDecide: undefined })
})

// Merging workers' windows: what the dashboard shows for several workers must be what one window fed everything would show.

const T = 1_800_000_000_000

test('mergeSnapshots: three workers\' 412s on one path: the dominant cause is the one most of them saw', () => {
  const causes: Cause[] = ['stale-etag', 'weakened-etag', 'weakened-etag']
  const snaps = causes.map((cause) => {
    const w = new RollingWindow({ bucketMs: 10_000, buckets: 90 })
    w.record(entry({ decision: 'edge-412', cause, path: '/x' }), T)
    return w.snapshot(T)
  })
  assert.deepEqual(mergeSnapshots(snaps).topPaths, [{ route: 'api', path: '/x', count: 3, cause: 'weakened-etag' }])
})

test('mergeSnapshots: a path in no worker\'s top 10 but first in the sum is listed first', () => {
  const feed = (prefix: string): WindowSnapshot => {
    const w = new RollingWindow({ bucketMs: 10_000, buckets: 90 })
    for (let i = 0; i < 10; i++) for (let k = 0; k < 5; k++) w.record(entry({ decision: 'edge-412', cause: 'stale-etag', path: `/${prefix}${i}` }), T)
    for (let k = 0; k < 4; k++) w.record(entry({ decision: 'edge-412', cause: 'stale-etag', path: '/x' }), T)
    return w.snapshot(T)
  }
  const merged = mergeSnapshots([feed('d'), feed('e')])
  assert.deepEqual(merged.topPaths[0], { route: 'api', path: '/x', count: 8, cause: 'stale-etag' })
})

test('mergeSnapshots: snapshots a bucket apart keep totals equal to their merged series', () => {
  const a = new RollingWindow({ bucketMs: 10_000, buckets: 90 })
  a.record(entry(), T - 89 * 10_000)
  const merged = mergeSnapshots([a.snapshot(T + 9_999), new RollingWindow({ bucketMs: 10_000, buckets: 90 }).snapshot(T + 10_000)])
  const inSeries = merged.series.reduce((n, b) => n + Object.values(b.decisions).reduce((x, y) => x + y, 0), 0)
  assert.equal(merged.totals.requests, inSeries)
})

test('mergeSnapshots: no snapshot is a TypeError', () => {
  assert.throws(() => mergeSnapshots([]), TypeError)
})

test('a window at times near 0 (or before the epoch) neither throws nor loses counts', () => {
  const w = new RollingWindow({ bucketMs: 10_000, buckets: 90 })
  w.record(entry(), 5_000)
  w.record(entry(), -5_000)
  assert.equal(w.snapshot(889_999).totals.requests, 2)
})

test('a record older than the bucket its slot holds (a clock that went back) is dropped, not wiping the newer bucket', () => {
  const w = new RollingWindow({ bucketMs: 10_000, buckets: 90 })
  w.record(entry(), T + 90 * 10_000)
  w.record(entry(), T)
  assert.equal(w.snapshot(T + 90 * 10_000).totals.requests, 1)
})
