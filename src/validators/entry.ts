import { valueDigest } from '../http/credentials.ts'
import { compareVariant, etagOfPacked, findVariant, hasDigestFor, isOneRecord, learnedAtOfPacked, packList, packVariant, prependHistory, relearned, unpackCurrent, unpackHistory, unpackList, unpackVariant, variantKeyOfPacked, variantToHistory, type UnpackedVariant } from './packed.ts'

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
  /** The values of the request headers the origin's Vary names, joined (variantKeyOf). */
  readonly variantKey: string
  /** Who these validators were learned for: '' without credentials, else a digest (principalOf). */
  readonly principal: string
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
  /** Current validators of every variant, packed (packed.ts); undefined when unknown (dropped after a write or never learned). */
  readonly current: string | undefined
  /** Lower-case request header names the origin's Vary lists. */
  readonly vary: readonly string[]
  /** Earlier ETags, newest first, at most `historyDepth`, packed ('' for none; read them with historyOf). */
  readonly history: string
  /** Writes forwarded by ifgate for this resource: a read that started before a write may not teach validators after it. */
  readonly writes: number
}

/** One frozen empty list shared by every entry whose origin sends no Vary. */
const NO_VARY: readonly string[] = Object.freeze([])

/** Returns the current variants of an entry, unpacked (empty when unknown). */
export function variantsOf (entry: ValidatorEntry | undefined): VariantValidators[] {
  return entry?.current === undefined ? [] : unpackList(entry.current).map(unpackCurrent)
}

/** Returns the earlier ETags of an entry, newest first, unpacked. */
export function historyOf (entry: ValidatorEntry | undefined): HistoryItem[] {
  if (entry === undefined) return []
  return unpackList(entry.history).map((packed) => {
    const { validators, firstSeen, supersededAt, byWrite } = unpackHistory(packed)
    return { ...validators, etag: validators.etag as string, firstSeen, supersededAt, byWrite }
  })
}

/** Returns the history with `items` first (newest first), an older item with one of their ETags dropped, at most `depth` items. */
function pushHistory (history: string, items: Array<string | undefined>, depth: number): string {
  if (depth === 0) return history
  // Nearly always one item (one variant): read into the packed history in place.
  if (items.length === 1) return items[0] === undefined ? history : prependHistory(history, items[0], depth)
  const fresh = items.filter((h): h is string => h !== undefined)
  if (fresh.length === 0) return history
  // One scan of the earlier items, stopped once `depth` are kept.
  const tags = fresh.map(etagOfPacked)
  const kept = fresh.length > depth ? fresh.slice(0, depth) : fresh
  for (const h of unpackList(history)) {
    if (kept.length >= depth) break
    if (!tags.includes(etagOfPacked(h))) kept.push(h)
  }
  return packList(kept)
}

/**
 * How often re-reading the same validators refreshes `learnedAt`, in ms. Coarser than every read
 * so that a hot resource's reads do not rewrite its entry; an entry can only look older than it
 * is, so the TTL errs towards a confirming lookup, never towards trusting a stale cache.
 */
const RELEARN_MS = 1000

