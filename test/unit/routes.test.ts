import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULTS } from '../../src/config/defaults.ts'
import { loadConfig } from '../../src/config/load.ts'
import { compileRoutes, normalizeHost, routePolicy } from '../../src/config/routes.ts'
import type { Config, Policy, RouteConfig } from '../../src/config/types.ts'

const ORIGIN = 'http://127.0.0.1:3000'

function table (routes: RouteConfig[]): ReturnType<typeof compileRoutes> {
  const config: Config = { ...DEFAULTS, routes }
  return compileRoutes(config)
}

const gateway = table([
  { name: 'root', path: '/', origin: ORIGIN },
  { name: 'api', path: '/api', origin: ORIGIN },
  { name: 'api-v2', path: '/api/v2', origin: ORIGIN },
  { name: 'static', path: '/static/', origin: ORIGIN },
  { name: 'host-root', host: 'Example.COM', path: '/', origin: ORIGIN },
  { name: 'host-admin', host: 'example.com:8443', path: '/admin', origin: ORIGIN },
  { name: 'host-only', host: 'other.test', path: '/only', origin: ORIGIN },
  { name: 'ipv6', host: '[::1]', path: '/v6', origin: ORIGIN }
])

const matches = [
  { name: '/ goes to the root route', input: { host: 'any.test', path: '/' }, want: 'root' },
  { name: 'prefix equals the path', input: { host: 'any.test', path: '/api' }, want: 'api' },
  { name: 'prefix then a slash', input: { host: 'any.test', path: '/api/' }, want: 'api' },
  { name: 'prefix then a segment', input: { host: 'any.test', path: '/api/users/7' }, want: 'api' },
  { name: 'segment boundary: /apix is not under /api', input: { host: 'any.test', path: '/apix' }, want: 'root' },
  { name: 'query string right after the prefix', input: { host: 'any.test', path: '/api?q=1' }, want: 'api' },
  { name: 'query string containing a slash does not extend the path', input: { host: 'any.test', path: '/apix?next=/api' }, want: 'root' },
  { name: 'longest prefix wins', input: { host: 'any.test', path: '/api/v2/items' }, want: 'api-v2' },
  { name: 'longest prefix, query string', input: { host: 'any.test', path: '/api/v2?x=1' }, want: 'api-v2' },
  { name: 'segment boundary: /api/v20 falls back to /api', input: { host: 'any.test', path: '/api/v20' }, want: 'api' },
  { name: 'prefix ending in / does not match the bare name', input: { host: 'any.test', path: '/static' }, want: 'root' },
  { name: 'prefix ending in / matches below it', input: { host: 'any.test', path: '/static/app.css' }, want: 'static' },
  { name: 'paths are case-sensitive', input: { host: 'any.test', path: '/API' }, want: 'root' },
  { name: 'no Host header: host-less routes only', input: { host: undefined, path: '/api' }, want: 'api' },
  { name: 'a matching host beats a longer host-less prefix', input: { host: 'example.com', path: '/api/v2/items' }, want: 'host-root' },
  { name: 'host is case-insensitive', input: { host: 'EXAMPLE.com', path: '/x' }, want: 'host-root' },
  { name: 'request port ignored', input: { host: 'example.com:8080', path: '/x' }, want: 'host-root' },
  { name: 'route port ignored too; longest prefix among host routes', input: { host: 'example.com', path: '/admin/users' }, want: 'host-admin' },
  { name: 'trailing dot of a fully qualified host', input: { host: 'example.com.', path: '/x' }, want: 'host-root' },
  { name: 'host route that does not cover the path falls back to host-less routes', input: { host: 'other.test', path: '/api' }, want: 'api' },
  { name: 'host route covering the path', input: { host: 'other.test:80', path: '/only/x' }, want: 'host-only' },
  { name: 'bracketed IPv6 host with port', input: { host: '[::1]:8080', path: '/v6/x' }, want: 'ipv6' },
  { name: 'percent-encoded unreserved characters match decoded (RFC 3986 §6.2.2.2)', input: { host: 'any.test', path: '/%61pi/x' }, want: 'api' },
  { name: 'percent-encoded slash is not a segment boundary', input: { host: 'any.test', path: '/api%2Fx' }, want: 'root' }
]
for (const c of matches) {
  test(`match: ${c.name}`, () => {
    assert.equal(gateway.match(c.input.host, c.input.path)?.id, c.want)
  })
}

const noRoot = table([{ name: 'api', path: '/api', origin: ORIGIN }, { name: 'h', host: 'h.test', path: '/h', origin: ORIGIN }])
const misses = [
  { name: 'no route covers /', input: { host: 'any.test', path: '/' }, want: undefined },
  { name: 'segment boundary miss', input: { host: 'any.test', path: '/apix' }, want: undefined },
  { name: 'host route for another host', input: { host: 'other.test', path: '/h' }, want: undefined },
  { name: 'not a path at all', input: { host: 'any.test', path: '*' }, want: undefined }
]
for (const c of misses) {
  test(`match: ${c.name} → undefined`, () => {
    assert.equal(noRoot.match(c.input.host, c.input.path), c.want)
  })
}

