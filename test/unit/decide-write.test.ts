import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { LOOKUP_ERROR_POLICIES, MODES, OWNERSHIPS, ETAG_MODES, REPAIRS } from '../../src/config/types.ts'
import { decideWrite, type WriteDecision, type WriteKnowledge, type WritePolicy } from '../../src/decision/decide-write.ts'
import { readConditionals } from '../../src/http/conditionals.ts'
import { DECIDE_WRITE_CASES, POLICY, methodsOfRow, type WriteSummary } from '../cases/decide-write.cases.ts'
import { toHeadersDistinct } from '../cases/preconditions.cases.ts'
import { conditionalHeaders } from '../helpers/arbitraries.ts'

/** Asserts what every decision of its kind must hold on a write (GET and HEAD are not writes: a failed If-None-Match is their 304). */
function checkShape (method: string, d: WriteDecision): void {
  const write = method !== 'GET' && method !== 'HEAD'
  if (d.action === 'edge-412') {
    assert.notEqual(d.decision.result, 'proceed')
    if (write) assert.equal(d.decision.result, 'precondition-failed')
  }
  if (d.action !== 'forward') return
  assert.equal(typeof d.stripConditionals, 'boolean')
  if (d.refused !== undefined) assert.notEqual(d.refused.result, 'proceed')
  if (d.refused !== undefined && write) assert.equal(d.refused.result, 'precondition-failed')
  // A repair names the If-Match to send, and only a repair does; observe mode never repairs.
  assert.equal(d.ifMatch, d.repaired?.to)
  if (d.repaired !== undefined) assert.equal(d.would, undefined)
}

/** Returns the fields of a decision a row checks. */
function summarize (d: WriteDecision): WriteSummary {
  switch (d.action) {
    case 'edge-412':
      return { action: d.action, header: d.decision.header }
    case 'forward':
      return {
        action: d.action,
        stripConditionals: d.stripConditionals,
        ifMatch: d.ifMatch,
        repaired: d.repaired?.kind,
        would: d.would,
        refused: d.refused?.header,
        wouldRepair: d.wouldRepair
      }
    default:
      return { action: d.action }
  }
}

for (const c of DECIDE_WRITE_CASES) {
  for (const method of methodsOfRow(c)) {
    test(`decideWrite [${method}] ${c.name}`, () => {
      const conditionals = readConditionals(toHeadersDistinct(c.headers))
      const decision = decideWrite(method, conditionals, c.knowledge, { ...POLICY, ...c.policy }, { clientGone: c.clientGone ?? false })
      checkShape(method, decision)
      assert.deepEqual(summarize(decision), c.want)
    })
  }
}

test('decideWrite: the table reaches every action, and every would and repair', () => {
  const wants = DECIDE_WRITE_CASES.map((c) => c.want)
  for (const action of ['edge-428', 'client-gone', 'look-up', 'fail', 'edge-412', 'forward']) {
    assert.ok(wants.some((w) => w.action === action), `some row decides ${action}`)
  }
  const forwards = wants.flatMap((w) => w.action === 'forward' ? [w] : [])
  for (const would of ['edge-412', 'edge-428', 'error']) assert.ok(forwards.some((w) => w.would === would), `some row would ${would}`)
  for (const repair of REPAIRS) {
    assert.ok(forwards.some((w) => w.repaired === repair), `some row repairs ${repair}`)
  }
})

