/**
 * What ifgate knows about one resource: the current validators of each variant it has seen since
 * the last write, and a short history of earlier ETags (SPEC §3, §5). Plain data, so a shared store
 * can serialise it; every function here is pure and returns a new entry.
 */
export const VALIDATOR_SOURCES = ['origin', 'synthesized'] as const
export type ValidatorSource = typeof VALIDATOR_SOURCES[number]

export interface Validators {
  /** ETag exactly as sent to clients: the origin's spelling, or the synthesized tag. */
  readonly etag: string | undefined
  /** Last-Modified exactly as the origin sent it. */
  readonly lastModified: string | undefined
  readonly source: ValidatorSource
  /** SHA-256 digest (base64url) of the identity body, when it was hashed. */
  readonly digest: string | undefined
  /** Content-Encoding of the response the validators were learned from. */
  readonly encoding: string | undefined
}

export interface VariantValidators extends Validators {
  /** Epoch ms when these validators were first and last seen. */
  readonly firstSeen: number
  readonly learnedAt: number
}

export interface HistoryItem {
  readonly etag: string
  readonly lastModified: string | undefined
  readonly digest: string | undefined
  readonly encoding: string | undefined
  readonly source: ValidatorSource
  readonly firstSeen: number
  readonly supersededAt: number
  /** True when a write forwarded by ifgate superseded this ETag. */
  readonly byWrite: boolean
}

export interface ValidatorEntry {
  /** Current validators by variant key; undefined when unknown (dropped after a write or never learned). */
  readonly current: Readonly<Record<string, VariantValidators>> | undefined
  /** Lower-case request header names the origin's Vary lists. */
  readonly vary: readonly string[]
  /** Earlier ETags, newest first, at most `historyDepth`. */
  readonly history: readonly HistoryItem[]
  /** Writes forwarded by ifgate for this resource: a read that started before a write may not teach validators after it. */
  readonly writes: number
}

function toHistory (v: VariantValidators, now: number, byWrite: boolean): HistoryItem | undefined {
  if (v.etag === undefined) return undefined
  return { etag: v.etag, lastModified: v.lastModified, digest: v.digest, encoding: v.encoding, source: v.source, firstSeen: v.firstSeen, supersededAt: now, byWrite }
}

function pushHistory (history: readonly HistoryItem[], items: Array<HistoryItem | undefined>, depth: number): readonly HistoryItem[] {
  const fresh = items.filter((h): h is HistoryItem => h !== undefined)
  if (fresh.length === 0) return history
  const tags = new Set(fresh.map((h) => h.etag))
  return [...fresh, ...history.filter((h) => !tags.has(h.etag))].slice(0, depth)
}

/**
 * Returns the entry after the origin showed `validators` for one variant. The same ETag only
 * refreshes `learnedAt`; a new ETag for the same variant supersedes the old one (SPEC §3 Variants).
 */
export function observe (entry: ValidatorEntry | undefined, variantKey: string, vary: readonly string[], validators: Validators, now: number, historyDepth: number): ValidatorEntry {
  const current = entry?.current
  const previous = current?.[variantKey]
  const same = previous !== undefined && previous.etag === validators.etag && previous.lastModified === validators.lastModified
  const next: VariantValidators = { ...validators, firstSeen: same ? previous.firstSeen : now, learnedAt: now }
  const history = entry?.history ?? []
  return {
    current: { ...current, [variantKey]: next },
    vary,
    history: same || previous === undefined ? history : pushHistory(history, [toHistory(previous, now, false)], historyDepth),
    writes: entry?.writes ?? 0
  }
}

/**
 * Returns the entry after a successful write: every current ETag becomes history (SPEC §2.5), and
 * the write's own validators, when the response carried usable ones, become current.
 */
export function afterWrite (entry: ValidatorEntry | undefined, now: number, historyDepth: number, written?: { variantKey: string; validators: Validators }): ValidatorEntry {
  const earlier = entry?.current === undefined ? [] : Object.values(entry.current).map((v) => toHistory(v, now, true))
  const history = pushHistory(entry?.history ?? [], earlier, historyDepth)
  const current = written === undefined ? undefined : { [written.variantKey]: { ...written.validators, firstSeen: now, learnedAt: now } }
  return { current, vary: entry?.vary ?? [], history, writes: (entry?.writes ?? 0) + 1 }
}

/** Returns the fresh current variants of an entry, or undefined when none is younger than `ttlMs`. */
export function freshVariants (entry: ValidatorEntry | undefined, now: number, ttlMs: number): VariantValidators[] | undefined {
  if (entry?.current === undefined) return undefined
  const fresh = Object.values(entry.current).filter((v) => now - v.learnedAt < ttlMs)
  return fresh.length === 0 ? undefined : fresh
}

/** Returns the variant key of a request: the values of the request headers the origin's Vary names. */
export function variantKeyOf (vary: readonly string[], headers: Readonly<Record<string, string | string[] | undefined>>): string {
  if (vary.length === 0) return ''
  let key = ''
  for (const name of vary) {
    const v = headers[name]
    key += (Array.isArray(v) ? v.join(', ') : (v ?? '')) + '\n'
  }
  return key
}

/** Returns the lower-case header names of a Vary field value ('*' included as is). */
export function parseVary (value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  const joined = Array.isArray(value) ? value.join(',') : value
  const names: string[] = []
  for (const part of joined.split(',')) {
    const name = part.trim().toLowerCase()
    if (name !== '' && !names.includes(name)) names.push(name)
  }
  return names.sort()
}

/** Returns an estimate of the bytes an entry holds, for the cache's byte bound. */
export function entrySize (key: string, entry: ValidatorEntry): number {
  let size = 64 + key.length * 2
  if (entry.current !== undefined) {
    for (const [k, v] of Object.entries(entry.current)) {
      size += 96 + k.length * 2 + (v.etag?.length ?? 0) * 2 + (v.lastModified?.length ?? 0) * 2 + (v.digest?.length ?? 0) * 2 + (v.encoding?.length ?? 0) * 2
    }
  }
  for (const h of entry.history) size += 96 + h.etag.length * 2 + (h.lastModified?.length ?? 0) * 2 + (h.digest?.length ?? 0) * 2 + (h.encoding?.length ?? 0) * 2
  for (const v of entry.vary) size += 16 + v.length * 2
  return size
}