function sameList (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * Returns the entry after the origin showed `validators` for one variant. The same ETag only
 * refreshes `learnedAt`; a new ETag for the same variant supersedes the old one (SPEC §3 Variants).
 */
export function observe (entry: ValidatorEntry | undefined, variantKey: string, vary: readonly string[], validators: Validators, now: number, historyDepth: number, principal = ''): ValidatorEntry {
  // Most reads see what is known already, learned within RELEARN_MS: the entry is kept as is,
  // read in place (the learned time is refreshed at most once a RELEARN_MS).
  const known = entry?.current === undefined ? undefined : findVariant(entry.current, variantKey)
  if (known !== undefined && now - learnedAtOfPacked(known) < RELEARN_MS && compareVariant(known, validators, principal) === 'same' && sameList((entry as ValidatorEntry).vary, vary)) return entry as ValidatorEntry
  const current = entry?.current === undefined ? [] : unpackList(entry.current)
  const index = current.findIndex((p) => variantKeyOfPacked(p) === variantKey)
  const previous = index === -1 ? undefined : current[index]
  const relation = previous === undefined ? 'changed' : compareVariant(previous, validators, principal)
  const same = relation !== 'changed'
  let next: string
  if (relation === 'same') {
    // Nothing changed but the time (or the Vary list), past RELEARN_MS: refreshed.
    next = relearned(previous as string, now)
  } else if (relation === 'new-digest') {
    // The same validators, now with the body's digest (a GET after a HEAD) or seen by another
    // principal: firstSeen is kept.
    next = packVariant(variantKey, validators, unpackVariant(previous as string).firstSeen, now, principal)
  } else {
    next = packVariant(variantKey, validators, now, now, principal)
  }
  if (index === -1) current.push(next)
  else current[index] = next
  const history = entry?.history ?? ''
  return {
    current: packList(current),
    vary: vary.length === 0 ? NO_VARY : vary,
    history: same || previous === undefined ? history : pushHistory(history, [variantToHistory(previous, now, false)], historyDepth),
    writes: entry?.writes ?? 0
  }
}

/** The validators a write's own response carried, for the variant and principal of the writer. */
export interface Written {
  readonly variantKey: string
  readonly validators: Validators
  /** '' (or absent) without credentials. */
  readonly principal?: string
}

/**
 * Returns the entry after a successful write: every current ETag becomes history (SPEC §2.5), and
 * the write's own validators, when the response carried usable ones, become current.
 */
export function afterWrite (entry: ValidatorEntry | undefined, now: number, historyDepth: number, written?: Written): ValidatorEntry {
  const earlier = entry?.current === undefined ? [] : unpackList(entry.current).map((p) => variantToHistory(p, now, true))
  const history = pushHistory(entry?.history ?? '', earlier, historyDepth)
  const current = written === undefined ? undefined : packVariant(written.variantKey, written.validators, now, now, written.principal)
  return { current, vary: entry?.vary ?? NO_VARY, history, writes: (entry?.writes ?? 0) + 1 }
}

/**
 * Returns true when the entry already holds the body digest of this ETag for this variant: the
 * body need not be hashed again to tell an unchanged representation from a re-tagged one (SPEC §5).
 */
export function digestKnown (entry: ValidatorEntry | undefined, variantKey: string, etag: string): boolean {
  if (entry?.current === undefined) return false
  const packed = findVariant(entry.current, variantKey)
  return packed !== undefined && hasDigestFor(packed, etag)
}

/** Most packed variants whose decoded form is kept (decoded()): a few hundred KB at most. */
const DECODED_MAX = 4096
const decodedVariants = new Map<string, UnpackedVariant>()

/** A variant learned or written more recently than this is decoded but not kept: it is likely to change again soon. */
const KEEP_AFTER_MS = 1000

/**
 * Returns a packed current variant decoded. One learned at least KEEP_AFTER_MS before `now` is
 * frozen and kept for the next request that reads the same packed string: a cached decision on a
 * resource nobody is writing decodes its variant once, not per request, while a resource under
 * writes (a new packed string each time) costs no more than the lookup that misses. The packed
 * string is the entry's own (its hash is computed once); the memo is emptied when full.
 */
export function decoded (packed: string, now: number): UnpackedVariant {
  const kept = decodedVariants.get(packed)
  if (kept !== undefined) return kept
  const v = unpackCurrent(packed)
  if (now - v.learnedAt < KEEP_AFTER_MS) return v
  if (decodedVariants.size >= DECODED_MAX) decodedVariants.clear()
  decodedVariants.set(packed, Object.freeze(v))
  return v
}

/** Returns the fresh current variants of an entry, or undefined when none is younger than `ttlMs`. */
export function freshVariants (entry: ValidatorEntry | undefined, now: number, ttlMs: number): VariantValidators[] | undefined {
  if (entry?.current === undefined) return undefined
  // Nearly always one variant: decoded once, its learned time read from the decoded fields.
  if (isOneRecord(entry.current)) {
    const only = decoded(entry.current, now)
    return now - only.learnedAt < ttlMs ? [only] : undefined
  }
  const fresh = unpackList(entry.current).filter((p) => now - learnedAtOfPacked(p) < ttlMs)
  return fresh.length === 0 ? undefined : fresh.map((p) => decoded(p, now))
}

/** Request fields that carry credentials: a variant key keeps a digest of their values, never the values. */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization'])

/** Returns one segment of a variant key: a header's value (several lines joined), digested when it is a credential. */
function variantSegment (name: string, headers: Readonly<Record<string, string | string[] | undefined>>): string {
  const v = headers[name]
  const value = Array.isArray(v) ? v.join(', ') : (v ?? '')
  return SECRET_FIELDS.has(name) && value !== '' ? valueDigest(value) : value
}

/**
 * Returns the variant key of a request: the values of the request headers the origin's Vary
 * names, one line each in Vary's sorted order (credentials as digests).
 */
export function variantKeyOf (vary: readonly string[], headers: Readonly<Record<string, string | string[] | undefined>>): string {
  if (vary.length === 0) return ''
  let key = ''
  for (const name of vary) key += variantSegment(name, headers) + '\n'
  return key
}

/**
 * Returns the variants a request may take as its own (SPEC §2 "Credentials decide disclosure"):
 * where Vary names Authorization, Cookie or one of the route's `keyBy` headers, only the variants
 * with the request's values for them; otherwise all.
 */
export function variantsFor<T extends { readonly variantKey: string }> (variants: readonly T[], vary: readonly string[], headers: Readonly<Record<string, string | string[] | undefined>>, keyBy: readonly string[]): T[] {
  const at: number[] = []
  for (let i = 0; i < vary.length; i++) if (SECRET_FIELDS.has(vary[i]) || keyBy.includes(vary[i])) at.push(i)
  if (at.length === 0) return variants as T[]
  const want = at.map((i) => variantSegment(vary[i], headers))
  return variants.filter((v) => {
    const segments = v.variantKey.split('\n')
    return at.every((i, j) => segments[i] === want[j])
  })
}


/**
 * Bytes one cached entry costs beyond its strings, measured on V8 (Node 24, 64-bit, pointer
 * compression) with bench/memory: the LRU's slots and Map entry, the entry object, and the list
 * and string headers. Calibrated so that `cache.maxBytes` bounds the heap the store really uses.
 */
const ENTRY_OVERHEAD_BYTES = 200
/** Heap bytes per packed string beyond its characters (header, alignment, list slot). */
const STRING_OVERHEAD_BYTES = 24

/** Returns an estimate of the heap bytes an entry holds, for the cache's byte bound (one-byte strings). */
export function entrySize (key: string, entry: ValidatorEntry): number {
  let size = ENTRY_OVERHEAD_BYTES + key.length + (entry.current?.length ?? 0) + entry.history.length
  if (entry.history !== '') size += STRING_OVERHEAD_BYTES
  if (entry.vary !== NO_VARY) for (const v of entry.vary) size += STRING_OVERHEAD_BYTES + v.length
  return size
}
