import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { keyByDigest, principalOf, valueDigest } from '../../src/http/credentials.ts'

type Headers = Record<string, string | string[] | undefined>

const BEARER = 'Bearer s3cr3t-token-0123456789'
const COOKIE = 'session=abcdef0123456789'
const DIGEST = /^[A-Za-z0-9_-]{22}$/

// valueDigest

const digestCases: { name: string; input: string; want: string }[] = [
  { name: 'the empty string', input: '', want: createHash('sha256').update('').digest('base64url').slice(0, 22) },
  { name: 'a bearer token', input: BEARER, want: createHash('sha256').update(BEARER).digest('base64url').slice(0, 22) },
  { name: 'non-ASCII text is hashed as UTF-8', input: 'café', want: createHash('sha256').update('café', 'utf8').digest('base64url').slice(0, 22) }
]

for (const c of digestCases) {
  test(`valueDigest: ${c.name} is the first 22 base64url characters of its SHA-256`, () => {
    const got = valueDigest(c.input)
    assert.equal(got, c.want)
    assert.match(got, DIGEST)
  })
}

test('valueDigest: equal values, equal digests; different values, different digests', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), (a, b) => {
    assert.equal(valueDigest(a), valueDigest(a))
    assert.match(valueDigest(a), DIGEST)
    if (a !== b) assert.notEqual(valueDigest(a), valueDigest(b))
  }), { numRuns: 500 })
})

// principalOf

const principalCases: { name: string; input: Headers; want: 'none' | 'digest' }[] = [
  { name: 'no headers at all: no principal', input: {}, want: 'none' },
  { name: 'other headers only: no principal', input: { accept: 'text/html', 'x-api-key': 'k', 'proxy-authorization': 'Basic eDp5' }, want: 'none' },
  { name: 'Authorization and Cookie present but undefined: no principal', input: { authorization: undefined, cookie: undefined }, want: 'none' },
  { name: 'Authorization only', input: { authorization: BEARER }, want: 'digest' },
  { name: 'Cookie only', input: { cookie: COOKIE }, want: 'digest' },
  { name: 'both', input: { authorization: BEARER, cookie: COOKIE }, want: 'digest' },
  { name: 'several Cookie field lines', input: { cookie: ['a=1', 'b=2'] }, want: 'digest' },
  { name: 'an empty Authorization is still a credential field', input: { authorization: '' }, want: 'digest' }
]

for (const c of principalCases) {
  test(`principalOf: ${c.name}`, () => {
    const got = principalOf(c.input)
    if (c.want === 'none') assert.equal(got, '')
    else assert.match(got, DIGEST)
  })
}

test('principalOf: equal credentials give equal digests, whatever else the request carries', () => {
  assert.equal(principalOf({ authorization: BEARER }), principalOf({ authorization: BEARER, accept: 'text/html', 'x-other': '1' }))
  assert.equal(principalOf({ authorization: BEARER, cookie: COOKIE }), principalOf({ cookie: COOKIE, authorization: BEARER }))
})

const differentCases: { name: string; input: [Headers, Headers] }[] = [
  { name: 'two bearer tokens', input: [{ authorization: 'Bearer a' }, { authorization: 'Bearer b' }] },
  { name: 'two cookies', input: [{ cookie: 'session=1' }, { cookie: 'session=2' }] },
  { name: 'a value as Authorization or as Cookie', input: [{ authorization: 'x' }, { cookie: 'x' }] },
  { name: 'Authorization alone or with a Cookie', input: [{ authorization: BEARER }, { authorization: BEARER, cookie: COOKIE }] },
  { name: 'Cookie alone or with an Authorization', input: [{ cookie: COOKIE }, { authorization: BEARER, cookie: COOKIE }] },
  { name: 'the same cookies in another order', input: [{ cookie: ['a=1', 'b=2'] }, { cookie: ['b=2', 'a=1'] }] },
  { name: 'token case matters', input: [{ authorization: 'Bearer abc' }, { authorization: 'Bearer ABC' }] }
]

for (const c of differentCases) {
  test(`principalOf: different credentials give different digests: ${c.name}`, () => {
    const [a, b] = c.input
    assert.notEqual(principalOf(a), principalOf(b))
    assert.notEqual(principalOf(a), '')
    assert.notEqual(principalOf(b), '')
  })
}

test('principalOf: several field lines are joined as one value', () => {
  assert.equal(principalOf({ cookie: ['a=1', 'b=2'] }), principalOf({ cookie: 'a=1, b=2' }))
  assert.equal(principalOf({ authorization: ['Bearer a', 'Bearer b'] }), principalOf({ authorization: 'Bearer a, Bearer b' }))
  assert.notEqual(principalOf({ cookie: ['a=1', 'b=2'] }), principalOf({ cookie: 'a=1' }))
})

test('principalOf: the digest never contains the credential text', () => {
  const secret = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', '-', '_'), minLength: 8, maxLength: 40 })
  fc.assert(fc.property(secret, fc.option(secret, { nil: undefined }), (auth, cookie) => {
    const got = principalOf({ authorization: auth, cookie })
    assert.match(got, DIGEST)
    // 8 characters of a credential are never copied into the digest.
    for (let i = 0; i + 8 <= auth.length; i++) assert.ok(!got.includes(auth.slice(i, i + 8)), `${got} holds part of ${auth}`)
    if (cookie !== undefined) for (let i = 0; i + 8 <= cookie.length; i++) assert.ok(!got.includes(cookie.slice(i, i + 8)))
  }), { numRuns: 500 })
  assert.ok(!principalOf({ authorization: BEARER }).includes('s3cr3t'))
})

