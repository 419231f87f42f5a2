import { CAUSES, type Cause } from '../diagnosis/causes.ts'
import { LOG_DECISIONS, type LogDecision } from '../pipeline/context.ts'
import { REPAIRS, type Repair } from '../config/types.ts'

/**
 * The rolling window behind the dashboard (SPEC §11): the last `buckets` × `bucketMs` of
 * requests, in fixed buckets, fed once per request at the cost of a few array increments. Memory
 * is bounded: fixed arrays per bucket, and at most MAX_PATHS paths counted per bucket.
 */

/** What the window keeps of one finished request. */
export interface WindowEntry {
  readonly decision: LogDecision
  readonly cause?: Cause
  readonly route: string
  readonly path: string
  readonly lockWaitMs?: number
  readonly repaired?: Repair
  /** Observe mode: what enforce mode would have answered. */
  readonly wouldDecide?: LogDecision
}

/** Upper bounds (ms) of the lock-wait histogram; the last bucket is everything above. */
export const LOCK_WAIT_BOUNDS_MS: readonly number[] = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

/** Most distinct paths whose 412s one bucket counts; more are counted under no path. */
export const MAX_PATHS = 200

/** Most paths listed in a snapshot's topPaths. */
const TOP_PATHS = 10

interface Bucket {
  start: number
  readonly decisions: Uint32Array
  readonly causes: Uint32Array
  readonly repairs: Uint32Array
  readonly observed: Uint32Array
  readonly lockWait: Uint32Array
  /** route → path → counts by cause (index in CAUSES): no key is built per request. */
  readonly paths: Map<string, Map<string, PathCounts>>
  /** Paths counted in `paths`, at most MAX_PATHS. */
  pathCount: number
}

interface PathCounts { readonly route: string; readonly path: string; readonly counts: Uint32Array }

const DECISION_INDEX = new Map<string, number>(LOG_DECISIONS.map((d, i) => [d, i]))
const CAUSE_INDEX = new Map<string, number>(CAUSES.map((c, i) => [c, i]))
const REPAIR_INDEX = new Map<string, number>(REPAIRS.map((r, i) => [r, i]))

function emptyBucket (start: number): Bucket {
  return {
    start,
    decisions: new Uint32Array(LOG_DECISIONS.length),
    causes: new Uint32Array(CAUSES.length),
    repairs: new Uint32Array(REPAIRS.length),
    observed: new Uint32Array(LOG_DECISIONS.length),
    lockWait: new Uint32Array(LOCK_WAIT_BOUNDS_MS.length + 1),
    paths: new Map(),
    pathCount: 0
  }
}

function reset (b: Bucket, start: number): void {
  b.start = start
  b.decisions.fill(0)
  b.causes.fill(0)
  b.repairs.fill(0)
  b.observed.fill(0)
  b.lockWait.fill(0)
  b.paths.clear()
  b.pathCount = 0
}

/** A window's state as JSON: what `/stats` serves, and what the primary of several workers adds up. */
export interface WindowSnapshot {
  readonly bucketMs: number
  /** Oldest first, exactly `buckets` of them, the last one the current bucket. */
  readonly series: ReadonlyArray<{ start: number; decisions: Record<string, number>; causes: Record<string, number> }>
  readonly topPaths: ReadonlyArray<{ route: string; path: string; count: number; cause: string }>
  /** The paths with the most 412s (at most MAX_PATHS), their counts by cause: what several workers' snapshots are merged by. */
  readonly paths: ReadonlyArray<{ route: string; path: string; causes: Record<string, number> }>
  readonly lockWait: { readonly boundsMs: readonly number[]; readonly counts: readonly number[]; readonly count: number; readonly p50Ms: number | null; readonly p99Ms: number | null }
  readonly repairs: Record<string, number>
  readonly observed: Record<string, number>
  readonly totals: { readonly requests: number; readonly edge412: number }
}

/** Returns the non-zero counts by name. */
function named<K extends string> (names: readonly K[], counts: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (let i = 0; i < names.length; i++) if (counts[i] > 0) out[names[i]] = counts[i]
  return out
}

/** Returns the bound (ms) under which `q` of the histogram's samples fall, or null without samples (the last bucket: null bound, reported as the largest bound). */
export function quantile (counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total === 0) return null
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]
    if (seen >= q * total) return LOCK_WAIT_BOUNDS_MS[Math.min(i, LOCK_WAIT_BOUNDS_MS.length - 1)]
  }
  return LOCK_WAIT_BOUNDS_MS[LOCK_WAIT_BOUNDS_MS.length - 1]
}

export class RollingWindow {
  readonly bucketMs: number
  readonly #ring: Bucket[]

