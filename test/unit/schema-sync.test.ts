import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { DEFAULTS } from '../../src/config/defaults.ts'
import { CONFIG_SCHEMA, schemaJson } from '../../src/config/schema.ts'

const committed = readFileSync(new URL('../../config/ifgate.schema.json', import.meta.url), 'utf8')
const example: unknown = parse(readFileSync(new URL('../../config/ifgate.yaml', import.meta.url), 'utf8'))

interface Node { type?: unknown; properties?: Record<string, Node>; items?: Node; description?: string; additionalProperties?: unknown; default?: unknown }

/** Returns every property schema with its dotted path (`routes[].timeouts.lookupMs`). */
function properties (node: Node, path = ''): Array<[string, Node]> {
  const out: Array<[string, Node]> = []
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = path === '' ? key : `${path}.${key}`
    out.push([p, child], ...properties(child, p))
    if (child.items !== undefined) out.push(...properties(child.items, `${p}[]`))
  }
  return out
}

/** Returns every leaf of an object with its dotted path. */
function leaves (value: unknown, path = ''): Array<[string, unknown]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[path, value]]
  return Object.entries(value).flatMap(([k, v]) => leaves(v, path === '' ? k : `${path}.${k}`))
}

const root = CONFIG_SCHEMA as unknown as Node
const all = properties(root)
const byPath = new Map(all)
const objects: Array<[string, Node]> = [['(top level)', root], ['routes[]', root.properties?.routes?.items ?? {}], ...all.filter(([, n]) => n.type === 'object')]

test('config/ifgate.schema.json is CONFIG_SCHEMA (regenerate: node scripts/gen-schema.ts)', () => {
  assert.equal(committed, schemaJson())
})

const checks = [
  { name: 'every property has a description naming its default', input: all, want: (n: Node) => /Default: /.test(n.description ?? '') },
  { name: 'every scalar property names its unit', input: all.filter(([, n]) => n.properties === undefined && n.type !== 'object'), want: (n: Node) => /Unit: |One of: /.test(n.description ?? '') },
  { name: 'every object refuses unknown keys', input: objects, want: (n: Node) => n.additionalProperties === false }
]
for (const c of checks) {
  test(`schema: ${c.name}`, () => {
    const failing = c.input.filter(([, n]) => !c.want(n)).map(([p]) => p)
    assert.ok(c.input.length >= 10, `the walk found the properties (${c.input.length})`)
    assert.deepEqual(failing, [])
  })
}

const { routes: _routes, source: _source, ...settings } = DEFAULTS
const defaults = leaves(settings)
for (const [path, value] of defaults) {
  test(`schema: ${path} declares the default of DEFAULTS (${JSON.stringify(value)})`, () => {
    const node = byPath.get(path)
    assert.ok(node !== undefined, `schema has ${path}`)
    assert.deepEqual(node.default, value)
    assert.ok((node.description ?? '').includes(`Default: ${JSON.stringify(value)}`), node.description)
  })
}

const documents = [
  { name: 'the annotated example', input: example, want: true },
  { name: 'DEFAULTS with one route', input: { ...settings, routes: [{ path: '/', host: null, origin: 'http://127.0.0.1:3000' }] }, want: true },
  { name: 'an unknown key', input: { listen: '0.0.0.0:8080', extra: 1 }, want: false },
  { name: 'a route without origin', input: { routes: [{ path: '/' }] }, want: false }
]
for (const c of documents) {
  test(`committed schema validates: ${c.name}`, () => {
    const validate = new Ajv({ allowUnionTypes: true }).compile(JSON.parse(committed) as object)
    assert.equal(validate(c.input), c.want)
  })
}
