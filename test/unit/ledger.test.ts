import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { createLogger } from '../../src/observability/logger.ts'
import { RequestLedger } from '../../src/observability/ledger.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { RollingWindow } from '../../src/observability/window.ts'
import { DiagnosesRing } from '../../src/observability/diagnoses.ts'
import { createContext, type LogDecision, type RequestContext } from '../../src/pipeline/context.ts'
import type { KeyLock } from '../../src/lock/key-lock.ts'
import type { ValidatorStore } from '../../src/validators/store.ts'
import { logSink } from '../helpers/log-sink.ts'

const fakeStore = { stats: () => ({ hits: 0, misses: 0, evictions: 0, entries: 0, bytes: 0 }) } as unknown as ValidatorStore
const fakeLock = { waiting: () => 0, held: () => 0 } as unknown as KeyLock

function setup () {
  const logs = logSink()
  const logger = createLogger('info', logs.stream)
  const metrics = createMetrics({ store: fakeStore, lock: fakeLock })
  const window = new RollingWindow({ bucketMs: 10_000, buckets: 3 })
  const diagnoses = new DiagnosesRing(8)
  const ledger = new RequestLedger({ logger, metrics, window, diagnoses })
  return { logs, metrics, window, diagnoses, ledger }
}

/** A finished request: `refused` gives it an edge 412 with a refusal and a cause. */
function finished (id: string, status: number, decision: LogDecision, refused = false): RequestContext {
  const req = { method: 'PUT', url: `/items/${id}`, headers: {} } as unknown as IncomingMessage
  const res = { statusCode: status, writableFinished: true } as unknown as ServerResponse
  const ctx = createContext(req, res, id, false)
  ctx.route = { id: 'api' } as unknown as NonNullable<RequestContext['route']>
  ctx.decision = decision
  if (refused) {
    ctx.cause = 'stale-etag'
    ctx.refusal = { header: 'if-match', sent: '"old"', currentEtag: '"new"', cause: 'stale-etag' }
  }
  return ctx
}

async function requestsTotal (metrics: ReturnType<typeof createMetrics>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const v of (await metrics.registry.getSingleMetric('ifgate_requests_total')!.get()).values) out[String(v.labels.decision)] = (out[String(v.labels.decision)] ?? 0) + v.value
  return out
}

test('ledger: a request is recorded in the same turn of the event loop, not while it closes', async () => {
  const { logs, metrics, window, diagnoses, ledger } = setup()
  ledger.add(finished('r1', 412, 'edge-412', true))
  ledger.add(finished('r2', 204, 'forwarded'))
  assert.equal(ledger.pending, 2)
  assert.equal(diagnoses.recent(10).length, 0)
  await nextTurn()
  assert.equal(ledger.pending, 0)
  assert.deepEqual(logs.lines.filter((l) => l.requestId !== undefined).map((l) => [l.requestId, l.status, l.decision]), [['r1', 412, 'edge-412'], ['r2', 204, 'forwarded']])
  assert.deepEqual(await requestsTotal(metrics), { 'edge-412': 1, forwarded: 1 })
  assert.equal(window.snapshot(Date.now()).totals.requests, 2)
  assert.deepEqual(diagnoses.recent(10).map((d) => [d.requestId, d.cause]), [['r1', 'stale-etag']])
})

test('ledger: flush() records what is pending at once, and only once', async () => {
  const { logs, metrics, window, diagnoses, ledger } = setup()
  ledger.add(finished('r1', 412, 'edge-412', true))
  ledger.flush()
  assert.equal(ledger.pending, 0)
  assert.equal(diagnoses.recent(10).length, 1)
  assert.deepEqual(await requestsTotal(metrics), { 'edge-412': 1 })
  ledger.flush()
  await nextTurn()
  assert.deepEqual(await requestsTotal(metrics), { 'edge-412': 1 })
  assert.equal(window.snapshot(Date.now()).totals.edge412, 1)
  assert.equal(logs.lines.filter((l) => l.requestId === 'r1').length, 1)
})

test('ledger: the line, the metrics and the window take the request as it was when it closed', async () => {
  const { logs, metrics, window, ledger } = setup()
  const ctx = finished('r1', 204, 'forwarded')
  ledger.add(ctx)
  // A context changed after its response closed (an abort landing late) changes no record of it.
  ctx.decision = 'error'
  ctx.lookupMs = 12
  await nextTurn()
  const line = logs.lines.find((l) => l.requestId === 'r1')
  assert.equal(line?.decision, 'forwarded')
  assert.equal(line?.lookupMs, undefined)
  assert.deepEqual(await requestsTotal(metrics), { forwarded: 1 })
  assert.deepEqual(window.snapshot(Date.now()).series.at(-1)?.decisions, { forwarded: 1 })
})

test('ledger: durationMs is the time to the close, not to the batch', async () => {
  const { logs, ledger } = setup()
  const ctx = finished('r1', 204, 'forwarded')
  ledger.add(ctx)
  const waitUntil = performance.now() + 30
  while (performance.now() < waitUntil) { /* the batch comes 30 ms late */ }
  await nextTurn()
  const duration = logs.lines.find((l) => l.requestId === 'r1')?.durationMs as number
  assert.ok(duration < 25, `durationMs ${duration} counts the wait for the batch`)
})

test('ledger: a sink that throws on one request loses that record only, and the failure is logged', async () => {
  const { logs, metrics, window, diagnoses, ledger } = setup()
  const record = metrics.recordRequest.bind(metrics)
  metrics.recordRequest = (ctx, decision) => {
    if (ctx.requestId === 'r2') throw new Error('label set rejected')
    record(ctx, decision)
  }
  ledger.add(finished('r1', 412, 'edge-412', true))
  ledger.add(finished('r2', 204, 'forwarded'))
  ledger.add(finished('r3', 412, 'edge-412', true))
  assert.doesNotThrow(() => ledger.flush())
  assert.deepEqual(logs.lines.filter((l) => l.requestId !== undefined).map((l) => l.requestId), ['r1', 'r2', 'r3'])
  assert.deepEqual(await requestsTotal(metrics), { 'edge-412': 2 })
  assert.equal(window.snapshot(Date.now()).totals.requests, 3)
  assert.deepEqual(diagnoses.recent(10).map((d) => d.requestId).sort(), ['r1', 'r3'])
  const errors = logs.lines.filter((l) => l.msg === 'finished requests not recorded')
  assert.equal(errors.length, 1)
  assert.equal(errors[0].sink, 'metrics')
  assert.equal(errors[0].requests, 1)
  assert.equal((errors[0].err as { message: string }).message, 'label set rejected')
})
