import { test } from 'node:test'
import assert from 'node:assert/strict'
import { methodToDecide } from '../../src/http/methods.ts'

type Want = { method: string } | { error: RegExp }

/** SPEC §2 "No way around the lock": the method a request is decided as, with its method-override fields. */
const cases: { name: string; method: string; headers: Record<string, string | string[]>; want: Want }[] = [
  { name: 'no override field: the request\'s own method', method: 'PUT', headers: { 'content-type': 'application/json' }, want: { method: 'PUT' } },
  { name: 'a POST tunnelling a DELETE is decided as a DELETE', method: 'POST', headers: { 'x-http-method-override': 'DELETE' }, want: { method: 'DELETE' } },
  { name: 'the override is upper-cased and trimmed, as frameworks read it', method: 'POST', headers: { 'x-http-method': ' patch ' }, want: { method: 'PATCH' } },
  { name: 'X-Method-Override counts too', method: 'POST', headers: { 'x-method-override': 'PUT' }, want: { method: 'PUT' } },
  { name: 'a POST naming a safe method stays a write (locked, checked as a POST)', method: 'POST', headers: { 'x-http-method-override': 'GET' }, want: { method: 'POST' } },
  { name: 'a field naming the request\'s own method changes nothing', method: 'PUT', headers: { 'x-http-method-override': 'PUT' }, want: { method: 'PUT' } },
  { name: 'a GET naming GET is a GET', method: 'GET', headers: { 'x-http-method-override': 'get' }, want: { method: 'GET' } },
  { name: 'repeated lines that agree (Node joins them with a comma)', method: 'POST', headers: { 'x-http-method-override': 'DELETE, delete' }, want: { method: 'DELETE' } },
  { name: 'two fields that agree', method: 'POST', headers: { 'x-http-method-override': 'PUT', 'x-http-method': 'PUT' }, want: { method: 'PUT' } },
  { name: 'a GET carried out as a DELETE would pass without the lock: refused', method: 'GET', headers: { 'x-http-method-override': 'DELETE' }, want: { error: /a GET cannot carry x-http-method-override: DELETE/ } },
  { name: 'a HEAD naming PUT: refused', method: 'HEAD', headers: { 'x-http-method': 'PUT' }, want: { error: /a HEAD cannot carry x-http-method: PUT/ } },
  { name: 'an OPTIONS naming PATCH: refused', method: 'OPTIONS', headers: { 'x-method-override': 'patch' }, want: { error: /an OPTIONS cannot carry x-method-override: PATCH/ } },
  { name: 'repeated lines that disagree: refused', method: 'POST', headers: { 'x-http-method-override': 'PUT, DELETE' }, want: { error: /name different methods \(PUT, DELETE\)/ } },
  { name: 'two fields that disagree: refused', method: 'POST', headers: { 'x-http-method-override': 'PUT', 'x-method-override': 'DELETE' }, want: { error: /x-http-method-override and x-method-override name different methods/ } },
  { name: 'a value that is not a method: refused', method: 'POST', headers: { 'x-http-method-override': 'DE LETE' }, want: { error: /"DE LETE" is not a method/ } },
  { name: 'an empty value: refused', method: 'POST', headers: { 'x-http-method-override': '' }, want: { error: /"" is not a method/ } }
]

for (const c of cases) {
  test(`methodToDecide: ${c.name}`, () => {
    const got = methodToDecide(c.method, c.headers)
    if ('method' in c.want) {
      assert.deepEqual(got, { ok: true, method: c.want.method })
    } else {
      assert.equal(got.ok, false)
      assert.match((got as { reason: string }).reason, c.want.error)
    }
  })
}
