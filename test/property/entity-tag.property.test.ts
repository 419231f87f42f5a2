import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { formatEntityTag, formatEntityTagList, parseEntityTag, parseEntityTagList, type EntityTag } from '../../src/http/entity-tag.ts'

// RFC 9110 §8.8.3: etagc = %x21 / %x23-7E / obs-text (%x80-FF)
const etagc = fc.integer({ min: 0x21, max: 0xff })
  .filter((c) => c !== 0x22 && c !== 0x7f)
  .map((c) => String.fromCharCode(c))
const entityTag: fc.Arbitrary<EntityTag> = fc.tuple(fc.boolean(), fc.string({ unit: etagc, maxLength: 12 }))
  .map(([weak, opaque]) => ({ weak, opaque }))
const separator = fc.constantFrom(',', ', ', ' ,', ',\t', ' , , ', ',,')
const wireChars = fc.string({ unit: fc.constantFrom('"', 'W', '/', ',', ' ', '*', '\t', 'a'), maxLength: 40 })

const RUNS = { numRuns: 500 }

const cases: { name: string; run: () => void }[] = [
  {
    name: 'formatted well-formed tags parse back to the same tags and format identically',
    run: () => fc.assert(fc.property(fc.array(entityTag, { maxLength: 8 }), (tags) => {
      const wire = tags.map(formatEntityTag).join(', ')
      const parsed = parseEntityTagList(wire)
      assert.ok(parsed !== undefined)
      assert.deepEqual(parsed.tags, tags)
      assert.deepEqual(parsed.malformed, [])
      assert.equal(formatEntityTagList(parsed), wire)
    }), RUNS)
  },
  {
    name: 'OWS, empty elements and field-line splits do not change the parsed tags',
    run: () => fc.assert(fc.property(fc.array(fc.tuple(entityTag, separator), { minLength: 1, maxLength: 8 }), fc.nat(), (members, cut) => {
      const parts = members.map(([tag, sep]) => formatEntityTag(tag) + sep)
      const at = cut % parts.length
      const lines = [parts.slice(0, at).join(''), parts.slice(at).join('')].filter((l) => l.length > 0)
      const parsed = parseEntityTagList(lines)
      assert.deepEqual(parsed?.tags, members.map(([tag]) => tag))
      assert.deepEqual(parsed?.malformed, [])
    }), RUNS)
  },
  {
    name: 'one formatted tag round-trips through parseEntityTag',
    run: () => fc.assert(fc.property(entityTag, (tag) => {
      assert.deepEqual(parseEntityTag(formatEntityTag(tag)), tag)
    }), RUNS)
  },
  {
    name: 'parseEntityTagList never throws on unicode strings and returns a list',
    run: () => fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
      const parsed = parseEntityTagList(s)
      assert.ok(parsed !== undefined)
      assert.ok(!parsed.any || (parsed.tags.length === 0 && parsed.malformed.length === 0))
    }), RUNS)
  },
  {
    name: 'parseEntityTagList never throws on strings built from "W/, *\\t and keeps * exclusive',
    run: () => fc.assert(fc.property(fc.array(wireChars, { maxLength: 3 }), (lines) => {
      const parsed = parseEntityTagList(lines)
      if (lines.length === 0) assert.equal(parsed, undefined)
      else assert.ok(parsed !== undefined && (!parsed.any || parsed.tags.length + parsed.malformed.length === 0))
    }), RUNS)
  },
  {
    name: 'every parsed tag formats to text that occurs in the input',
    run: () => fc.assert(fc.property(wireChars, (s) => {
      for (const tag of parseEntityTagList(s)?.tags ?? []) assert.ok(s.includes(formatEntityTag(tag)))
    }), RUNS)
  }
]

for (const c of cases) {
  test(c.name, c.run)
}
