// `node bench/micro.ts`: the pure hot path, one function at a time, timed with performance.now():
// the If-Match / If-None-Match parser, HTTP-date parsing, reading a request's conditionals, the
// RFC 9110 §13.2.2 evaluator, a stale-tag diagnosis and body hashing. Each case warms up, then
// takes SAMPLES samples of SAMPLE_MS; the median ns per call is reported.
// Writes results/micro.json and results/micro.md.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { diagnose } from '../src/diagnosis/diagnose.ts'
import { intermediaryEvidence } from '../src/diagnosis/intermediaries.ts'
import { readConditionals } from '../src/http/conditionals.ts'
import { parseEntityTagList } from '../src/http/entity-tag.ts'
import { parseHttpDate } from '../src/http/http-date.ts'
import { evaluatePreconditions, type CurrentValidators } from '../src/http/preconditions.ts'
import { historyOf, observe, type ValidatorEntry } from '../src/validators/entry.ts'
import { digestBody } from '../src/validators/synthesize.ts'
import { RollingWindow } from '../src/observability/window.ts'

const RESULTS = fileURLToPath(new URL('results', import.meta.url))
const WARMUP_CALLS = 20_000
/** A warm-up also stops after this long (a 1 MiB hash takes a while). */
const WARMUP_MS = 300
const SAMPLE_MS = 200
const SAMPLES = 5
/** Calls between two clock reads, sized from the warm-up so a batch takes about this long. */
const BATCH_MS = 1

interface Case {
  readonly group: string
  readonly name: string
  readonly run: () => unknown
  /** Bytes one call handles, for a throughput column. */
  readonly bytes?: number
}

/** Results are written here so V8 cannot drop the work that made them. */
const sink: unknown[] = new Array(16)

/** Returns the calls per batch: about BATCH_MS of calls, after warming `run` up. */
function warm (run: () => unknown): number {
  const start = performance.now()
  let calls = 0
  while (calls < WARMUP_CALLS) {
    sink[calls & 15] = run()
    calls++
    if ((calls & 15) === 0 && performance.now() - start > WARMUP_MS) break
  }
  const nsPerCall = ((performance.now() - start) * 1e6) / calls
  return Math.max(1, Math.min(1_000_000, Math.round((BATCH_MS * 1e6) / nsPerCall)))
}

