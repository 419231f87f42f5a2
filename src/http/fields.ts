/** Small readers of HTTP fields (RFC 9110), shared by every place that looks at a message. Pure. */

type Fields = Readonly<Record<string, string | string[] | undefined>>

/** Returns the first value of a field that may have several lines. */
export function firstValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Returns true when a message's content has no content coding (RFC 9110 §8.4: no
 * Content-Encoding, an empty one, or `identity`), compared case-insensitively and trimmed: the
 * bytes a synthesized ETag or a body digest is computed from.
 */
export function isIdentityCoding (fields: Fields): boolean {
  const coding = firstValue(fields['content-encoding'])?.trim()
  return coding === undefined || coding === '' || coding.toLowerCase() === 'identity'
}

/** Returns the lower-case field names a Vary field value lists (RFC 9110 §12.5.5; '*' included as is), sorted, each once. */
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

/** Lengths of the conditional field names (RFC 9110 §13.1): if-match and if-range 8, if-none-match 13, if-modified-since 17, if-unmodified-since 19. */
const CONDITIONAL_NAME_LENGTHS: ReadonlySet<number> = new Set([8, 13, 17, 19])
const CONDITIONAL_NAMES: ReadonlySet<string> = new Set(['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'])

/**
 * Returns the lines of a request's conditional fields as received, by lower-case name, in the
 * shape of Node's `headersDistinct` (every line kept: a second If-Unmodified-Since that
 * `req.headers` would drop is here), read from `rawHeaders` (name, value, name, value, …) with
 * no object built for the other fields.
 */
export function conditionalLines (rawHeaders: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    // Only a name of a conditional's length that starts with i/I can be one: most are skipped unread.
    if (!CONDITIONAL_NAME_LENGTHS.has(name.length) || (name.charCodeAt(0) | 0x20) !== 0x69) continue
    const lower = name.toLowerCase()
    if (!CONDITIONAL_NAMES.has(lower)) continue
    const lines = out[lower]
    if (lines === undefined) out[lower] = [rawHeaders[i + 1]]
    else lines.push(rawHeaders[i + 1])
  }
  return out
}
