import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject } from 'ajv'
import { parseDocument } from 'yaml'
import { IfgateError } from '../errors.ts'
import { DEFAULTS, deepFreeze } from './defaults.ts'
import { normalizeHost } from './routes.ts'
import { CONFIG_SCHEMA, LISTEN_PATTERN, PATTERN_PROBLEMS } from './schema.ts'
import type { Config, RouteConfig } from './types.ts'

/** One thing wrong with the configuration: where it came from, the field path, and what is wrong. */
export interface ConfigIssue {
  /** The config file, or null when the value came from a flag or the environment. */
  readonly file: string | null
  /** `routes[0].timeouts.lookupMs`, or the flag / variable name (`--listen`, `IFGATE_LISTEN`), or `line:col` for YAML syntax. */
  readonly path: string
  readonly problem: string
}

/** Returns the one-line form of an issue: `file: path: problem`. */
export function formatIssue (issue: ConfigIssue): string {
  return `${issue.file ?? '<flags>'}: ${issue.path}: ${issue.problem}`
}

/** An invalid configuration: a user error, so no stack. `file`, `path` and `problem` are the first of `issues`. */
export class ConfigError extends IfgateError {
  readonly file: string | null
  readonly path: string
  readonly problem: string
  readonly issues: readonly ConfigIssue[]

  constructor (issues: readonly [ConfigIssue, ...ConfigIssue[]]) {
    super('IFG_ERR_CONFIG_INVALID', issues.map(formatIssue).join('\n'))
    this.name = 'ConfigError'
    this.file = issues[0].file
    this.path = issues[0].path
    this.problem = issues[0].problem
    this.issues = issues
  }
}

/** Settings from the command line; each wins over the environment and the file. */
export interface Overrides {
  config?: string
  origin?: string
  listen?: string
  adminListen?: string
  requirePrecondition?: boolean
  logLevel?: string
  logPretty?: boolean
  store?: string
  workers?: string
}

const listenRe = new RegExp(LISTEN_PATTERN)

/** Returns the host (IPv6 without brackets) and port of `HOST:PORT`; throws ConfigError naming `path`. */
export function parseHostPort (s: string, path = 'listen'): { host: string; port: number } {
  const m = listenRe.exec(s)
  if (m === null) throw new ConfigError([{ file: null, path, problem: PATTERN_PROBLEMS[LISTEN_PATTERN] }])
  return { host: m[1].startsWith('[') ? m[1].slice(1, -1) : m[1], port: Number(m[2]) }
}

const validate = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(CONFIG_SCHEMA)

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

function fieldPath (base: string, key: string | number): string {
  if (typeof key === 'number' || /^\d+$/.test(key)) return `${base}[${key}]`
  const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)
  return base === '' ? part : /^[A-Za-z_$]/.test(part) ? `${base}.${part}` : `${base}[${part}]`
}

const TYPE_NAMES: Readonly<Record<string, string>> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null' }

/** Returns the closest allowed key to an unknown one, if any is close (case or up to two edits). */
function suggest (key: string, allowed: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j)
    for (let i = 1; i <= a.length; i++) {
      const next = [i]
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      row = next
    }
    return row[b.length]
  }
  return allowed.find((k) => k.toLowerCase() === key.toLowerCase()) ?? allowed.find((k) => distance(k, key) <= 2)
}

