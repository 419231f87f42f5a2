import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readConditionals } from '../../src/http/conditionals.ts'
import type { EntityTag } from '../../src/http/entity-tag.ts'
import {
  DECISIONS, PRECONDITION_HEADERS, checkIfMatch, checkIfModifiedSince, checkIfNoneMatch, checkIfUnmodifiedSince, evaluatePreconditions,
  type CheckResult, type CurrentValidators
} from '../../src/http/preconditions.ts'
import { PRECONDITION_CASES, methodsOf, toHeadersDistinct } from '../cases/preconditions.cases.ts'
import { AT_LM, BEFORE_LM, LM, S, W } from '../helpers/tags.ts'

for (const c of PRECONDITION_CASES) {
  for (const method of methodsOf(c)) {
    test(`evaluatePreconditions [${method}] ${c.name}`, () => {
      const decision = evaluatePreconditions(method, readConditionals(toHeadersDistinct(c.headers)), c.current)
      assert.equal(decision.result, c.want.result)
      assert.equal(decision.header, c.want.header)
    })
  }
}

const CUR: CurrentValidators = { etags: [S('v1')], lastModified: LM }

// The tag reported with an If-None-Match decision is the request's member that matched
const tagCases: { name: string; input: { method: string; inm: string[]; current: CurrentValidators }; want: EntityTag | undefined }[] = [
  { name: 'weak member matching a strong ETag', input: { method: 'GET', inm: ['"v0", W/"v1"'], current: CUR }, want: W('v1') },
  { name: 'strong member on a write', input: { method: 'PUT', inm: ['"v1"'], current: CUR }, want: S('v1') },
  { name: 'member naming the second variant', input: { method: 'GET', inm: ['"b"'], current: { etags: [S('a'), S('b')] } }, want: S('b') },
  { name: 'wildcard has no tag', input: { method: 'PUT', inm: ['*'], current: CUR }, want: undefined }
]

for (const c of tagCases) {
  test(`Decision.tag: ${c.name}`, () => {
    const decision = evaluatePreconditions(c.input.method, readConditionals({ 'if-none-match': c.input.inm }), c.input.current)
    assert.equal(decision.header, 'if-none-match')
    assert.deepEqual(decision.tag, c.want)
  })
}

test('Decision: proceed carries neither header nor tag', () => {
  const decision = evaluatePreconditions('PUT', readConditionals({ 'if-match': ['"v1"'] }), CUR)
  assert.deepEqual(decision, { result: 'proceed' })
})

type Headers = Record<string, string[]>
const checkCases: { name: string; input: { check: 'im' | 'ius' | 'inm' | 'ims'; method?: string; headers: Headers; current: CurrentValidators | undefined }; want: CheckResult }[] = [
  { name: 'If-Match absent', input: { check: 'im', headers: {}, current: CUR }, want: 'absent' },
  { name: 'If-Match pass', input: { check: 'im', headers: { 'if-match': ['"v1"'] }, current: CUR }, want: 'pass' },
  { name: 'If-Match fail', input: { check: 'im', headers: { 'if-match': ['"v2"'] }, current: CUR }, want: 'fail' },
  { name: 'If-Match malformed fails', input: { check: 'im', headers: { 'if-match': ['undefined'] }, current: CUR }, want: 'fail' },
  { name: 'IUS absent', input: { check: 'ius', headers: {}, current: CUR }, want: 'absent' },
  { name: 'IUS present beside If-Match reads as absent', input: { check: 'ius', headers: { 'if-match': ['"v2"'], 'if-unmodified-since': [BEFORE_LM] }, current: CUR }, want: 'absent' },
  { name: 'IUS invalid reads as absent', input: { check: 'ius', headers: { 'if-unmodified-since': ['soon'] }, current: CUR }, want: 'absent' },
  { name: 'IUS without Last-Modified reads as absent', input: { check: 'ius', headers: { 'if-unmodified-since': [BEFORE_LM] }, current: { etags: [] } }, want: 'absent' },
  { name: 'IUS pass', input: { check: 'ius', headers: { 'if-unmodified-since': [AT_LM] }, current: CUR }, want: 'pass' },
  { name: 'IUS fail', input: { check: 'ius', headers: { 'if-unmodified-since': [BEFORE_LM] }, current: CUR }, want: 'fail' },
  { name: 'If-None-Match absent', input: { check: 'inm', headers: {}, current: CUR }, want: 'absent' },
  { name: 'If-None-Match pass', input: { check: 'inm', headers: { 'if-none-match': ['"v2"'] }, current: CUR }, want: 'pass' },
  { name: 'If-None-Match fail', input: { check: 'inm', headers: { 'if-none-match': ['W/"v1"'] }, current: CUR }, want: 'fail' },
  { name: 'If-None-Match * on absent passes', input: { check: 'inm', headers: { 'if-none-match': ['*'] }, current: undefined }, want: 'pass' },
  { name: 'IMS on GET fails when not modified', input: { check: 'ims', method: 'GET', headers: { 'if-modified-since': [AT_LM] }, current: CUR }, want: 'fail' },
  { name: 'IMS on HEAD passes when modified', input: { check: 'ims', method: 'HEAD', headers: { 'if-modified-since': [BEFORE_LM] }, current: CUR }, want: 'pass' },
  { name: 'IMS on PUT reads as absent', input: { check: 'ims', method: 'PUT', headers: { 'if-modified-since': [AT_LM] }, current: CUR }, want: 'absent' },
  { name: 'IMS beside If-None-Match reads as absent', input: { check: 'ims', method: 'GET', headers: { 'if-none-match': ['"v2"'], 'if-modified-since': [AT_LM] }, current: CUR }, want: 'absent' }
]

