import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { CONDITIONAL_HEADERS } from '../http/conditionals.ts'
import { connectionTokens, HOP_BY_HOP } from '../http/hop-by-hop.ts'
import { METHOD_OVERRIDE_FIELDS } from '../http/methods.ts'

/**
 * Request fields that ifgate never passes on: hop-by-hop ones and those it sets itself. `expect`
 * is answered by ifgate itself (SPEC §6: it decides before asking for the body), and `host` is
 * set for the origin by the client.
 */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'expect', 'host', 'content-length'])


export const VIA = '1.1 ifgate'

export interface OriginRequestOptions {
  readonly requestId: string
  /** Drop the conditional fields: the validators are ifgate's own and the origin cannot know them. */
  readonly stripConditionals?: boolean
  /**
   * A read ifgate makes itself (a lookup, the representation after a write): the fields that
   * describe a request body (`content-*`) are dropped, as is any method-override field, by which
   * an origin would carry the read out as the client's write.
   */
  readonly noContent?: boolean
  /** Ask the origin for the identity coding (needed to hash the body). */
  readonly identity?: boolean
  /** Drop Range as well (a lookup asks for the whole representation: a 206 is none, SPEC §2). */
  readonly noRange?: boolean
  /** Send these fields too (after the others). */
  readonly extra?: Readonly<Record<string, string>>
  /**
   * true: the client's X-Forwarded-Proto, X-Forwarded-Host and Forwarded are passed on (server.trustForwarded);
   * otherwise they are the client's to set no more than Via is, and ifgate sets them (SPEC §2).
   */
  readonly trustForwarded?: boolean
  /** The authority the client named (absolute-form target, else Host): sent as X-Forwarded-Host. */
  readonly host?: string
}

/** Fields a client could use to speak for a proxy in front of ifgate; passed on only when trusted. */
const FORWARDED_FIELDS: ReadonlySet<string> = new Set(['x-forwarded-proto', 'x-forwarded-host', 'forwarded'])

/** Returns true when a request field is left out of the request to the origin under `options`. */
function leftOut (name: string, src: IncomingHttpHeaders, options: OriginRequestOptions): boolean {
  if (options.stripConditionals === true) {
    if (CONDITIONAL_SET.has(name)) return true
    // Without If-Range the origin would send a part of a possibly newer representation.
    if (name === 'range' && src['if-range'] !== undefined) return true
  }
  if (options.noContent === true && (name.startsWith('content-') || OVERRIDE_SET.has(name))) return true
  if (options.noRange === true && (name === 'range' || name === 'if-range')) return true
  return options.identity === true && name === 'accept-encoding'
}

const CONDITIONAL_SET: ReadonlySet<string> = new Set(CONDITIONAL_HEADERS)
const OVERRIDE_SET: ReadonlySet<string> = new Set(METHOD_OVERRIDE_FIELDS)

/**
 * Returns the header object for the request to the origin: hop-by-hop fields removed, `Via`,
 * `X-Forwarded-For/-Proto/-Host` and `X-Request-Id` added as a reverse proxy does. Fields are
 * left out as they are copied, never deleted afterwards: a deleted property would turn the object
 * into a slow dictionary for every later read.
 */
export function originRequestHeaders (req: IncomingMessage, options: OriginRequestOptions): Record<string, string | string[]> {
  const src = req.headers
  const named = connectionTokens(src.connection)
  const filtered = options.stripConditionals === true || options.noContent === true || options.identity === true || options.noRange === true
  const trusted = options.trustForwarded === true
  const out: Record<string, string | string[]> = {}
  for (const name in src) {
    const value = src[name]
    if (value === undefined || NOT_FORWARDED.has(name)) continue
    if (named !== undefined && named.includes(name)) continue
    if (filtered && leftOut(name, src, options)) continue
    if (!trusted && FORWARDED_FIELDS.has(name)) continue
    out[name] = value
  }
  const length = src['content-length']
  if (length !== undefined && src['transfer-encoding'] === undefined && options.noContent !== true) out['content-length'] = length
  if (options.identity === true) out['accept-encoding'] = 'identity'
  const via = src.via
  out.via = via === undefined ? VIA : `${Array.isArray(via) ? via.join(', ') : via}, ${VIA}`
  const peer = req.socket.remoteAddress
  if (peer !== undefined) {
    const xff = src['x-forwarded-for']
    out['x-forwarded-for'] = xff === undefined ? peer : `${Array.isArray(xff) ? xff.join(', ') : xff}, ${peer}`
  }
  if (!trusted || src['x-forwarded-proto'] === undefined) out['x-forwarded-proto'] = 'encrypted' in req.socket ? 'https' : 'http'
  const host = options.host ?? src.host
  if ((!trusted || src['x-forwarded-host'] === undefined) && host !== undefined) out['x-forwarded-host'] = host
  out['x-request-id'] = options.requestId
  if (options.extra !== undefined) Object.assign(out, options.extra)
  return out
}

/**
 * Returns the header object for the response to the client: the origin's fields without the
 * hop-by-hop ones (and without `omit`), with `Via` and `X-Request-Id` added.
 */
export function clientResponseHeaders (src: IncomingHttpHeaders | Record<string, string | string[] | undefined>, requestId: string, omit?: string): Record<string, string | string[]> {
  const named = connectionTokens(src.connection)
  const out: Record<string, string | string[]> = {}
  for (const name in src) {
    const value = src[name]
    if (value === undefined || HOP_BY_HOP.has(name) || name === omit) continue
    if (named !== undefined && named.includes(name)) continue
    out[name] = value
  }
  const via = src.via
  out.via = via === undefined ? VIA : `${Array.isArray(via) ? via.join(', ') : via}, ${VIA}`
  out['x-request-id'] = requestId
  return out
}
