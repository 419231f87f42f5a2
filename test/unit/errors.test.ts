import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ERROR_CODES, IfgateError, fromOriginError, problemType, type ErrorCode } from '../../src/errors.ts'
import { toProblem } from '../../src/edge/problem.ts'
import { CAUSES, HINTS } from '../../src/diagnosis/causes.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
  test(`${code} is documented in the README with its status`, () => {
    const row = readme.split('\n').find((line) => line.includes(`\`${code}\``))
    assert.ok(row !== undefined, `README names ${code}`)
    assert.ok(row.includes(String(ERROR_CODES[code].status)), `README row of ${code} gives status ${ERROR_CODES[code].status}`)
  })
}

for (const cause of CAUSES) {
  test(`cause ${cause} has a hint and is documented`, () => {
    assert.ok(HINTS[cause].length > 20)
    assert.ok(readme.includes(`\`${cause}\``), `README names ${cause}`)
  })
}

const originErrors = [
  { name: 'connect refused → 502 unreachable', err: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), phase: 'forward', want: ['IFG_ERR_ORIGIN_UNREACHABLE', 502] },
  { name: 'headers timeout → 504', err: Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), phase: 'forward', want: ['IFG_ERR_ORIGIN_TIMEOUT', 504] },
  { name: 'connect timeout → 504', err: Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), phase: 'forward', want: ['IFG_ERR_ORIGIN_TIMEOUT', 504] },
  { name: 'body timeout on lookup → 504 lookup timeout', err: Object.assign(new Error('x'), { code: 'UND_ERR_BODY_TIMEOUT' }), phase: 'lookup', want: ['IFG_ERR_LOOKUP_TIMEOUT', 504] },
  { name: 'socket error on lookup → 502 lookup failed', err: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }), phase: 'lookup', want: ['IFG_ERR_LOOKUP_FAILED', 502] },
  { name: 'unknown error → 502 broken', err: new Error('weird'), phase: 'forward', want: ['IFG_ERR_ORIGIN_BROKEN', 502] }
] as const
for (const c of originErrors) {
  test(`fromOriginError: ${c.name}`, () => {
    const mapped = fromOriginError(c.err, c.phase)
    assert.deepEqual([mapped.code, mapped.status], c.want)
  })
}

test('expected errors skip the stack; toProblem is RFC 9457 shaped', () => {
  const err = new IfgateError('IFG_ERR_LOCK_TIMEOUT', 'waited', { retryAfterSeconds: 1 })
  assert.doesNotMatch(err.stack ?? '', /\n\s+at /)
  const problem = toProblem(err, 'rid')
  assert.deepEqual(problem, { type: problemType('IFG_ERR_LOCK_TIMEOUT'), title: ERROR_CODES.IFG_ERR_LOCK_TIMEOUT.title, status: 503, detail: 'waited', code: 'IFG_ERR_LOCK_TIMEOUT', requestId: 'rid' })
  assert.equal(problem.type, 'https://ifgate.dev/problems/lock-timeout')
})
