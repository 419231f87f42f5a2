import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CONDITIONAL_HEADERS, hasConditionals, readConditionals, type Conditionals } from '../../src/http/conditionals.ts'

const IMF = 'Sun, 06 Nov 1994 08:49:37 GMT'
const NOV_6_1994 = 784111777

const readCases: { name: string; input: Record<string, string[] | undefined>; want: Conditionals }[] = [
  { name: 'no conditional fields', input: { accept: ['*/*'] }, want: {} },
  { name: 'undefined values are absent', input: { 'if-match': undefined, 'if-modified-since': undefined }, want: {} },
  { name: 'empty line arrays are absent', input: { 'if-match': [], 'if-unmodified-since': [] }, want: {} },
  {
    name: 'If-Match joins its field lines',
    input: { 'if-match': ['"a"', 'W/"b"'] },
    want: { ifMatch: { any: false, tags: [{ weak: false, opaque: 'a' }, { weak: true, opaque: 'b' }], malformed: [] } }
  },
  { name: 'If-None-Match wildcard', input: { 'if-none-match': ['*'] }, want: { ifNoneMatch: { any: true, tags: [], malformed: [] } } },
  { name: 'empty If-Match is present with zero members', input: { 'if-match': [''] }, want: { ifMatch: { any: false, tags: [], malformed: [] } } },
  { name: 'If-Modified-Since IMF-fixdate', input: { 'if-modified-since': [IMF] }, want: { ifModifiedSince: { raw: IMF, seconds: NOV_6_1994 } } },
  {
    name: 'If-Unmodified-Since rfc850',
    input: { 'if-unmodified-since': ['Sunday, 06-Nov-94 08:49:37 GMT'] },
    want: { ifUnmodifiedSince: { raw: 'Sunday, 06-Nov-94 08:49:37 GMT', seconds: NOV_6_1994 } }
  },
  {
    name: 'invalid date keeps the raw value, seconds undefined (ISO-8601)',
    input: { 'if-unmodified-since': ['1994-11-06T08:49:37Z'] },
    want: { ifUnmodifiedSince: { raw: '1994-11-06T08:49:37Z', seconds: undefined } }
  },
  {
    name: 'two If-Modified-Since lines are a list: ignored even though each is valid',
    input: { 'if-modified-since': [IMF, IMF] },
    want: { ifModifiedSince: { raw: `${IMF}, ${IMF}`, seconds: undefined } }
  },
  {
    name: 'two If-Unmodified-Since lines are a list: ignored',
    input: { 'if-unmodified-since': [IMF, 'Mon, 07 Nov 1994 08:49:37 GMT'] },
    want: { ifUnmodifiedSince: { raw: `${IMF}, Mon, 07 Nov 1994 08:49:37 GMT`, seconds: undefined } }
  },
  {
    name: 'two dates joined in one line are a list: ignored',
    input: { 'if-modified-since': [`${IMF}, ${IMF}`] },
    want: { ifModifiedSince: { raw: `${IMF}, ${IMF}`, seconds: undefined } }
  },
  { name: 'If-Range is kept raw', input: { 'if-range': ['"abc"'] }, want: { ifRange: '"abc"' } },
  { name: 'If-Range date is kept raw, not parsed', input: { 'if-range': [IMF] }, want: { ifRange: IMF } },
  {
    name: 'all five together',
    input: { 'if-match': ['"a"'], 'if-none-match': ['"b"'], 'if-modified-since': [IMF], 'if-unmodified-since': [IMF], 'if-range': ['"c"'] },
    want: {
      ifMatch: { any: false, tags: [{ weak: false, opaque: 'a' }], malformed: [] },
      ifNoneMatch: { any: false, tags: [{ weak: false, opaque: 'b' }], malformed: [] },
      ifModifiedSince: { raw: IMF, seconds: NOV_6_1994 },
      ifUnmodifiedSince: { raw: IMF, seconds: NOV_6_1994 },
      ifRange: '"c"'
    }
  },
  {
    name: 'malformed If-Match is kept for diagnosis',
    input: { 'if-match': ['null'] },
    want: { ifMatch: { any: false, tags: [], malformed: ['null'] } }
  }
]

