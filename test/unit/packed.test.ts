import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { formatHttpDate } from '../../src/http/http-date.ts'
import { HISTORY_DIGEST_CHARS, compareVariant, findVariant, hasDigestFor, isOneRecord, packDate, packList, packHistory, packVariant, prependHistory, sameDigest, unpackCurrent, unpackDate, unpackHistory, unpackVariant, variantToHistory, type PackableValidators } from '../../src/validators/packed.ts'
import { digestBody, synthesizedEtag } from '../../src/validators/synthesize.ts'

const dateCases: { name: string; input: string | undefined; want: string }[] = [
  { name: 'none', input: undefined, want: '' },
  { name: 'canonical IMF-fixdate → base-36 seconds', input: 'Sun, 06 Nov 1994 08:49:37 GMT', want: '#' + (784111777).toString(36) },
  { name: 'RFC 850 is kept as sent', input: 'Sunday, 06-Nov-94 08:49:37 GMT', want: '=Sunday, 06-Nov-94 08:49:37 GMT' },
  { name: 'asctime is kept as sent', input: 'Sun Nov  6 08:49:37 1994', want: '=Sun Nov  6 08:49:37 1994' },
  { name: 'a wrong weekday is not canonical: kept as sent', input: 'Mon, 06 Nov 1994 08:49:37 GMT', want: '=Mon, 06 Nov 1994 08:49:37 GMT' },
  { name: 'garbage is kept as sent', input: 'yesterday', want: '=yesterday' },
  { name: 'an empty value is kept', input: '', want: '=' }
]
for (const c of dateCases) {
  test(`packDate: ${c.name}`, () => {
    assert.equal(packDate(c.input), c.want)
    assert.equal(unpackDate(packDate(c.input)), c.input, 'round trip')
  })
}

const body = digestBody([Buffer.from('{"a":1}')])
const validators: fc.Arbitrary<PackableValidators> = fc.oneof(
  fc.record({
    etag: fc.option(fc.oneof(fc.constantFrom('"v1"', 'W/"x"', '"a,b"', '""'), fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 20 })), { nil: undefined }),
    lastModified: fc.option(fc.oneof(fc.integer({ min: 0, max: 4_000_000_000 }).map(formatHttpDate), fc.string({ maxLength: 30 })), { nil: undefined }),
    source: fc.constant<'origin'>('origin'),
    digest: fc.option(fc.constantFrom(body, 'abc'), { nil: undefined }),
    encoding: fc.option(fc.constantFrom('gzip', 'br', 'identity'), { nil: undefined })
  }),
  fc.record({
    etag: fc.constant(synthesizedEtag(body)),
    lastModified: fc.constant(undefined),
    source: fc.constant<'synthesized'>('synthesized'),
    digest: fc.constant(body),
    encoding: fc.constant(undefined)
  })
).map((v) => ({ ...v })) // fast-check records have a null prototype; compare plain objects
// What a header value may hold (RFC 9110 §5.5: no control characters), so the separator never occurs.
const variantKey = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 20 }).map((s) => s + '\n')
const time = fc.integer({ min: 0, max: 8_000_000_000_000 })

test('packVariant / unpackVariant round-trip every field', () => {
  const principal = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/))
  fc.assert(fc.property(fc.oneof(fc.constant(''), variantKey), validators, principal, time, time, (key, v, who, firstSeen, learnedAt) => {
    const packed = packVariant(key, v, firstSeen, learnedAt, who)
    assert.deepEqual(unpackVariant(packed), { variantKey: key, validators: v, principal: who, firstSeen, learnedAt })
    assert.deepEqual(unpackCurrent(packed), { ...v, variantKey: key, principal: who, firstSeen, learnedAt }, 'the flat form holds the same fields')
  }), { numRuns: 500 })
})

test('isOneRecord: a packed list of exactly one record', () => {
  const one = packVariant('', { etag: '"a"', lastModified: undefined, source: 'origin', digest: undefined, encoding: undefined }, 1, 2)
  assert.equal(isOneRecord(one), true)
  assert.equal(isOneRecord(packList([one, one])), false)
  assert.equal(isOneRecord(packList([])), false)
})

