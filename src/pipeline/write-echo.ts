import { sendWhole } from '../edge/respond.ts'
import { relayResponse } from '../edge/relay.ts'
import { firstValue, isIdentityCoding, parseVary } from '../http/fields.ts'
import { principalOf } from '../http/credentials.ts'
import { normalizeTarget } from '../http/request-target.ts'
import type { OriginResponse } from '../origin/exchange.ts'
import { forward } from '../origin/forward.ts'
import { clientResponseHeaders, originRequestHeaders } from '../origin/headers.ts'
import { variantKeyOf, type Validators, type Written } from '../validators/entry.ts'
import { usableValidators } from '../validators/learn.ts'
import { digestBody } from '../validators/synthesize.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { relatedKeys, sameOriginPath } from './invalidate.ts'
import { keyOf } from './target.ts'
import { learn } from './validators.ts'
import type { WriteRecord } from './write-record.ts'

/**
 * SPEC §10: a 2xx write whose client sent `Prefer: return=representation` is answered with the
 * representation it produced, read from the origin while the write still holds the resource's
 * lock, so the ETag the client gets is the one its own write made.
 */

/** How a write that asked for its representation was answered, for the log line and metrics. */
export type WriteEcho = 'representation' | 'read-failed'

/** Largest write response held whole, so that it can still be sent as it came when the read after it fails. */
const HOLD_BYTES = 64 * 1024

/** Statuses whose write is done and whose answer the representation may replace (204/205: with 200). */
const ECHOED = new Set([200, 201, 204, 205])

/** Where the representation of a write is read: the request's own resource, or for a POST its `Location`. */
interface EchoTarget {
  /** Path and query at the origin. */
  readonly path: string
  /** The same as the client addresses it (the route's origin path prefix removed): the Content-Location. */
  readonly clientPath: string
  readonly key: string
  /** True when it is the resource the write locked (not a POST's new one). */
  readonly own: boolean
}

/** Returns the write response's own validators to record, as without the preference (SPEC §2.5). */
export type OwnOutcome = () => Written | undefined

/** Returns where the representation of a 2xx write is read, or undefined when there is none to read. */
function echoTarget (gw: Gateway, ctx: RequestContext, response: OriginResponse): EchoTarget | undefined {
  const route = ctx.route!
  const prefix = route.originPathPrefix
  const clientOf = (path: string): string => (prefix !== '' && path.startsWith(prefix) ? path.slice(prefix.length) || '/' : path)
  if (ctx.method !== 'POST') return { path: ctx.path, clientPath: clientOf(ctx.path), key: ctx.key!, own: true }
  // A POST's representation is the resource it created or changed, named by Location (RFC 9110 §9.3.3).
  const location = firstValue(response.headers.location)
  const path = location === undefined ? undefined : sameOriginPath(location, ctx.path, route.origin, ctx.host)
  const target = path === undefined ? undefined : normalizeTarget(path, gw.targetOptions)
  if (target?.ok !== true) return undefined
  const key = keyOf(route, target.pathAndQuery, ctx.req.headers)
  return { path: target.pathAndQuery, clientPath: clientOf(target.pathAndQuery), key, own: key === ctx.key }
}

/** The representation read after the write, its body whole or (above maxHashBytes) the head of a stream. */
interface Representation {
  readonly response: OriginResponse
  readonly validators: Validators | undefined
  readonly vary: string[]
  readonly whole: Buffer | undefined
  readonly prefix: readonly Buffer[]
}

/**
 * Resolves to the resource's representation as the origin serves it to this client (GET with
 * its credentials, the rules of a lookup: no conditionals, no range, no body fields), its
 * validators learned as a read learns them; or to the reason it could not be had.
 */
async function readRepresentation (gw: Gateway, ctx: RequestContext, path: string): Promise<Representation | string> {
  const { route, pool, trustForwarded } = ctx.settings!
  const policy = route.policy
  const synthesize = policy.etags === 'synthesize' || (policy.etags === 'auto' && gw.weakOrigins.has(route.id))
  const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals: true, noContent: true, noRange: true, identity: synthesize, trustForwarded, host: ctx.host })
  let response: OriginResponse
  try {
    response = await forward(pool, { method: 'GET', path, headers, body: undefined, timeouts: policy.timeouts, signal: ctx.gone })
  } catch (err) {
    return (err as Error).message
  }
  if (response.statusCode !== 200) {
    await response.body.dump()
    return `the origin answered ${response.statusCode} to the read after the write (GET ${path})`
  }
  let read
  try {
    read = await response.body.read(policy.maxHashBytes)
  } catch (err) {
    return (err as Error).message
  }
  const vary = parseVary(response.headers.vary)
  // A body above maxHashBytes streams on unhashed: it gets no synthesized ETag (SPEC §3).
  const digest = !read.truncated && isIdentityCoding(response.headers) ? digestBody(read.chunks) : undefined
  const validators = usableValidators(response.headers, policy, digest)
  const whole = read.truncated ? undefined : read.chunks.length === 1 ? read.chunks[0] : Buffer.concat(read.chunks, read.length)
  return { response, validators, vary, whole, prefix: read.chunks }
}