  constructor (options: { bucketMs: number; buckets: number }) {
    this.bucketMs = Math.max(1, options.bucketMs)
    this.#ring = Array.from({ length: Math.max(1, options.buckets) }, () => emptyBucket(-Infinity))
  }

  /** Returns the ring slot of a bucket start (any sign). */
  #slot (start: number): Bucket {
    const n = this.#ring.length
    return this.#ring[((Math.floor(start / this.bucketMs) % n) + n) % n]
  }

  /** Returns the bucket of a time, made current (emptied) when its slot holds an older one; undefined when it holds a newer one (a clock that went back). */
  #bucket (nowMs: number): Bucket | undefined {
    const start = Math.floor(nowMs / this.bucketMs) * this.bucketMs
    const b = this.#slot(start)
    if (b.start > start) return undefined
    if (b.start !== start) reset(b, start)
    return b
  }

  /** Counts one finished request. */
  record (e: WindowEntry, nowMs: number): void {
    const b = this.#bucket(nowMs)
    if (b === undefined) return
    b.decisions[DECISION_INDEX.get(e.decision) ?? DECISION_INDEX.get('error') as number]++
    if (e.decision === 'edge-412' && e.cause !== undefined) {
      const c = CAUSE_INDEX.get(e.cause) as number
      b.causes[c]++
      let byPath = b.paths.get(e.route)
      let p = byPath?.get(e.path)
      if (p === undefined && b.pathCount < MAX_PATHS) {
        if (byPath === undefined) b.paths.set(e.route, byPath = new Map())
        byPath.set(e.path, p = { route: e.route, path: e.path, counts: new Uint32Array(CAUSES.length) })
        b.pathCount++
      }
      if (p !== undefined) p.counts[c]++
    }
    if (e.repaired !== undefined) b.repairs[REPAIR_INDEX.get(e.repaired) as number]++
    if (e.wouldDecide !== undefined) b.observed[DECISION_INDEX.get(e.wouldDecide) as number]++
    if (e.lockWaitMs !== undefined) {
      let i = 0
      while (i < LOCK_WAIT_BOUNDS_MS.length && e.lockWaitMs > LOCK_WAIT_BOUNDS_MS[i]) i++
      b.lockWait[i]++
    }
  }

  /** Returns the window at `nowMs`: buckets older than the window count as empty. */
  snapshot (nowMs: number): WindowSnapshot {
    const n = this.#ring.length
    const current = Math.floor(nowMs / this.bucketMs) * this.bucketMs
    const oldest = current - (n - 1) * this.bucketMs
    const series: Array<{ start: number; decisions: Record<string, number>; causes: Record<string, number> }> = []
    const repairs = new Uint32Array(REPAIRS.length)
    const observed = new Uint32Array(LOG_DECISIONS.length)
    const lockWait = new Array<number>(LOCK_WAIT_BOUNDS_MS.length + 1).fill(0)
    const paths = new Map<string, { route: string; path: string; counts: number[] }>()
    let requests = 0
    let edge412 = 0
    for (let start = oldest; start <= current; start += this.bucketMs) {
      const b = this.#slot(start)
      if (b.start !== start) {
        series.push({ start, decisions: {}, causes: {} })
        continue
      }
      series.push({ start, decisions: named(LOG_DECISIONS, b.decisions), causes: named(CAUSES, b.causes) })
      for (const x of b.decisions) requests += x
      for (const x of b.causes) edge412 += x
      for (let i = 0; i < repairs.length; i++) repairs[i] += b.repairs[i]
      for (let i = 0; i < observed.length; i++) observed[i] += b.observed[i]
      for (let i = 0; i < lockWait.length; i++) lockWait[i] += b.lockWait[i]
      for (const byPath of b.paths.values()) {
        for (const p of byPath.values()) {
          const key = p.route + ' ' + p.path
          const sum = paths.get(key) ?? { route: p.route, path: p.path, counts: new Array<number>(CAUSES.length).fill(0) }
          for (let i = 0; i < CAUSES.length; i++) sum.counts[i] += p.counts[i]
          paths.set(key, sum)
        }
      }
    }
    return {
      bucketMs: this.bucketMs,
      series,
      topPaths: topPaths([...paths.values()]),
      paths: pathsOf([...paths.values()]),
      lockWait: { boundsMs: LOCK_WAIT_BOUNDS_MS, counts: lockWait, count: lockWait.reduce((a, b) => a + b, 0), p50Ms: quantile(lockWait, 0.5), p99Ms: quantile(lockWait, 0.99) },
      repairs: named(REPAIRS, repairs),
      observed: named(LOG_DECISIONS, observed),
      totals: { requests, edge412 }
    }
  }
}