/** Returns the issue an ajv error describes, in the config's own path and words. */
function describe (e: ErrorObject, file: string | null): ConfigIssue {
  const base = e.instancePath.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')).reduce(fieldPath, '')
  const got = ` (got ${JSON.stringify(e.data)})`
  const p = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty)
      const near = suggest(key, Object.keys((e.parentSchema as { properties?: Json } | undefined)?.properties ?? {}))
      return { file, path: fieldPath(base, key), problem: near === undefined ? 'unknown field' : `unknown field (did you mean ${near}?)` }
    }
    case 'required': return { file, path: fieldPath(base, String(p.missingProperty)), problem: 'required field is missing' }
    case 'enum': return { file, path: base, problem: `must be one of ${(e.schema as string[]).join(', ')}` }
    case 'type': return { file, path: base || '(top level)', problem: `must be ${String(p.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ')}${got}` }
    case 'minimum': return { file, path: base, problem: `must be >= ${String(p.limit)}${got}` }
    case 'maximum': return { file, path: base, problem: `must be <= ${String(p.limit)}${got}` }
    case 'pattern': return { file, path: base, problem: `${PATTERN_PROBLEMS[String(p.pattern)] ?? `must match ${String(p.pattern)}`}${got}` }
    case 'minLength': return { file, path: base, problem: 'must not be empty' }
    case 'uniqueItems': return { file, path: base, problem: `must not list the same value twice${got}` }
    default: return { file, path: base, problem: e.message ?? e.keyword }
  }
}

/** Returns the issues of `value` against CONFIG_SCHEMA; `label` replaces the path when the value came from a flag or variable. */
function check (value: unknown, file: string | null, label?: string): ConfigIssue[] {
  if (validate(value)) return []
  const seen = new Set<string>()
  const out: ConfigIssue[] = []
  for (const e of validate.errors ?? []) {
    const issue = describe(e, file)
    const labelled = label === undefined ? issue : { ...issue, path: label }
    const key = formatIssue(labelled)
    if (!seen.has(key)) out.push(labelled)
    seen.add(key)
  }
  return out
}

function readYaml (file: string, label: string): { value: Json; issues: ConfigIssue[] } {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const problem = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : `cannot read: ${(err as Error).message}`
    return { value: {}, issues: [{ file, path: label, problem }] }
  }
  const doc = parseDocument(text)
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({ file, path: e.linePos === undefined ? '(yaml)' : `${e.linePos[0].line}:${e.linePos[0].col}`, problem: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') }))
    return { value: {}, issues }
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {}
  } catch (err) {
    // Alias bombs and unresolved aliases surface only when the document is turned into values.
    return { value: {}, issues: [{ file, path: '(yaml)', problem: (err as Error).message.split('\n')[0] }] }
  }
  return { value: value as Json, issues: check(value, file) }
}

function merge (base: unknown, over: unknown): unknown {
  if (over === undefined) return base
  if (!isObject(base) || !isObject(over)) return over
  const out: Json = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v)
  return out
}

/** Returns the flag's value, else the environment variable's when non-empty, with the name it came under. */
function pick (flags: Overrides, env: Readonly<Record<string, string | undefined>>, key: keyof Overrides, flag: string, variable: string): { value: string; label: string } | undefined {
  const f = flags[key]
  if (typeof f === 'string') return { value: f, label: flag }
  const e = env[variable]
  return e === undefined || e === '' ? undefined : { value: e, label: variable }
}

/** Returns the checks JSON Schema cannot express: origin URLs, route clashes, timeout order. */
function semanticIssues (config: Json, file: string | null, originLabel: string | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const routes = config.routes as RouteConfig[]
  const where = (path: string): { file: string | null; path: string } => (originLabel === undefined ? { file, path } : { file: null, path: originLabel })
  if (routes.length === 0) issues.push({ file, path: 'routes', problem: 'no route: give --origin or routes in the config file' })
  const keys = new Map<string, number>()
  const ids = new Map<string, number>()
  routes.forEach((r, i) => {
    if (!URL.canParse(r.origin)) issues.push({ ...where(`routes[${i}].origin`), problem: `is not a valid URL (got ${JSON.stringify(r.origin)})` })
    const host = r.host == null ? '*' : normalizeHost(r.host)
    const j = keys.get(`${host} ${r.path}`)
    if (j !== undefined) issues.push({ ...where(`routes[${i}].path`), problem: `routes[${j}] has the same host and path` })
    keys.set(`${host} ${r.path}`, i)
    const id = r.name ?? `${r.host ?? '*'}${r.path}`
    const k = ids.get(id)
    if (k !== undefined && j === undefined) issues.push({ ...where(`routes[${i}].name`), problem: `routes[${k}] has the same name ${JSON.stringify(id)}` })
    ids.set(id, i)
  })
  const storeUrl = (config.store as Config['store']).url
  if ((config.workers as number) > 1 && storeUrl === 'memory') {
    issues.push({ file, path: 'workers', problem: `${String(config.workers)} workers need a shared store: set store.url (--store redis://…); with store.url memory each worker would hold its own locks` })
  }
  const server = config.server as Config['server']
  // Node's HTTP server refuses a header timeout longer than the request timeout.
  if (server.headersTimeoutMs > server.requestTimeoutMs) {
    issues.push({ file, path: 'server.headersTimeoutMs', problem: `must be <= server.requestTimeoutMs (${server.requestTimeoutMs})` })
  }
  return issues
}