// Properties over arbitrary wire input, knowledge and policy.
const wireChars = fc.string({ unit: fc.constantFrom('"', 'W', '/', ',', ' ', '*', 'x', 'w', '-', 'g', 'z', 'i', 'p'), maxLength: 20 })
const fieldValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), wireChars, fc.constantFrom('"x"', 'W/"x"', '"x-gzip"', 'x', '"w"', '*', 'null', ''))
const headers = conditionalHeaders(fieldValue)
const method = fc.oneof(fc.constantFrom('PUT', 'DELETE', 'PATCH', 'POST', 'GET', 'OPTIONS', 'put'), fc.string({ maxLength: 8 }))
const spelling = fc.constantFrom('"x"', 'W/"x"', '"w"', '"x-gzip"', '"a,b"', '""', 'garbage')
const knowledgeObject: fc.Arbitrary<WriteKnowledge> = fc.record({
  current: fc.option(fc.record({
    etags: fc.array(fc.record({ weak: fc.boolean(), opaque: fc.constantFrom('x', 'w', 'x-gzip', 'a,b', '') }), { maxLength: 3 }),
    lastModified: fc.option(fc.integer({ min: 784111770, max: 784111785 }), { nil: undefined })
  }), { nil: undefined }),
  facts: fc.record({
    current: fc.array(fc.record({ etag: fc.option(spelling, { nil: undefined }), digest: fc.constant(undefined), encoding: fc.constant(undefined) }), { maxLength: 2 }),
    history: fc.array(fc.record({
      etag: spelling,
      lastModified: fc.constant(undefined),
      digest: fc.constant(undefined),
      encoding: fc.constant(undefined),
      source: fc.constantFrom('origin' as const, 'synthesized' as const),
      firstSeen: fc.nat(),
      supersededAt: fc.nat(),
      byWrite: fc.boolean()
    }), { maxLength: 2 })
  }),
  synthesized: fc.boolean(),
  source: fc.constantFrom('cache' as const, 'origin' as const)
})
const knowledge = fc.oneof(fc.constantFrom('unknown' as const, 'lookup-failed' as const), knowledgeObject)
const policy: fc.Arbitrary<WritePolicy> = fc.record({
  mode: fc.constantFrom(...MODES),
  ownership: fc.constantFrom(...OWNERSHIPS),
  requirePrecondition: fc.boolean(),
  repair: fc.subarray([...REPAIRS]),
  onLookupError: fc.constantFrom(...LOOKUP_ERROR_POLICIES),
  etags: fc.constantFrom(...ETAG_MODES)
})
const gone = fc.boolean()

const ACTIONS = ['edge-428', 'client-gone', 'look-up', 'fail', 'edge-412', 'forward']
const RUNS = { numRuns: 1000 }

const properties: { name: string; run: () => void }[] = [
  {
    name: 'decideWrite never throws on arbitrary method, conditionals, knowledge and policy, and answers a known action',
    run: () => fc.assert(fc.property(method, headers, knowledge, policy, gone, (m, h, k, p, g) => {
      const d = decideWrite(m, readConditionals(h), k, p, { clientGone: g })
      assert.ok(ACTIONS.includes(d.action), d.action)
      checkShape(m, d)
    }), RUNS)
  },
  {
    name: "'edge-428' only ever comes with requirePrecondition true and mode enforce",
    run: () => fc.assert(fc.property(method, headers, knowledge, policy, gone, (m, h, k, p, g) => {
      if (decideWrite(m, readConditionals(h), k, p, { clientGone: g }).action === 'edge-428') {
        assert.equal(p.requirePrecondition, true)
        assert.equal(p.mode, 'enforce')
      }
    }), RUNS)
  },
  {
    name: "'look-up' never comes with knowledge the origin just gave, nor after a failed lookup",
    run: () => fc.assert(fc.property(method, headers, knowledge, policy, gone, (m, h, k, p, g) => {
      if (decideWrite(m, readConditionals(h), k, p, { clientGone: g }).action === 'look-up') {
        assert.notEqual(k, 'lookup-failed')
        if (typeof k === 'object') assert.equal(k.source, 'cache')
      }
    }), RUNS)
  },
  {
    name: 'observe mode never answers at the edge nor fails a write',
    run: () => fc.assert(fc.property(method, headers, knowledge, policy, gone, (m, h, k, p, g) => {
      const d = decideWrite(m, readConditionals(h), k, { ...p, mode: 'observe' }, { clientGone: g })
      assert.ok(d.action === 'forward' || d.action === 'look-up' || d.action === 'client-gone', d.action)
    }), RUNS)
  }
]

for (const p of properties) {
  test(p.name, p.run)
}
