import { readConditionals, type Conditionals } from '../http/conditionals.ts'
import { principalOf } from '../http/credentials.ts'
import { preconditionRequired } from '../edge/problem.ts'
import { send428, sendDenied } from '../edge/respond.ts'
import { IfgateError } from '../errors.ts'
import { forwardToOrigin, relayResponse } from '../origin/forward.ts'
import { originRequestHeaders } from '../origin/headers.ts'
import { usableValidators } from '../origin/lookup.ts'
import { variantKeyOf } from '../validators/entry.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { invalidateAfterWrite } from './invalidate.ts'
import { know, LookupDenied, type Known } from './knowledge.ts'
import { noteRefusal, refuse } from './refuse.ts'
import { hasRequestBody, receiveBody, type WriteBody } from './request-body.ts'

/** SPEC §2.4: If-Match or If-Unmodified-Since, and for PUT also If-None-Match: * (create-only). */
function satisfiesRequirement (method: string, c: Conditionals): boolean {
  return c.ifMatch !== undefined || c.ifUnmodifiedSince !== undefined || (method === 'PUT' && c.ifNoneMatch?.any === true)
}

/** Forwards a write and records what it changed before the lock is released (SPEC §2.5). */
async function forwardWrite (gw: Gateway, ctx: RequestContext, body: WriteBody, stripConditionals: boolean, ifMatch?: string): Promise<void> {
  const route = ctx.route!
  // A repaired If-Match goes to the origin as the current ETag it named (its own spelling).
  const extra = ifMatch === undefined || stripConditionals ? undefined : { 'if-match': ifMatch }
  const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals, extra, trustForwarded: gw.config.server.trustForwarded, host: ctx.host })
  let response
  try {
    response = await forwardToOrigin(gw.pools.for(route), ctx, { headers, timeouts: route.policy.timeouts, body })
  } catch (err) {
    // A write that timed out, was cut or aborted may have been applied all the same: what the
    // cache holds is no longer known to be current, and on an exclusive route it could accept a
    // stale If-Match. It is dropped like after a write (SPEC §2.5), so the next write looks up.
    await invalidateAfterWrite(gw, ctx, {}, undefined)
    throw err
  }
  if (response.statusCode >= 200 && response.statusCode < 300) {
    const validators = route.policy.etags === 'synthesize' ? undefined : usableValidators(response.headers, route.policy, undefined)
    const written = validators?.source === 'origin' && validators.etag !== undefined
      ? { variantKey: variantKeyOf(await varyOf(gw, ctx), ctx.req.headers), validators, principal: principalOf(ctx.req.headers) }
      : undefined
    await invalidateAfterWrite(gw, ctx, response.headers, written)
  }
  relayResponse(ctx, response)
}

async function varyOf (gw: Gateway, ctx: RequestContext): Promise<readonly string[]> {
  return (await gw.store.get(ctx.key!))?.vary ?? []
}

/** Returns true when the decision answers at the edge: failed, unless the origin's 404 is the answer. */
function refuses (method: string, known: Known): boolean {
  // RFC 9110 §13.2.1: a DELETE of a missing resource is the origin's 404 to give, not a 412.
  const originDecides = method === 'DELETE' && known.knowledge.current === undefined && known.decision.header === 'if-match'
  return known.decision.result !== 'proceed' && !originDecides
}

/** Returns an AbortSignal that aborts when the client goes away before its response was sent. */
function clientGone (ctx: RequestContext): AbortSignal {
  const controller = new AbortController()
  const { res } = ctx
  if (res.destroyed) controller.abort()
  else res.once('close', () => { if (!res.writableFinished) controller.abort(new Error('the client went away')) })
  return controller.signal
}

/** SPEC §2: a write whose client left before it was forwarded never reaches the origin. */
function dropForGoneClient (gw: Gateway, ctx: RequestContext): void {
  ctx.decision = 'client-gone'
  gw.logger.debug({ requestId: ctx.requestId }, 'write dropped: the client went away before it was forwarded')
}

/**
 * SPEC §6: with `Expect: 100-continue` the preconditions are checked before the body is asked
 * for. Resolves to true when that answered the request at the edge (412, or the origin's refusal
 * of the lookup); the check is taken again under the lock.
 */
async function answeredBeforeBody (gw: Gateway, ctx: RequestContext, c: Conditionals): Promise<boolean> {
  try {
    const known = await know(gw, ctx, c)
    if (!refuses(ctx.req.method as string, known)) return false
    await refuse(gw, ctx, c, known.decision, known.knowledge)
    return true
  } catch (err) {
    if (err instanceof LookupDenied) {
      sendDenied(ctx, err.status, err.headers)
      return true
    }
    // A failed lookup here decides nothing: the check under the lock meets it again.
    if (err instanceof IfgateError) return false
    throw err
  }
}