/**
 * Returns the effective, validated, deep-frozen Config. Precedence: flags > environment > file >
 * defaults. `--origin` (or IFGATE_ORIGIN) replaces the file's routes with one route `/` to that
 * URL. Route policies are not merged here (routes.ts does it). Throws ConfigError with every issue.
 */
export function loadConfig (flags: Overrides, env: Readonly<Record<string, string | undefined>>): Config {
  const configFile = pick(flags, env, 'config', '--config', 'IFGATE_CONFIG')
  const file = configFile?.value ?? null
  const read = configFile === undefined ? { value: {}, issues: [] } : readYaml(configFile.value, configFile.label)
  const issues = [...read.issues]

  const listen = pick(flags, env, 'listen', '--listen', 'IFGATE_LISTEN')
  const adminListen = pick(flags, env, 'adminListen', '--admin-listen', 'IFGATE_ADMIN_LISTEN')
  const logLevel = pick(flags, env, 'logLevel', '--log-level', 'LOG_LEVEL')
  const origin = pick(flags, env, 'origin', '--origin', 'IFGATE_ORIGIN')
  const store = pick(flags, env, 'store', '--store', 'IFGATE_STORE')
  const workers = pick(flags, env, 'workers', '--workers', 'IFGATE_WORKERS')
  const token = env.IFGATE_ADMIN_TOKEN === undefined || env.IFGATE_ADMIN_TOKEN === '' ? undefined : { value: env.IFGATE_ADMIN_TOKEN, label: 'IFGATE_ADMIN_TOKEN' }
  const layers: Array<[{ value: string; label: string } | undefined, (v: string) => Json]> = [
    [listen, (v) => ({ listen: v })],
    [adminListen, (v) => ({ admin: { listen: v } })],
    [token, (v) => ({ admin: { token: v } })],
    [logLevel, (v) => ({ log: { level: v } })],
    [store, (v) => ({ store: { url: v } })],
    [workers, (v) => ({ workers: /^[0-9]+$/.test(v) ? Number(v) : v })],
    [origin, (v) => ({ routes: [{ path: '/', host: null, origin: v }] })]
  ]
  let over: Json = flags.requirePrecondition === true ? { defaults: { requirePrecondition: true } } : {}
  if (flags.logPretty === true || env.LOG_PRETTY === '1' || env.LOG_PRETTY === 'true') over = merge(over, { log: { pretty: true } }) as Json
  for (const [given, shape] of layers) {
    if (given === undefined) continue
    issues.push(...check(shape(given.value), null, given.label))
    over = merge(over, shape(given.value)) as Json
  }
  if (issues.length > 0) throw new ConfigError(issues as [ConfigIssue, ...ConfigIssue[]])

  const { routes: _routes, source: _source, ...base } = DEFAULTS
  const merged = merge(merge(base, read.value), over) as Json
  const routes = ((merged.routes ?? []) as RouteConfig[]).map((r) => ({ ...r, path: r.path ?? '/', host: r.host ?? null }))
  const config = { ...merged, routes, source: file }
  const more = semanticIssues(config, file, origin?.label)
  if (more.length > 0) throw new ConfigError(more as [ConfigIssue, ...ConfigIssue[]])
  return deepFreeze(config as unknown as Config)
}
