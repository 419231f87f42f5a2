import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { valueDigest } from '../../src/http/credentials.ts'
import { parseVary } from '../../src/http/fields.ts'
import { variantKeyOf, variantsFor } from '../../src/validators/entry.ts'

type Headers = Record<string, string | string[] | undefined>

const ALICE = 'Bearer alice-0123456789'
const BOB = 'Bearer bob-9876543210'
const COOKIE_A = 'session=aaaaaaaaaaaa'
const COOKIE_B = 'session=bbbbbbbbbbbb'

// variantKeyOf

const keyCases: { name: string; input: { vary: string[]; headers: Headers }; want: string }[] = [
  { name: 'no Vary: the empty key', input: { vary: [], headers: { accept: 'text/html', authorization: ALICE } }, want: '' },
  { name: 'one Vary header present', input: { vary: ['accept'], headers: { accept: 'text/html' } }, want: 'text/html\n' },
  { name: 'one Vary header absent: an empty line', input: { vary: ['accept'], headers: {} }, want: '\n' },
  { name: 'several Vary headers, one line each in the order given', input: { vary: ['accept', 'accept-language'], headers: { 'accept-language': 'de', accept: 'a/b' } }, want: 'a/b\nde\n' },
  { name: 'several field lines joined', input: { vary: ['accept'], headers: { accept: ['a/b', 'c/d'] } }, want: 'a/b, c/d\n' },
  { name: 'headers outside Vary do not count', input: { vary: ['accept'], headers: { accept: 'x', 'user-agent': 'curl' } }, want: 'x\n' },
  { name: 'Authorization stored as a digest', input: { vary: ['authorization'], headers: { authorization: ALICE } }, want: valueDigest(ALICE) + '\n' },
  { name: 'Cookie stored as a digest', input: { vary: ['cookie'], headers: { cookie: COOKIE_A } }, want: valueDigest(COOKIE_A) + '\n' },
  { name: 'Proxy-Authorization stored as a digest', input: { vary: ['proxy-authorization'], headers: { 'proxy-authorization': 'Basic dTpw' } }, want: valueDigest('Basic dTpw') + '\n' },
  { name: 'several Cookie lines digested joined', input: { vary: ['cookie'], headers: { cookie: ['a=1', 'b=2'] } }, want: valueDigest('a=1, b=2') + '\n' },
  { name: 'an absent credential is an empty line, not a digest', input: { vary: ['authorization'], headers: {} }, want: '\n' },
  { name: 'credentials beside plain headers', input: { vary: ['accept', 'authorization', 'cookie'], headers: { accept: 'x', authorization: ALICE, cookie: COOKIE_A } }, want: `x\n${valueDigest(ALICE)}\n${valueDigest(COOKIE_A)}\n` },
  { name: 'a keyBy-style header that is no credential is kept as sent', input: { vary: ['x-tenant'], headers: { 'x-tenant': 'acme' } }, want: 'acme\n' }
]

for (const c of keyCases) {
  test(`variantKeyOf: ${c.name}`, () => {
    assert.equal(variantKeyOf(c.input.vary, c.input.headers), c.want)
  })
}

test('variantKeyOf: a credential never appears in the key', () => {
  const secret = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', '=', '-'), minLength: 6, maxLength: 30 })
  const secretName = fc.constantFrom('authorization', 'cookie', 'proxy-authorization')
  fc.assert(fc.property(secretName, secret, fc.constantFrom('accept', 'x-tenant'), (name, value, other) => {
    const vary = parseVary([name, other].join(','))
    const key = variantKeyOf(vary, { [name]: value, [other]: 'plain' })
    assert.ok(!key.includes(value), `${JSON.stringify(key)} holds ${value}`)
    assert.ok(key.includes(valueDigest(value)))
    assert.ok(key.includes('plain\n'))
  }), { numRuns: 300 })
})

// variantsFor

/** Returns a variant learned for a request with `headers`, labelled so that a test can tell which came back. */
const learned = (label: string, vary: readonly string[], headers: Headers): { label: string; variantKey: string } =>
  ({ label, variantKey: variantKeyOf(vary, headers) })

