/**
 * The request target, reduced to the one spelling ifgate routes, keys, locks and forwards
 * (SPEC §2 "One resource, one key"). Pure: no I/O, never throws on wire input.
 */

export interface TargetOptions {
  /** Merge runs of `/` into one (`//a` is `/a`). */
  readonly mergeSlashes: boolean
  /** `reject`: `%2F`, `%5C` or `\` in the path is an error; `keep`: left as it is. */
  readonly escapedSlashes: 'reject' | 'keep'
}

export type Target =
  | {
    readonly ok: true
    /** The normalised path and the query exactly as sent (`?` included, or ''). */
    readonly pathAndQuery: string
    /** The authority of an absolute-form target (RFC 9112 §3.2.2), else undefined. */
    readonly authority: string | undefined
  }
  | { readonly ok: false; readonly reason: string }

const fail = (reason: string): Target => ({ ok: false, reason })

/** RFC 3986 §3.2.2–3: host (IP-literal or reg-name) and an optional port; no userinfo. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::[0-9]*)?$/

/** Returns the value of one hex digit, or -1. */
function hex (c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  const l = c | 0x20
  return l >= 97 && l <= 102 ? l - 87 : -1
}

/** RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
function unreserved (c: number): boolean {
  const l = c | 0x20
  return (l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126
}

const HEX = '0123456789ABCDEF'

/**
 * Returns true when a path needs no work: no percent sign, backslash or fragment, no empty
 * segment and no segment that starts with a dot. Most paths take this way.
 */
function plain (path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === 37 || c === 92 || c === 35) return false
    if (c === 47) {
      const n = path.charCodeAt(i + 1)
      if (n === 47 || n === 46) return false
    }
  }
  return true
}

/**
 * Returns the path with percent-encodings normalised (RFC 3986 §6.2.2.1 and §6.2.2.2): encoded
 * unreserved characters decoded, the hex digits of the others upper-cased. undefined: malformed,
 * or an encoded slash or backslash that the options reject (the reason in `why`).
 */
function percentNormalized (path: string, options: TargetOptions, why: { reason: string }): string | undefined {
  let out = ''
  let from = 0
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === 92 && options.escapedSlashes === 'reject') {
      why.reason = 'a backslash in the path is refused (server.escapedSlashes: reject)'
      return undefined
    }
    if (c !== 37) continue
    const h = hex(path.charCodeAt(i + 1))
    const l = hex(path.charCodeAt(i + 2))
    if (h === -1 || l === -1) {
      why.reason = 'the path has a malformed percent-encoding'
      return undefined
    }
    const byte = h * 16 + l
    if ((byte === 0x2f || byte === 0x5c) && options.escapedSlashes === 'reject') {
      why.reason = 'an encoded slash or backslash (%2F, %5C) in the path is refused (server.escapedSlashes: reject)'
      return undefined
    }
    out += path.slice(from, i) + (unreserved(byte) ? String.fromCharCode(byte) : '%' + HEX[h] + HEX[l])
    from = i + 3
    i += 2
  }
  return from === 0 ? path : out + path.slice(from)
}

/**
 * Returns an absolute path with its dot-segments removed (RFC 3986 §5.2.4), repeated slashes
 * merged first when asked. `..` above the root stays at the root.
 */
export function removeDotSegments (path: string, mergeSlashes: boolean): string {
  const input = mergeSlashes ? path.replace(/\/{2,}/g, '/') : path
  const segments = input.slice(1).split('/')
  const out: string[] = []
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]
    const last = i === segments.length - 1
    if (s === '.' || s === '..') {
      if (s === '..') out.pop()
      // A dot-segment at the end leaves the path ending on a slash (`/a/b/..` is `/a/`).
      if (last) out.push('')
      continue
    }
    out.push(s)
  }
  return '/' + out.join('/')
}

/**
 * Returns the request target as ifgate routes, keys and forwards it: origin-form or absolute-form
 * (`http://host/path`, routed by its authority), the path normalised (SPEC §2), the query kept.
 * An asterisk-form or authority-form target, or a malformed one, is an error with its reason.
 */
export function normalizeTarget (target: string | undefined, options: TargetOptions): Target {
  if (target === undefined || target === '') return fail('the request target is empty')
  let rest = target
  let authority: string | undefined
  if (target.charCodeAt(0) !== 47 /* / */) {
    // RFC 9112 §3.2.2: absolute-form, `scheme "://" authority path-abempty [ "?" query ]`.
    const m = /^https?:\/\/([^/?#]*)/i.exec(target)
    if (m === null) return fail(`the request target ${JSON.stringify(target.slice(0, 100))} is not a path`)
    authority = m[1]
    // RFC 9110 §4.2.4: userinfo in an http(s) URI is an error; an empty host is no host; and
    // anything but RFC 3986 §3.2.2 host characters (a backslash, say) would be read otherwise by another parser.
    if (!AUTHORITY.test(authority)) return fail('the absolute-form target has no usable authority')
    rest = target.slice(m[0].length)
    if (rest === '' || rest.charCodeAt(0) !== 47) rest = '/' + rest
  }
  const hash = rest.indexOf('#')
  if (hash !== -1) rest = rest.slice(0, hash)
  const q = rest.indexOf('?')
  const rawPath = q === -1 ? rest : rest.slice(0, q)
  const query = q === -1 ? '' : rest.slice(q)
  if (plain(rawPath)) return { ok: true, pathAndQuery: hash === -1 && authority === undefined ? target : rawPath + query, authority }
  const why = { reason: '' }
  const decoded = percentNormalized(rawPath, options, why)
  if (decoded === undefined) return fail(why.reason)
  return { ok: true, pathAndQuery: removeDotSegments(decoded, options.mergeSlashes) + query, authority }
}
