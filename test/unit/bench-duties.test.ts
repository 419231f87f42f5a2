import { test } from 'node:test'
import assert from 'node:assert/strict'
import { REQUEST_TARGET_CASES, STRICT } from '../cases/request-target.cases.ts'
import { DIAGNOSE_CASES } from '../cases/diagnose.cases.ts'
import { diagnose, members, normalizedTarget, replaceCurrent, type Known } from '../../bench/peers/duties.ts'

// The benchmark's floors with duties (bench/peers/duties.ts) price the SPEC's per-request work;
// they are a bound only if they do that work. These rows are ifgate's own tables.

const originForm = REQUEST_TARGET_CASES.filter((c) => c.input.target?.startsWith('/') === true && (c.input.options === undefined || c.input.options === STRICT))

test('the rows of the target table the floor is held to are most of it', () => {
  assert.ok(originForm.length >= 20, `${originForm.length} rows`)
})

for (const c of originForm) {
  test(`floor duties: target ${JSON.stringify(c.input.target)} as ifgate normalises it`, () => {
    const got = normalizedTarget(c.input.target as string)
    if ('error' in c.want) assert.equal(got, undefined)
    else assert.equal(got, c.want.pathAndQuery)
  })
}

/** The causes the floor's diagnosis tells apart: the If-Match rows of SPEC §5 that need no digest. */
const FLOOR_CAUSES = new Set(['resource-missing', 'placeholder-etag', 'weakened-etag', 'encoding-suffix-etag', 'unquoted-etag', 'cdn-stale-etag', 'stale-etag', 'unknown-etag'])
const ifMatchRows = DIAGNOSE_CASES.filter((c) => c.headers['if-match'] !== undefined && Object.keys(c.headers).every((h) => !h.startsWith('if-') || h === 'if-match') &&
  (c.current?.length ?? 0) <= 1 && FLOOR_CAUSES.has(c.want.cause) && c.method === undefined)

test('the diagnosis rows the floor is held to cover every cause it tells apart', () => {
  assert.deepEqual(new Set(ifMatchRows.map((c) => c.want.cause)), FLOOR_CAUSES)
})

for (const c of ifMatchRows) {
  test(`floor duties: diagnosis of ${c.name} → ${c.want.cause}`, () => {
    const known: Known = { etag: c.current?.[0]?.etag, lastModified: undefined, history: (c.history ?? []).map((i) => i.etag), credentials: '' }
    assert.equal(diagnose(members(c.headers['if-match'] as string), known, c.headers).cause, c.want.cause)
  })
}

test('floor duties: a write\'s new ETag pushes the one before to the front of a bounded history, once', () => {
  const known: Known = { etag: '"a"', lastModified: undefined, history: [], credentials: '' }
  for (const tag of ['"b"', '"c"', '"b"', ...Array.from({ length: 10 }, (_, i) => `"x${i}"`)]) replaceCurrent(known, tag, undefined)
  assert.equal(known.etag, '"x9"')
  assert.deepEqual(known.history, ['"x8"', '"x7"', '"x6"', '"x5"', '"x4"', '"x3"', '"x2"', '"x1"'])
  replaceCurrent(known, '"x9"', undefined)
  assert.equal(known.history[0], '"x8"')
})