for (const c of readCases) {
  test(`readConditionals: ${c.name}`, () => {
    assert.deepEqual(readConditionals(c.input), c.want)
  })
}

test('readConditionals: the reference time anchors two-digit rfc850 years', () => {
  const now2126 = 4937155200 // Sat, 15 Jun 2126 00:00:00 GMT
  const c = readConditionals({ 'if-modified-since': ['Friday, 01-Jan-77 00:00:00 GMT'] }, now2126)
  assert.equal(c.ifModifiedSince?.seconds, 3376684800) // 2077, not 1977
})

const hasCases: { name: string; input: Record<string, string[]>; want: boolean }[] = [
  { name: 'none', input: {}, want: false },
  { name: 'If-Range alone is not a precondition ifgate evaluates', input: { 'if-range': ['"a"'] }, want: false },
  { name: 'If-Match', input: { 'if-match': ['"a"'] }, want: true },
  { name: 'empty If-Match is still present', input: { 'if-match': [''] }, want: true },
  { name: 'If-None-Match', input: { 'if-none-match': ['*'] }, want: true },
  { name: 'invalid If-Modified-Since is still present', input: { 'if-modified-since': ['yesterday'] }, want: true },
  { name: 'If-Unmodified-Since', input: { 'if-unmodified-since': [IMF] }, want: true }
]

for (const c of hasCases) {
  test(`hasConditionals: ${c.name}`, () => {
    assert.equal(hasConditionals(readConditionals(c.input)), c.want)
  })
}

// CONDITIONAL_HEADERS against what readConditionals and hasConditionals do: each name it lists is
// read into a field of its own, every field of Conditionals comes from one of them, and no other
// name (near misses and the capitalised spellings Node never delivers included) is read at all.
const IGNORED_NAMES = [
  ...CONDITIONAL_HEADERS.map((name) => name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())),
  ...CONDITIONAL_HEADERS.map((name) => name.toUpperCase()),
  'if', 'if-', 'if-matches', 'if-none', 'x-if-match', 'if_match', 'if-modified', 'if-range-since', 'range',
  'etag', 'last-modified', 'match', 'accept', 'cache-control', 'expect', 'vary'
]

test('readConditionals reads each of CONDITIONAL_HEADERS into a field of its own, all five fields among them', () => {
  const fields = CONDITIONAL_HEADERS.map((name) => {
    const read = Object.keys(readConditionals({ [name]: [IMF] }))
    assert.equal(read.length, 1, `${name} alone is read into one field: ${read.join(', ')}`)
    return read[0]
  })
  assert.equal(new Set(fields).size, fields.length, `each name has a field of its own: ${fields.join(', ')}`)
  const everything = Object.fromEntries(CONDITIONAL_HEADERS.map((name) => [name, [IMF]]))
  assert.deepEqual(Object.keys(readConditionals(everything)).sort(), [...fields].sort(), 'all names at once fill exactly their fields')
  const allFive = readCases.find((c) => c.name === 'all five together')!
  assert.deepEqual([...fields].sort(), Object.keys(allFive.want).sort(), 'the fields are the five of Conditionals')
})

test('readConditionals ignores every field CONDITIONAL_HEADERS does not name', () => {
  for (const name of IGNORED_NAMES) {
    assert.ok(!CONDITIONAL_HEADERS.includes(name), name)
    assert.deepEqual(readConditionals({ [name]: [IMF] }), {}, name)
  }
})

test('hasConditionals: each of CONDITIONAL_HEADERS but If-Range makes a request conditional, no other field does', () => {
  for (const name of CONDITIONAL_HEADERS) assert.equal(hasConditionals(readConditionals({ [name]: ['"a"'] })), name !== 'if-range', name)
  for (const name of IGNORED_NAMES) assert.equal(hasConditionals(readConditionals({ [name]: ['"a"'] })), false, name)
})
