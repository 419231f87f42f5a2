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
