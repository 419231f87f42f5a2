import { parseEntityTag } from '../http/entity-tag.ts'
import { conditionalLines, readConditionals } from '../http/conditionals.ts'
import { evaluatePreconditions } from '../http/preconditions.ts'
import { send304, sendWhole } from '../edge/respond.ts'
import { fromOriginError } from '../errors.ts'
import { relayResponse } from '../edge/relay.ts'
import { forwardToOrigin } from './forward.ts'
import { firstValue, isIdentityCoding, parseVary } from '../http/fields.ts'
import { clientResponseHeaders, originRequestHeaders } from '../origin/headers.ts'
import type { OriginResponse } from '../origin/exchange.ts'
import { usableValidators } from '../validators/learn.ts'
import { digestKnown, variantKeyOf, type ValidatorEntry, type Validators } from '../validators/entry.ts'
import { digestBody, digestTap } from '../validators/synthesize.ts'
import type { Handler, RouteSettings } from './chain.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { currentOf, learn } from './validators.ts'

/** Returns true when the client asked for a 304 if its copy is current. */
function isConditionalRead (ctx: RequestContext): boolean {
  const h = ctx.req.headers
  return h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined
}

/** Returns true when the client's If-None-Match / If-Modified-Since hold against `validators` (RFC 9110 §13.2.2). */
function clientCopyCurrent (ctx: RequestContext, validators: Validators): boolean {
  if (!isConditionalRead(ctx)) return false
  return evaluatePreconditions(ctx.req.method as string, readConditionals(conditionalLines(ctx.req.rawHeaders)), currentOf([validators])).result === 'not-modified'
}

/**
 * What a route does when the client's copy is current (SPEC §2.3), chosen at start: enforce
 * answers 304 at the edge; observe lets the origin's 200 go on and logs what enforce would do.
 */
type NotModified = (ctx: RequestContext, validators: Validators) => boolean
const answer304: NotModified = clientCopyCurrent
const observe304: NotModified = (ctx, validators) => {
  if (clientCopyCurrent(ctx, validators)) ctx.wouldDecide = 'edge-304'
  return false
}

/** Returns the handler of the safe methods other than GET and HEAD: forwarded as they are. */
export function passHandler (s: RouteSettings): Handler {
  const { pool, trustForwarded } = s
  const timeouts = s.route.policy.timeouts
  return async (ctx) => {
    const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, trustForwarded, host: ctx.host })
    relayResponse(ctx, await forwardToOrigin(pool, ctx, { headers, timeouts }))
  }
}

/**
 * Returns the read handler of a route (SPEC §2.3): GET and HEAD forwarded; from a 200 the
 * validators are learned, a strong ETag synthesized from the body where the route's `etags`
 * policy asks for it, and the 200 turned into a 304 when the client's copy is current. The
 * choices of the policy (where ETags come from, enforce or observe) are made here, once.
 */
