import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readConditionals } from '../../src/http/conditionals.ts'
import { evaluatePreconditions } from '../../src/http/preconditions.ts'
import type { Repair } from '../../src/config/types.ts'
import { repairIfMatch } from '../../src/diagnosis/repair.ts'

const KNOWN = { current: ['"v3"'], earlier: ['"v2"'] }
const ALL: Repair[] = ['weakened-etag', 'encoding-suffix-etag', 'unquoted-etag']

const cases: { name: string; input: { ifMatch: string; enabled: Repair[]; known?: typeof KNOWN }; want: { kind: Repair; from: string; to: string } | undefined }[] = [
  { name: 'weakened current, repair enabled', input: { ifMatch: 'W/"v3"', enabled: ['weakened-etag'] }, want: { kind: 'weakened-etag', from: 'W/"v3"', to: '"v3"' } },
  { name: 'weakened current, repair not enabled', input: { ifMatch: 'W/"v3"', enabled: ['encoding-suffix-etag'] }, want: undefined },
  { name: 'suffixed current', input: { ifMatch: '"v3-gzip"', enabled: ['encoding-suffix-etag'] }, want: { kind: 'encoding-suffix-etag', from: '"v3-gzip"', to: '"v3"' } },
  { name: 'unquoted current', input: { ifMatch: 'v3', enabled: ['unquoted-etag'] }, want: { kind: 'unquoted-etag', from: 'v3', to: '"v3"' } },
  { name: 'weakened and suffixed needs both repairs', input: { ifMatch: 'W/"v3-gzip"', enabled: ['encoding-suffix-etag'] }, want: undefined },
  { name: 'weakened and suffixed with both enabled', input: { ifMatch: 'W/"v3-gzip"', enabled: ALL }, want: { kind: 'weakened-etag', from: 'W/"v3-gzip"', to: '"v3"' } },
  { name: 'a stale tag is never repaired', input: { ifMatch: 'W/"v2"', enabled: ALL }, want: undefined },
  { name: 'an unknown tag is never repaired', input: { ifMatch: 'W/"zz"', enabled: ALL }, want: undefined },
  { name: 'a spelling the origin sent itself is not a mangling', input: { ifMatch: 'W/"v3"', enabled: ALL, known: { current: ['"v3"'], earlier: ['W/"v3"'] } }, want: undefined },
  { name: 'a weak current ETag is never a target: If-Match could not match it', input: { ifMatch: '"W/w"', enabled: ALL, known: { current: ['W/"w"'], earlier: [] } }, want: undefined },
  { name: 'no repairs enabled', input: { ifMatch: 'W/"v3"', enabled: [] }, want: undefined },
  { name: 'If-Match: * is left alone', input: { ifMatch: '*', enabled: ALL }, want: undefined }
]

for (const c of cases) {
  test(`repairIfMatch: ${c.name}`, () => {
    const conditionals = readConditionals({ 'if-match': [c.input.ifMatch], 'if-range': ['W/"v3"'] })
    const got = repairIfMatch(conditionals, c.input.known ?? KNOWN, c.input.enabled)
    assert.deepEqual(got === undefined ? undefined : { kind: got.kind, from: got.from, to: got.to }, c.want)
    if (got === undefined) return
    // The repaired conditionals pass the strong comparison against the current ETag, and If-Range is untouched.
    const decision = evaluatePreconditions('PUT', got.conditionals, { etags: [{ weak: false, opaque: 'v3' }] })
    assert.equal(decision.result, 'proceed')
    assert.equal(got.conditionals.ifRange, 'W/"v3"')
  })
}