const compiled = [
  { name: 'id defaults to * and the path', input: { path: '/api', origin: ORIGIN }, want: { id: '*/api', path: '/api', host: null, origin: ORIGIN, originPathPrefix: '' } },
  { name: 'id of a host route', input: { path: '/', host: 'a.test', origin: ORIGIN }, want: { id: 'a.test/', path: '/', host: 'a.test', origin: ORIGIN, originPathPrefix: '' } },
  { name: 'name wins as id', input: { name: 'billing', path: '/b', origin: ORIGIN }, want: { id: 'billing', path: '/b', host: null, origin: ORIGIN, originPathPrefix: '' } },
  { name: 'origin normalised: trailing slash dropped', input: { path: '/', origin: 'http://127.0.0.1:3000/' }, want: { id: '*/', path: '/', host: null, origin: ORIGIN, originPathPrefix: '' } },
  { name: 'origin normalised: case and default port', input: { path: '/', origin: 'http://Example.TEST:80' }, want: { id: '*/', path: '/', host: null, origin: 'http://example.test', originPathPrefix: '' } },
  { name: 'https keeps a non-default port', input: { path: '/', origin: 'https://127.0.0.1:8443' }, want: { id: '*/', path: '/', host: null, origin: 'https://127.0.0.1:8443', originPathPrefix: '' } },
  { name: 'origin path becomes the prefix, without trailing slash', input: { path: '/', origin: 'http://127.0.0.1:3000/v1/' }, want: { id: '*/', path: '/', host: null, origin: ORIGIN, originPathPrefix: '/v1' } }
]
for (const c of compiled) {
  test(`compile: ${c.name}`, () => {
    const { policy, ...route } = table([c.input]).routes[0]
    assert.deepEqual(route, c.want)
    assert.deepEqual(policy, DEFAULTS.defaults)
  })
}

const base: Policy = DEFAULTS.defaults
const merges = [
  { name: 'no overrides: the defaults', input: {}, want: base },
  { name: 'one scalar', input: { mode: 'observe' }, want: { ...base, mode: 'observe' } },
  { name: 'false overrides true', input: { requirePrecondition: false }, want: { ...base, requirePrecondition: false }, defaults: { ...base, requirePrecondition: true } },
  { name: 'list replaced, not appended', input: { repair: ['unquoted-etag'] }, want: { ...base, repair: ['unquoted-etag'] }, defaults: { ...base, repair: ['weakened-etag'] } },
  { name: 'timeouts merge key by key', input: { timeouts: { lookupMs: 100 } }, want: { ...base, timeouts: { ...base.timeouts, lookupMs: 100 } } },
  { name: 'lock merges key by key', input: { lock: { maxQueue: 2 } }, want: { ...base, lock: { waitMs: base.lock.waitMs, maxQueue: 2 } } },
  { name: 'zero is an override, not a missing value', input: { validatorTtlMs: 0, lock: { waitMs: 0 } }, want: { ...base, validatorTtlMs: 0, lock: { ...base.lock, waitMs: 0 } } }
] as const
for (const c of merges) {
  test(`policy merge: ${c.name}`, () => {
    const defaults = 'defaults' in c ? c.defaults : base
    assert.deepEqual(routePolicy(defaults, { path: '/', origin: ORIGIN, ...c.input } as RouteConfig), c.want)
  })
}

const dir = mkdtempSync(join(tmpdir(), 'ifgate-routes-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test('policy merge: end to end from YAML, file defaults then route overrides', () => {
  const path = join(dir, 'routes.yaml')
  writeFileSync(path, [
    'defaults:',
    '  ownership: exclusive',
    '  timeouts: { originConnectMs: 1000, lookupMs: 2000 }',
    '  lock: { waitMs: 300 }',
    'routes:',
    `  - { path: /, origin: "${ORIGIN}" }`,
    `  - { path: /slow, origin: "${ORIGIN}", ownership: shared, timeouts: { lookupMs: 9000 }, lock: { maxQueue: 5 } }`
  ].join('\n'))
  const [root, slow] = compileRoutes(loadConfig({ config: path }, {})).routes
  assert.deepEqual(root.policy, { ...base, ownership: 'exclusive', timeouts: { ...base.timeouts, originConnectMs: 1000, lookupMs: 2000 }, lock: { ...base.lock, waitMs: 300 } })
  assert.deepEqual(slow.policy, { ...base, ownership: 'shared', timeouts: { ...base.timeouts, originConnectMs: 1000, lookupMs: 9000 }, lock: { waitMs: 300, maxQueue: 5 } })
})

test('compiled routes are frozen', () => {
  const route = gateway.routes[0]
  assert.ok(Object.isFrozen(gateway.routes) && Object.isFrozen(route) && Object.isFrozen(route.policy.timeouts))
})

const hosts = [
  { name: 'lower case', input: 'API.Example.COM', want: 'api.example.com' },
  { name: 'port dropped', input: 'a.test:8080', want: 'a.test' },
  { name: 'trailing dot dropped', input: 'a.test.:80', want: 'a.test' },
  { name: 'IPv6 keeps its brackets, loses its port', input: '[::1]:443', want: '[::1]' },
  { name: 'IPv4 with port', input: '127.0.0.1:80', want: '127.0.0.1' }
]
for (const c of hosts) {
  test(`normalizeHost: ${c.name}`, () => {
    assert.equal(normalizeHost(c.input), c.want)
  })
}
