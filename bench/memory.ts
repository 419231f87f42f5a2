// `node --expose-gc bench/memory.ts`: what the validator cache costs in memory. Each figure comes
// from a fresh child process (a clean heap): a store filled with N entries, without history and
// with an 8-deep one, against an empty store; then one store under the default 64 MiB byte bound
// fed 3,000,000 distinct keys, to show the bound holds and where RSS levels off.
// Writes results/memory.json and results/memory.md.
import { execFile, type ChildProcess } from 'node:child_process'
import { hash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DEFAULTS } from '../src/config/defaults.ts'
import { formatHttpDate } from '../src/http/http-date.ts'
import { historyOf, observe, type Validators } from '../src/validators/entry.ts'
import { createMemoryStore } from '../src/validators/memory-store.ts'
import { resourceKey, type ValidatorStore } from '../src/validators/store.ts'

const run = promisify(execFile)
const children = new Set<ChildProcess>()
// A child still running when this process exits (a sibling failed) is stopped by its PID.
process.on('exit', () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL') })
const SCRIPT = fileURLToPath(import.meta.url)
const RESULTS = fileURLToPath(new URL('results', import.meta.url))

const DEPTH = DEFAULTS.cache.historyDepth
/** Versions observed per resource for an 8-deep history: each new ETag supersedes the one before. */
const VERSIONS = DEPTH + 1
const SIZES = [0, 100_000, 1_000_000] as const
/** Large enough that no fill evicts: only the entry bound (= N) is set to what the fill needs. */
const NO_BYTE_BOUND = 2 ** 40
const BOUND_KEYS = 3_000_000
/** The largest entry bound an operator would set; the byte bound (64 MiB) binds long before it. lru-cache preallocates its slots for it. */
const BOUND_MAX_ENTRIES = 1_000_000
const SAMPLE_EVERY = 250_000
/** In the bound run, one key in HISTORY_SHARE gets the 8-deep history (all of them would take minutes). */
const HISTORY_SHARE = 8
/** RSS has levelled off when the last PLATEAU_SAMPLES samples are within PLATEAU_PERCENT of each other. */
const PLATEAU_SAMPLES = 4
const PLATEAU_PERCENT = 5
/** Children at once (each is one process, measured on its own; 2 cores). */
const PARALLEL = 2
const CHILD_TIMEOUT_MS = 150_000

const ORIGIN = 'http://legacy-api:3000'
const NOW_MS = Date.UTC(2026, 10, 22, 12)
/** One Last-Modified per version. Inputs may be shared between keys: observe packs copies of them. */
const DATES = Array.from({ length: VERSIONS }, (_, v) => formatHttpDate(NOW_MS / 1000 - (VERSIONS - v) * 3600))
const DIGESTS = Array.from({ length: 256 }, (_, i) => hash('sha256', `body ${i}`, 'base64url'))

interface Usage { readonly rss: number; readonly heapUsed: number; readonly heapTotal: number; readonly external: number; readonly arrayBuffers: number }
interface Fill {
  readonly entries: number
  readonly history: boolean
  readonly observations: number
  readonly fillMs: number
  /** stats().bytes: the sum of entrySize over the store. */
  readonly estimatedBytes: number
  readonly evictions: number
  readonly usage: Usage
}
interface Sample { readonly inserted: number; readonly entries: number; readonly estimatedBytes: number; readonly evictions: number; readonly usage: Usage }
interface Bound { readonly maxBytes: number; readonly maxEntries: number; readonly keys: number; readonly historyShare: number; readonly fillMs: number; readonly samples: readonly Sample[] }

/** Returns the validators the origin shows for version `v` of resource `i`: a strong ETag, Last-Modified and the body's digest. */
function validators (i: number, v: number): Validators {
  const n = i * VERSIONS + v
  return { etag: `"${n.toString(16).padStart(16, '0')}"`, lastModified: DATES[v], source: 'origin', digest: DIGESTS[n % DIGESTS.length], encoding: undefined }
}

/** Returns the store key of resource `i`, as the proxy builds it. */
function keyOf (i: number): string {
  return resourceKey(ORIGIN, `/api/items/${i}`)
}

/** Returns the observations made: resources `from`..`to`-1 each learned `versions(i)` times, as `learn` does. */
function insert (store: ValidatorStore, from: number, to: number, versions: (i: number) => number): number {
  let observations = 0
  for (let i = from; i < to; i++) {
    const key = keyOf(i)
    const count = versions(i)
    for (let v = 0; v < count; v++) {
      const seen = validators(i, v)
      // The memory store settles synchronously; nothing waits on the promise.
      void store.update(key, (old) => observe(old, '', [], seen, NOW_MS + v * 60_000, DEPTH))
      observations++
    }
  }
  return observations
}

/** Returns process.memoryUsage() after a few full collections. */
function settled (): Usage {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  for (let i = 0; i < 4; i++) gc()
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage()
  return { rss, heapUsed, heapTotal, external, arrayBuffers }
}

/** Throws unless the entry of resource `i` has exactly `depth` earlier ETags. */
async function checkHistory (store: ValidatorStore, i: number, depth: number): Promise<void> {
  const got = historyOf(await store.get(keyOf(i))).length
  if (got !== depth) throw new Error(`resource ${i}: history of ${got} ETags, expected ${depth}`)
}

/** Returns the figures of one fill: N entries in a store that holds them all. */
async function fill (entries: number, history: boolean): Promise<Fill> {
  // The same code runs (and is compiled) in every child, the empty one included, before the measured fill.
  insert(createMemoryStore({ maxEntries: 1000, maxBytes: NO_BYTE_BOUND }), 0, 1000, () => VERSIONS)
  const store = createMemoryStore({ maxEntries: Math.max(1, entries), maxBytes: NO_BYTE_BOUND })
  const start = performance.now()
  const observations = insert(store, 0, entries, () => (history ? VERSIONS : 1))
  const fillMs = performance.now() - start
  for (let i = 0; i < entries; i += Math.max(1, Math.floor(entries / 100))) await checkHistory(store, i, history ? DEPTH : 0)
  if (entries > 0) await checkHistory(store, entries - 1, history ? DEPTH : 0)
  const usage = settled()
  // Read after the measurement, so the store is alive while it is measured.
  const stats = store.stats()
  if (stats.entries !== entries || stats.evictions !== 0) throw new Error(`fill of ${entries}: ${stats.entries} entries, ${stats.evictions} evictions`)
  return { entries, history, observations, fillMs, estimatedBytes: stats.bytes, evictions: stats.evictions, usage }
}

/** Returns the samples of a store under the default byte bound fed BOUND_KEYS distinct keys. */
async function bound (): Promise<Bound> {
  const maxBytes = DEFAULTS.cache.maxBytes
  const store = createMemoryStore({ maxEntries: BOUND_MAX_ENTRIES, maxBytes })
  const withHistory = (i: number): number => (i % HISTORY_SHARE === 0 ? VERSIONS : 1)
  const sample = (inserted: number): Sample => {
    const usage = settled()
    const { entries, bytes, evictions } = store.stats()
    return { inserted, entries, estimatedBytes: bytes, evictions, usage }
  }
  insert(createMemoryStore({ maxEntries: 1000, maxBytes: NO_BYTE_BOUND }), 0, 1000, () => VERSIONS)
  const samples = [sample(0)]
  const start = performance.now()
  for (let done = 0; done < BOUND_KEYS; done += SAMPLE_EVERY) {
    insert(store, done, done + SAMPLE_EVERY, withHistory)
    samples.push(sample(done + SAMPLE_EVERY))
  }
  const fillMs = performance.now() - start
  await checkHistory(store, BOUND_KEYS - HISTORY_SHARE, DEPTH)
  return { maxBytes, maxEntries: BOUND_MAX_ENTRIES, keys: BOUND_KEYS, historyShare: HISTORY_SHARE, fillMs, samples }
}

/** Returns the JSON a child printed for `args` (a fresh process with --expose-gc). */
async function child<T> (args: readonly string[]): Promise<T> {
  const running = run(process.execPath, ['--expose-gc', SCRIPT, '--child', ...args], { timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 })
  children.add(running.child)
  const { stdout } = await running
  children.delete(running.child)
  return JSON.parse(stdout) as T
}

/** Returns the results of `tasks`, run PARALLEL at a time, in order. */
async function pool<T> (tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(tasks.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++
      out[i] = await tasks[i]()
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, lane))
  return out
}

