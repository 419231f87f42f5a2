import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readConditionals } from '../../src/http/conditionals.ts'
import { formatHttpDate, parseHttpDate } from '../../src/http/http-date.ts'
import { DECISIONS, PRECONDITION_HEADERS, evaluatePreconditions, type CurrentValidators } from '../../src/http/preconditions.ts'
import { conditionalHeaders, dateValue } from '../helpers/arbitraries.ts'

const wireChars = fc.string({ unit: fc.constantFrom('"', 'W', '/', ',', ' ', '*', '\t', 'v', '1'), maxLength: 30 })
const fieldValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), wireChars, fc.constantFrom('"v1"', 'W/"v1"', '*', ''))
const headers = conditionalHeaders(fieldValue)
const current: fc.Arbitrary<CurrentValidators | undefined> = fc.option(fc.record({
  etags: fc.array(fc.record({ weak: fc.boolean(), opaque: fc.constantFrom('v1', 'v2', 'a,b', '') }), { maxLength: 3 }),
  lastModified: fc.option(fc.integer({ min: 784111770, max: 784111785 }), { nil: undefined })
}), { nil: undefined })
const method = fc.oneof(fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'POST', 'OPTIONS', 'get'), fc.string({ maxLength: 8 }))
const YEAR_1 = -62135596800 // Mon, 01 Jan 0001 00:00:00 GMT
const YEAR_9999_END = 253402300799 // Fri, 31 Dec 9999 23:59:59 GMT

const RUNS = { numRuns: 500 }

const cases: { name: string; run: () => void }[] = [
  {
    name: 'readConditionals + evaluatePreconditions never throw and always return one of DECISIONS',
    run: () => fc.assert(fc.property(method, headers, current, (m, h, cur) => {
      const decision = evaluatePreconditions(m, readConditionals(h), cur)
      assert.ok(DECISIONS.includes(decision.result))
      if (decision.result === 'proceed') assert.equal(decision.header, undefined)
      else assert.ok(decision.header !== undefined && PRECONDITION_HEADERS.includes(decision.header))
    }), RUNS)
  },
  {
    name: 'not-modified only ever answers GET or HEAD',
    run: () => fc.assert(fc.property(method, headers, current, (m, h, cur) => {
      if (evaluatePreconditions(m, readConditionals(h), cur).result === 'not-modified') assert.ok(m === 'GET' || m === 'HEAD')
    }), RUNS)
  },
  {
    name: 'If-Unmodified-Since never changes the decision when If-Match is present',
    run: () => fc.assert(fc.property(method, headers, current, dateValue, (m, h, cur, ius) => {
      const withIfMatch = { ...h, 'if-match': h['if-match'] ?? ['"v1"'] }
      const a = evaluatePreconditions(m, readConditionals({ ...withIfMatch, 'if-unmodified-since': undefined }), cur)
      const b = evaluatePreconditions(m, readConditionals({ ...withIfMatch, 'if-unmodified-since': [ius] }), cur)
      assert.deepEqual(b, a)
    }), RUNS)
  },
  {
    name: 'parseHttpDate never throws on unicode strings or wire characters',
    run: () => fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), wireChars), fc.option(fc.integer(), { nil: undefined }), (s, now) => {
      const seconds = parseHttpDate(s, now)
      assert.ok(seconds === undefined || Number.isInteger(seconds))
    }), RUNS)
  },
  {
    name: 'formatHttpDate and parseHttpDate round-trip over years 0001–9999',
    run: () => fc.assert(fc.property(fc.integer({ min: YEAR_1, max: YEAR_9999_END }), (seconds) => {
      assert.equal(parseHttpDate(formatHttpDate(seconds)), seconds)
    }), RUNS)
  },
  {
    name: 'formatHttpDate agrees with Date.prototype.toUTCString for 1970–9999',
    run: () => fc.assert(fc.property(fc.integer({ min: 0, max: YEAR_9999_END }), (seconds) => {
      assert.equal(formatHttpDate(seconds), new Date(seconds * 1000).toUTCString())
    }), RUNS)
  },
  {
    name: 'the asctime spelling of a formatted date parses to the same second',
    run: () => fc.assert(fc.property(fc.integer({ min: YEAR_1, max: YEAR_9999_END }), (seconds) => {
      const [wd, day, mon, year, time] = formatHttpDate(seconds).replace(',', '').split(' ')
      const asctime = `${wd} ${mon} ${day.startsWith('0') ? ` ${day[1]}` : day} ${time} ${year}`
      assert.equal(parseHttpDate(asctime), seconds)
    }), RUNS)
  }
]

for (const c of cases) {
  test(c.name, c.run)
}
