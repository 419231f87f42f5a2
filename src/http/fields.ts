/** Small readers of HTTP fields (RFC 9110), shared by every place that looks at a message. Pure. */

type Fields = Readonly<Record<string, string | string[] | undefined>>

/** RFC 9110 §5.6.2: a token (a method, a preference name, …). */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

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