export function readHandler (gw: Gateway, s: RouteSettings): Handler {
  const { route, pool, trustForwarded } = s
  const policy = route.policy
  const { timeouts, maxHashBytes } = policy
  const notModified = policy.mode === 'observe' ? observe304 : answer304
  const always = policy.etags === 'synthesize'
  const auto = policy.etags === 'auto'
  const omitOriginTag = always ? 'etag' : undefined

  /** Relays a 200 whose validators are the origin's, learning them (and the body's digest, once per tag). */
  async function withOriginTags (ctx: RequestContext, response: OriginResponse, vary: string[], entry: ValidatorEntry | undefined): Promise<void> {
    const validators = usableValidators(response.headers, policy, undefined)
    if (validators === undefined) return relayResponse(ctx, response)
    if (notModified(ctx, validators)) {
      await learn(gw, ctx, validators, vary, entry)
      send304(ctx, response.headers)
      await response.body.dump()
      return
    }
    if (ctx.req.method === 'GET' && isIdentityCoding(response.headers) && (validators.etag === undefined || !digestKnown(entry, variantKeyOf(vary, ctx.req.headers), validators.etag))) {
      // The body's digest lets diagnosis tell an origin that re-tags unchanged bytes (SPEC §5
      // unstable-origin-etag) from a real change; it is learned with the tag once the body ends.
      // A tag whose digest is known already is not hashed again.
      const tap = digestTap(maxHashBytes, (digest) => {
        learn(gw, ctx, { ...validators, digest }, vary, entry)?.catch((err: unknown) => gw.logger.warn({ requestId: ctx.requestId, err }, 'validators not recorded'))
      })
      return relayResponse(ctx, response, { tap })
    }
    // A read of a resource whose validators are known already learns nothing: no wait at all.
    const learning = learn(gw, ctx, validators, vary, entry)
    if (learning !== undefined) await learning
    relayResponse(ctx, response)
  }

  /** Answers a 200 with the ETag ifgate synthesizes from its identity body (bodies up to maxHashBytes). */
  async function withSynthesizedTag (ctx: RequestContext, response: OriginResponse, vary: string[], entry: ValidatorEntry | undefined): Promise<void> {
    const out = clientResponseHeaders(response.headers, ctx.requestId, omitOriginTag)
    if (!isIdentityCoding(response.headers)) return relayResponse(ctx, response, { headers: out })
    // Nothing was sent yet: an origin that stalls or breaks here gets the client a 504/502 problem.
    const read = await response.body.read(maxHashBytes).catch((err: unknown) => { throw fromOriginError(err, 'forward') })
    const head = ctx.req.method === 'HEAD'
    if (read.truncated) {
      // SPEC §3: bodies above maxHashBytes are not hashed; the rest streams on. A HEAD was asked
      // of the origin as a GET: the client gets the head only.
      if (!head) return relayResponse(ctx, response, { headers: out, prefix: read.chunks })
      response.body.abort(new Error('HEAD answered from the head of a GET'))
      return sendWhole(ctx, 200, out, undefined)
    }
    const digest = digestBody(read.chunks)
    // etags: synthesize, or auto with a weak or missing origin ETag: always a synthesized tag here.
    const validators = usableValidators(response.headers, policy, digest) as Validators
    await learn(gw, ctx, validators, vary, entry)
    out.etag = validators.etag as string
    if (notModified(ctx, validators)) return send304(ctx, out)
    out['content-length'] = String(read.length)
    sendWhole(ctx, 200, out, head || read.length === 0 ? undefined : read.chunks)
  }

  return async (ctx) => {
    // SPEC §9: what the read learns is compared with what this process holds (a shared store's
    // local tier), so a read that learns nothing new makes no round trip; an update made on a
    // stale copy meets the store's entry in its compare-and-set. A store that does not answer
    // costs a read its learning, never the read.
    const local = gw.store.peekIsStore ? undefined : gw.store.peek(ctx.key!)
    const entry = local ?? await gw.store.get(ctx.key!).catch(() => undefined)
    // Validators ifgate synthesizes mean nothing to the origin: strip the client's conditionals and
    // ask for the identity coding, whose bytes the tag is computed from (SPEC §3).
    const synthesize = always || (auto && gw.weakOrigins.has(route.id))
    const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals: synthesize, identity: synthesize, trustForwarded, host: ctx.host })
    // A HEAD cannot be hashed: ask for the GET, send its head only (Node sends no body for HEAD).
    const response = await forwardToOrigin(pool, ctx, { method: synthesize ? 'GET' : ctx.req.method, headers, timeouts })
    if (response.statusCode !== 200) return relayResponse(ctx, response)
    const vary = parseVary(response.headers.vary)
    if (vary.includes('*')) return relayResponse(ctx, response)
    let relay = always ? withSynthesizedTag : withOriginTags
    if (auto) {
      // Remember per route whether the origin sends strong ETags, so reads ask for what can be hashed.
      const etag = firstValue(response.headers.etag)
      const tag = etag === undefined ? undefined : parseEntityTag(etag)
      if (tag !== undefined && !tag.weak) {
        gw.weakOrigins.delete(route.id)
      } else {
        gw.weakOrigins.add(route.id)
        relay = withSynthesizedTag
      }
    }
    // Awaited, not returned: an async function that returns a promise costs two more ticks.
    await relay(ctx, response, vary, entry)
  }
}

