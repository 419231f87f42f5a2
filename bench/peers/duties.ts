// The per-request duties the SPEC adds to a floor's bare answer, each done the least costly way
// known: a floor run with DUTIES=1 prices the contract itself, not ifgate's way of meeting it.
// Every duty names its SPEC line. What a duty must do on an unusual request (an encoded path, a
// method override, a CDN's fields) is done here too, with a fast path for the usual one, as a
// careful implementation would: a duty skipped because the benchmark never needs it would make the
// floor cheaper than any proxy that keeps the SPEC.
import { createHash, randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { LRUCache } from 'lru-cache'

/** SPEC §6: a client's X-Request-Id is kept when sane, else a new one. */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/

export function requestIdOf (req: IncomingMessage): string {
  const sent = req.headers['x-request-id']
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID()
}

/** SPEC §2: a method-override field names the method a POST is carried out as; undefined: 400. */
const OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const

export function methodOf (req: IncomingMessage): string | undefined {
  const method = req.method as string
  for (const name of OVERRIDES) {
    const value = req.headers[name]
    if (value === undefined) continue
    if (typeof value !== 'string' || !/^[A-Za-z]{1,20}$/.test(value)) return undefined
    return method === 'POST' ? value.toUpperCase() : method
  }
  return method
}

/** What a path needs more than a look at: a percent sign, a dot segment, a doubled slash, a backslash. */
const UNUSUAL = /%|\/\.|\/\/|\\/
const UNRESERVED = /[A-Za-z0-9\-._~]/

/**
 * SPEC §2 "One resource, one key": the path normalised (RFC 3986 §6.2.2: unreserved characters
 * decoded, percent-hex upper-cased, dot-segments removed, slashes merged); an encoded slash or
 * backslash is refused (undefined: 400). A path with none of those is returned as it is.
 */
export function normalizedTarget (url: string): string | undefined {
  if (url.charCodeAt(0) !== 47) return undefined
  const hash = url.indexOf('#')
  if (hash !== -1) url = url.slice(0, hash)
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  if (!UNUSUAL.test(path)) return url
  const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (all, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16))
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`
  })
  if (/%2F|%5C|\\/i.test(decoded) || /%(?![0-9A-F]{2})/.test(decoded)) return undefined
  const out: string[] = []
  for (const segment of decoded.split('/').slice(1)) {
    if (segment === '..') out.pop()
    else if (segment !== '.' && segment !== '') out.push(segment)
  }
  const trailing = decoded.endsWith('/') || decoded.endsWith('/.') || decoded.endsWith('/..')
  return `/${out.join('/')}${trailing && out.length > 0 ? '/' : ''}${q === -1 ? '' : url.slice(q)}`
}

/**
 * SPEC §2 "A client error on a connection whose response has begun closes the connection": the
 * responses under way per connection, counted on the socket itself.
 */
const OPEN = Symbol('responses under way')
type Tracked = { [OPEN]?: number }

export function track (res: ServerResponse): void {
  const socket = res.socket as unknown as Tracked
  socket[OPEN] = (socket[OPEN] ?? 0) + 1
}

export function untrack (res: ServerResponse): void {
  const socket = res.socket as unknown as Tracked | null
  if (socket !== null) socket[OPEN] = (socket[OPEN] ?? 1) - 1
}

/** SPEC §2 "Credentials decide disclosure": the digest validators are disclosed under ('' with none). */
export function credentialsOf (headers: IncomingHttpHeaders): string {
  const auth = headers.authorization
  const cookie = headers.cookie
  if (auth === undefined && cookie === undefined) return ''
  return createHash('sha256').update(`${auth ?? ''}\n${cookie ?? ''}`).digest('base64url')
}

/** What is known of a resource (SPEC §3): its current validators, earlier ETags newest first, and whose. */
export interface Known {
  etag: string | undefined
  lastModified: string | undefined
  readonly history: string[]
  credentials: string
  /** SPEC §5 unstable-origin-etag: the digest of the body the current ETag was learned with (hashed once per tag). */
  digest?: string | undefined
}

/** SPEC §7 "cache size": the validator store is bounded. */
export const store = new LRUCache<string, Known>({ max: 100_000 })
/** cache.historyDepth's default. */
const HISTORY = 8

/** SPEC §2.5: a write's 2xx replaces the current ETag; the one before joins the history. */
export function replaceCurrent (known: Known, etag: string | undefined, lastModified: string | undefined): void {
  const before = known.etag
  if (before !== undefined && before !== etag) {
    const at = known.history.indexOf(before)
    if (at !== -1) known.history.splice(at, 1)
    known.history.unshift(before)
    if (known.history.length > HISTORY) known.history.length = HISTORY
  }
  known.etag = etag
  known.lastModified = lastModified
}

/** SPEC §2.5: the parent collection's entry (`/items/7` → `/items`) is dropped after a write. */
export function dropParent (key: string): void {
  const cut = key.lastIndexOf('/')
  if (cut > 0) store.delete(key.slice(0, cut))
}

/** The members of an If-Match / If-None-Match list, trimmed ('*' is a member of its own). */
export function members (value: string): string[] {
  if (value.indexOf(',') === -1) return [value.trim()]
  return value.split(',').map((m) => m.trim()).filter((m) => m !== '')
}

/** RFC 9110 §13.1.1: If-Match passes on `*` with a current representation, or a strong match. */
export function ifMatchPasses (list: readonly string[], etag: string | undefined): boolean {
  if (etag === undefined) return false
  for (const m of list) if (m === '*' || (m === etag && !m.startsWith('W/'))) return true
  return false
}

const PLACEHOLDERS = new Set(['', '""', 'null', 'undefined', '"null"', '"undefined"'])
/** Coding suffixes of SPEC §5 `encoding-suffix-etag`, longest first. */
const SUFFIXES = ['-ssl-df', '--deflate', '-deflate', '--gzip', '--zstd', '-gzip', '-zstd', '--br', '-ssl', '-br', '-df']
/** Request fields only intermediaries set (SPEC §5 `cdn-stale-etag`), and prefixes of such names. */
const SIGNALS = ['via', 'cdn-loop', 'forwarded', 'x-forwarded-for', 'cf-ray', 'x-amz-cf-id'] as const

const HINTS: Readonly<Record<string, string>> = {
  'resource-missing': 'The resource has no current representation. Create it without If-Match, or with If-None-Match: *.',
  'placeholder-etag': 'The client never received an ETag. Check that nothing between the origin and the client drops it.',
  'weakened-etag': 'An intermediary weakened the ETag, typically when compressing. Send the ETag as the origin sent it.',
  'encoding-suffix-etag': 'A compressing server or CDN suffixed the ETag. Send the ETag without its encoding suffix.',
  'unquoted-etag': 'The ETag lost its quotes on the way. Send it quoted, as the origin sent it.',
  'cdn-stale-etag': 'A cache served an earlier representation. Re-read the resource past the cache and retry.',
  'stale-etag': 'Someone else changed the resource since it was read. Re-read it and retry.',
  'unknown-etag': 'ifgate never saw this ETag for this resource. Re-read the resource through ifgate and retry with the ETag it returns.'
}

export interface Diagnosis {
  readonly cause: string
  readonly hint: string
  readonly tokens: ReadonlyArray<{ token: string; label: string }>
  readonly signals: readonly string[]
  readonly intermediary: string | null
}

/** SPEC §5: the intermediary signals of a request, in a fixed order. */
function signalsOf (headers: IncomingHttpHeaders): string[] {
  const found: string[] = []
  for (const name of SIGNALS) if (headers[name] !== undefined) found.push(name)
  for (const name in headers) {
    const c = name.charCodeAt(0)
    if ((c === 102 && name.startsWith('fastly-')) || (c === 97 && name.startsWith('akamai-'))) found.push(name)
  }
  return found
}

/** What a spelling names: the current ETag, an earlier one, or neither. */
function names (spelling: string, known: Known): 'current' | 'earlier' | undefined {
  if (spelling === known.etag) return 'current'
  return known.history.includes(spelling) ? 'earlier' : undefined
}

/**
 * The label of one If-Match member (research §0): exact, or the mangling that leads back to a
 * known ETag (weakened, then suffixed, then unquoted or re-quoted), or unknown. A mangled earlier
 * ETag is `mangled-earlier`: the mangling proves an intermediary.
 */
function label (token: string, known: Known): string {
  if (PLACEHOLDERS.has(token.toLowerCase())) return 'placeholder'
  const exact = names(token, known)
  if (exact !== undefined) return `exact-${exact}`
  const mangled = (spelling: string, what: string): string | undefined => {
    const hit = names(spelling, known)
    return hit === undefined ? undefined : hit === 'current' ? what : 'mangled-earlier'
  }
  const weak = token.startsWith('W/"')
  const quoted = token.endsWith('"') && (weak || token.startsWith('"'))
  if (!quoted) {
    if (token.includes('"') || token === '') return 'unknown'
    return mangled(token.startsWith('W/') ? `W/"${token.slice(2)}"` : `"${token}"`, 'unquoted') ?? 'unknown'
  }
  const opaque = token.slice(weak ? 3 : 1, -1)
  if (weak) {
    const hit = mangled(`"${opaque}"`, 'weakened')
    if (hit !== undefined) return hit
  }
  for (const suffix of SUFFIXES) {
    if (opaque.length <= suffix.length || !opaque.endsWith(suffix)) continue
    const base = opaque.slice(0, -suffix.length)
    const hit = mangled(`"${base}"`, weak ? 'weakened' : 'suffixed') ?? (weak ? mangled(`W/"${base}"`, 'suffixed') : undefined)
    if (hit !== undefined) return hit
    break
  }
  if (!weak && opaque.startsWith('W/')) return mangled(`W/"${opaque.slice(2)}"`, 'unquoted') ?? mangled(`"${opaque.slice(2)}"`, 'unquoted') ?? 'unknown'
  return 'unknown'
}

/** SPEC §5: why an If-Match failed, first matching cause of the SPEC's order. */
export function diagnose (list: readonly string[], known: Known, headers: IncomingHttpHeaders): Diagnosis {
  const tokens = list.map((token) => ({ token, label: label(token, known) }))
  const signals = signalsOf(headers)
  const labels = tokens.map((t) => t.label)
  const cause = known.etag === undefined
    ? 'resource-missing'
    : labels.every((l) => l === 'placeholder')
      ? 'placeholder-etag'
      : labels.includes('weakened')
        ? 'weakened-etag'
        : labels.includes('suffixed')
          ? 'encoding-suffix-etag'
          : labels.includes('unquoted')
            ? 'unquoted-etag'
            : labels.includes('mangled-earlier') || (labels.includes('exact-earlier') && signals.length > 0)
              ? 'cdn-stale-etag'
              : labels.includes('exact-earlier')
                ? 'stale-etag'
                : 'unknown-etag'
  const via = headers.via
  const intermediary = signals.length === 0 ? null : headers['cf-ray'] !== undefined ? 'cloudflare' : typeof via === 'string' ? 'proxy' : null
  return { cause, hint: HINTS[cause] as string, tokens, signals, intermediary }
}

/** SPEC §7: counters by a fixed label set, and latency histograms by route. */
const counters = new Map<string, number>()
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const histograms = new Map<string, { counts: number[]; sum: number; n: number }>()
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx']

function count (key: string): void {
  counters.set(key, (counters.get(key) ?? 0) + 1)
}

function observe (name: string, seconds: number): void {
  let h = histograms.get(name)
  if (h === undefined) histograms.set(name, h = { counts: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0, n: 0 })
  let i = 0
  while (i < BUCKETS.length && seconds > (BUCKETS[i] as number)) i++
  ;(h.counts[i] as number)++
  h.sum += seconds
  h.n++
}

/** SPEC §11: a rolling window of one-second slots for the dashboard (decisions, causes, the resources refused most, lock waits). */
interface Slot { second: number; requests: number; readonly decisions: Map<string, number>; readonly causes: Map<string, number>; readonly refused: Map<string, number>; lockWaitMs: number }
const slots: Slot[] = Array.from({ length: 300 }, () => ({ second: -1, requests: 0, decisions: new Map(), causes: new Map(), refused: new Map(), lockWaitMs: 0 }))

function slotOf (now: number): Slot {
  const second = Math.floor(now / 1000)
  const slot = slots[second % slots.length] as Slot
  if (slot.second !== second) {
    slot.second = second
    slot.requests = 0
    slot.lockWaitMs = 0
    slot.decisions.clear()
    slot.causes.clear()
    slot.refused.clear()
  }
  return slot
}

function add (map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

/** SPEC §7: the ring of recent refusals served at /diagnoses. */
const recent: unknown[] = new Array(100)
let next = 0

/** What a request ended with, for the duties that run once it closed. */
export interface Outcome {
  readonly route: string
  readonly method: string
  readonly path: string
  readonly status: number
  readonly decision: string
  readonly requestId: string
  readonly diagnosis?: Diagnosis | undefined
  readonly sent?: string | undefined
  readonly currentEtag?: string | undefined
  readonly lookupMs?: number | undefined
  readonly originMs?: number | undefined
  readonly lockWaitMs?: number | undefined
}

/** Metrics, the dashboard's window and the diagnoses ring, once a request closed (SPEC §7, §11). */
export function record (o: Outcome): void {
  const statusClass = STATUS_CLASSES[Math.floor(o.status / 100)] ?? 'other'
  count(`requests\0${o.route}\0${o.method}\0${statusClass}\0${o.decision}`)
  const now = Date.now()
  const slot = slotOf(now)
  slot.requests++
  add(slot.decisions, o.decision)
  const d = o.diagnosis
  if (d !== undefined) {
    count(`edge412\0${o.route}\0${d.cause}`)
    add(slot.causes, d.cause)
    add(slot.refused, o.path)
    recent[next] = { time: now, requestId: o.requestId, route: o.route, method: o.method, path: o.path, header: 'if-match', sent: o.sent, currentEtag: o.currentEtag ?? null, cause: d.cause, hint: d.hint }
    next = (next + 1) % recent.length
  }
  if (o.lookupMs !== undefined) observe(`lookup\0${o.route}`, o.lookupMs / 1000)
  if (o.originMs !== undefined) observe(`origin\0${o.route}`, o.originMs / 1000)
  if (o.lockWaitMs !== undefined) {
    observe(`lockWait\0${o.route}`, o.lockWaitMs / 1000)
    slot.lockWaitMs += o.lockWaitMs
  }
}

function round (ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 1000) / 1000
}

/** SPEC §7: the access-log line's fields, as ifgate's line has them. */
export function logLine (o: Outcome, cache: string, started: number): Record<string, unknown> {
  const line: Record<string, unknown> = { requestId: o.requestId, route: o.route, method: o.method, path: o.path, status: o.status, decision: o.decision, cache, durationMs: round(performance.now() - started) }
  const d = o.diagnosis
  if (d !== undefined) {
    line.cause = d.cause
    line.diagnosis = { header: 'if-match', labels: d.tokens.map((t) => t.label), intermediary: d.intermediary, signals: d.signals }
  }
  if (o.lookupMs !== undefined) line.lookupMs = round(o.lookupMs)
  if (o.originMs !== undefined) line.originMs = round(o.originMs)
  if (o.lockWaitMs !== undefined) line.lockWaitMs = round(o.lockWaitMs)
  return line
}

/** SPEC §2 "The per-resource lock": FIFO per key, at most `lock.maxQueue` waiters, each for at most `lock.waitMs`. */
const MAX_QUEUE = 1000
const WAIT_MS = 10_000
interface Waiter { readonly run: () => void; timer: NodeJS.Timeout | undefined }
const queues = new Map<string, Waiter[]>()

/**
 * Runs `critical` once the lock of `key` is held, with the release to call and the milliseconds it
 * waited; calls `busy` instead when the queue is full or the wait ran out (a 503). A lock taken at
 * once costs no timer.
 */
export function withLock (key: string, critical: (release: () => void, waitedMs: number) => void, busy: () => void): void {
  const release = (): void => {
    const waiting = queues.get(key)
    const next = waiting?.shift()
    if (next === undefined) queues.delete(key)
    else next.run()
  }
  const queue = queues.get(key)
  if (queue === undefined) {
    queues.set(key, [])
    critical(release, 0)
    return
  }
  if (queue.length >= MAX_QUEUE) return busy()
  const since = performance.now()
  const waiter: Waiter = {
    run: () => {
      clearTimeout(waiter.timer)
      critical(release, performance.now() - since)
    },
    timer: undefined
  }
  waiter.timer = setTimeout(() => {
    const at = queue.indexOf(waiter)
    if (at !== -1) queue.splice(at, 1)
    busy()
  }, WAIT_MS)
  queue.push(waiter)
}

/** SPEC §2: a write body up to server.maxBufferBytes is received before the lock; undefined: too large (413). */
export const MAX_BUFFER_BYTES = 1024 * 1024

export function receive (req: IncomingMessage, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = []
  let size = 0
  req.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size <= MAX_BUFFER_BYTES) chunks.push(chunk)
  })
  req.once('end', () => done(size > MAX_BUFFER_BYTES ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)))
}

/** Writes a small problem+json (a 400, 413, 503 of a duty). */
export function refuseWith (res: ServerResponse, status: number, title: string, requestId: string): void {
  const body = JSON.stringify({ type: 'about:blank', title, status, requestId })
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(body)), 'x-request-id': requestId, via: '1.1 peer' })
  res.end(body)
}

/** Answers an edge 412 (SPEC §6): the problem with its diagnosis, the current validators as fields. */
export function answer412 (res: ServerResponse, sent: string, known: Known, d: Diagnosis, requestId: string): void {
  const problem = JSON.stringify({
    type: `https://ifgate.dev/problems/${d.cause}`,
    title: 'Precondition Failed',
    status: 412,
    detail: `If-Match: ${sent} failed: the current ETag is ${known.etag ?? 'none'}`,
    cause: d.cause,
    currentEtag: known.etag ?? null,
    currentLastModified: known.lastModified ?? null,
    requestId,
    hint: d.hint,
    diagnosis: { header: 'if-match', tokens: d.tokens, intermediary: { signals: d.signals, name: d.intermediary } }
  })
  const fields: Record<string, string> = { 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(problem)), 'cache-control': 'no-store', 'x-request-id': requestId, via: '1.1 peer' }
  if (known.etag !== undefined) fields.etag = known.etag
  if (known.lastModified !== undefined) fields['last-modified'] = known.lastModified
  res.writeHead(412, fields)
  res.end(problem)
}

/** The one route of the floors, as their log lines and metrics name it. */
export const ROUTE = '*/'

/** What the front of every request establishes (SPEC §2): its arrival time, its id, the method it is decided as, its normalised path and key. */
export interface Admitted { readonly started: number; readonly requestId: string; readonly method: string; readonly path: string; readonly key: string }

/** Returns what a request is admitted as, or undefined once it was answered 400 (a bad override or target). */
export function admit (req: IncomingMessage, res: ServerResponse): Admitted | undefined {
  const started = performance.now()
  const requestId = requestIdOf(req)
  const method = methodOf(req)
  const path = normalizedTarget(req.url ?? '/')
  if (method === undefined || path === undefined) return void refuseWith(res, 400, 'Bad Request', requestId)
  return { started, requestId, method, path, key: `origin${path}` }
}
