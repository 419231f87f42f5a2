import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { parseEntityTagList } from '../../src/http/entity-tag.ts'
import { classifyList, TOKEN_LABELS, type KnownEtags, type TokenClass } from '../../src/diagnosis/classify.ts'
import { ENCODING_SUFFIXES, stripSuffix } from '../../src/diagnosis/normalize.ts'

const KNOWN: KnownEtags = { current: ['"v3"'], earlier: ['"v2"', '"v1"'] }
const WEAK_ORIGIN: KnownEtags = { current: ['W/"w2"'], earlier: ['W/"w1"'] }

type Want = Pick<TokenClass, 'label'> & Partial<Pick<TokenClass, 'names' | 'etag' | 'manglings'>>

const cases: { name: string; input: { field: string; known?: KnownEtags }; want: Want[] }[] = [
  { name: 'the current ETag', input: { field: '"v3"' }, want: [{ label: 'exact-current', names: 'current', etag: '"v3"' }] },
  { name: 'an earlier ETag', input: { field: '"v1"' }, want: [{ label: 'exact-earlier', names: 'earlier', etag: '"v1"' }] },
  { name: 'weakened current (nginx gzip)', input: { field: 'W/"v3"' }, want: [{ label: 'weakened', names: 'current', etag: '"v3"', manglings: ['weakened-etag'] }] },
  { name: 'weakened earlier', input: { field: 'W/"v2"' }, want: [{ label: 'weakened', names: 'earlier', etag: '"v2"', manglings: ['weakened-etag'] }] },
  { name: 'Apache -gzip suffix on current', input: { field: '"v3-gzip"' }, want: [{ label: 'suffixed', names: 'current', etag: '"v3"', manglings: ['encoding-suffix-etag'] }] },
  { name: 'Jetty --gzip suffix', input: { field: '"v3--gzip"' }, want: [{ label: 'suffixed', names: 'current', etag: '"v3"', manglings: ['encoding-suffix-etag'] }] },
  { name: 'Traffic Server -df suffix', input: { field: '"v3-df"' }, want: [{ label: 'suffixed', names: 'current', etag: '"v3"', manglings: ['encoding-suffix-etag'] }] },
  { name: 'Netlify -ssl-df suffix', input: { field: '"v3-ssl-df"' }, want: [{ label: 'suffixed', names: 'current', etag: '"v3"', manglings: ['encoding-suffix-etag'] }] },
  { name: 'suffixed and weakened', input: { field: 'W/"v3-br"' }, want: [{ label: 'suffixed', names: 'current', etag: '"v3"', manglings: ['weakened-etag', 'encoding-suffix-etag'] }] },
  { name: 'suffix on an earlier ETag', input: { field: '"v1-zstd"' }, want: [{ label: 'suffixed', names: 'earlier', etag: '"v1"', manglings: ['encoding-suffix-etag'] }] },
  { name: 'unquoted current', input: { field: 'v3' }, want: [{ label: 'unquoted', names: 'current', etag: '"v3"', manglings: ['unquoted-etag'] }] },
  { name: 'unquoted weak spelling of a weak origin tag', input: { field: 'W/w2', known: WEAK_ORIGIN }, want: [{ label: 'unquoted', names: 'current', etag: 'W/"w2"', manglings: ['unquoted-etag'] }] },
  { name: 'misquoted "W/x" of a weak origin tag', input: { field: '"W/w2"', known: WEAK_ORIGIN }, want: [{ label: 'misquoted', names: 'current', etag: 'W/"w2"', manglings: ['unquoted-etag'] }] },
  { name: 'misquoted "W/x" of a strong tag', input: { field: '"W/v3"' }, want: [{ label: 'misquoted', names: 'current', etag: '"v3"', manglings: ['unquoted-etag'] }] },
  { name: 'placeholder null (unquoted)', input: { field: 'null' }, want: [{ label: 'placeholder' }] },
  { name: 'placeholder "undefined" (quoted)', input: { field: '"undefined"' }, want: [{ label: 'placeholder' }] },
  { name: 'placeholder "" (empty tag)', input: { field: '""' }, want: [{ label: 'placeholder' }] },
  { name: 'placeholder NULL: case-insensitive', input: { field: 'NULL' }, want: [{ label: 'placeholder' }] },
  { name: 'unbalanced quote is malformed', input: { field: '"v3' }, want: [{ label: 'malformed' }] },
  { name: 'w/ lower-case is malformed, not weakened (W/ is case-sensitive)', input: { field: 'w/"v3"' }, want: [{ label: 'malformed' }] },
  { name: 'a tag never seen', input: { field: '"zz"' }, want: [{ label: 'unknown' }] },
  { name: 'an unquoted token never seen is malformed', input: { field: 'zz' }, want: [{ label: 'malformed' }] },
  { name: 'a suffix-looking tag that is not known stays unknown', input: { field: '"zz-gzip"' }, want: [{ label: 'unknown' }] },
  {
    name: 'a list: each member labelled, in order',
    input: { field: '"v1", W/"v3", nope, "v3-gzip"' },
    want: [
      { label: 'exact-earlier', names: 'earlier', etag: '"v1"' },
      { label: 'weakened', names: 'current', etag: '"v3"', manglings: ['weakened-etag'] },
      { label: 'suffixed', names: 'current', etag: '"v3"', manglings: ['encoding-suffix-etag'] },
      { label: 'malformed' }
    ]
  },
  {
    name: 'the origin itself sent the weak spelling: exact, not weakened',
    input: { field: 'W/"v3"', known: { current: ['"v3"'], earlier: ['W/"v3"'] } },
    want: [{ label: 'exact-earlier', names: 'earlier', etag: 'W/"v3"' }]
  },
  {
    name: 'the origin itself sent the suffixed spelling: exact, not suffixed',
    input: { field: '"v3-gzip"', known: { current: ['"v3-gzip"', '"v3"'], earlier: [] } },
    want: [{ label: 'exact-current', names: 'current', etag: '"v3-gzip"' }]
  },
  {
    name: 'a mangled spelling prefers the current ETag over an earlier one',
    input: { field: 'W/"a"', known: { current: ['"a"'], earlier: ['"a"'] } },
    want: [{ label: 'weakened', names: 'current', etag: '"a"', manglings: ['weakened-etag'] }]
  },
  { name: 'nothing known: every tag unknown', input: { field: '"v3", W/"v3"', known: { current: [], earlier: [] } }, want: [{ label: 'unknown' }, { label: 'unknown' }] },
  { name: '* has no members', input: { field: '*' }, want: [] }
]

