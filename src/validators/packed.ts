import { formatHttpDate, parseHttpDate } from '../http/http-date.ts'
import { rememberLast } from '../remember-last.ts'

/**
 * Strings are built with Array#join, which yields one flat string: `+` would leave a rope of
 * ConsString nodes (about 20 bytes each) behind every stored value.
 *
 * A compact, lossless string form for what the validator store keeps per resource. A cache of a
 * million entries holds a million of these, and one flat string costs a fraction of an object
 * with five strings and two heap numbers. Fields are separated by U+001F, a control character no
 * HTTP field value may contain (RFC 9110 §5.5), so no escaping is needed.
 */
const SEP = '\x1f'
/** Separates the records of a list (variants, history items): U+001E, likewise never in a field value. */
const RS = '\x1e'

/** Returns records packed into one string ('' for none). */
export function packList (records: readonly string[]): string {
  return records.length === 1 ? records[0] : records.join(RS)
}

/** Returns true when a packed list holds exactly one record. */
export function isOneRecord (packed: string): boolean {
  return packed !== '' && !packed.includes(RS)
}

/** Returns the records of a packed list. */
export function unpackList (packed: string): string[] {
  return packed === '' ? [] : packed.split(RS)
}

/**
 * Returns a Last-Modified value packed: '' for none, `#<base-36 seconds>` when it is the canonical
 * IMF-fixdate of those seconds (nearly always), else `=` and the value exactly as sent.
 */
export function packDate (value: string | undefined): string {
  return value === undefined ? '' : packDateValue(value)
}

// A resource read again sends the same Last-Modified: one remembered answer saves the parse.
const packDateValue = rememberLast((value: string): string => {
  const seconds = parseHttpDate(value)
  return seconds !== undefined && seconds >= 0 && formatHttpDate(seconds) === value ? '#' + seconds.toString(36) : '=' + value
})

/** Returns the Last-Modified value a packed date stands for, exactly as it was sent. */
export function unpackDate (packed: string): string | undefined {
  if (packed === '') return undefined
  return packed.charCodeAt(0) === 0x23 /* # */ ? canonicalDate(packed) : packed.slice(1)
}

// Most resources in a busy window share a few Last-Modified values: the last one is remembered.
const canonicalDate = rememberLast((packed: string): string => formatHttpDate(parseInt(packed.slice(1), 36)))

/** Returns a string field packed ('' for undefined: ifgate never stores an empty ETag, digest or coding). */
function opt (value: string | undefined): string {
  return value ?? ''
}

function unopt (packed: string): string | undefined {
  return packed === '' ? undefined : packed
}

/** Returns a millisecond timestamp packed in base 36. */
function time (ms: number): string {
  return base36(Math.max(0, Math.round(ms)))
}

// One write packs `now` several times.
const base36 = rememberLast((n: number): string => n.toString(36))

function untime (packed: string): number {
  return parseInt(packed, 36)
}

export interface PackableValidators {
  readonly etag: string | undefined
  readonly lastModified: string | undefined
  readonly source: 'origin' | 'synthesized'
  readonly digest: string | undefined
  readonly encoding: string | undefined
}

/** Returns the digest to store: none for a synthesized ETag, which is its own digest quoted. */
function storedDigest (v: PackableValidators): string {
  return v.source === 'synthesized' && v.etag !== undefined && v.etag === `"${v.digest}"` ? '' : opt(v.digest)
}

function restoredDigest (source: 'origin' | 'synthesized', etag: string | undefined, packed: string): string | undefined {
  if (packed !== '') return packed
  return source === 'synthesized' && etag !== undefined ? etag.slice(1, -1) : undefined
}

/** Returns the fields shared by current variants and history items. */
function validatorFields (v: PackableValidators): string[] {
  return [opt(v.etag), packDate(v.lastModified), v.source === 'synthesized' ? 's' : 'o', storedDigest(v), opt(v.encoding)]
}

/** Returns the validators of packed fields starting at `parts[i]`. */
function unpackValidators (parts: readonly string[], i: number): PackableValidators {
  const etag = unopt(parts[i])
  const source = parts[i + 2] === 's' ? 'synthesized' : 'origin'
  return { etag, lastModified: unpackDate(parts[i + 1]), source, digest: restoredDigest(source, etag, parts[i + 3]), encoding: unopt(parts[i + 4]) }
}

