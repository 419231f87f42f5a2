import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { normalizeTarget, removeDotSegments, type TargetOptions } from '../../src/http/request-target.ts'
import { DOT_SEGMENTS_CASES, LOOSE, MERGE_KEEP, NOMERGE_REJECT, REQUEST_TARGET_CASES, STRICT } from '../cases/request-target.cases.ts'

for (const c of REQUEST_TARGET_CASES) {
  test(`normalizeTarget: ${c.name}`, () => {
    const got = normalizeTarget(c.input.target, c.input.options ?? STRICT)
    if ('error' in c.want) {
      assert.equal(got.ok, false, `expected an error, got ${JSON.stringify(got)}`)
      if (!got.ok) assert.match(got.reason, c.want.error)
      return
    }
    assert.deepEqual(got, { ok: true, pathAndQuery: c.want.pathAndQuery, authority: c.want.authority })
  })
}

for (const c of DOT_SEGMENTS_CASES) {
  test(`removeDotSegments: ${c.name}`, () => {
    assert.equal(removeDotSegments(c.input.path, c.input.mergeSlashes), c.want)
  })
}

const ALL_OPTIONS: readonly TargetOptions[] = [STRICT, LOOSE, MERGE_KEEP, NOMERGE_REJECT]
const options = fc.constantFrom(...ALL_OPTIONS)
const RUNS = { numRuns: 1000 }

/** Characters that make normalisation work: slashes, dots, percent-encodings, backslashes, query and fragment. */
const tricky = fc.constantFrom('/', '/', '.', '.', '%', '2', 'e', 'E', 'f', 'F', '5', 'c', 'C', '4', '1', 'a', 'z', '\\', '?', '#', '~', '-', ':', '@', 'é')
const trickyPath = fc.string({ unit: tricky, maxLength: 30 })
/** A target as a client might send it: origin-form or absolute-form, or anything at all. */
const target = fc.oneof(
  trickyPath.map((s) => '/' + s),
  fc.tuple(fc.constantFrom('http://', 'HTTPS://', 'http://u@', 'http://'), fc.constantFrom('h', 'h:8080', '', '[::1]'), trickyPath).map(([a, b, c]) => a + b + c),
  fc.string({ unit: 'binary', maxLength: 40 }),
  trickyPath
)

/** Returns the path part (before `?`) of a pathAndQuery. */
const pathOf = (pathAndQuery: string): string => {
  const q = pathAndQuery.indexOf('?')
  return q === -1 ? pathAndQuery : pathAndQuery.slice(0, q)
}

const properties: { name: string; run: () => void }[] = [
  {
    name: 'never throws on arbitrary strings, and an error always says why',
    run: () => fc.assert(fc.property(fc.oneof(target, fc.string({ unit: 'binary', maxLength: 60 })), options, (t, o) => {
      const got = normalizeTarget(t, o)
      if (!got.ok) {
        assert.equal(typeof got.reason, 'string')
        assert.ok(got.reason.length > 0)
      }
    }), RUNS)
  },
  {
    name: 'idempotent: normalising a normalised pathAndQuery gives it back, with no authority',
    run: () => fc.assert(fc.property(target, options, (t, o) => {
      const first = normalizeTarget(t, o)
      if (!first.ok) return
      assert.deepEqual(normalizeTarget(first.pathAndQuery, o), { ok: true, pathAndQuery: first.pathAndQuery, authority: undefined })
    }), RUNS)
  },
  {
    name: 'the output path starts with /, has no . or .. segment, and (merging) no //',
    run: () => fc.assert(fc.property(target, options, (t, o) => {
      const got = normalizeTarget(t, o)
      if (!got.ok) return
      const path = pathOf(got.pathAndQuery)
      assert.ok(path.startsWith('/'), path)
      assert.ok(!path.includes('#'), path)
      const segments = path.slice(1).split('/')
      assert.ok(!segments.includes('.') && !segments.includes('..'), path)
      assert.ok(!path.includes('/./') && !path.includes('/../'), path)
      if (o.mergeSlashes) assert.ok(!path.includes('//'), path)
    }), RUNS)
  },
  {
    name: 'the output path has only upper-case percent-encodings, none of an unreserved character',
    run: () => fc.assert(fc.property(target, options, (t, o) => {
      const got = normalizeTarget(t, o)
      if (!got.ok) return
      for (const m of pathOf(got.pathAndQuery).matchAll(/%(..)/g)) {
        assert.match(m[1], /^[0-9A-F]{2}$/, got.pathAndQuery)
        assert.doesNotMatch(String.fromCharCode(parseInt(m[1], 16)), /[A-Za-z0-9._~-]/, got.pathAndQuery)
      }
    }), RUNS)
  },
  {
    name: 'refusing escaped slashes, no output path holds %2F, %5C or a backslash',
    run: () => fc.assert(fc.property(target, fc.constantFrom(STRICT, NOMERGE_REJECT), (t, o) => {
      const got = normalizeTarget(t, o)
      if (!got.ok) return
      assert.doesNotMatch(pathOf(got.pathAndQuery), /%2F|%5C|\\/i, got.pathAndQuery)
    }), RUNS)
  },
  {
    name: 'the query comes back exactly as sent',
    run: () => fc.assert(fc.property(trickyPath, fc.string({ unit: fc.constantFrom('%', 'z', '/', '.', '?', '\\', 'a', '2', 'F'), maxLength: 20 }), options, (p, query, o) => {
      const got = normalizeTarget('/' + p.replace(/[?#]/g, '') + '?' + query, o)
      if (!got.ok) return
      assert.ok(got.pathAndQuery.endsWith('?' + query), `${got.pathAndQuery} does not end with ?${query}`)
    }), RUNS)
  },
  {
    name: 'one resource, one key: percent-encoding any unreserved character (either case) changes nothing',
    run: () => {
      const unreservedChar = fc.constantFrom('a', 'Z', '0', '9', '-', '.', '_', '~')
      const piece = fc.oneof(unreservedChar, fc.constant('/'))
      fc.assert(fc.property(fc.array(fc.tuple(piece, fc.boolean(), fc.boolean()), { maxLength: 20 }), options, (pieces, o) => {
        const plain = '/' + pieces.map(([ch]) => ch).join('')
        const encoded = '/' + pieces.map(([ch, encode, lower]) => {
          if (!encode || ch === '/') return ch
          const hex = ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')
          return '%' + (lower ? hex.toLowerCase() : hex)
        }).join('')
        assert.deepEqual(normalizeTarget(encoded, o), normalizeTarget(plain, o))
      }), RUNS)
    }
  },
  {
    name: 'absolute-form gives the same path as origin-form, with the authority apart',
    run: () => fc.assert(fc.property(trickyPath, options, (p, o) => {
      const origin = normalizeTarget('/' + p, o)
      const absolute = normalizeTarget('http://example.com/' + p, o)
      if (!origin.ok) {
        assert.equal(absolute.ok, false)
        return
      }
      assert.deepEqual(absolute, { ...origin, authority: 'example.com' })
    }), RUNS)
  },
  {
    name: 'removeDotSegments is idempotent and never leaves a dot-segment',
    run: () => fc.assert(fc.property(trickyPath, fc.boolean(), (p, merge) => {
      const once = removeDotSegments('/' + p, merge)
      assert.equal(removeDotSegments(once, merge), once)
      const segments = once.slice(1).split('/')
      assert.ok(once.startsWith('/'))
      assert.ok(!segments.includes('.') && !segments.includes('..'), once)
    }), RUNS)
  }
]

for (const c of properties) test(`property: ${c.name}`, c.run)
