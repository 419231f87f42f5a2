import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readConditionals } from '../../src/http/conditionals.ts'
import { checkIfMatch, evaluatePreconditions } from '../../src/http/preconditions.ts'
import { CAUSES } from '../../src/diagnosis/causes.ts'
import { diagnose } from '../../src/diagnosis/diagnose.ts'
import { intermediaryEvidence } from '../../src/diagnosis/intermediaries.ts'
import { repairIfMatch } from '../../src/diagnosis/repair.ts'
import { currentOf } from '../../src/pipeline/validators.ts'
import type { HistoryItem, Validators } from '../../src/validators/entry.ts'

const spelling = fc.oneof(
  fc.constantFrom('"v1"', 'W/"v1"', '"v1-gzip"', 'v1', '"W/v1"', 'null', '""', '"a,b"', '*', ''),
  fc.string({ unit: fc.constantFrom('"', 'W', '/', ',', ' ', '-', 'g', 'z', 'i', 'p', 'v', '1'), maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 30 })
)
const etag = fc.constantFrom('"v1"', 'W/"v1"', '"v2"', '"v1-gzip"', '"a,b"', 'W/"w"')
const digest = fc.option(fc.constantFrom('D1', 'D2'), { nil: undefined })
const variant: fc.Arbitrary<Validators> = fc.record({
  etag: fc.option(etag, { nil: undefined }),
  lastModified: fc.option(fc.constantFrom('Sun, 06 Nov 1994 08:49:37 GMT', 'garbage'), { nil: undefined }),
  source: fc.constantFrom('origin', 'synthesized'),
  digest,
  encoding: fc.option(fc.constantFrom('gzip', 'identity'), { nil: undefined })
})
const item: fc.Arbitrary<HistoryItem> = fc.record({
  etag,
  lastModified: fc.constant(undefined),
  digest,
  encoding: fc.constant(undefined),
  source: fc.constant('origin'),
  firstSeen: fc.nat(),
  supersededAt: fc.nat(),
  byWrite: fc.boolean()
})
const intermediaryHeaders = fc.dictionary(fc.constantFrom('via', 'cdn-loop', 'cf-ray', 'fastly-ff', 'x-forwarded-for', 'akamai-x'), fc.string({ maxLength: 10 }))

test('diagnose never throws, names a cause from the vocabulary, and labels every member of the failed field', () => {
  fc.assert(fc.property(
    fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST'),
    fc.record({ 'if-match': fc.option(fc.array(spelling, { minLength: 1, maxLength: 2 }), { nil: undefined }), 'if-none-match': fc.option(fc.array(spelling, { minLength: 1, maxLength: 2 }), { nil: undefined }) }),
    fc.option(fc.array(variant, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    fc.array(item, { maxLength: 4 }),
    intermediaryHeaders,
    (method, headers, variants, history, extra) => {
      const conditionals = readConditionals(headers)
      const current = variants === undefined ? undefined : currentOf(variants)
      const decision = evaluatePreconditions(method, conditionals, current)
      const facts = { current: variants ?? [], history }
      const repaired = repairIfMatch(conditionals, { current: (variants ?? []).flatMap((v) => (v.etag === undefined ? [] : [v.etag])), earlier: history.map((h) => h.etag) }, ['weakened-etag', 'encoding-suffix-etag', 'unquoted-etag'])
      if (repaired !== undefined) assert.equal(checkIfMatch(repaired.conditionals.ifMatch, current), 'pass', 'a repair always names a current strong ETag')
      if (decision.result !== 'precondition-failed') return
      const d = diagnose({ decision, conditionals, current, facts, intermediary: intermediaryEvidence(extra), nowSeconds: 1_800_000_000 })
      assert.ok(CAUSES.includes(d.cause))
      const list = d.header === 'if-match' ? conditionals.ifMatch : d.header === 'if-none-match' ? conditionals.ifNoneMatch : undefined
      if (list !== undefined && !list.any) assert.equal(d.labels.length, list.tags.length + list.malformed.length)
    }
  ), { numRuns: 1000 })
})