/**
 * Returns a current variant packed: its variant key, validators, the principal it was learned for
 * ('' without credentials, else a digest: SPEC §2 "Credentials decide disclosure"), first-seen and
 * last-learned times.
 */
export function packVariant (variantKey: string, v: PackableValidators, firstSeen: number, learnedAt: number, principal = ''): string {
  return [variantKey, ...validatorFields(v), principal, time(firstSeen), time(learnedAt)].join(SEP)
}

/** A current variant's fields, flat, in one object. */
export interface UnpackedVariant extends PackableValidators {
  readonly variantKey: string
  readonly principal: string
  readonly firstSeen: number
  readonly learnedAt: number
}

/** Returns a packed variant's fields as one flat object (every cached decision reads one). */
export function unpackCurrent (packed: string): UnpackedVariant {
  const parts = packed.split(SEP)
  const etag = unopt(parts[1])
  const source = parts[3] === 's' ? 'synthesized' : 'origin'
  return { etag, lastModified: unpackDate(parts[2]), source, digest: restoredDigest(source, etag, parts[4]), encoding: unopt(parts[5]), variantKey: parts[0], principal: parts[6], firstSeen: untime(parts[7]), learnedAt: untime(parts[8]) }
}

/** Returns a packed variant's fields, its validators apart. */
export function unpackVariant (packed: string): { variantKey: string; validators: PackableValidators; principal: string; firstSeen: number; learnedAt: number } {
  const { variantKey, principal, firstSeen, learnedAt, ...validators } = unpackCurrent(packed)
  return { variantKey, validators, principal, firstSeen, learnedAt }
}

/** Returns the first packed variant of `variantKey` in a packed list of variants, found in place (no split); undefined when none. */
export function findVariant (list: string, variantKey: string): string | undefined {
  let start = 0
  while (start < list.length) {
    let end = list.indexOf(RS, start)
    if (end === -1) end = list.length
    if (fieldIs(list, start, variantKey)) return start === 0 && end === list.length ? list : list.slice(start, end)
    start = end + 1
  }
  return undefined
}

/** Returns the variant key of a packed variant without unpacking the rest. */
export function variantKeyOfPacked (packed: string): string {
  return packed.slice(0, packed.indexOf(SEP))
}

/** Returns true when the field of `packed` that starts at `at` is `value` (ends at a SEP or the end), read in place. */
function fieldIs (packed: string, at: number, value: string): boolean {
  const end = at + value.length
  return packed.startsWith(value, at) && (end === packed.length || packed.charCodeAt(end) === 0x1f)
}

/** Returns true when a packed variant has this ETag and a stored body digest, read in place. */
export function hasDigestFor (packed: string, etag: string): boolean {
  // Fields: variant key, ETag, Last-Modified, source, digest, …
  const start = packed.indexOf(SEP) + 1
  if (!fieldIs(packed, start, etag)) return false
  const source = packed.indexOf(SEP, start + etag.length + 1) + 1
  const digest = packed.indexOf(SEP, source) + 1
  return digest > 0 && digest < packed.length && packed.charCodeAt(digest) !== 0x1f
}

/** Returns the last-learned time of a packed variant without unpacking the rest. */
export function learnedAtOfPacked (packed: string): number {
  return untime(packed.slice(packed.lastIndexOf(SEP) + 1))
}

/** Returns a packed variant with a new last-learned time. */
export function relearned (packed: string, learnedAt: number): string {
  return [packed.slice(0, packed.lastIndexOf(SEP)), time(learnedAt)].join(SEP)
}

/**
 * Characters of a body digest kept in history items: 22 base64url characters are 132 bits, enough
 * to tell two bodies apart (SPEC §5 unstable-origin-etag), at half the bytes of the full digest.
 */
export const HISTORY_DIGEST_CHARS = 22

/** Returns true when two body digests, full or as history keeps them, stand for the same bytes. */
export function sameDigest (a: string, b: string): boolean {
  return a.slice(0, HISTORY_DIGEST_CHARS) === b.slice(0, HISTORY_DIGEST_CHARS)
}

/**
 * Returns a history item packed: validators (the digest shortened to HISTORY_DIGEST_CHARS),
 * first-seen and superseded-at times, and whether a write superseded it.
 */