/** Returns the ns per call of one sample: batches of `batch` calls until SAMPLE_MS have passed. */
function sample (run: () => unknown, batch: number): number {
  const start = performance.now()
  let now = start
  let calls = 0
  while (now - start < SAMPLE_MS) {
    for (let i = 0; i < batch; i++) sink[i & 15] = run()
    calls += batch
    now = performance.now()
  }
  return ((now - start) * 1e6) / calls
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Throws unless `got` is `want`: every case is checked once before it is timed. */
function expect (what: string, got: unknown, want: unknown): void {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`)
}

const TAG = '"5d41402abc4b2a76"'
const STALE = '"7d793037a0760186"'
const LAST_MODIFIED = 'Sun, 22 Nov 2026 12:00:00 GMT'
const NOW_SECONDS = Date.UTC(2026, 10, 22, 13) / 1000

/** Returns a request's headers as Node's IncomingMessage.headersDistinct gives them. */
function request (method: string, conditionals: Record<string, string>): Record<string, string[]> {
  const headers: Record<string, string[]> = {
    host: ['api.example.com'],
    'user-agent': ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'],
    accept: ['application/json'],
    'accept-encoding': ['gzip, deflate, br'],
    authorization: ['Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl'],
    'x-request-id': ['6f1c2a0e-3b7d-4e4a-9c2b-1f0e8d7c6b5a']
  }
  if (method !== 'GET') Object.assign(headers, { 'content-type': ['application/json'], 'content-length': ['312'] })
  for (const [name, value] of Object.entries(conditionals)) headers[name] = [value]
  return headers
}

/** Returns the cases, each checked once. */
function cases (): Case[] {
  const out: Case[] = []
  const lists: Array<[string, string, number]> = [
    ['single strong tag', TAG, 1],
    ['weak tag', `W/${TAG}`, 1],
    ['*', '*', 0],
    ['5-tag list', `${STALE}, W/"0a1b2c3d4e5f6071", "8192a3b4c5d6e7f8", ${TAG}, "ffeeddccbbaa9988"`, 5],
    ['comma inside quotes', '"v1,2026-11-22"', 1]
  ]
  for (const [name, value, tags] of lists) {
    const lines = [value]
    expect(name, parseEntityTagList(lines)?.tags.length, tags)
    out.push({ group: 'parseEntityTagList', name, run: () => parseEntityTagList(lines) })
  }
  const dates: Array<[string, string, number | undefined]> = [
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', 784111777],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT', 784111777],
    ['asctime', 'Sun Nov  6 08:49:37 1994', 784111777],
    ['invalid (ISO 8601)', '1994-11-06T08:49:37Z', undefined]
  ]
  for (const [name, value, seconds] of dates) {
    expect(name, parseHttpDate(value), seconds)
    out.push({ group: 'parseHttpDate', name, run: () => parseHttpDate(value) })
  }
  const put = request('PUT', { 'if-match': TAG })
  const get = request('GET', { 'if-none-match': TAG, 'if-modified-since': LAST_MODIFIED })
  expect('readConditionals', readConditionals(put).ifMatch?.tags.length, 1)
  out.push({ group: 'readConditionals', name: 'PUT with If-Match', run: () => readConditionals(put, NOW_SECONDS) })
  out.push({ group: 'readConditionals', name: 'GET with If-None-Match + If-Modified-Since', run: () => readConditionals(get, NOW_SECONDS) })

  const current: CurrentValidators = { etags: [{ weak: false, opaque: TAG.slice(1, -1) }], lastModified: parseHttpDate(LAST_MODIFIED) }
  const evaluations: Array<[string, string, Record<string, string>, string]> = [
    ['PUT, matching If-Match', 'PUT', { 'if-match': TAG }, 'proceed'],
    ['PUT, stale If-Match', 'PUT', { 'if-match': STALE }, 'precondition-failed'],
    ['GET, matching If-None-Match', 'GET', { 'if-none-match': TAG }, 'not-modified'],
    ['PUT, If-Unmodified-Since', 'PUT', { 'if-unmodified-since': LAST_MODIFIED }, 'proceed']
  ]
  for (const [name, method, fields, result] of evaluations) {
    const c = readConditionals(request(method, fields), NOW_SECONDS)
    expect(name, evaluatePreconditions(method, c, current).result, result)
    out.push({ group: 'evaluatePreconditions', name, run: () => evaluatePreconditions(method, c, current) })
  }

  // A stale If-Match: the tag is one of eight earlier ETags the history holds.
  let entry: ValidatorEntry | undefined
  const etags = [STALE, ...Array.from({ length: 7 }, (_, i) => `"${(i + 1).toString(16).padStart(16, '0')}"`), TAG]
  etags.forEach((etag, i) => {
    entry = observe(entry, '', [], { etag, lastModified: LAST_MODIFIED, source: 'origin', digest: undefined, encoding: undefined }, NOW_SECONDS * 1000 + i * 60_000, 8)
  })
  const history = historyOf(entry)
  expect('history depth', history.length, 8)
  const headers = request('PUT', { 'if-match': STALE })
  const conditionals = readConditionals(headers, NOW_SECONDS)
  const input = {
    decision: evaluatePreconditions('PUT', conditionals, current),
    conditionals,
    current,
    facts: { current: [{ etag: TAG, digest: undefined, encoding: undefined }], history },
    intermediary: intermediaryEvidence(headers),
    nowSeconds: NOW_SECONDS
  }
  expect('diagnose', diagnose(input).cause, 'stale-etag')
  // diagnose remembers the labels of the last list and facts it saw (a refusal asks twice): two
  // inputs, taken in turn, make every call label the list as a refusal's first call does.
  const inputs = [input, { ...input, facts: { ...input.facts } }]
  let turn = 0
  out.push({ group: 'diagnose', name: 'stale If-Match, 8-deep history', run: () => diagnose(inputs[turn++ & 1]) })

  for (const [name, size] of [['1 KB', 1024], ['100 KB', 102_400], ['1 MiB', 1_048_576]] as const) {
    const chunks = [Buffer.alloc(size, 'abcdefghijklmnopqrstuvwxyz0123456789')]
    expect(name, digestBody(chunks).length, 43)
    out.push({ group: 'digestBody (SHA-256)', name, run: () => digestBody(chunks), bytes: size })
  }
  // SPEC §11: what the dashboard's window adds to every request (a forwarded GET, an edge 412).
  const window = new RollingWindow({ bucketMs: 10_000, buckets: 90 })
  let clock = NOW_SECONDS * 1000
  out.push({ group: 'dashboard window (per request)', name: 'record: a forwarded GET', run: () => window.record({ decision: 'forwarded', route: '*/', path: '/items/1' }, clock++) })
  out.push({ group: 'dashboard window (per request)', name: 'record: an edge 412 (cause, path, lock wait)', run: () => window.record({ decision: 'edge-412', cause: 'stale-etag', route: '*/', path: '/items/1', lockWaitMs: 0.2 }, clock++) })

  // Last, once the timing loop has seen every case: what the call itself costs in each row above.
  out.push({ group: 'harness', name: 'empty function', run: () => undefined })
  return out
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const thousands = (n: number): string => Math.round(n).toLocaleString('en')

function main (): void {
  const started = Date.now()
  const results = cases().map((c) => {
    const batch = warm(c.run)
    const samples = Array.from({ length: SAMPLES }, () => sample(c.run, batch))
    const ns = median(samples)
    return {
      group: c.group,
      name: c.name,
      nsPerCall: { median: ns, min: Math.min(...samples), max: Math.max(...samples) },
      callsPerSecond: 1e9 / ns,
      batch,
      samples,
      ...(c.bytes === undefined ? {} : { bytes: c.bytes, mbPerSecond: (c.bytes * 1e3) / ns })
    }
  })
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem() }
  const wallSeconds = (Date.now() - started) / 1000
  const method = { warmupCalls: WARMUP_CALLS, warmupMaxMs: WARMUP_MS, sampleMs: SAMPLE_MS, samples: SAMPLES, batchMs: BATCH_MS }
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, 'micro.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, v8: process.versions.v8, machine, method, wallSeconds, results }, null, 2) + '\n')
  const lines = [
    '# ifgate benchmark: micro-benchmarks of the hot path',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB. Node ${process.version}. ${new Date().toISOString()}. Wall time ${fmt(wallSeconds)} s.`,
    `Each case: ${WARMUP_CALLS.toLocaleString('en')} warm-up calls (at most ${WARMUP_MS} ms), then ${SAMPLES} samples of ${SAMPLE_MS} ms; median ns per call (min–max of the samples). The harness row (timed last) is the cost of the call itself, included in every row.`,
    '',
    '| function | case | ns/call | min–max | calls/s | MB/s |',
    '|---|---|---|---|---|---|'
  ]
  for (const r of results) {
    lines.push(`| ${r.group} | ${r.name} | ${fmt(r.nsPerCall.median, 1)} | ${fmt(r.nsPerCall.min, 1)}–${fmt(r.nsPerCall.max, 1)} | ${thousands(r.callsPerSecond)} | ${r.mbPerSecond === undefined ? '' : fmt(r.mbPerSecond)} |`)
  }
  const md = lines.join('\n') + '\n'
  writeFileSync(join(RESULTS, 'micro.md'), md)
  process.stdout.write(md)
  // Use the sink once, so nothing written to it is dead.
  if (sink.length !== 16) process.exitCode = 1
}

main()
