/** An RFC 9110 §8.8.3 entity-tag. `opaque` is the text between the DQUOTEs (quotes excluded). */
export interface EntityTag { readonly weak: boolean; readonly opaque: string }

/** A parsed If-Match / If-None-Match field (all field lines joined). */
export interface EntityTagList {
  /** The field is exactly "*" (alone). */
  readonly any: boolean
  /** Well-formed members, in order. */
  readonly tags: readonly EntityTag[]
  /** Raw text (trimmed) of members that are not entity-tags, kept for diagnosis. */
  readonly malformed: readonly string[]
}

const SP = 0x20
const HTAB = 0x09
const DQUOTE = 0x22
const COMMA = 0x2c
const STAR = 0x2a
const W = 0x57
const SLASH = 0x2f

const ANY: EntityTagList = Object.freeze({ any: true, tags: Object.freeze([]), malformed: Object.freeze([]) })
const EMPTY: EntityTagList = Object.freeze({ any: false, tags: Object.freeze([]), malformed: Object.freeze([]) })

/** RFC 9110 §5.6.3: OWS = *( SP / HTAB ). */
function isOws (c: number): boolean {
  return c === SP || c === HTAB
}

/** RFC 9110 §8.8.3: etagc = %x21 / %x23-7E / obs-text (%x80-FF). */
function isEtagc (c: number): boolean {
  return c === 0x21 || (c >= 0x23 && c <= 0x7e) || (c >= 0x80 && c <= 0xff)
}

function skipOws (s: string, i: number): number {
  while (i < s.length && isOws(s.charCodeAt(i))) i++
  return i
}

function trimOws (s: string): string {
  let start = 0
  let end = s.length
  while (start < end && isOws(s.charCodeAt(start))) start++
  while (end > start && isOws(s.charCodeAt(end - 1))) end--
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

/** Returns the index just past an entity-tag that starts exactly at `i`, or -1 when there is none. */
function tagEnd (s: string, i: number): number {
  // RFC 9110 §8.8.3: weak = %s"W/" — case-sensitive, so `w/"x"` is not an entity-tag
  if (s.charCodeAt(i) === W && s.charCodeAt(i + 1) === SLASH) i += 2
  if (s.charCodeAt(i) !== DQUOTE) return -1
  i++
  // RFC 9110 §8.8.3: opaque-tag = DQUOTE *etagc DQUOTE (commas and backslashes are etagc; space is not)
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (c === DQUOTE) return i + 1
    if (!isEtagc(c)) return -1
    i++
  }
  return -1
}

function tagAt (s: string, start: number, end: number): EntityTag {
  const weak = s.charCodeAt(start) === W
  return { weak, opaque: s.slice(start + (weak ? 3 : 1), end - 1) }
}

/** Returns the index of the next comma outside quotes at or after `i`, or s.length (unbalanced quotes run to the end). */
function memberEnd (s: string, i: number): number {
  let quoted = false
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === DQUOTE) quoted = !quoted
    else if (c === COMMA && !quoted) return i
  }
  return s.length
}

/**
 * Returns the entity-tag at the start of `s` (after OWS) and the text that follows it, or
 * undefined when `s` does not start with a well-formed entity-tag.
 */
export function scanEntityTag (s: string): { value: EntityTag; rest: string } | undefined {
  const start = skipOws(s, 0)
  const end = tagEnd(s, start)
  if (end < 0) return undefined
  return { value: tagAt(s, start, end), rest: s.slice(end) }
}

/** Returns the entity-tag when `s` is exactly one (OWS around allowed), else undefined. Used for ETag response fields. */
export function parseEntityTag (s: string): EntityTag | undefined {
  const start = skipOws(s, 0)
  const end = tagEnd(s, start)
  if (end < 0 || skipOws(s, end) !== s.length) return undefined
  return tagAt(s, start, end)
}

/**
 * Returns the parsed If-Match / If-None-Match field, or undefined when the field is absent
 * (undefined or no field lines). Never throws.
 */
export function parseEntityTagList (field: string | readonly string[] | undefined): EntityTagList | undefined {
  if (field === undefined) return undefined
  let s: string
  if (typeof field === 'string') s = field
  else if (field.length === 0) return undefined
  // RFC 9110 §5.3: several field lines are one list, joined with ", " (Go reads only the first)
  else s = field.length === 1 ? field[0] : field.join(', ')

  const tags: EntityTag[] = []
  const malformed: string[] = []
  let stars = 0
  let i = 0
  while (i < s.length) {
    const c = s.charCodeAt(i)
    // RFC 9110 §5.6.1: a recipient MUST accept empty list elements and OWS around commas
    if (c === COMMA || isOws(c)) { i++; continue }
    if (c === STAR) {
      const after = skipOws(s, i + 1)
      if (after === s.length || s.charCodeAt(after) === COMMA) { stars++; i = after; continue }
    }
    const end = tagEnd(s, i)
    if (end >= 0) {
      const after = skipOws(s, end)
      if (after === s.length || s.charCodeAt(after) === COMMA) {
        tags.push(tagAt(s, i, end))
        i = after
        continue
      }
    }
    // Not an entity-tag: keep the raw member for diagnosis and resume after the next unquoted comma
    const next = memberEnd(s, i)
    malformed.push(trimOws(s.slice(i, next)))
    i = next
  }

  if (stars === 0) return tags.length === 0 && malformed.length === 0 ? EMPTY : { any: false, tags, malformed }
  // RFC 9110 §13.1.1: If-Match = "*" / #entity-tag — "*" is the whole value or it is not valid
  if (stars === 1 && tags.length === 0 && malformed.length === 0) return ANY
  return { any: false, tags: [], malformed: [trimOws(s)] }
}

/** Returns the wire form of an entity-tag: `W/"x"` or `"x"`. */
export function formatEntityTag (tag: EntityTag): string {
  return tag.weak ? `W/"${tag.opaque}"` : `"${tag.opaque}"`
}

/** Returns the wire form of a list: "*" or the well-formed tags joined with ", " (malformed members are dropped). */
export function formatEntityTagList (list: EntityTagList): string {
  if (list.any) return '*'
  return list.tags.map(formatEntityTag).join(', ')
}

/** Returns true when both tags are strong and their opaque-tags are equal octet for octet (RFC 9110 §8.8.3.2). */
export function strongMatch (a: EntityTag, b: EntityTag): boolean {
  // RFC 9110 §8.8.3.2: two entity-tags are equivalent if both are not weak and their opaque-tags match character-by-character
  return !a.weak && !b.weak && a.opaque === b.opaque
}

/** Returns true when the opaque-tags are equal, whichever of the tags is weak (RFC 9110 §8.8.3.2). */
export function weakMatch (a: EntityTag, b: EntityTag): boolean {
  // RFC 9110 §8.8.3.2: two entity-tags are equivalent if their opaque-tags match character-by-character, regardless of either or both being tagged as "weak"
  return a.opaque === b.opaque
}