test('principalOf: never throws, and is deterministic', () => {
  const value = fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })), { nil: undefined })
  fc.assert(fc.property(value, value, (authorization, cookie) => {
    const headers = { authorization, cookie }
    const got = principalOf(headers)
    assert.equal(got, principalOf({ ...headers }))
    assert.equal(got === '', authorization === undefined && cookie === undefined)
  }), { numRuns: 500 })
})

// keyByDigest

const keyByCases: { name: string; input: { headers: Headers; names: string[] }; want: 'none' | 'digest' }[] = [
  { name: 'no keyBy names: none', input: { headers: { 'x-tenant': 'a' }, names: [] }, want: 'none' },
  { name: 'none of the named headers present: none', input: { headers: { accept: 'x' }, names: ['x-tenant', 'x-region'] }, want: 'none' },
  { name: 'a named header present but undefined: none', input: { headers: { 'x-tenant': undefined }, names: ['x-tenant'] }, want: 'none' },
  { name: 'one named header present', input: { headers: { 'x-tenant': 'a' }, names: ['x-tenant'] }, want: 'digest' },
  { name: 'one of two named headers present', input: { headers: { 'x-region': 'eu' }, names: ['x-tenant', 'x-region'] }, want: 'digest' },
  { name: 'several field lines', input: { headers: { 'x-tenant': ['a', 'b'] }, names: ['x-tenant'] }, want: 'digest' },
  { name: 'a present empty value counts as present', input: { headers: { 'x-tenant': '' }, names: ['x-tenant'] }, want: 'digest' }
]

for (const c of keyByCases) {
  test(`keyByDigest: ${c.name}`, () => {
    const got = keyByDigest(c.input.headers, c.input.names)
    if (c.want === 'none') assert.equal(got, '')
    else assert.match(got, DIGEST)
  })
}

const keyByDifferent: { name: string; input: [Headers, Headers]; names: string[] }[] = [
  { name: 'two tenants', input: [{ 'x-tenant': 'a' }, { 'x-tenant': 'b' }], names: ['x-tenant'] },
  { name: 'the same value in the first or the second named header', input: [{ 'x-tenant': 'a' }, { 'x-region': 'a' }], names: ['x-tenant', 'x-region'] },
  { name: 'one header or both', input: [{ 'x-tenant': 'a' }, { 'x-tenant': 'a', 'x-region': 'eu' }], names: ['x-tenant', 'x-region'] },
  { name: 'values swapped between the headers', input: [{ 'x-tenant': 'a', 'x-region': 'b' }, { 'x-tenant': 'b', 'x-region': 'a' }], names: ['x-tenant', 'x-region'] },
  { name: 'value case matters', input: [{ 'x-tenant': 'acme' }, { 'x-tenant': 'ACME' }], names: ['x-tenant'] }
]

for (const c of keyByDifferent) {
  test(`keyByDigest: differs by value: ${c.name}`, () => {
    const [a, b] = c.input
    assert.notEqual(keyByDigest(a, c.names), keyByDigest(b, c.names))
  })
}

test('keyByDigest: headers not named do not count', () => {
  const names = ['x-tenant']
  assert.equal(keyByDigest({ 'x-tenant': 'a' }, names), keyByDigest({ 'x-tenant': 'a', accept: 'text/html', authorization: BEARER }, names))
})

test('keyByDigest: the order of names matters only as given, never the order of the headers', () => {
  const headers = { 'x-tenant': 'a', 'x-region': 'eu' }
  const reordered = { 'x-region': 'eu', 'x-tenant': 'a' }
  const names = ['x-tenant', 'x-region']
  assert.equal(keyByDigest(headers, names), keyByDigest(reordered, names))
  assert.equal(keyByDigest(headers, names), keyByDigest(headers, [...names]))
  // The names are read in the order given: another order is another key list.
  assert.notEqual(keyByDigest(headers, names), keyByDigest(headers, [...names].reverse()))
})

test('keyByDigest: several field lines are joined as one value', () => {
  assert.equal(keyByDigest({ 'x-tenant': ['a', 'b'] }, ['x-tenant']), keyByDigest({ 'x-tenant': 'a, b' }, ['x-tenant']))
})

test('keyByDigest: never holds the header values, and is \'\' exactly when no named header is present', () => {
  const name = fc.constantFrom('x-tenant', 'x-region', 'x-user')
  const value = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', '-'), minLength: 8, maxLength: 30 })
  fc.assert(fc.property(fc.dictionary(name, value), fc.uniqueArray(name, { maxLength: 3 }), (headers, names) => {
    const got = keyByDigest(headers, names)
    const present = names.some((n) => headers[n] !== undefined)
    assert.equal(got === '', !present)
    if (present) assert.match(got, DIGEST)
    for (const v of Object.values(headers)) assert.ok(!got.includes(v))
  }), { numRuns: 500 })
})
