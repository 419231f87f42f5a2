import { formatEntityTag, parseEntityTag, type EntityTag } from '../http/entity-tag.ts'
import type { Repair } from '../config/types.ts'

/**
 * Coding suffixes that compressing servers and CDNs append inside the quotes of a strong ETag,
 * longest first so that `--gzip` is tried before `-gzip` (research: Apache mod_deflate `-gzip`,
 * `-br`; Jetty `--gzip`, `--br`; Traffic Server `-df`; Netlify `-ssl`, `-ssl-df`).
 */
export const ENCODING_SUFFIXES: readonly string[] = Object.freeze([
  '-ssl-df', '--deflate', '-deflate', '--gzip', '--zstd', '-gzip', '-zstd', '--br', '-ssl', '-br', '-df'
])

/** Values clients send in If-Match when they never received an ETag (SPEC §5 `placeholder-etag`). */
const PLACEHOLDERS = new Set(['', 'null', 'undefined', '""', '"null"', '"undefined"'])

/** Returns true when a member of an If-Match list is a placeholder rather than an ETag. */
export function isPlaceholderToken (token: string): boolean {
  return PLACEHOLDERS.has(token.trim().toLowerCase())
}

/** A spelling a mangled member may have had before an intermediary or client changed it. */
export interface Candidate {
  /** The wire form of the original tag: `"x"` or `W/"x"`. */
  readonly spelling: string
  /** What was done to it, in SPEC §5 order. */
  readonly manglings: readonly Repair[]
}

function strong (opaque: string): string {
  return `"${opaque}"`
}

/** Returns the opaque-tag with a known coding suffix removed, and the suffix, or undefined. */
export function stripSuffix (opaque: string): { base: string; suffix: string } | undefined {
  for (const suffix of ENCODING_SUFFIXES) {
    if (opaque.length > suffix.length && opaque.endsWith(suffix)) return { base: opaque.slice(0, -suffix.length), suffix }
  }
  return undefined
}

/**
 * Returns the spellings a well-formed member may have been mangled from: `W/"x"` from `"x"`
 * (weakened), `"x-gzip"` from `"x"` (suffixed, possibly weakened too) and `"W/x"` from `W/"x"`
 * or `"x"` (re-quoted). The member's own spelling is not among them.
 */
export function tagCandidates (tag: EntityTag): Candidate[] {
  const out: Candidate[] = []
  if (tag.weak) out.push({ spelling: strong(tag.opaque), manglings: ['weakened-etag'] })
  const stripped = stripSuffix(tag.opaque)
  if (stripped !== undefined) {
    out.push({ spelling: strong(stripped.base), manglings: tag.weak ? ['weakened-etag', 'encoding-suffix-etag'] : ['encoding-suffix-etag'] })
    if (tag.weak) out.push({ spelling: `W/${strong(stripped.base)}`, manglings: ['encoding-suffix-etag'] })
  }
  // `"W/x"` or `"W/"x""`-less re-quoting: a client that quoted a weak tag's text again.
  if (!tag.weak && tag.opaque.startsWith('W/')) {
    const inner = tag.opaque.slice(2)
    out.push({ spelling: `W/${strong(inner)}`, manglings: ['unquoted-etag'] }, { spelling: strong(inner), manglings: ['unquoted-etag'] })
  }
  return out
}

/**
 * Returns the spellings a malformed member may have been before it lost its quotes: `x` from
 * `"x"`, `W/x` from `W/"x"`. Members that carry quotes (unbalanced) have none.
 */
export function rawCandidates (raw: string): Candidate[] {
  const token = raw.trim()
  if (token === '' || token.includes('"') || /[\s,]/.test(token)) return []
  if (token.startsWith('W/') && token.length > 2) return [{ spelling: `W/${strong(token.slice(2))}`, manglings: ['unquoted-etag'] }]
  return [{ spelling: strong(token), manglings: ['unquoted-etag'] }]
}

/** Returns the canonical wire form of an ETag field value (OWS dropped), or undefined when it is not an entity-tag. */
export function canonicalEtag (value: string): string | undefined {
  const tag = parseEntityTag(value)
  return tag === undefined ? undefined : formatEntityTag(tag)
}