interface ForCase {
  readonly name: string
  readonly input: {
    readonly vary: string
    /** The requests the variants were learned for, by label. */
    readonly learnedFor: Readonly<Record<string, Headers>>
    readonly request: Headers
    readonly keyBy?: readonly string[]
  }
  /** Labels of the variants the request may take, in their order. */
  readonly want: readonly string[]
}

const forCases: ForCase[] = [
  {
    name: 'no Vary: every variant',
    input: { vary: '', learnedFor: { a: { authorization: ALICE }, b: {} }, request: { authorization: BOB } },
    want: ['a', 'b']
  },
  {
    name: 'Vary: Accept does not filter (content negotiation is no identity)',
    input: { vary: 'Accept', learnedFor: { json: { accept: 'application/json' }, html: { accept: 'text/html' } }, request: { accept: 'text/html' } },
    want: ['json', 'html']
  },
  {
    name: 'Vary: Accept, Accept-Encoding do not filter, even for a request with credentials',
    input: { vary: 'Accept, Accept-Encoding', learnedFor: { a: { accept: 'a', 'accept-encoding': 'gzip' }, b: { accept: 'b' } }, request: { authorization: ALICE, accept: 'c' } },
    want: ['a', 'b']
  },
  {
    name: 'Vary: Authorization keeps only the variants learned with the same Authorization',
    input: { vary: 'Authorization', learnedFor: { alice: { authorization: ALICE }, bob: { authorization: BOB }, anon: {} }, request: { authorization: ALICE } },
    want: ['alice']
  },
  {
    name: 'Vary: Authorization without credentials keeps only the anonymous variant',
    input: { vary: 'Authorization', learnedFor: { alice: { authorization: ALICE }, anon: {} }, request: {} },
    want: ['anon']
  },
  {
    name: 'Vary: Authorization and an unknown caller: none',
    input: { vary: 'Authorization', learnedFor: { alice: { authorization: ALICE }, anon: {} }, request: { authorization: BOB } },
    want: []
  },
  {
    name: 'Vary: Cookie keeps only the same cookie',
    input: { vary: 'Cookie', learnedFor: { a: { cookie: COOKIE_A }, b: { cookie: COOKIE_B } }, request: { cookie: COOKIE_B } },
    want: ['b']
  },
  {
    name: 'Vary: Cookie with several field lines matches the same lines',
    input: { vary: 'Cookie', learnedFor: { ab: { cookie: ['a=1', 'b=2'] }, a: { cookie: 'a=1' } }, request: { cookie: ['a=1', 'b=2'] } },
    want: ['ab']
  },
  {
    name: 'Vary: Proxy-Authorization filters as a credential',
    input: { vary: 'Proxy-Authorization', learnedFor: { p: { 'proxy-authorization': 'Basic cA==' }, q: { 'proxy-authorization': 'Basic cQ==' } }, request: { 'proxy-authorization': 'Basic cQ==' } },
    want: ['q']
  },
  {
    name: 'Vary: Authorization filters, Accept beside it does not',
    input: {
      vary: 'Accept, Authorization',
      learnedFor: { aliceJson: { accept: 'json', authorization: ALICE }, aliceHtml: { accept: 'html', authorization: ALICE }, bobJson: { accept: 'json', authorization: BOB } },
      request: { accept: 'xml', authorization: ALICE }
    },
    want: ['aliceJson', 'aliceHtml']
  },
  {
    name: 'Vary: Authorization, Cookie: both must match',
    input: {
      vary: 'Cookie, Authorization',
      learnedFor: { both: { authorization: ALICE, cookie: COOKIE_A }, otherCookie: { authorization: ALICE, cookie: COOKIE_B }, noCookie: { authorization: ALICE } },
      request: { authorization: ALICE, cookie: COOKIE_A }
    },
    want: ['both']
  },
  {
    name: 'Vary names a keyBy header: only the same value',
    input: { vary: 'X-Tenant', learnedFor: { acme: { 'x-tenant': 'acme' }, globex: { 'x-tenant': 'globex' } }, request: { 'x-tenant': 'acme' }, keyBy: ['x-tenant'] },
    want: ['acme']
  },
  {
    name: 'the same Vary header that is not in keyBy does not filter',
    input: { vary: 'X-Tenant', learnedFor: { acme: { 'x-tenant': 'acme' }, globex: { 'x-tenant': 'globex' } }, request: { 'x-tenant': 'acme' }, keyBy: ['x-user'] },
    want: ['acme', 'globex']
  },
  {
    name: 'a keyBy header that Vary does not name does not filter',
    input: { vary: 'Accept', learnedFor: { a: { accept: 'a', 'x-tenant': 'acme' }, b: { accept: 'b', 'x-tenant': 'globex' } }, request: { 'x-tenant': 'acme' }, keyBy: ['x-tenant'] },
    want: ['a', 'b']
  },
  {
    name: 'Vary names a keyBy header and a credential: both must match, Accept not',
    input: {
      vary: 'Accept, Authorization, X-Tenant',
      learnedFor: {
        mine: { accept: 'json', authorization: ALICE, 'x-tenant': 'acme' },
        mineHtml: { accept: 'html', authorization: ALICE, 'x-tenant': 'acme' },
        otherTenant: { accept: 'json', authorization: ALICE, 'x-tenant': 'globex' },
        otherUser: { accept: 'json', authorization: BOB, 'x-tenant': 'acme' }
      },
      request: { accept: 'json', authorization: ALICE, 'x-tenant': 'acme' },
      keyBy: ['x-tenant']
    },
    want: ['mine', 'mineHtml']
  },
  {
    name: 'a keyBy header absent from the request keeps only variants learned without it',
    input: { vary: 'X-Tenant', learnedFor: { acme: { 'x-tenant': 'acme' }, none: {} }, request: {}, keyBy: ['x-tenant'] },
    want: ['none']
  },
  {
    name: 'no variants: none',
    input: { vary: 'Authorization', learnedFor: {}, request: { authorization: ALICE } },
    want: []
  }
]

