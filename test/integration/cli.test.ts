import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { DEFAULTS } from '../../src/config/defaults.ts'
import { childEnv } from '../helpers/child-env.ts'
import { listenLocal, type LocalServer } from '../helpers/http.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
const BIN = join(ROOT, 'bin', 'ifgate.js')
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const ORIGIN = 'http://127.0.0.1:3000'
const STACK_LINE = /^\s+at /m

const dir = mkdtempSync(join(tmpdir(), 'ifgate-cli-'))
const BAD = join(dir, 'bad.yaml')
writeFileSync(BAD, `defaults:\n  etags: weird\n  lock: { waitMs: -1 }\nroutes:\n  - path: /api\n    origin: ${ORIGIN}\n    colour: blue\n`)

const children = new Set<ChildProcess>()
let busy: LocalServer<Server>
let busyPort = 0
before(async () => {
  busy = await listenLocal(createServer())
  busyPort = busy.port
})
after(async () => {
  for (const child of children) child.kill('SIGKILL')
  await busy.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Run { code: number | null; signal: string | null; stdout: string; stderr: string }
interface RunOptions { node?: string; nodeArgs?: string[]; env?: Record<string, string>; onStdout?: (text: string, child: ChildProcess) => void }

/** Returns how `node [nodeArgs] bin/ifgate.js args` ended, with its output. */
function run (args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const child = spawn(options.node ?? NODE, [...(options.nodeArgs ?? []), BIN, ...args], { cwd: ROOT, env: childEnv(options.env) })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s
    options.onStdout?.(stdout, child)
  })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise((resolve) => child.on('close', (code, signal) => {
    clearTimeout(timer)
    children.delete(child)
    resolve({ code, signal, stdout, stderr })
  }))
}

const effective = (routes: unknown[], source: string | null, over: Record<string, unknown> = {}): unknown => ({ ...DEFAULTS, ...over, routes, source })

interface Case {
  name: string
  input: { args: string[]; env?: Record<string, string>; nodeArgs?: string[] }
  want: { code: number; stdout?: string | RegExp; stderr?: string | RegExp; json?: unknown; yaml?: unknown }
}
const cases: Case[] = [
  { name: '--version prints package.json\'s version', input: { args: ['--version'] }, want: { code: 0, stdout: `${VERSION}\n`, stderr: '' } },
  { name: '-v is --version', input: { args: ['-v'] }, want: { code: 0, stdout: `${VERSION}\n`, stderr: '' } },
  { name: '--help prints the usage', input: { args: ['--help'] }, want: { code: 0, stdout: /^Usage:\n {2}ifgate \[options\][\s\S]*check-config[\s\S]*--require-precondition[\s\S]*Exit codes/, stderr: '' } },
  { name: 'unknown flag: one line naming it, exit 2', input: { args: ['--bogus'] }, want: { code: 2, stdout: '', stderr: 'ifgate: unknown option --bogus (see ifgate --help)\n' } },
  { name: 'unknown command: exit 2', input: { args: ['frobnicate'] }, want: { code: 2, stdout: '', stderr: 'ifgate: unknown command frobnicate (see ifgate --help)\n' } },
  { name: 'flag without its value: exit 2', input: { args: ['--origin'] }, want: { code: 2, stdout: '', stderr: 'ifgate: option --origin needs a value (see ifgate --help)\n' } },
  { name: 'check-config on the example prints the effective config', input: { args: ['check-config', '--config', 'config/ifgate.yaml'] }, want: { code: 0, json: effective([{ path: '/', host: null, origin: ORIGIN }], 'config/ifgate.yaml'), stderr: '' } },
  { name: 'check-config with --origin only', input: { args: ['check-config', '--origin', 'http://127.0.0.1:4000/v1'] }, want: { code: 0, json: effective([{ path: '/', host: null, origin: 'http://127.0.0.1:4000/v1' }], null), stderr: '' } },
  { name: 'check-config: flag beats environment', input: { args: ['check-config', '--listen', '127.0.0.1:1001'], env: { IFGATE_ORIGIN: ORIGIN, IFGATE_LISTEN: '127.0.0.1:1002', LOG_LEVEL: 'debug' } }, want: { code: 0, json: effective([{ path: '/', host: null, origin: ORIGIN }], null, { listen: '127.0.0.1:1001', log: { ...DEFAULTS.log, level: 'debug' } }), stderr: '' } },
  { name: 'check-config --format yaml', input: { args: ['check-config', '--origin', ORIGIN, '--format', 'yaml'] }, want: { code: 0, yaml: effective([{ path: '/', host: null, origin: ORIGIN }], null), stderr: '' } },
  { name: 'check-config redacts the admin token', input: { args: ['check-config', '--origin', ORIGIN], env: { IFGATE_ADMIN_TOKEN: 's3cret-token' } }, want: { code: 0, json: effective([{ path: '/', host: null, origin: ORIGIN }], null, { admin: { ...DEFAULTS.admin, token: '<redacted>' } }), stderr: '' } },
  {
    name: 'check-config on a bad file: exit 2, one line per problem naming file, path and problem',
    input: { args: ['check-config', '--config', BAD] },
    want: {
      code: 2,
      stdout: '',
      stderr: [
        `ifgate: invalid config: ${BAD}: defaults.etags: must be one of auto, origin, synthesize`,
        `ifgate: invalid config: ${BAD}: defaults.lock.waitMs: must be >= 0 (got -1)`,
        `ifgate: invalid config: ${BAD}: routes[0].colour: unknown field`,
        ''
      ].join('\n')
    }
  },
  { name: 'check-config on a missing file names it', input: { args: ['check-config', '--config', join(dir, 'nope.yaml')] }, want: { code: 2, stdout: '', stderr: `ifgate: invalid config: ${join(dir, 'nope.yaml')}: --config: file not found\n` } },
  { name: 'no route at all: exit 2', input: { args: ['check-config'] }, want: { code: 2, stdout: '', stderr: 'ifgate: invalid config: <flags>: routes: no route: give --origin or routes in the config file\n' } },
  { name: 'a bad config stops a start with exit 2', input: { args: ['--config', BAD] }, want: { code: 2, stdout: '', stderr: /^ifgate: invalid config: .*defaults\.etags: must be one of auto, origin, synthesize\n/ } },
  { name: 'bad environment value named', input: { args: ['check-config', '--origin', ORIGIN], env: { IFGATE_LISTEN: 'nowhere' } }, want: { code: 2, stdout: '', stderr: /^ifgate: invalid config: <flags>: IFGATE_LISTEN: must be HOST:PORT/ } },
  { name: 'Node without type stripping: bin re-execs with --experimental-strip-types', input: { args: ['--version'], nodeArgs: ['--no-experimental-strip-types'] }, want: { code: 0, stdout: `${VERSION}\n`, stderr: '' } },
  { name: 'the re-exec passes the child\'s exit code on', input: { args: ['check-config', '--config', BAD], nodeArgs: ['--no-experimental-strip-types'] }, want: { code: 2, stdout: '', stderr: /^ifgate: invalid config: / } }
]