/** Orders paths by 412s, most first, then by path and route (a total order). */
function byCount (a: { count: number; path: string; route: string }, b: { count: number; path: string; route: string }): number {
  return b.count - a.count || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.route < b.route ? -1 : a.route > b.route ? 1 : 0)
}

/** Returns the paths with the most 412s, each with its dominant cause (ties: the earlier cause in CAUSES). */
function topPaths (paths: ReadonlyArray<{ route: string; path: string; counts: readonly number[] }>, limit = TOP_PATHS): WindowSnapshot['topPaths'] {
  return paths
    .map((p) => {
      let best = 0
      for (let i = 1; i < p.counts.length; i++) if (p.counts[i] > p.counts[best]) best = i
      return { route: p.route, path: p.path, count: p.counts.reduce((a, b) => a + b, 0), cause: CAUSES[best] as string }
    })
    .sort(byCount)
    .slice(0, limit)
}

/** Returns the paths kept for merging: the MAX_PATHS with the most 412s, with their counts by cause. */
function pathsOf (paths: ReadonlyArray<{ route: string; path: string; counts: readonly number[] }>): WindowSnapshot['paths'] {
  return paths
    .map((p) => ({ p, count: p.counts.reduce((a, b) => a + b, 0), path: p.path, route: p.route }))
    .sort(byCount)
    .slice(0, MAX_PATHS)
    .map(({ p }) => ({ route: p.route, path: p.path, causes: named(CAUSES, p.counts) }))
}

/**
 * Returns the sum of several workers' snapshots (series aligned by bucket start, the newest
 * buckets kept). Totals are counted from the merged series, so they agree with it even when the
 * workers' clocks put their snapshots a bucket apart; paths are merged by their counts per cause.
 */
export function mergeSnapshots (snapshots: readonly WindowSnapshot[]): WindowSnapshot {
  if (snapshots.length === 0) throw new TypeError('mergeSnapshots needs at least one snapshot')
  if (snapshots.length === 1) return snapshots[0]
  const first = snapshots[0]
  const add = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
    const out = { ...a }
    for (const k in b) out[k] = (out[k] ?? 0) + b[k]
    return out
  }
  const byStart = new Map<number, { start: number; decisions: Record<string, number>; causes: Record<string, number> }>()
  for (const s of snapshots) {
    for (const b of s.series) {
      const m = byStart.get(b.start)
      byStart.set(b.start, m === undefined ? { ...b } : { start: b.start, decisions: add(m.decisions, b.decisions), causes: add(m.causes, b.causes) })
    }
  }
  const series = [...byStart.values()].sort((a, b) => a.start - b.start).slice(-first.series.length)
  const counts = first.lockWait.counts.map((_, i) => snapshots.reduce((n, s) => n + (s.lockWait.counts[i] ?? 0), 0))
  const merged = new Map<string, { route: string; path: string; counts: number[] }>()
  for (const s of snapshots) {
    for (const p of s.paths) {
      const key = p.route + ' ' + p.path
      const m = merged.get(key) ?? { route: p.route, path: p.path, counts: new Array<number>(CAUSES.length).fill(0) }
      for (const [cause, n] of Object.entries(p.causes)) {
        const i = CAUSE_INDEX.get(cause)
        if (i !== undefined) m.counts[i] += n
      }
      merged.set(key, m)
    }
  }
  const sum = (field: 'decisions' | 'causes'): number => series.reduce((n, b) => n + Object.values(b[field]).reduce((x, y) => x + y, 0), 0)
  return {
    bucketMs: first.bucketMs,
    series,
    topPaths: topPaths([...merged.values()]),
    paths: pathsOf([...merged.values()]),
    lockWait: { boundsMs: first.lockWait.boundsMs, counts, count: counts.reduce((a, b) => a + b, 0), p50Ms: quantile(counts, 0.5), p99Ms: quantile(counts, 0.99) },
    repairs: snapshots.reduce((r, s) => add(r, s.repairs), {}),
    observed: snapshots.reduce((r, s) => add(r, s.observed), {}),
    totals: { requests: sum('decisions'), edge412: sum('causes') }
  }
}

/** The window entry of a finished request (the same facts the log line and the metrics take). */
export function windowEntryOf (ctx: { readonly decision?: LogDecision; readonly cause?: Cause; readonly route?: { readonly id: string }; readonly path: string; readonly lockWaitMs?: number; readonly repaired?: Repair; readonly wouldDecide?: LogDecision }, decision: LogDecision): WindowEntry {
  return { decision, cause: ctx.cause, route: ctx.route?.id ?? 'none', path: ctx.path, lockWaitMs: ctx.lockWaitMs, repaired: ctx.repaired, wouldDecide: ctx.wouldDecide }
}