/** Returns the validators of a representation as a write's own, for the request's variant and principal. */
function writtenOf (ctx: RequestContext, r: Representation): Written | undefined {
  if (r.validators?.etag === undefined || r.vary.includes('*')) return undefined
  return { variantKey: variantKeyOf(r.vary, ctx.req.headers), validators: r.validators, principal: principalOf(ctx.req.headers) }
}

/** Returns a Vary field value with `Prefer` added: the answer differs by preference. */
function varyWithPrefer (vary: string | string[] | undefined): string {
  const names = vary === undefined ? [] : (Array.isArray(vary) ? vary.join(', ') : vary).split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (names.includes('*') || names.some((n) => n.toLowerCase() === 'prefer')) return names.join(', ')
  return [...names, 'Prefer'].join(', ')
}

/** Sends the representation in place of the write's own answer (SPEC §10). */
function sendRepresentation (ctx: RequestContext, write: OriginResponse, target: EchoTarget, r: Representation): void {
  const out = clientResponseHeaders(r.response.headers, ctx.requestId, 'etag')
  if (r.validators?.etag !== undefined) out.etag = r.validators.etag
  const location = write.headers.location
  if (location !== undefined && !target.own) out.location = location
  out['content-location'] = target.clientPath
  out['preference-applied'] = 'return=representation'
  out.vary = varyWithPrefer(r.response.headers.vary)
  const status = write.statusCode === 204 || write.statusCode === 205 ? 200 : write.statusCode
  ctx.writeEcho = 'representation'
  if (r.whole !== undefined) {
    out['content-length'] = String(r.whole.length)
    return sendWhole(ctx, status, out, r.whole.length === 0 ? undefined : r.whole)
  }
  relayResponse(ctx, r.response, { status, headers: out, prefix: r.prefix })
}

/** Sends the write's own response as it came (its body was held whole). */
function sendHeld (ctx: RequestContext, write: OriginResponse, body: Buffer): void {
  sendWhole(ctx, write.statusCode, clientResponseHeaders(write.headers, ctx.requestId), body.length === 0 ? undefined : body)
}

/**
 * Answers a 2xx write whose client asked for its representation, and records what it changed in
 * the store: the validators the read showed become the write's own (one update with the write's);
 * a read that fails leaves the write's response as it came and its validators dropped, never a 5xx
 * for a write that succeeded. Statuses whose write may not be done (202) or whose body is not a
 * representation (207), and POSTs without a Location, are answered as without the preference.
 */
export async function answerWithRepresentation (gw: Gateway, ctx: RequestContext, record: WriteRecord, write: OriginResponse, own: OwnOutcome): Promise<void> {
  const related = relatedKeys(gw, ctx, write.headers)
  const asWithout = async (body: readonly Buffer[], truncated: boolean): Promise<void> => {
    await record.commit({ kind: 'written', written: own() }, related)
    if (truncated) return relayResponse(ctx, write, { prefix: body })
    sendHeld(ctx, write, Buffer.concat(body))
  }
  let held
  try {
    held = await write.body.read(HOLD_BYTES)
  } catch {
    // The write was answered 2xx and its body broke: applied, and its answer can only be cut.
    await record.commit({ kind: 'written', written: undefined }, related)
    ctx.res.destroy()
    return
  }
  const target = ECHOED.has(write.statusCode) && !held.truncated ? echoTarget(gw, ctx, write) : undefined
  if (target === undefined) return asWithout(held.chunks, held.truncated)
  if (target.own) {
    const r = await readRepresentation(gw, ctx, target.path)
    if (typeof r === 'string') return readFailed(gw, ctx, record, related, write, held.chunks, r)
    await record.commit({ kind: 'written', written: writtenOf(ctx, r) }, related)
    return sendRepresentation(ctx, write, target, r)
  }
  // A POST's new resource: the collection's write is recorded first (it drops the Location's
  // entry), then the read is learned for the Location unless a write to it completed meanwhile.
  await record.commit({ kind: 'written', written: undefined }, related)
  const seen = await gw.store.get(target.key)
  const r = await readRepresentation(gw, ctx, target.path)
  if (typeof r === 'string') return readFailed(gw, ctx, undefined, [], write, held.chunks, r)
  if (writtenOf(ctx, r) !== undefined) await learn(gw, ctx, r.validators as Validators, r.vary, seen, target.key)
  sendRepresentation(ctx, write, target, r)
}

/** The read after the write failed: the write's own response as it came, its validators dropped. */
async function readFailed (gw: Gateway, ctx: RequestContext, record: WriteRecord | undefined, related: readonly string[], write: OriginResponse, body: readonly Buffer[], reason: string): Promise<void> {
  await record?.commit({ kind: 'written', written: undefined }, related)
  ctx.writeEcho = 'read-failed'
  gw.logger.warn({ requestId: ctx.requestId, reason }, 'the read after a write failed; its own response was sent')
  sendHeld(ctx, write, Buffer.concat(body))
}
