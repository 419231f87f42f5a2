import { formatEntityTag, type EntityTagList } from '../http/entity-tag.ts'
import type { Repair } from '../config/types.ts'
import { canonicalEtag, isPlaceholderToken, rawCandidates, tagCandidates, type Candidate } from './normalize.ts'

/**
 * What a member of If-Match / If-None-Match is, measured against the resource's validator history
 * (research §0 "token labels"). Pure data; the same strings appear in the problem body.
 */
export const TOKEN_LABELS = [
  'exact-current', 'exact-earlier', 'weakened', 'suffixed', 'unquoted', 'misquoted', 'placeholder', 'malformed', 'unknown'
] as const
export type TokenLabel = typeof TOKEN_LABELS[number]

/** Whether a tag a member names is a current ETag or an earlier one. */
export type Names = 'current' | 'earlier'

export interface TokenClass {
  /** The member as received (a well-formed tag in its wire form, a malformed one as sent). */
  readonly token: string
  readonly label: TokenLabel
  /** For exact and mangled labels: whether the ETag it names is current or earlier. */
  readonly names?: Names
  /** The ETag it names, spelled as the origin (or ifgate) sent it. */
  readonly etag?: string
  /** What was done to the ETag on its way (mangled labels only), in SPEC §5 order. */
  readonly manglings?: readonly Repair[]
}

/** The ETags ifgate has sent for a resource: those of its current variants and earlier ones, newest first. */
export interface KnownEtags {
  readonly current: readonly string[]
  readonly earlier: readonly string[]
}

/** Every spelling ever sent, canonical form → [names, spelling as sent]. */
type Index = Map<string, [Names, string]>

function index (known: KnownEtags): Index {
  const map: Index = new Map()
  for (const etag of known.current) {
    const key = canonicalEtag(etag)
    if (key !== undefined) map.set(key, ['current', etag])
  }
  for (const etag of known.earlier) {
    const key = canonicalEtag(etag)
    if (key !== undefined && !map.has(key)) map.set(key, ['earlier', etag])
  }
  return map
}

/** Returns the first candidate that names a known ETag, current ones before earlier ones. */
function bestCandidate (candidates: readonly Candidate[], known: Index): { candidate: Candidate; names: Names; etag: string } | undefined {
  let earlier: { candidate: Candidate; names: Names; etag: string } | undefined
  for (const candidate of candidates) {
    const hit = known.get(candidate.spelling)
    if (hit === undefined) continue
    if (hit[0] === 'current') return { candidate, names: 'current', etag: hit[1] }
    earlier ??= { candidate, names: 'earlier', etag: hit[1] }
  }
  return earlier
}

function mangledLabel (manglings: readonly Repair[], requoted: boolean): TokenLabel {
  if (manglings.includes('encoding-suffix-etag')) return 'suffixed'
  if (manglings.includes('weakened-etag')) return 'weakened'
  return requoted ? 'misquoted' : 'unquoted'
}

/**
 * Returns the label of every member of a parsed If-Match / If-None-Match list, in order. A member
 * counts as mangled only when the origin never sent its own spelling (an exact match wins). `*`
 * has no members. Pure: no I/O.
 */
export function classifyList (list: EntityTagList, knownEtags: KnownEtags): TokenClass[] {
  if (list.any) return []
  const known = index(knownEtags)
  const out: TokenClass[] = []
  for (const tag of list.tags) {
    const token = formatEntityTag(tag)
    const exact = known.get(token)
    if (exact !== undefined) {
      out.push({ token, label: exact[0] === 'current' ? 'exact-current' : 'exact-earlier', names: exact[0], etag: exact[1] })
      continue
    }
    if (!tag.weak && isPlaceholderToken(token)) {
      out.push({ token, label: 'placeholder' })
      continue
    }
    const best = bestCandidate(tagCandidates(tag), known)
    if (best === undefined) out.push({ token, label: 'unknown' })
    else out.push({ token, label: mangledLabel(best.candidate.manglings, !tag.weak && tag.opaque.startsWith('W/')), names: best.names, etag: best.etag, manglings: best.candidate.manglings })
  }
  for (const raw of list.malformed) {
    if (isPlaceholderToken(raw)) {
      out.push({ token: raw, label: 'placeholder' })
      continue
    }
    const best = bestCandidate(rawCandidates(raw), known)
    if (best === undefined) out.push({ token: raw, label: 'malformed' })
    else out.push({ token: raw, label: 'unquoted', names: best.names, etag: best.etag, manglings: best.candidate.manglings })
  }
  return out
}