/**
 * Handles PUT, PATCH, DELETE, POST and other unsafe methods (SPEC §2.4): the body received (up
 * to server.maxBufferBytes) before the per-resource lock, then under it: obtain the current
 * validators, evaluate the preconditions, answer at the edge or forward.
 */
export async function handleUnsafe (gw: Gateway, ctx: RequestContext): Promise<void> {
  const route = ctx.route!
  const policy = route.policy
  const method = ctx.req.method as string
  const c = readConditionals(ctx.req.headersDistinct)
  // SPEC §5: If-Modified-Since on a write is ignored (RFC 9110 §13.1.3) but is evidence of a
  // cache revalidation forwarded onto a write.
  if (c.ifModifiedSince !== undefined) ctx.injectedConditional = 'if-modified-since'
  // RFC 9110 §13.1.3: If-Modified-Since is ignored on methods other than GET and HEAD.
  const conditional = c.ifMatch !== undefined || c.ifUnmodifiedSince !== undefined || c.ifNoneMatch !== undefined
  if (policy.requirePrecondition && !satisfiesRequirement(method, c)) {
    if (policy.mode === 'observe') ctx.wouldDecide = 'edge-428'
    else return send428(ctx, preconditionRequired(method, ctx.requestId))
  }
  const gone = clientGone(ctx)
  if (ctx.expectContinue && conditional && policy.mode === 'enforce' && hasRequestBody(ctx.req)) {
    if (await answeredBeforeBody(gw, ctx, c)) return
  }
  if (ctx.expectContinue && hasRequestBody(ctx.req)) {
    ctx.res.writeContinue()
    ctx.expectContinue = false
  }
  // SPEC §2 "A slow uploader holds no lock": the body arrives before the lock is taken.
  const body = await receiveBody(ctx.req, gw.config.server.maxBufferBytes)
  if (body === undefined || gone.aborted) return dropForGoneClient(gw, ctx)
  const waitStarted = performance.now()
  let release: () => void
  try {
    release = await gw.lock.acquire(ctx.key!, policy.lock, gone)
  } catch (err) {
    if (gone.aborted) return dropForGoneClient(gw, ctx)
    throw err
  } finally {
    ctx.lockWaitMs = performance.now() - waitStarted
  }
  try {
    if (gone.aborted) return dropForGoneClient(gw, ctx)
    if (!conditional) return await forwardWrite(gw, ctx, body, false)
    // Observe mode never answers at the edge, so a failed lookup cannot stop its write either.
    const forwardOnLookupError = policy.onLookupError === 'forward' || policy.mode === 'observe'
    let known: Known
    try {
      known = await know(gw, ctx, c)
    } catch (err) {
      if (err instanceof LookupDenied && policy.mode !== 'observe') return sendDenied(ctx, err.status, err.headers)
      if (!forwardOnLookupError || !(err instanceof IfgateError || err instanceof LookupDenied)) throw err
      gw.logger.warn({ requestId: ctx.requestId, err: err.message }, 'validator lookup failed; forwarding as the route asks')
      if (policy.mode === 'observe') ctx.wouldDecide = 'error'
      if (gone.aborted) return dropForGoneClient(gw, ctx)
      return await forwardWrite(gw, ctx, body, policy.etags === 'synthesize')
    }
    const { knowledge, decision, repaired } = known
    if (refuses(method, known)) {
      if (policy.mode !== 'observe') return await refuse(gw, ctx, c, decision, knowledge)
      ctx.wouldDecide = 'edge-412'
      noteRefusal(ctx, c, decision, knowledge)
    }
    if (gone.aborted) return dropForGoneClient(gw, ctx)
    if (policy.mode === 'observe') {
      // SPEC §5 observe: the request goes on untouched; the log says what enforce would have done.
      ctx.wouldRepair = repaired?.kind
      return await forwardWrite(gw, ctx, body, knowledge.synthesized)
    }
    if (repaired !== undefined) {
      ctx.repaired = repaired.kind
      gw.logger.info({ requestId: ctx.requestId, repaired: repaired.kind, from: repaired.from, to: repaired.to }, 'If-Match repaired')
    }
    await forwardWrite(gw, ctx, body, knowledge.synthesized, repaired?.to)
  } finally {
    release()
  }
}
