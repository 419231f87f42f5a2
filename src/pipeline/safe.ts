import { parseEntityTag } from '../http/entity-tag.ts'
import { readConditionals } from '../http/conditionals.ts'
import { evaluatePreconditions } from '../http/preconditions.ts'
import { send304 } from '../edge/respond.ts'
import { fromOriginError } from '../errors.ts'
import { relayResponse } from '../edge/relay.ts'
import { forwardToOrigin } from './forward.ts'
import { firstValue, isIdentityCoding } from '../http/fields.ts'
import { clientResponseHeaders, originRequestHeaders } from '../origin/headers.ts'
import { usableValidators } from '../validators/learn.ts'
import { digestKnown, parseVary, variantKeyOf, type Validators } from '../validators/entry.ts'
import { digestBody, digestTap } from '../validators/synthesize.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { currentOf, learn } from './validators.ts'



/** Returns true when the client asked for a 304 if its copy is current. */
function isConditionalRead (ctx: RequestContext): boolean {
  const h = ctx.req.headers
  return h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined
}

/**
 * Answers 304 at the edge when the client's If-None-Match / If-Modified-Since hold against the
 * validators of the 200 the origin just sent (SPEC §2.3: legacy origins rarely answer 304).
 */
function notModified (ctx: RequestContext, validators: Validators): boolean {
  if (!isConditionalRead(ctx)) return false
  const decision = evaluatePreconditions(ctx.req.method as string, readConditionals(ctx.req.headersDistinct), currentOf([validators]))
  if (decision.result !== 'not-modified') return false
  // Observe mode never answers at the edge: the origin's 200 goes on, the log says what enforce would do.
  if (ctx.route!.policy.mode === 'observe') {
    ctx.wouldDecide = 'edge-304'
    return false
  }
  return true
}

/**
 * Forwards a safe request (SPEC §2.3). From a GET/HEAD 200 it learns the validators, synthesizing
 * a strong ETag from the body where the route's `etags` policy asks for it, and turns the 200 into
 * a 304 when the client's copy is current.
 */
export async function handleSafe (gw: Gateway, ctx: RequestContext): Promise<void> {
  const route = ctx.route!
  const policy = route.policy
  const method = ctx.req.method as string
  const pool = gw.pools.for(route)
  if (method !== 'GET' && method !== 'HEAD') {
    const response = await forwardToOrigin(pool, ctx, { headers: originRequestHeaders(ctx.req, { requestId: ctx.requestId, trustForwarded: gw.config.server.trustForwarded, host: ctx.host }), timeouts: policy.timeouts })
    relayResponse(ctx, response)
    return
  }
  const entry = await gw.store.get(ctx.key!)
  // Validators ifgate synthesizes mean nothing to the origin: strip the client's conditionals and
  // ask for the identity coding, whose bytes the tag is computed from (SPEC §3).
  const synthesize = policy.etags === 'synthesize' || (policy.etags === 'auto' && gw.weakOrigins.has(route.id))
  const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals: synthesize, identity: synthesize, trustForwarded: gw.config.server.trustForwarded, host: ctx.host })
  // A HEAD cannot be hashed: ask for the GET, send its head only (Node sends no body for HEAD).
  const response = await forwardToOrigin(pool, ctx, { method: synthesize ? 'GET' : method, headers, timeouts: policy.timeouts })
  if (response.statusCode !== 200) return relayResponse(ctx, response)
  const vary = parseVary(response.headers.vary)
  if (vary.includes('*')) return relayResponse(ctx, response)

  const etagField = firstValue(response.headers.etag)
  const originTag = etagField === undefined ? undefined : parseEntityTag(etagField)
  const strong = originTag !== undefined && !originTag.weak
  if (policy.etags === 'auto') {
    // Remember per route whether the origin sends strong ETags, so reads ask for what can be hashed.
    if (strong) gw.weakOrigins.delete(route.id)
    else gw.weakOrigins.add(route.id)
  }
  if (policy.etags === 'origin' || (policy.etags === 'auto' && strong)) {
    const validators = usableValidators(response.headers, policy, undefined)
    if (validators === undefined) return relayResponse(ctx, response)
    if (notModified(ctx, validators)) {
      await learn(gw, ctx, validators, vary, entry)
      send304(ctx, response.headers)
      await response.body.dump()
      return
    }
    if (method === 'GET' && isIdentityCoding(response.headers) && (validators.etag === undefined || !digestKnown(entry, variantKeyOf(vary, ctx.req.headers), validators.etag))) {
      // The body's digest lets diagnosis tell an origin that re-tags unchanged bytes (SPEC §5
      // unstable-origin-etag) from a real change; it is learned with the tag once the body ends.
      // A tag whose digest is known already is not hashed again.
      const tap = digestTap(policy.maxHashBytes, (digest) => {
        learn(gw, ctx, { ...validators, digest }, vary, entry).catch((err: unknown) => gw.logger.warn({ requestId: ctx.requestId, err }, 'validators not recorded'))
      })
      return relayResponse(ctx, response, { tap })
    }
    await learn(gw, ctx, validators, vary, entry)
    return relayResponse(ctx, response)
  }

  // etags: synthesize, or auto with a weak or missing origin ETag.
  const out = clientResponseHeaders(response.headers, ctx.requestId, policy.etags === 'synthesize' ? 'etag' : undefined)
  if (!isIdentityCoding(response.headers)) return relayResponse(ctx, response, { headers: out })
  // Nothing was sent yet: an origin that stalls or breaks here gets the client a 504/502 problem.
  const read = await response.body.read(policy.maxHashBytes).catch((err: unknown) => { throw fromOriginError(err, 'forward') })
  if (read.truncated) {
    // SPEC §3: bodies above maxHashBytes are not hashed; the rest streams on.
    if (method === 'HEAD') {
      // The HEAD was asked of the origin as a GET: the client gets the head only.
      response.body.abort(new Error('HEAD answered from the head of a GET'))
      ctx.decision = 'forwarded'
      ctx.res.writeHead(200, out)
      ctx.res.end()
      return
    }
    return relayResponse(ctx, response, { headers: out, prefix: read.chunks })
  }
  const digest = digestBody(read.chunks)
  // etags: synthesize, or auto with a weak or missing origin ETag: always a synthesized tag here.
  const validators = usableValidators(response.headers, policy, digest) as Validators
  await learn(gw, ctx, validators, vary, entry)
  out.etag = validators.etag as string
  if (notModified(ctx, validators)) return send304(ctx, out)
  out['content-length'] = String(read.length)
  ctx.decision = 'forwarded'
  ctx.res.writeHead(200, out)
  if (method === 'HEAD' || read.length === 0) ctx.res.end()
  else ctx.res.end(read.chunks.length === 1 ? read.chunks[0] : Buffer.concat(read.chunks, read.length))
}
