import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { DEFAULTS } from '../../src/config/defaults.ts'
import { ConfigError, loadConfig, parseHostPort, type Overrides } from '../../src/config/load.ts'
import type { Config } from '../../src/config/types.ts'

const dir = mkdtempSync(join(tmpdir(), 'ifgate-config-'))
after(() => rmSync(dir, { recursive: true, force: true }))

let counter = 0
/** Returns the path of a new temp file holding `text`. */
function file (text: string): string {
  const path = join(dir, `c${++counter}.yaml`)
  writeFileSync(path, text)
  return path
}

const EXAMPLE = fileURLToPath(new URL('../../config/ifgate.yaml', import.meta.url))
const ORIGIN = 'http://127.0.0.1:3000'
const ROUTE = `routes:\n  - origin: ${ORIGIN}\n`

interface Input { flags?: Overrides; env?: Record<string, string>; yaml?: string }
interface Case<W> { name: string; input: Input; want: W }
function load (input: Input): Config {
  const flags = { ...input.flags }
  if (input.yaml !== undefined) flags.config = file(input.yaml)
  return loadConfig(flags, input.env ?? {})
}

const { routes: _r, source: _s, ...DEFAULT_SETTINGS } = DEFAULTS

const filled: Array<Case<unknown>> = [
  {
    name: '--origin alone is a complete config: every default, one route /',
    input: { flags: { origin: ORIGIN } },
    want: { ...DEFAULT_SETTINGS, routes: [{ path: '/', host: null, origin: ORIGIN }], source: null }
  },
  {
    name: 'IFGATE_ORIGIN alone is a complete config too',
    input: { env: { IFGATE_ORIGIN: ORIGIN } },
    want: { ...DEFAULT_SETTINGS, routes: [{ path: '/', host: null, origin: ORIGIN }], source: null }
  },
  {
    name: 'one nested key keeps the other defaults of its object (timeouts)',
    input: { yaml: `defaults:\n  timeouts: { lookupMs: 250 }\n${ROUTE}` },
    want: { ...DEFAULT_SETTINGS, defaults: { ...DEFAULTS.defaults, timeouts: { ...DEFAULTS.defaults.timeouts, lookupMs: 250 } }, routes: [{ path: '/', host: null, origin: ORIGIN }], source: 'FILE' }
  },
  {
    name: 'route policy overrides stay on the route, not merged into it here',
    input: { yaml: `routes:\n  - path: /api\n    origin: ${ORIGIN}\n    lock: { waitMs: 5 }\n` },
    want: { ...DEFAULT_SETTINGS, routes: [{ path: '/api', origin: ORIGIN, lock: { waitMs: 5 }, host: null }], source: 'FILE' }
  },
  {
    name: '--require-precondition sets defaults.requirePrecondition',
    input: { flags: { origin: ORIGIN, requirePrecondition: true } },
    want: { ...DEFAULT_SETTINGS, defaults: { ...DEFAULTS.defaults, requirePrecondition: true }, routes: [{ path: '/', host: null, origin: ORIGIN }], source: null }
  },
  {
    name: 'IFGATE_ADMIN_TOKEN sets admin.token',
    input: { flags: { origin: ORIGIN }, env: { IFGATE_ADMIN_TOKEN: 's3cret' } },
    want: { ...DEFAULT_SETTINGS, admin: { ...DEFAULTS.admin, token: 's3cret' }, routes: [{ path: '/', host: null, origin: ORIGIN }], source: null }
  },
  {
    name: 'empty environment variables count as unset (docker -e X=)',
    input: { flags: { origin: ORIGIN }, env: { IFGATE_LISTEN: '', LOG_LEVEL: '', IFGATE_CONFIG: '' } },
    want: { ...DEFAULT_SETTINGS, routes: [{ path: '/', host: null, origin: ORIGIN }], source: null }
  }
]
for (const c of filled) {
  test(`defaults: ${c.name}`, () => {
    const got = load(c.input)
    // A temp file's path stands in as 'FILE'.
    assert.deepEqual({ ...got, source: got.source === null ? null : 'FILE' }, c.want)
  })
}

test('defaults: the result is deep-frozen', () => {
  const got = load({ flags: { origin: ORIGIN } })
  assert.ok(Object.isFrozen(got) && Object.isFrozen(got.defaults.timeouts) && Object.isFrozen(got.routes[0]))
  assert.throws(() => { (got.defaults.lock as { waitMs: number }).waitMs = 1 }, TypeError)
})