test('packHistory / unpackHistory round-trip every field, an origin body digest shortened to HISTORY_DIGEST_CHARS', () => {
  fc.assert(fc.property(validators.filter((v) => v.etag !== undefined), time, time, fc.boolean(), (v, firstSeen, supersededAt, byWrite) => {
    const kept = v.source === 'synthesized' || v.digest === undefined ? v.digest : v.digest.slice(0, HISTORY_DIGEST_CHARS)
    const back = unpackHistory(packHistory(v, firstSeen, supersededAt, byWrite))
    assert.deepEqual(back, { validators: { ...v, digest: kept }, firstSeen, supersededAt, byWrite })
    if (v.digest !== undefined) assert.ok(sameDigest(back.validators.digest as string, v.digest), 'the kept digest still names the body')
  }), { numRuns: 500 })
})

test('variantToHistory is packHistory of the unpacked variant, its fields moved in place', () => {
  const principal = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/))
  fc.assert(fc.property(fc.oneof(fc.constant(''), variantKey), validators, principal, time, time, time, fc.boolean(), (key, v, who, firstSeen, learnedAt, supersededAt, byWrite) => {
    const packed = packVariant(key, v, firstSeen, learnedAt, who)
    const { validators: back, firstSeen: seen } = unpackVariant(packed)
    const want = back.etag === undefined ? undefined : packHistory(back, seen, supersededAt, byWrite)
    assert.equal(variantToHistory(packed, supersededAt, byWrite), want)
  }), { numRuns: 1000 })
})

test('prependHistory is the split list with the item first, its ETag dropped further on, cut at depth', () => {
  // Items of a few ETags (one may be a prefix of another) so that the one dropped is found anywhere.
  const etag = fc.constantFrom('"a"', '"a"x', '"b"', 'W/"a"', '"c"')
  const item = fc.tuple(etag, validators, time, time, fc.boolean()).map(([tag, v, firstSeen, at, byWrite]) => packHistory({ ...v, etag: tag }, firstSeen, at, byWrite))
  // A history holds one item per ETag (what every push keeps).
  const history = fc.uniqueArray(item, { selector: (h) => h.split('\x1f')[0], maxLength: 5 })
  fc.assert(fc.property(history, item, fc.integer({ min: 1, max: 6 }), (earlier, first, depth) => {
    const tag = first.split('\x1f')[0]
    const want = [first, ...earlier.filter((h) => h.split('\x1f')[0] !== tag)].slice(0, depth).join('\x1e')
    assert.equal(prependHistory(earlier.join('\x1e'), first, depth), want)
  }), { numRuns: 2000 })
})

const sameDigestCases = [
  { name: 'a full digest and its history form', a: body, b: body.slice(0, HISTORY_DIGEST_CHARS), want: true },
  { name: 'two full digests of the same body', a: body, b: body, want: true },
  { name: 'digests of different bodies', a: body, b: digestBody([Buffer.from('{"a":2}')]), want: false },
  { name: 'different bodies, one in history form', a: digestBody([Buffer.from('{"a":2}')]).slice(0, HISTORY_DIGEST_CHARS), b: body, want: false }
]
for (const c of sameDigestCases) {
  test(`sameDigest: ${c.name}`, () => {
    assert.equal(sameDigest(c.a, c.b), c.want)
    assert.equal(sameDigest(c.b, c.a), c.want, 'symmetric')
  })
}

test('a synthesized ETag stores its digest once (the tag is the digest)', () => {
  const v: PackableValidators = { etag: synthesizedEtag(body), lastModified: undefined, source: 'synthesized', digest: body, encoding: undefined }
  const packed = packVariant('', v, 0, 0)
  assert.equal(packed.split(body).length - 1, 1)
  assert.equal(unpackVariant(packed).validators.digest, body)
})