for (const c of checkCases) {
  test(`checker: ${c.name}`, () => {
    const cond = readConditionals(c.input.headers)
    const got = c.input.check === 'im'
      ? checkIfMatch(cond.ifMatch, c.input.current)
      : c.input.check === 'ius'
        ? checkIfUnmodifiedSince(cond, c.input.current)
        : c.input.check === 'inm'
          ? checkIfNoneMatch(cond.ifNoneMatch, c.input.current)
          : checkIfModifiedSince(c.input.method ?? 'GET', cond, c.input.current)
    assert.equal(got, c.want)
  })
}

// DECISIONS and PRECONDITION_HEADERS against what evaluatePreconditions does over the whole table.
const decided = PRECONDITION_CASES.flatMap((c) => methodsOf(c).map((method) => ({
  name: `[${method}] ${c.name}`,
  decision: evaluatePreconditions(method, readConditionals(toHeadersDistinct(c.headers)), c.current)
})))

test('DECISIONS: every decision the table reaches is one of them, and each of them is reached', () => {
  for (const { name, decision } of decided) assert.ok((DECISIONS as readonly string[]).includes(decision.result), `${name}: ${decision.result}`)
  for (const result of DECISIONS) assert.ok(decided.some((d) => d.decision.result === result), `some row decides ${result}`)
})

test('PRECONDITION_HEADERS: a header that decides is one of them, and each of them decides some row', () => {
  for (const { name, decision } of decided) {
    if (decision.result === 'proceed') continue
    assert.ok((PRECONDITION_HEADERS as readonly string[]).includes(decision.header ?? ''), `${name}: ${decision.header}`)
  }
  for (const header of PRECONDITION_HEADERS) assert.ok(decided.some((d) => d.decision.header === header), `some row is decided by ${header}`)
})

test('PRECONDITION_HEADERS are in evaluation order: with all of them failing from the n-th on, the n-th decides', () => {
  // On a GET each of these is false for CUR: a stale If-Match, an IUS before Last-Modified,
  // If-None-Match naming the current tag, an IMS at Last-Modified.
  const failing: Record<string, string[]> = {
    'if-match': ['"v0"'], 'if-unmodified-since': [BEFORE_LM], 'if-none-match': ['"v1"'], 'if-modified-since': [AT_LM]
  }
  PRECONDITION_HEADERS.forEach((header, n) => {
    const headers = Object.fromEntries(PRECONDITION_HEADERS.slice(n).map((h) => [h, failing[h]]))
    const decision = evaluatePreconditions('GET', readConditionals(headers), CUR)
    assert.equal(decision.header, header, `${Object.keys(headers).join(', ')}`)
    assert.notEqual(decision.result, 'proceed')
  })
})