test('defaults: config/ifgate.yaml is every default plus its one route', () => {
  const got = loadConfig({ config: EXAMPLE }, {})
  assert.deepEqual({ ...got, routes: [], source: null }, DEFAULTS)
  assert.deepEqual(got.routes, [{ path: '/', host: null, origin: ORIGIN }])
  assert.equal(got.source, EXAMPLE)
})

test('defaults: config/ifgate.yaml writes out every setting with its default value', () => {
  const raw = parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>
  assert.deepEqual({ ...raw, routes: [] }, { ...DEFAULT_SETTINGS, routes: [] })
})

const fileSays = `listen: 127.0.0.3:1003\nadmin: { listen: 127.0.0.3:2003 }\nlog: { level: warn }\nroutes:\n  - path: /from-file\n    origin: http://127.0.0.3:3003\n`
const precedence: Array<Case<{ get: (c: Config) => unknown; value: unknown }>> = [
  { name: 'listen: flag beats env and file', input: { yaml: fileSays, flags: { listen: '127.0.0.1:1001' }, env: { IFGATE_LISTEN: '127.0.0.2:1002' } }, want: { get: (c: Config) => c.listen, value: '127.0.0.1:1001' } },
  { name: 'listen: env beats file', input: { yaml: fileSays, env: { IFGATE_LISTEN: '127.0.0.2:1002' } }, want: { get: (c: Config) => c.listen, value: '127.0.0.2:1002' } },
  { name: 'listen: file beats default', input: { yaml: fileSays }, want: { get: (c: Config) => c.listen, value: '127.0.0.3:1003' } },
  { name: 'admin-listen: flag beats env and file', input: { yaml: fileSays, flags: { adminListen: '127.0.0.1:2001' }, env: { IFGATE_ADMIN_LISTEN: '127.0.0.2:2002' } }, want: { get: (c: Config) => c.admin.listen, value: '127.0.0.1:2001' } },
  { name: 'admin-listen: env beats file', input: { yaml: fileSays, env: { IFGATE_ADMIN_LISTEN: '127.0.0.2:2002' } }, want: { get: (c: Config) => c.admin.listen, value: '127.0.0.2:2002' } },
  { name: 'admin-listen: file beats default', input: { yaml: fileSays }, want: { get: (c: Config) => c.admin.listen, value: '127.0.0.3:2003' } },
  { name: 'log-level: flag beats env and file', input: { yaml: fileSays, flags: { logLevel: 'debug' }, env: { LOG_LEVEL: 'error' } }, want: { get: (c: Config) => c.log.level, value: 'debug' } },
  { name: 'log-level: env beats file', input: { yaml: fileSays, env: { LOG_LEVEL: 'error' } }, want: { get: (c: Config) => c.log.level, value: 'error' } },
  { name: 'log-level: file beats default', input: { yaml: fileSays }, want: { get: (c: Config) => c.log.level, value: 'warn' } },
  { name: 'origin: flag beats env and replaces the file\'s routes', input: { yaml: fileSays, flags: { origin: 'http://127.0.0.1:3001' }, env: { IFGATE_ORIGIN: 'http://127.0.0.2:3002' } }, want: { get: (c: Config) => c.routes, value: [{ path: '/', host: null, origin: 'http://127.0.0.1:3001' }] } },
  { name: 'origin: env beats file', input: { yaml: fileSays, env: { IFGATE_ORIGIN: 'http://127.0.0.2:3002' } }, want: { get: (c: Config) => c.routes, value: [{ path: '/', host: null, origin: 'http://127.0.0.2:3002' }] } },
  { name: 'origin: file routes when neither is given', input: { yaml: fileSays }, want: { get: (c: Config) => c.routes, value: [{ path: '/from-file', host: null, origin: 'http://127.0.0.3:3003' }] } },
  { name: 'config: flag beats env', input: { flags: { config: 'FLAG' }, env: { IFGATE_CONFIG: 'ENV' } }, want: { get: (c: Config) => c.listen, value: '127.0.0.1:1001' } },
  { name: 'config: env is read when no flag', input: { env: { IFGATE_CONFIG: 'ENV' } }, want: { get: (c: Config) => c.listen, value: '127.0.0.2:1002' } }
]
const flagFile = file(`listen: 127.0.0.1:1001\n${ROUTE}`)
const envFile = file(`listen: 127.0.0.2:1002\n${ROUTE}`)
for (const c of precedence) {
  test(`precedence: ${c.name}`, () => {
    const input: Input = { ...c.input }
    if (input.flags?.config === 'FLAG') input.flags = { ...input.flags, config: flagFile }
    if (input.env?.IFGATE_CONFIG === 'ENV') input.env = { ...input.env, IFGATE_CONFIG: envFile }
    assert.deepEqual(c.want.get(load(input)), c.want.value)
  })
}

