import { appendFileSync } from 'node:fs'
import assert from 'node:assert/strict'
import type { Response } from './http.ts'

/**
 * Asserts that a response is an edge 412 problem with `cause` and returns its body. When
 * IFGATE_CAPTURE_PROBLEMS names a file, the body is appended to it as one JSON line, so a run of
 * the integration tests documents one real problem body per cause.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expect412 (res: Response, cause: string): any {
  assert.equal(res.status, 412, `412 expected, got ${res.status}: ${res.body.slice(0, 300)}`)
  assert.equal(res.headers['content-type'], 'application/problem+json')
  const problem = res.json()
  assert.equal(problem.cause, cause, `cause: ${res.body}`)
  assert.equal(problem.status, 412)
  assert.equal(problem.type, `https://ifgate.dev/problems/${cause}`)
  assert.equal(typeof problem.hint, 'string')
  assert.equal(problem.requestId, res.headers['x-request-id'])
  const file = process.env.IFGATE_CAPTURE_PROBLEMS
  if (file !== undefined && file !== '') appendFileSync(file, JSON.stringify(problem) + '\n')
  return problem
}