for (const c of forCases) {
  test(`variantsFor: ${c.name}`, () => {
    const vary = parseVary(c.input.vary)
    const variants = Object.entries(c.input.learnedFor).map(([label, headers]) => learned(label, vary, headers))
    const got = variantsFor(variants, vary, c.input.request, c.input.keyBy ?? [])
    assert.deepEqual(got.map((v) => v.label), c.want)
    // The variants themselves come back, not copies.
    for (const v of got) assert.ok(variants.includes(v))
  })
}

test('variantsFor: a variant learned for a request is always among that request\'s own', () => {
  const name = fc.constantFrom('accept', 'authorization', 'cookie', 'x-tenant', 'accept-language')
  const value = fc.option(fc.constantFrom('a', 'b', 'c=1', 'Bearer x'), { nil: undefined })
  const headers = fc.dictionary(name, value)
  fc.assert(fc.property(fc.uniqueArray(name, { maxLength: 4 }), fc.array(headers, { minLength: 1, maxLength: 5 }), fc.subarray(['x-tenant']), (names, requests, keyBy) => {
    const vary = parseVary(names.join(','))
    const variants = requests.map((h, i) => learned(String(i), vary, h))
    requests.forEach((h, i) => {
      const mine = variantsFor(variants, vary, h, keyBy)
      assert.ok(mine.includes(variants[i]))
      // Every variant kept has the request's values for every identity header Vary names.
      const own = variantKeyOf(vary, h).split('\n')
      for (const v of mine) {
        const theirs = v.variantKey.split('\n')
        vary.forEach((n, j) => {
          if (['authorization', 'cookie', 'proxy-authorization'].includes(n) || keyBy.includes(n)) assert.equal(theirs[j], own[j])
        })
      }
    })
  }), { numRuns: 300 })
})

test('variantsFor: without an identity header in Vary, every variant, in order', () => {
  const plain = fc.constantFrom('accept', 'accept-encoding', 'accept-language', 'origin')
  fc.assert(fc.property(fc.uniqueArray(plain, { maxLength: 4 }), fc.array(fc.dictionary(plain, fc.constantFrom('x', 'y')), { maxLength: 5 }), fc.dictionary(plain, fc.constantFrom('x', 'z')), (names, learnedFor, request) => {
    const vary = parseVary(names.join(','))
    const variants = learnedFor.map((h, i) => learned(String(i), vary, h))
    assert.deepEqual(variantsFor(variants, vary, { ...request, authorization: ALICE }, ['x-tenant']), variants)
  }), { numRuns: 300 })
})