const FILE = 'the config file'
const bad: Array<Case<{ file: string | null; path: string; problem: RegExp }>> = [
  { name: 'bad enum', input: { yaml: `defaults: { etags: weird }\n${ROUTE}` }, want: { file: FILE, path: 'defaults.etags', problem: /^must be one of auto, origin, synthesize$/ } },
  { name: 'bad enum in a route', input: { yaml: `routes:\n  - origin: ${ORIGIN}\n    mode: loud\n` }, want: { file: FILE, path: 'routes[0].mode', problem: /^must be one of enforce, observe$/ } },
  { name: 'negative number', input: { yaml: `cache: { historyDepth: -1 }\n${ROUTE}` }, want: { file: FILE, path: 'cache.historyDepth', problem: /^must be >= 0 \(got -1\)$/ } },
  { name: 'zero timeout (timeouts must wait at least 1 ms)', input: { yaml: `routes:\n  - origin: ${ORIGIN}\n    timeouts: { lookupMs: 0 }\n` }, want: { file: FILE, path: 'routes[0].timeouts.lookupMs', problem: /^must be >= 1/ } },
  { name: 'timeout beyond setTimeout\'s range', input: { yaml: `shutdownTimeoutMs: 9999999999\n${ROUTE}` }, want: { file: FILE, path: 'shutdownTimeoutMs', problem: /^must be <= 2147483647/ } },
  { name: 'a unit in a number', input: { yaml: `defaults: { timeouts: { lookupMs: 5s } }\n${ROUTE}` }, want: { file: FILE, path: 'defaults.timeouts.lookupMs', problem: /^must be an integer \(got "5s"\)$/ } },
  { name: 'a fraction where an integer is due', input: { yaml: `defaults: { validatorTtlMs: 1.5 }\n${ROUTE}` }, want: { file: FILE, path: 'defaults.validatorTtlMs', problem: /^must be an integer/ } },
  { name: 'yes is a string in YAML 1.2, not a boolean', input: { yaml: `defaults: { requirePrecondition: yes }\n${ROUTE}` }, want: { file: FILE, path: 'defaults.requirePrecondition', problem: /^must be true or false/ } },
  { name: 'unknown repair', input: { yaml: `defaults: { repair: [gzip] }\n${ROUTE}` }, want: { file: FILE, path: 'defaults.repair[0]', problem: /^must be one of weakened-etag, encoding-suffix-etag, unquoted-etag$/ } },
  { name: 'repeated repair', input: { yaml: `defaults: { repair: [unquoted-etag, unquoted-etag] }\n${ROUTE}` }, want: { file: FILE, path: 'defaults.repair', problem: /^must not list the same value twice/ } },
  { name: 'unknown key at top level', input: { yaml: `lissen: 0.0.0.0:80\n${ROUTE}` }, want: { file: FILE, path: 'lissen', problem: /^unknown field \(did you mean listen\?\)$/ } },
  { name: 'unknown key in defaults', input: { yaml: `defaults: { etag: auto }\n${ROUTE}` }, want: { file: FILE, path: 'defaults.etag', problem: /^unknown field/ } },
  { name: 'unknown key in a route', input: { yaml: `routes:\n  - origin: ${ORIGIN}\n    prefix: /api\n` }, want: { file: FILE, path: 'routes[0].prefix', problem: /^unknown field$/ } },
  { name: 'unknown key in a route\'s timeouts', input: { yaml: `routes:\n  - origin: ${ORIGIN}\n    timeouts: { connectMs: 5 }\n` }, want: { file: FILE, path: 'routes[0].timeouts.connectMs', problem: /^unknown field/ } },
  { name: 'missing origin', input: { yaml: 'routes:\n  - path: /api\n' }, want: { file: FILE, path: 'routes[0].origin', problem: /^required field is missing$/ } },
  { name: 'origin with a scheme other than http(s)', input: { yaml: 'routes:\n  - origin: ftp://127.0.0.1\n' }, want: { file: FILE, path: 'routes[0].origin', problem: /^must be an http:\/\/ or https:\/\/ URL/ } },
  { name: 'origin with credentials', input: { yaml: 'routes:\n  - origin: http://u:p@127.0.0.1\n' }, want: { file: FILE, path: 'routes[0].origin', problem: /without credentials/ } },
  { name: 'origin with a query', input: { yaml: 'routes:\n  - origin: http://127.0.0.1/?a=1\n' }, want: { file: FILE, path: 'routes[0].origin', problem: /query/ } },
  { name: 'origin with a port out of range (not a URL)', input: { yaml: 'routes:\n  - origin: http://127.0.0.1:99999\n' }, want: { file: FILE, path: 'routes[0].origin', problem: /^is not a valid URL/ } },
  { name: 'route path without a leading slash', input: { yaml: `routes:\n  - path: api\n    origin: ${ORIGIN}\n` }, want: { file: FILE, path: 'routes[0].path', problem: /^must start with \// } },
  { name: 'listen without a port', input: { yaml: `listen: localhost\n${ROUTE}` }, want: { file: FILE, path: 'listen', problem: /^must be HOST:PORT/ } },
  { name: 'listen port above 65535', input: { yaml: `listen: 127.0.0.1:65536\n${ROUTE}` }, want: { file: FILE, path: 'listen', problem: /^must be HOST:PORT/ } },
  { name: 'IPv6 listen without brackets', input: { yaml: `admin: { listen: "::1:9090" }\n${ROUTE}` }, want: { file: FILE, path: 'admin.listen', problem: /^must be HOST:PORT/ } },
  { name: 'listen as a bare number', input: { yaml: `listen: 8080\n${ROUTE}` }, want: { file: FILE, path: 'listen', problem: /^must be a string \(got 8080\)$/ } },
  { name: 'empty admin token', input: { yaml: `admin: { token: "" }\n${ROUTE}` }, want: { file: FILE, path: 'admin.token', problem: /^must not be empty$/ } },
  { name: 'same host and path twice', input: { yaml: `routes:\n  - { path: /a, host: x.test, origin: ${ORIGIN} }\n  - { path: /a, host: X.test:81, origin: ${ORIGIN} }\n` }, want: { file: FILE, path: 'routes[1].path', problem: /^routes\[0\] has the same host and path$/ } },
  { name: 'same name twice', input: { yaml: `routes:\n  - { name: api, path: /a, origin: ${ORIGIN} }\n  - { name: api, path: /b, origin: ${ORIGIN} }\n` }, want: { file: FILE, path: 'routes[1].name', problem: /same name "api"/ } },
  { name: 'header timeout longer than the request timeout', input: { yaml: `server: { headersTimeoutMs: 70000 }\n${ROUTE}` }, want: { file: FILE, path: 'server.headersTimeoutMs', problem: /^must be <= server.requestTimeoutMs \(60000\)$/ } },
  { name: 'YAML syntax error: path is line:col', input: { yaml: 'listen: [1\nroutes: x\n' }, want: { file: FILE, path: '2:1', problem: /Flow sequence/ } },
  { name: 'YAML duplicate key', input: { yaml: `listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n${ROUTE}` }, want: { file: FILE, path: '2:1', problem: /^Map keys must be unique$/ } },
  { name: 'YAML alias bomb (resource exhaustion)', input: { yaml: 'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' }, want: { file: FILE, path: '(yaml)', problem: /^Excessive alias count/ } },
  { name: 'a list instead of a mapping', input: { yaml: '- listen: 127.0.0.1:1\n' }, want: { file: FILE, path: '(top level)', problem: /^must be a mapping/ } },
  { name: 'missing file named by --config', input: { flags: { config: '/nonexistent/ifgate.yaml' } }, want: { file: '/nonexistent/ifgate.yaml', path: '--config', problem: /^file not found$/ } },
  { name: 'missing file named by IFGATE_CONFIG', input: { env: { IFGATE_CONFIG: '/nonexistent/env.yaml' } }, want: { file: '/nonexistent/env.yaml', path: 'IFGATE_CONFIG', problem: /^file not found$/ } },
  { name: 'a directory as the config file', input: { flags: { config: tmpdir() } }, want: { file: tmpdir(), path: '--config', problem: /directory/ } },
  { name: 'no route at all', input: { yaml: 'listen: 127.0.0.1:1\n' }, want: { file: FILE, path: 'routes', problem: /^no route: give --origin or routes in the config file$/ } },
  { name: 'no route and no file', input: {}, want: { file: null, path: 'routes', problem: /^no route/ } },
  { name: 'bad --listen flag', input: { flags: { origin: ORIGIN, listen: '8080' } }, want: { file: null, path: '--listen', problem: /^must be HOST:PORT/ } },
  { name: 'bad IFGATE_ADMIN_LISTEN', input: { flags: { origin: ORIGIN }, env: { IFGATE_ADMIN_LISTEN: 'localhost' } }, want: { file: null, path: 'IFGATE_ADMIN_LISTEN', problem: /^must be HOST:PORT/ } },
  { name: 'bad --log-level flag', input: { flags: { origin: ORIGIN, logLevel: 'loud' } }, want: { file: null, path: '--log-level', problem: /^must be one of fatal, error, warn, info, debug, trace, silent$/ } },
  { name: 'bad LOG_LEVEL', input: { flags: { origin: ORIGIN }, env: { LOG_LEVEL: 'verbose' } }, want: { file: null, path: 'LOG_LEVEL', problem: /^must be one of/ } },
  { name: 'bad --origin flag', input: { flags: { origin: 'localhost:3000' } }, want: { file: null, path: '--origin', problem: /^must be an http:\/\/ or https:\/\/ URL/ } },
  { name: 'bad IFGATE_ORIGIN (not a URL)', input: { env: { IFGATE_ORIGIN: 'http://[::1' } }, want: { file: null, path: 'IFGATE_ORIGIN', problem: /^is not a valid URL/ } }
]
for (const c of bad) {
  test(`bad input: ${c.name}`, () => {
    const flags = { ...c.input.flags }
    if (c.input.yaml !== undefined) flags.config = file(c.input.yaml)
    const err = (() => {
      try {
        loadConfig(flags, c.input.env ?? {})
      } catch (e) {
        return e
      }
      return undefined
    })()
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`)
    const wantFile = c.want.file === FILE ? flags.config ?? null : c.want.file
    assert.deepEqual([err.file, err.path], [wantFile, c.want.path])
    assert.match(err.problem, c.want.problem)
    assert.equal(err.message.split('\n')[0], `${wantFile ?? '<flags>'}: ${err.path}: ${err.problem}`)
    assert.equal(err.code, 'IFG_ERR_CONFIG_INVALID')
  })
}

test('bad input: every problem of a file is reported, one line each', () => {
  const path = file(`listen: x\ndefaults: { etags: weird, mode: loud }\nroutes:\n  - path: /a\n`)
  assert.throws(() => loadConfig({ config: path }, {}), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(err.issues.map((i) => i.path), ['listen', 'defaults.mode', 'defaults.etags', 'routes[0].origin'])
    assert.equal(err.message.split('\n').length, 4)
    assert.ok(err.message.split('\n').every((line) => line.startsWith(`${path}: `)))
    return true
  })
})

const hostPorts = [
  { name: 'IPv4', input: '0.0.0.0:8080', want: { host: '0.0.0.0', port: 8080 } },
  { name: 'host name, port 0', input: 'localhost:0', want: { host: 'localhost', port: 0 } },
  { name: 'bracketed IPv6 loses its brackets', input: '[::1]:9090', want: { host: '::1', port: 9090 } },
  { name: 'highest port', input: '127.0.0.1:65535', want: { host: '127.0.0.1', port: 65535 } },
  { name: 'no port is invalid', input: '127.0.0.1', want: undefined },
  { name: 'port out of range is invalid', input: '127.0.0.1:70000', want: undefined },
  { name: 'leading zero port is invalid', input: '127.0.0.1:080', want: undefined },
  { name: 'unbracketed IPv6 is invalid', input: '::1:80', want: undefined }
]
for (const c of hostPorts) {
  test(`parseHostPort: ${c.name}`, () => {
    if (c.want === undefined) assert.throws(() => parseHostPort(c.input), ConfigError)
    else assert.deepEqual(parseHostPort(c.input), c.want)
  })
}