function pick (c: TokenClass): Want {
  const { label, names, etag, manglings } = c
  return { label, ...(names === undefined ? {} : { names }), ...(etag === undefined ? {} : { etag }), ...(manglings === undefined ? {} : { manglings }) }
}

for (const c of cases) {
  test(`classifyList: ${c.name}`, () => {
    const list = parseEntityTagList(c.input.field)
    assert.ok(list !== undefined)
    const got = classifyList(list, c.input.known ?? KNOWN)
    // Malformed members are labelled after the well-formed ones; compare as sets of labels per token.
    assert.deepEqual(got.map(pick).sort(byJson), c.want.sort(byJson))
  })
}

function byJson (a: unknown, b: unknown): number {
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : 1
}

test('stripSuffix: every known suffix is removed, the longest first', () => {
  for (const suffix of ENCODING_SUFFIXES) assert.deepEqual(stripSuffix(`abc${suffix}`), { base: 'abc', suffix })
  assert.deepEqual(stripSuffix('abc--gzip'), { base: 'abc', suffix: '--gzip' })
  assert.equal(stripSuffix('-gzip'), undefined, 'a suffix alone leaves no tag')
  assert.equal(stripSuffix('abc'), undefined)
})

test('classifyList never throws and labels every member from the vocabulary', () => {
  fc.assert(fc.property(fc.string({ maxLength: 60 }), fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }), (field, tags) => {
    const list = parseEntityTagList(field)
    if (list === undefined) return
    const labels = classifyList(list, { current: tags.slice(0, 1).map((t) => JSON.stringify(t)), earlier: tags.slice(1).map((t) => JSON.stringify(t)) })
    assert.equal(labels.length, list.any ? 0 : list.tags.length + list.malformed.length)
    for (const l of labels) assert.ok((TOKEN_LABELS as readonly string[]).includes(l.label))
  }), { numRuns: 500 })
})