for (const c of cases) {
  test(`cli: ${c.name}`, async () => {
    const got = await run(c.input.args, { env: c.input.env, nodeArgs: c.input.nodeArgs })
    assert.equal(got.code, c.want.code, got.stderr)
    const w = c.want
    if (typeof w.stdout === 'string') assert.equal(got.stdout, w.stdout)
    if (w.stdout instanceof RegExp) assert.match(got.stdout, w.stdout)
    if (typeof w.stderr === 'string') assert.equal(got.stderr, w.stderr)
    if (w.stderr instanceof RegExp) assert.match(got.stderr, w.stderr)
    if ('json' in w) assert.deepEqual(JSON.parse(got.stdout), w.json)
    if ('yaml' in w) assert.deepEqual(parse(got.stdout), w.yaml)
    assert.doesNotMatch(got.stderr, STACK_LINE)
  })
}

test('cli: start on an address in use: one line, exit 1', async () => {
  const got = await run(['--origin', ORIGIN, '--listen', `127.0.0.1:${busyPort}`, '--admin-listen', '127.0.0.1:0', '--log-level', 'silent'])
  assert.equal(got.code, 1)
  assert.equal(got.stderr, `ifgate: cannot listen on 127.0.0.1:${busyPort}: address in use\n`)
})

const starts = [
  { name: 'starts and exits 0 on SIGTERM', input: { nodeArgs: [] }, want: 0 },
  { name: 'through the re-exec, SIGTERM reaches the child and it exits 0', input: { nodeArgs: ['--no-experimental-strip-types'] }, want: 0 }
]
for (const c of starts) {
  test(`cli: ${c.name}`, async () => {
    let signalled = false
    const got = await run(['--origin', 'http://127.0.0.1:9', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], {
      nodeArgs: c.input.nodeArgs,
      onStdout: (text, child) => {
        if (!signalled && text.includes('ifgate listening')) {
          signalled = true
          // runGateway installs its signal handlers just after this line is logged.
          setTimeout(() => child.kill('SIGTERM'), 200)
        }
      }
    })
    assert.ok(signalled, `ifgate logged that it listens: ${got.stdout}${got.stderr}`)
    assert.deepEqual([got.code, got.signal, got.stderr], [c.want, null, ''])
    assert.match(got.stdout, /"msg":"ifgate stopped"/)
  })
}

/** Returns the first `node` on this machine older than 22.12 (the system Node), or undefined. */
function oldNode (): { path: string; version: string } | undefined {
  const dirs = ['/usr/local/bin', '/usr/bin', ...(process.env.PATH ?? '').split(delimiter)]
  for (const d of dirs) {
    const path = join(d, 'node')
    if (d === '' || d.includes('node_modules') || !existsSync(path)) continue
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()
    const [major, minor] = version.slice(1).split('.').map(Number)
    if (major < 22 || (major === 22 && minor < 12)) return { path, version }
  }
  return undefined
}

test('cli: on the system Node (older than 22.12) bin exits 1 with one line naming the required version', async () => {
  const old = oldNode()
  assert.ok(old !== undefined, 'a Node.js older than 22.12 is installed (/usr/local/bin/node, /usr/bin/node or on PATH)')
  const got = await run(['--version'], { node: old.path })
  assert.equal(got.code, 1)
  assert.equal(got.stderr, `ifgate: Node.js >= 22.12 is required (this is ${old.version})\n`)
  assert.equal(got.stdout, '')
})
