/**
 * Hop-by-hop fields (RFC 9110 §7.6.1): meaningful for one connection only, never forwarded.
 * `proxy-*` are addressed to this proxy. Pure.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade'
])

/** Returns the field names a Connection header lists (RFC 9110 §7.6.1: those are hop-by-hop too). */
export function connectionTokens (value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const joined = Array.isArray(value) ? value.join(',') : value
  if (joined.indexOf(',') === -1) {
    const one = joined.trim().toLowerCase()
    return one === 'keep-alive' || one === 'close' || one === '' ? undefined : [one]
  }
  return joined.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '')
}