test('hasDigestFor reads in place what unpackVariant says: this ETag, with a stored digest', () => {
  const origin = validators.filter((v) => v.source === 'origin')
  fc.assert(fc.property(fc.oneof(fc.constant(''), variantKey), origin, fc.constantFrom('"v1"', 'W/"x"', '"a,b"', '""', '"v"'), time, (key, v, etag, t) => {
    const packed = packVariant(key, v, t, t)
    const unpacked = unpackVariant(packed).validators
    assert.equal(hasDigestFor(packed, etag), unpacked.etag === etag && unpacked.digest !== undefined)
    if (v.etag !== undefined) assert.equal(hasDigestFor(packed, v.etag), v.digest !== undefined)
  }), { numRuns: 1000 })
})

test('compareVariant reads in place what the split fields say: same, a new digest or principal only, or changed', () => {
  const principal = fc.oneof(fc.constant(''), fc.constant('p1'), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/))
  // Seen: the stored validators again, with another digest or none, or other validators altogether.
  const seenOf = (stored: PackableValidators): fc.Arbitrary<PackableValidators> => fc.oneof(
    fc.constant(stored),
    fc.option(fc.constantFrom(body, 'abc', 'D'), { nil: undefined }).map((digest) => ({ ...stored, digest })),
    validators
  )
  const arbitrary = fc.tuple(fc.oneof(fc.constant(''), variantKey), validators, principal, principal, time).chain(([key, stored, who, by, t]) => seenOf(stored).map((seen) => ({ key, stored, who, by, t, seen })))
  const kinds = new Set<string>()
  fc.assert(fc.property(arbitrary, ({ key, stored, who, by, t, seen }) => {
    const packed = packVariant(key, stored, t, t, who)
    // Fields: variant key, ETag, Last-Modified, source, digest, encoding, principal, first seen, learned at.
    const [, etag, date, , digest, , storedBy] = packed.split('\x1f')
    const [, seenEtag, seenDate, , seenDigest] = packVariant('', seen, 0, 0).split('\x1f')
    const want = etag !== seenEtag || date !== seenDate ? 'changed' : (seen.digest === undefined || digest === seenDigest) && storedBy === by ? 'same' : 'new-digest'
    kinds.add(want)
    assert.equal(compareVariant(packed, seen, by), want)
  }), { numRuns: 2000 })
  assert.deepEqual([...kinds].sort(), ['changed', 'new-digest', 'same'], 'every relation was tried')
})

test('findVariant finds in place the first variant of a key that a split of the list finds', () => {
  const keys = fc.constantFrom('', 'gzip\n', 'br\n', 'gzip\nen\n', 'gzip\ne')
  fc.assert(fc.property(fc.array(fc.tuple(keys, validators, time), { maxLength: 4 }), keys, (records, key) => {
    const list = records.map(([k, v, t]) => packVariant(k, v, t, t)).join('\x1e')
    const want = list === '' ? undefined : list.split('\x1e').find((p) => unpackVariant(p).variantKey === key)
    assert.equal(findVariant(list, key), want)
  }), { numRuns: 2000 })
})

const digestCases = [
  { name: 'same tag, digest stored', etag: '"v1"', digest: 'D', ask: '"v1"', want: true },
  { name: 'same tag, no digest (learned from a HEAD)', etag: '"v1"', digest: undefined, ask: '"v1"', want: false },
  { name: 'another tag', etag: '"v1"', digest: 'D', ask: '"v2"', want: false },
  { name: 'a prefix of the tag is not the tag', etag: '"v10"', digest: 'D', ask: '"v1', want: false },
  { name: 'the weak form is another tag', etag: '"v1"', digest: 'D', ask: 'W/"v1"', want: false }
]
for (const c of digestCases) {
  test(`hasDigestFor: ${c.name}`, () => {
    const packed = packVariant('', { etag: c.etag, lastModified: 'Sun, 06 Nov 1994 08:49:37 GMT', source: 'origin', digest: c.digest, encoding: undefined }, 1, 2)
    assert.equal(hasDigestFor(packed, c.ask), c.want)
  })
}