export function packHistory (v: PackableValidators, firstSeen: number, supersededAt: number, byWrite: boolean): string {
  // Nothing to shorten when no digest is stored: none, or a synthesized tag that is its own digest.
  const stored = storedDigest(v)
  const digest = stored === '' ? v.digest : stored.slice(0, HISTORY_DIGEST_CHARS)
  return [...validatorFields({ ...v, digest }), time(firstSeen), time(supersededAt), byWrite ? '1' : ''].join(SEP)
}

/**
 * Returns the history item of a packed current variant superseded at `supersededAt` (what
 * packHistory makes of its unpacked fields), or undefined when it has no ETag. Cuts the packed
 * fields in place, with no split: every forwarded write moves its resource's variants to history.
 */
export function variantToHistory (packed: string, supersededAt: number, byWrite: boolean): string | undefined {
  // Variant fields: key, ETag, Last-Modified, source, digest, coding, principal, first seen, learned.
  // ends[i]: the separator after field i.
  const ends = [packed.indexOf(SEP)]
  for (let i = 1; i < 8; i++) ends.push(packed.indexOf(SEP, ends[i - 1] + 1))
  if (ends[1] === ends[0] + 1) return undefined
  return [
    // ETag, Last-Modified and source as they are; the digest shortened; the coding; first seen.
    packed.slice(ends[0] + 1, ends[3]),
    packed.slice(ends[3] + 1, Math.min(ends[4], ends[3] + 1 + HISTORY_DIGEST_CHARS)),
    packed.slice(ends[4] + 1, ends[5]),
    packed.slice(ends[6] + 1, ends[7]),
    time(supersededAt),
    byWrite ? '1' : ''
  ].join(SEP)
}

/**
 * Returns a packed history with `item` first, an older item with its ETag dropped, at most `depth`
 * (≥ 1) items: the earlier items are cut from the packed list in place, with no split.
 */
export function prependHistory (history: string, item: string, depth: number): string {
  if (depth <= 1 || history === '') return item
  const etag = item.slice(0, item.indexOf(SEP))
  const parts = [item]
  // Kept items are copied in runs: [run, start - 1) holds the ones read since the last dropped.
  let run = 0
  let start = 0
  let count = 1
  while (start < history.length && count < depth) {
    let end = history.indexOf(RS, start)
    if (end === -1) end = history.length
    if (fieldIs(history, start, etag)) {
      if (start > run) parts.push(history.slice(run, start - 1))
      run = end + 1
    } else {
      count++
    }
    start = end + 1
  }
  if (start > run) parts.push(history.slice(run, start - 1))
  return packList(parts)
}

/** Returns a packed history item's fields. */
export function unpackHistory (packed: string): { validators: PackableValidators; firstSeen: number; supersededAt: number; byWrite: boolean } {
  const parts = packed.split(SEP)
  return { validators: unpackValidators(parts, 0), firstSeen: untime(parts[5]), supersededAt: untime(parts[6]), byWrite: parts[7] === '1' }
}

/** Returns the ETag of a packed history item without unpacking the rest. */
export function etagOfPacked (packed: string): string {
  return packed.slice(0, packed.indexOf(SEP))
}

/** How a packed variant compares with validators just seen for the same variant. */
export type Relation = 'same' | 'new-digest' | 'changed'

/**
 * Returns `same` when a packed variant holds these validators (ETag, Last-Modified, and the
 * digest when one is given) for this principal, `new-digest` when only a digest or the principal
 * is new, else `changed`. Reads the packed fields in place: this runs on every learned read.
 */
export function compareVariant (packed: string, v: PackableValidators, principal = ''): Relation {
  // Fields: variant key, ETag, Last-Modified, source, digest, encoding, principal, first seen, learned at.
  const etag = opt(v.etag)
  let at = packed.indexOf(SEP) + 1
  if (!fieldIs(packed, at, etag)) return 'changed'
  const date = packDate(v.lastModified)
  at += etag.length + 1
  if (!fieldIs(packed, at, date)) return 'changed'
  at = packed.indexOf(SEP, at + date.length + 1) + 1
  if (v.digest !== undefined && !fieldIs(packed, at, storedDigest(v))) return 'new-digest'
  at = packed.indexOf(SEP, packed.indexOf(SEP, at) + 1) + 1
  return at > 0 && fieldIs(packed, at, principal) ? 'same' : 'new-digest'
}

