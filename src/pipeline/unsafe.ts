import { readConditionals, type Conditionals } from '../http/conditionals.ts'
import { preconditionRequired } from '../edge/problem.ts'
import { send428 } from '../edge/respond.ts'
import { IfgateError } from '../errors.ts'
import { forwardToOrigin, relayResponse } from '../origin/forward.ts'
import { originRequestHeaders } from '../origin/headers.ts'
import { usableValidators } from '../origin/lookup.ts'
import { variantKeyOf } from '../validators/entry.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { invalidateAfterWrite } from './invalidate.ts'
import { know, type Known } from './knowledge.ts'
import { noteRefusal, refuse } from './refuse.ts'

/** SPEC §2.4: If-Match or If-Unmodified-Since, and for PUT also If-None-Match: * (create-only). */
function satisfiesRequirement (method: string, c: Conditionals): boolean {
  return c.ifMatch !== undefined || c.ifUnmodifiedSince !== undefined || (method === 'PUT' && c.ifNoneMatch?.any === true)
}

/** Forwards a write and records what it changed before the lock is released (SPEC §2.5). */
async function forwardWrite (gw: Gateway, ctx: RequestContext, stripConditionals: boolean, ifMatch?: string): Promise<void> {
  const route = ctx.route!
  // A repaired If-Match goes to the origin as the current ETag it named (its own spelling).
  const extra = ifMatch === undefined || stripConditionals ? undefined : { 'if-match': ifMatch }
  const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals, extra })
  let response
  try {
    response = await forwardToOrigin(gw.pools.for(route), ctx, { headers, timeouts: route.policy.timeouts })
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
      ? { variantKey: variantKeyOf(await varyOf(gw, ctx), ctx.req.headers), validators }
      : undefined
    await invalidateAfterWrite(gw, ctx, response.headers, written)
  }
  relayResponse(ctx, response)
}

async function varyOf (gw: Gateway, ctx: RequestContext): Promise<readonly string[]> {
  return (await gw.store.get(ctx.key!))?.vary ?? []
}

/**
 * Handles PUT, PATCH, DELETE, POST and other unsafe methods (SPEC §2.4): under the per-resource
 * lock, obtain the current validators, evaluate the preconditions, answer at the edge or forward.
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
  const waitStarted = performance.now()
  let release: () => void
  try {
    release = await gw.lock.acquire(ctx.key!, policy.lock)
  } finally {
    ctx.lockWaitMs = performance.now() - waitStarted
  }
  try {
    if (!conditional) return await forwardWrite(gw, ctx, false)
    // Observe mode never answers at the edge, so a failed lookup cannot stop its write either.
    const forwardOnLookupError = policy.onLookupError === 'forward' || policy.mode === 'observe'
    let known: Known
    try {
      known = await know(gw, ctx, c)
    } catch (err) {
      if (!forwardOnLookupError || !(err instanceof IfgateError)) throw err
      gw.logger.warn({ requestId: ctx.requestId, err: err.message }, 'validator lookup failed; forwarding as the route asks')
      if (policy.mode === 'observe') ctx.wouldDecide = 'error'
      return await forwardWrite(gw, ctx, policy.etags === 'synthesize')
    }
    const { knowledge, decision, repaired } = known
    // RFC 9110 §13.2.1: a DELETE of a missing resource is the origin's 404 to give, not a 412.
    const originDecides = method === 'DELETE' && knowledge.current === undefined && decision.header === 'if-match'
    if (decision.result !== 'proceed' && !originDecides) {
      if (policy.mode !== 'observe') return await refuse(gw, ctx, c, decision, knowledge)
      ctx.wouldDecide = 'edge-412'
      noteRefusal(ctx, c, decision, knowledge)
    }
    if (policy.mode === 'observe') {
      // SPEC §5 observe: the request goes on untouched; the log says what enforce would have done.
      ctx.wouldRepair = repaired?.kind
      return await forwardWrite(gw, ctx, knowledge.synthesized)
    }
    if (repaired !== undefined) {
      ctx.repaired = repaired.kind
      gw.logger.info({ requestId: ctx.requestId, repaired: repaired.kind, from: repaired.from, to: repaired.to }, 'If-Match repaired')
    }
    await forwardWrite(gw, ctx, knowledge.synthesized, repaired?.to)
  } finally {
    release()
  }
}
