import type { Dispatcher } from 'undici'
import { readConditionals, type Conditionals } from '../http/conditionals.ts'
import { evaluatePreconditions, type CurrentValidators, type Decision, type PreconditionHeader } from '../http/preconditions.ts'
import type { Cause } from '../diagnosis/causes.ts'
import { diagnose } from '../diagnosis/diagnose.ts'
import { preconditionFailed, preconditionRequired } from '../edge/problem.ts'
import { send412, send428 } from '../edge/respond.ts'
import { IfgateError } from '../errors.ts'
import { forwardToOrigin, relayResponse } from '../origin/forward.ts'
import { originRequestHeaders } from '../origin/headers.ts'
import { lookupValidators, usableValidators, type LookupResult } from '../origin/lookup.ts'
import { variantKeyOf, type Validators } from '../validators/entry.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { invalidateAfterWrite } from './invalidate.ts'
import { cachedVariants, currentOf, learn } from './validators.ts'
import { currentRepresentation, wantsRepresentation } from './representation.ts'

/** The current state of a resource as far as a decision is concerned. */
interface Knowledge {
  /** undefined: no current representation. */
  readonly current: CurrentValidators | undefined
  readonly variants: readonly Validators[]
  /** Validators ifgate synthesized: the origin cannot evaluate the client's tags. */
  readonly synthesized: boolean
  readonly lookup: LookupResult | undefined
}

/** SPEC §2.4: If-Match or If-Unmodified-Since, and for PUT also If-None-Match: * (create-only). */
function satisfiesRequirement (method: string, c: Conditionals): boolean {
  return c.ifMatch !== undefined || c.ifUnmodifiedSince !== undefined || (method === 'PUT' && c.ifNoneMatch?.any === true)
}

function lookupHeaders (ctx: RequestContext): Record<string, string | string[]> {
  const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals: true })
  for (const name of Object.keys(headers)) if (name.startsWith('content-')) delete headers[name]
  return headers
}

/** Resolves to what the origin says is current, recorded in the store (SPEC §3 lookup). */
async function lookUp (gw: Gateway, ctx: RequestContext, wantBody: boolean): Promise<Knowledge> {
  const route = ctx.route!
  const started = performance.now()
  try {
    const result = await lookupValidators(gw.pools.for(route), { path: ctx.path, headers: lookupHeaders(ctx), policy: route.policy, wantBody })
    if (result.kind === 'absent') return { current: undefined, variants: [], synthesized: false, lookup: result }
    await learn(gw, ctx, result.validators, result.vary, undefined)
    const entry = await gw.store.get(ctx.key!)
    const variants = cachedVariants(entry, route) ?? [result.validators]
    return { current: currentOf(variants), variants, synthesized: result.validators.source === 'synthesized', lookup: result }
  } finally {
    ctx.lookupMs = (ctx.lookupMs ?? 0) + (performance.now() - started)
  }
}

/**
 * Resolves to the current validators, trusting the cache asymmetrically (SPEC §3): a cached
 * validator may always reject; it may accept only on an `exclusive` route, else the origin confirms.
 */
async function know (gw: Gateway, ctx: RequestContext, c: Conditionals): Promise<{ knowledge: Knowledge; decision: Decision }> {
  const route = ctx.route!
  const method = ctx.req.method as string
  const variants = cachedVariants(await gw.store.get(ctx.key!), route)
  if (variants !== undefined) {
    ctx.cache = 'hit'
    const cached: Knowledge = { current: currentOf(variants), variants, synthesized: variants.some((v) => v.source === 'synthesized'), lookup: undefined }
    const decision = evaluatePreconditions(method, c, cached.current)
    if (decision.result !== 'proceed' || route.policy.ownership === 'exclusive') return { knowledge: cached, decision }
  } else {
    ctx.cache = 'miss'
  }
  const knowledge = await lookUp(gw, ctx, false)
  return { knowledge, decision: evaluatePreconditions(method, c, knowledge.current) }
}

function joined (ctx: RequestContext, header: string): string {
  const lines = ctx.req.headersDistinct[header]
  return lines === undefined ? '' : lines.join(', ')
}

/** Records a failed precondition on the context, for the access log, metrics and /diagnoses. */
function note (ctx: RequestContext, decision: Decision, cause: Cause, currentEtag: string | null): void {
  const header = decision.header as PreconditionHeader
  ctx.cause = cause
  ctx.refusal = { header, sent: joined(ctx, header), currentEtag, cause }
}

async function refuse (gw: Gateway, ctx: RequestContext, c: Conditionals, decision: Decision, knowledge: Knowledge): Promise<void> {
  const cause = diagnose(decision, c, knowledge.current)
  const etag = knowledge.variants.find((v) => v.etag !== undefined)?.etag ?? null
  note(ctx, decision, cause, etag)
  const lastModified = knowledge.variants.find((v) => v.lastModified !== undefined)?.lastModified ?? null
  let current: unknown
  if (knowledge.current !== undefined && wantsRepresentation(ctx.req.headers.prefer)) {
    current = await currentRepresentation(gw, ctx, knowledge.lookup, (wantBody) => lookUp(gw, ctx, wantBody).then((k) => k.lookup))
  }
  const problem = preconditionFailed({
    header: decision.header as string,
    sent: ctx.refusal!.sent,
    cause,
    currentEtag: etag,
    currentLastModified: lastModified,
    requestId: ctx.requestId,
    current
  })
  send412(ctx, problem, etag, lastModified)
}

/** Forwards a write and records what it changed before the lock is released (SPEC §2.5). */
async function forwardWrite (gw: Gateway, ctx: RequestContext, stripConditionals: boolean): Promise<void> {
  const route = ctx.route!
  const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals })
  const response: Dispatcher.ResponseData = await forwardToOrigin(gw.pools.for(route), ctx, { headers, timeouts: route.policy.timeouts })
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
    let known: { knowledge: Knowledge; decision: Decision }
    try {
      known = await know(gw, ctx, c)
    } catch (err) {
      if (policy.onLookupError !== 'forward' || !(err instanceof IfgateError)) throw err
      gw.logger.warn({ requestId: ctx.requestId, err: err.message }, 'validator lookup failed; forwarding as onLookupError: forward asks')
      return await forwardWrite(gw, ctx, policy.etags === 'synthesize')
    }
    const { knowledge, decision } = known
    // RFC 9110 §13.2.1: a DELETE of a missing resource is the origin's 404 to give, not a 412.
    const originDecides = method === 'DELETE' && knowledge.current === undefined && decision.header === 'if-match'
    if (decision.result !== 'proceed' && !originDecides) {
      if (policy.mode !== 'observe') return await refuse(gw, ctx, c, decision, knowledge)
      ctx.wouldDecide = 'edge-412'
      note(ctx, decision, diagnose(decision, c, knowledge.current), knowledge.variants.find((v) => v.etag !== undefined)?.etag ?? null)
    }
    await forwardWrite(gw, ctx, knowledge.synthesized)
  } finally {
    release()
  }
}
