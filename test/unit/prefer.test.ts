import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { parsePrefer, wantsRepresentation } from '../../src/http/prefer.ts'

type Field = string | string[] | undefined

/** What a Prefer field parses to: name → [value, params]. */
type Parsed = Record<string, [string, Record<string, string>]>

const cases: { name: string; field: Field; want: Parsed; representation: boolean }[] = [
  { name: 'no field', field: undefined, want: {}, representation: false },
  { name: 'an empty field', field: '', want: {}, representation: false },
  { name: 'return=representation', field: 'return=representation', want: { return: ['representation', {}] }, representation: true },
  { name: 'return=minimal', field: 'return=minimal', want: { return: ['minimal', {}] }, representation: false },
  { name: 'names are case-insensitive', field: 'Return=representation', want: { return: ['representation', {}] }, representation: true },
  { name: 'the value compared case-insensitively', field: 'return=Representation', want: { return: ['Representation', {}] }, representation: true },
  { name: 'BWS around "="', field: 'return = representation', want: { return: ['representation', {}] }, representation: true },
  { name: 'a quoted value', field: 'return="representation"', want: { return: ['representation', {}] }, representation: true },
  { name: 'several preferences, one line', field: 'respond-async, wait=10, return=representation', want: { 'respond-async': ['', {}], wait: ['10', {}], return: ['representation', {}] }, representation: true },
  { name: 'several field lines', field: ['respond-async', 'return=representation'], want: { 'respond-async': ['', {}], return: ['representation', {}] }, representation: true },
  { name: 'parameters', field: 'return=representation; foo="a;b"; bar', want: { return: ['representation', { foo: 'a;b', bar: '' }] }, representation: true },
  { name: 'return as a parameter of another preference is not the return preference', field: 'respond-async; return=representation', want: { 'respond-async': ['', { return: 'representation' }] }, representation: false },
  { name: 'the first instance wins (RFC 7240 §2)', field: 'return=minimal, return=representation', want: { return: ['minimal', {}] }, representation: false },
  { name: 'the first instance wins across lines', field: ['return=representation', 'return=minimal'], want: { return: ['representation', {}] }, representation: true },
  { name: 'a comma inside a quoted value does not split', field: 'foo="a,b", return=representation', want: { foo: ['a,b', {}], return: ['representation', {}] }, representation: true },
  { name: 'an escaped quote inside a quoted value', field: 'foo="a\\"b", return=representation', want: { foo: ['a"b', {}], return: ['representation', {}] }, representation: true },
  { name: 'a malformed preference is skipped, not the field', field: 'r@turn=x, return=representation', want: { return: ['representation', {}] }, representation: true },
  { name: 'an unterminated quoted value is malformed', field: 'return="representation', want: {}, representation: false },
  { name: 'a value that is not a token is malformed', field: 'return=repre sentation', want: {}, representation: false },
  { name: 'empty elements are skipped', field: ', ,return=representation,', want: { return: ['representation', {}] }, representation: true },
  { name: 'an empty value equals an absent one', field: 'respond-async=', want: { 'respond-async': ['', {}] }, representation: false },
  { name: 'representation as a name is not return=representation', field: 'representation', want: { representation: ['', {}] }, representation: false }
]

for (const c of cases) {
  test(`parsePrefer: ${c.name}`, () => {
    const got = Object.fromEntries([...parsePrefer(c.field)].map(([name, p]) => [name, [p.value, Object.fromEntries(p.params)]]))
    assert.deepEqual(got, c.want)
    assert.equal(wantsRepresentation(c.field), c.representation)
  })
}

test('parsePrefer: never throws, and every name it returns is a lower-case token', () => {
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (field) => {
    for (const name of parsePrefer(field).keys()) assert.match(name, /^[!#$%&'*+.^_`|~0-9a-z-]+$/)
  }))
})

test('wantsRepresentation: any other preferences around it leave the answer unchanged', () => {
  const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((t) => t !== 'return')
  fc.assert(fc.property(fc.array(token, { maxLength: 4 }), fc.array(token, { maxLength: 4 }), (before, after) => {
    assert.equal(wantsRepresentation([...before, 'return=representation', ...after].join(', ')), true)
    assert.equal(wantsRepresentation([...before, 'return=minimal', ...after].join(', ')), false)
  }))
})