const MiB = 2 ** 20
const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')
const mib = (n: number): string => fmt(n / MiB, 1)

async function main (): Promise<void> {
  const started = Date.now()
  // Longest first: the 1M-entry history fill on one lane, the bound run and the rest on the other.
  const specs = [[1_000_000, true], ...SIZES.flatMap((n) => [[n, false], [n, true]]).filter(([n, h]) => !(n === 1_000_000 && h === true))] as Array<[number, boolean]>
  const tasks: Array<() => Promise<Fill | Bound>> = [
    () => child<Fill>(['fill', String(specs[0][0]), String(specs[0][1])]),
    () => child<Bound>(['bound']),
    ...specs.slice(1).map(([n, h]) => () => child<Fill>(['fill', String(n), String(h)]))
  ]
  const [first, boundRun, ...rest] = await pool(tasks)
  const fills = [first as Fill, ...(rest as Fill[])]
  const b = boundRun as Bound
  const find = (n: number, h: boolean): Fill => fills.find((f) => f.entries === n && f.history === h) as Fill
  const perEntry = SIZES.filter((n) => n > 0).flatMap((n) => [false, true].map((h) => {
    const f = find(n, h)
    const empty = find(0, h)
    return {
      entries: n,
      history: h,
      heapBytesPerEntry: (f.usage.heapUsed - empty.usage.heapUsed) / n,
      /** With lru-cache's typed arrays (off the V8 heap: ArrayBuffers). */
      heapAndBuffersBytesPerEntry: (f.usage.heapUsed + f.usage.arrayBuffers - empty.usage.heapUsed - empty.usage.arrayBuffers) / n,
      rssBytesPerEntry: (f.usage.rss - empty.usage.rss) / n,
      estimatedBytesPerEntry: f.estimatedBytes / n,
      nsPerObservation: (f.fillMs * 1e6) / f.observations
    }
  }))

  const samples = b.samples
  const rss = samples.map((s) => s.usage.rss)
  const maxRss = Math.max(...rss)
  const last = rss.slice(-PLATEAU_SAMPLES)
  const spreadPercent = ((Math.max(...last) - Math.min(...last)) * 100) / Math.max(...last)
  const maxEstimate = Math.max(...samples.map((s) => s.estimatedBytes))
  const storeHeap = Math.max(...samples.map((s) => s.usage.heapUsed)) - samples[0].usage.heapUsed
  const evictions = samples[samples.length - 1].evictions
  const empty = find(0, false).usage
  const boundSummary = {
    /** What lru-cache preallocates per maxEntries slot, used or not (heap and ArrayBuffers). */
    slotBytes: (samples[0].usage.heapUsed + samples[0].usage.arrayBuffers - empty.heapUsed - empty.arrayBuffers) / b.maxEntries,
    maxEstimatedBytes: maxEstimate,
    evictions,
    /** Heap the full store holds beyond the empty one (largest sample). */
    storeHeapBytes: storeHeap,
    emptyRss: samples[0].usage.rss,
    maxRss,
    /** RSS ≤ cache.maxBytes + this constant. */
    rssConstant: maxRss - b.maxBytes,
    lastSamplesSpreadPercent: spreadPercent,
    plateau: spreadPercent <= PLATEAU_PERCENT
  }
  const at1M = (h: boolean): number => perEntry.find((p) => p.entries === 1_000_000 && p.history === h)?.heapBytesPerEntry ?? NaN
  const targets = [
    { what: 'heap bytes per cached validator, no history, 1M entries', value: at1M(false), goal: '≤ 300', met: at1M(false) <= 300 },
    { what: 'heap bytes per cached validator, 8-deep history, 1M entries', value: at1M(true), goal: '≤ 1024', met: at1M(true) <= 1024 },
    { what: `bound: largest estimated bytes (MiB), ${b.keys.toLocaleString('en')} keys`, value: maxEstimate / MiB, goal: `≤ ${mib(b.maxBytes)}`, met: maxEstimate <= b.maxBytes },
    { what: 'bound: evictions', value: evictions, goal: '> 0', met: evictions > 0 },
    { what: 'bound: heap the store holds (MiB)', value: storeHeap / MiB, goal: `≤ ${mib(b.maxBytes)}`, met: storeHeap <= b.maxBytes },
    { what: `bound: RSS spread over the last ${PLATEAU_SAMPLES} samples (%)`, value: spreadPercent, goal: `≤ ${PLATEAU_PERCENT}`, met: spreadPercent <= PLATEAU_PERCENT }
  ]

  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem() }
  const wallSeconds = (Date.now() - started) / 1000
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, 'memory.json'), JSON.stringify({
    date: new Date().toISOString(), node: process.version, v8: process.versions.v8, machine, wallSeconds,
    entry: { origin: ORIGIN, example: { key: keyOf(123456), validators: validators(123456, 0) }, historyDepth: DEPTH },
    fills, perEntry, bound: { ...b, summary: boundSummary }, targets
  }, null, 2) + '\n')

  const lines = [
    '# ifgate benchmark: validator cache memory',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB. Node ${process.version}. ${new Date().toISOString()}. Wall time ${fmt(wallSeconds)} s.`,
    `Entry: key \`${keyOf(123456)}\`, a strong 16-hex ETag, an IMF-fixdate Last-Modified and a SHA-256 digest; history: ${VERSIONS} ETags observed in turn (${DEPTH} earlier ones kept).`,
    'Each row is a fresh process (after `gc()`), compared with an empty store in another fresh process; `maxEntries` = N (lru-cache preallocates its slots).',
    '',
    '| entries | history | heap B/entry | heap + buffers B/entry | RSS B/entry | entrySize estimate B/entry | estimate / heap | observe ns |',
    '|---|---|---|---|---|---|---|---|'
  ]
  for (const p of perEntry) {
    lines.push(`| ${p.entries.toLocaleString('en')} | ${p.history ? `${DEPTH}-deep` : 'none'} | ${fmt(p.heapBytesPerEntry)} | ${fmt(p.heapAndBuffersBytesPerEntry)} | ${fmt(p.rssBytesPerEntry)} | ${fmt(p.estimatedBytesPerEntry)} | ${fmt(p.estimatedBytesPerEntry / p.heapBytesPerEntry, 2)} | ${fmt(p.nsPerObservation)} |`)
  }
  lines.push('', `## Bound: maxBytes ${mib(b.maxBytes)} MiB, maxEntries ${b.maxEntries.toLocaleString('en')}, ${b.keys.toLocaleString('en')} distinct keys (1 in ${b.historyShare} with a ${DEPTH}-deep history)`, '',
    '| inserted | entries | estimated MiB | heapUsed MiB | heapTotal MiB | RSS MiB | evictions |', '|---|---|---|---|---|---|---|')
  for (const s of samples) lines.push(`| ${s.inserted.toLocaleString('en')} | ${s.entries.toLocaleString('en')} | ${mib(s.estimatedBytes)} | ${mib(s.usage.heapUsed)} | ${mib(s.usage.heapTotal)} | ${mib(s.usage.rss)} | ${s.evictions.toLocaleString('en')} |`)
  lines.push('', `RSS ≤ cache.maxBytes + ${mib(boundSummary.rssConstant)} MiB (largest RSS ${mib(maxRss)} MiB; the empty store's process: ${mib(boundSummary.emptyRss)} MiB). ` +
    `RSS ${boundSummary.plateau ? 'levelled off' : 'was still moving'}: the last ${PLATEAU_SAMPLES} samples within ${fmt(spreadPercent, 1)} %. ` +
    `The constant grows with maxEntries: lru-cache preallocates ${fmt(boundSummary.slotBytes)} B per slot, used or not.`)
  lines.push('', '## Targets', '', '| target | value | goal | met |', '|---|---|---|---|')
  for (const t of targets) lines.push(`| ${t.what} | ${fmt(t.value, 1)} | ${t.goal} | ${t.met ? 'yes' : '**no**'} |`)
  const md = lines.join('\n') + '\n'
  writeFileSync(join(RESULTS, 'memory.md'), md)
  process.stdout.write(md)
}

if (process.argv[2] === '--child') {
  const [mode, n, h] = process.argv.slice(3)
  const result = mode === 'bound' ? bound() : fill(Number(n), h === 'true')
  result.then((r) => { process.stdout.write(JSON.stringify(r)) }, (err: unknown) => {
    process.stderr.write(`memory child ${process.argv.slice(3).join(' ')}: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  })
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`memory: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  })
}
