/**
 * The ifgate command line: argv and environment → Config; `check-config`, `--help`, `--version`,
 * or a start. The only module that writes to stdout and stderr. User errors are one line each,
 * never a stack trace.
 *
 * Exit codes: 0 ok; 1 cannot start (address in use, …); 2 bad command line or invalid config.
 * We deviate from SPEC §1's "check-config … exit 0/1" because a bad config stops a start with 2,
 * and one code for one cause is what scripts can rely on.
 */
import cluster from 'node:cluster'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { ConfigError, formatIssue, loadConfig, type Overrides } from './config/load.ts'
import { packageVersion } from './version.ts'
import type { Config } from './config/types.ts'

const USAGE = `Usage:
  ifgate [options]                start the proxy
  ifgate check-config [options]   validate and print the effective config (exit 0; 2 when invalid)
  ifgate --help | --version

Options:
  --config FILE              YAML config file                        (env IFGATE_CONFIG)
  --origin URL               one route / to URL; replaces the file's routes (env IFGATE_ORIGIN)
  --listen HOST:PORT         proxy listener, default 0.0.0.0:8080    (env IFGATE_LISTEN)
  --admin-listen HOST:PORT   admin listener, default 127.0.0.1:9090  (env IFGATE_ADMIN_LISTEN)
  --require-precondition     sets defaults.requirePrecondition: writes without a precondition get 428
  --log-level LEVEL          fatal|error|warn|info|debug|trace|silent, default info (env LOG_LEVEL)
  --log-pretty               human-readable log lines for a terminal (env LOG_PRETTY=1; needs pino-pretty)
  --store URL                memory, or redis://host:port shared by replicas (env IFGATE_STORE)
  --workers N                processes on the one port; more than 1 needs --store (env IFGATE_WORKERS)
  --format json|yaml         check-config output format, default json
  -h, --help                 print this help
  -v, --version              print the version

IFGATE_ADMIN_TOKEN sets admin.token. Flags win over the environment, the environment over the file.
check-config prints admin.token as "<redacted>".
Exit codes: 0 ok; 1 cannot start (address in use, Node.js too old, ...); 2 bad command line or invalid config.
`

const OPTIONS = {
  config: { type: 'string' },
  origin: { type: 'string' },
  listen: { type: 'string' },
  'admin-listen': { type: 'string' },
  'require-precondition': { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-pretty': { type: 'boolean' },
  store: { type: 'string' },
  workers: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' }
} as const

/** Words for the socket errors a listener meets at start. */
const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this host'
}

function fail (code: number, lines: readonly string[]): number {
  for (const line of lines) process.stderr.write(`ifgate: ${line}\n`)
  return code
}

/** Returns the one-line problem of a parseArgs error. */
function argvProblem (err: unknown): string {
  const e = err as { code?: string; message?: string }
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1]
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) return `unknown option ${quoted}`
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined) return `unexpected argument ${quoted}`
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined && /argument missing/.test(e.message ?? '')) return `option ${quoted.split(' ')[0]} needs a value`
  const first = (e.message ?? String(err)).split('\n')[0].replace(/\.$/, '')
  return first.charAt(0).toLowerCase() + first.slice(1)
}

/** Returns the exit code for an error thrown while starting, after writing its one line. */
function startFailure (err: unknown): number {
  if (err instanceof ConfigError) return fail(2, err.issues.map((i) => `invalid config: ${formatIssue(i)}`))
  const e = err as { code?: unknown; message?: unknown; address?: unknown; port?: unknown } | null
  if (e?.code === 'IFG_ERR_CONFIG_INVALID') return fail(2, [`invalid config: ${String(e.message)}`])
  // A raw socket error (not wrapped by main.ts) still gets the operator's wording.
  const why = typeof e?.code === 'string' ? LISTEN_ERRORS[e.code] : undefined
  if (why !== undefined && e?.address !== undefined) return fail(1, [`cannot listen on ${String(e.address)}:${String(e.port)}: ${why}`])
  const message = typeof e?.message === 'string' ? e.message : String(err)
  return fail(1, [message.split('\n')[0]])
}

function version (): string {
  return packageVersion()
}

/** Returns the effective config as printed by check-config: the admin token redacted. */
function render (config: Config, format: string): string {
  const shown = config.admin.token === null ? config : { ...config, admin: { ...config.admin, token: '<redacted>' } }
  return format === 'yaml' ? stringify(shown) : JSON.stringify(shown, null, 2) + '\n'
}

/** Returns the exit code, or undefined once the proxy is listening (it then runs until a signal). */
async function main (argv: readonly string[]): Promise<number | undefined> {
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    return fail(2, [`${argvProblem(err)} (see ifgate --help)`])
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(USAGE)
    return 0
  }
  if (values.version === true) {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  const command = positionals[0]
  if (command !== undefined && command !== 'check-config') return fail(2, [`unknown command ${command} (see ifgate --help)`])
  if (positionals.length > 1) return fail(2, [`unexpected argument ${positionals[1]} (see ifgate --help)`])
  const format = values.format ?? 'json'
  if (format !== 'json' && format !== 'yaml') return fail(2, [`--format must be json or yaml, not ${format} (see ifgate --help)`])

  const overrides: Overrides = {
    config: values.config,
    origin: values.origin,
    listen: values.listen,
    adminListen: values['admin-listen'],
    requirePrecondition: values['require-precondition'],
    logLevel: values['log-level'],
    logPretty: values['log-pretty'],
    store: values.store,
    workers: values.workers
  }
  let config: Config
  try {
    config = loadConfig(overrides, process.env)
  } catch (err) {
    return startFailure(err)
  }
  if (command === 'check-config') {
    process.stdout.write(render(config, format))
    return 0
  }
  try {
    if (config.workers > 1 && cluster.isPrimary) {
      const { runPrimary } = await import('./cluster.ts')
      await runPrimary(config)
    } else {
      const { runGateway } = await import('./main.ts')
      await runGateway(config)
    }
    return undefined
  } catch (err) {
    return startFailure(err)
  }
}

const code = await main(process.argv.slice(2)).catch(startFailure)
if (code !== undefined) {
  process.exitCode = code
  // Output is written; do not let a stray handle keep a failed start alive.
  if (code !== 0) setTimeout(() => process.exit(code), 1_000).unref()
}
