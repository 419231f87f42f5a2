import { decideWrite, isConditionalWrite, type WriteDecision } from '../decision/decide-write.ts'
import { conditionalLines, readConditionals, type Conditionals } from '../http/conditionals.ts'
import { principalOf } from '../http/credentials.ts'
import { preconditionRequired } from '../edge/problem.ts'
import { send428, sendDenied } from '../edge/respond.ts'
import { IfgateError } from '../errors.ts'
import { relayResponse } from '../edge/relay.ts'
import type { AbortWatch } from '../abort.ts'
import { forwardToOrigin } from './forward.ts'
import { originRequestHeaders } from '../origin/headers.ts'
import { usableValidators } from '../validators/learn.ts'
import { variantKeyOf, type VariantValidators, type Written } from '../validators/entry.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { relatedKeys } from './invalidate.ts'
import { cachedKnowledge, lookUp, LookupDenied, type Knowledge } from './knowledge.ts'
import { diagnoseRefusal, noteRefusal, refuse, refuseNow } from './refuse.ts'
import { needsCurrentDigest } from '../diagnosis/diagnose.ts'
import { wantsRepresentation } from '../http/prefer.ts'
import { hasRequestBody, receiveBody, type WriteBody } from './request-body.ts'
import { WriteRecord } from './write-record.ts'
import { answerWithRepresentation } from './write-echo.ts'
import { compose, type Handler, type RouteSettings, type Step } from './chain.ts'

type Forward = Extract<WriteDecision, { action: 'forward' }>

/** Forwards a write and records what it changed, in one store update, before the lock is released (SPEC §2.5). */
async function forwardWrite (gw: Gateway, ctx: RequestContext, body: WriteBody, record: WriteRecord, d: Forward): Promise<void> {
  const route = ctx.route!
  // A repaired If-Match goes to the origin as the current ETag it named (its own spelling).
  const extra = d.ifMatch === undefined || d.stripConditionals ? undefined : { 'if-match': d.ifMatch }
  const { pool, trustForwarded } = ctx.settings!
  const headers = originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals: d.stripConditionals, extra, trustForwarded, host: ctx.host })
  let response
  try {
    response = await forwardToOrigin(pool, ctx, { headers, timeouts: route.policy.timeouts, body })
  } catch (err) {
    // A write that timed out, was cut or aborted may have been applied all the same: what the
    // cache holds is no longer known to be current, and on an exclusive route it could accept a
    // stale If-Match. It is dropped like after a write (SPEC §2.5), so the next write looks up.
    await record.commit({ kind: 'unknown' }, relatedKeys(gw, ctx, {}))
    throw err
  }
  let committed: Promise<void> | undefined
  if (record.leaseLost()) {
    // SPEC §9: the lease ran out before the origin answered: another replica may have written
    // since, so what this write saw is not known to be current. Dropped, as after a timeout.
    ctx.leaseLost = true
    committed = record.commit({ kind: 'unknown' }, relatedKeys(gw, ctx, {}))
  } else if (response.statusCode >= 200 && response.statusCode < 300) {
    // The write response's own validators, when usable (an origin's tag for the written state).
    const own = (): Written | undefined => {
      const validators = route.policy.etags === 'synthesize' ? undefined : usableValidators(response.headers, route.policy, undefined)
      return validators?.source === 'origin' && validators.etag !== undefined
        ? { variantKey: variantKeyOf(record.vary(), ctx.req.headers), validators, principal: principalOf(ctx.req.headers) }
        : undefined
    }
    // SPEC §10: the representation the write produced, read under the same lock.
    if (ctx.method !== 'DELETE' && wantsRepresentation(ctx.req.headers.prefer)) return answerWithRepresentation(gw, ctx, record, response, own)
    committed = record.commit({ kind: 'written', written: own() }, relatedKeys(gw, ctx, response.headers))
  } else {
    committed = record.commit({ kind: 'unchanged' })
  }
  // A store of this process took the update at once: no tick spent waiting for it.
  if (committed !== undefined) await committed
  relayResponse(ctx, response)
}

/** SPEC §2: a write whose client left before it was forwarded never reaches the origin. */
function dropForGoneClient (gw: Gateway, ctx: RequestContext): void {
  ctx.decision = 'client-gone'
  gw.logger.debug({ requestId: ctx.requestId }, 'write dropped: the client went away before it was forwarded')
}

/** The decision on a write and what it was taken on: the cache, or a lookup when the decision asks for one. */
interface Decided {
  readonly decision: WriteDecision
  readonly knowledge: Knowledge | undefined
  readonly lookupError: IfgateError | undefined
  readonly denied: LookupDenied | undefined
}

/**
 * Returns the write decision (decideWrite) on what the cache knows; a `look-up` decision is taken
 * again on the origin's answer (decide).
 */
function decideOnCache (ctx: RequestContext, c: Conditionals, record: WriteRecord, gone: AbortWatch, peeked: Knowledge | undefined): Decided {
  const conditional = isConditionalWrite(c)
  const cached = conditional ? stillCurrent(peeked, record, ctx.route!.policy.validatorTtlMs) ?? cachedKnowledge(ctx, record) : undefined
  if (conditional) ctx.cache = cached === undefined ? 'miss' : 'hit'
  const first = decideWrite(ctx.method, c, cached ?? 'unknown', ctx.route!.policy, { clientGone: gone.aborted })
  return { decision: first, knowledge: cached, lookupError: undefined, denied: undefined }
}

/**
 * Returns what the cache told this write before its body and lock (rejectFromLocal) when the
 * record holds the same entry and every variant it took is still fresh: the same knowledge
 * cachedKnowledge would decode again (the fresh set only shrinks with time).
 */
function stillCurrent (peeked: Knowledge | undefined, record: WriteRecord, ttlMs: number): Knowledge | undefined {
  if (peeked === undefined || peeked.entry !== record.entry) return undefined
  const now = Date.now()
  for (const v of peeked.variants as readonly VariantValidators[]) if (now - v.learnedAt >= ttlMs) return undefined
  return peeked
}

/** Resolves to the write decision on the cache, or, where that asks for a lookup, on the origin's answer (lookUpAndDecide). */
function decide (gw: Gateway, ctx: RequestContext, c: Conditionals, record: WriteRecord, gone: AbortWatch, peeked?: Knowledge): Decided | Promise<Decided> {
  const onCache = decideOnCache(ctx, c, record, gone, peeked)
  return onCache.decision.action === 'look-up' ? lookUpAndDecide(gw, ctx, c, record, gone, onCache.knowledge) : onCache
}

/**
 * Resolves to the write decision taken on a lookup at the origin, what the lookup taught recorded
 * in `record`; `cached`: what the cache knew before it.
 */
async function lookUpAndDecide (gw: Gateway, ctx: RequestContext, c: Conditionals, record: WriteRecord, gone: AbortWatch, cached: Knowledge | undefined): Promise<Decided> {
  const policy = ctx.route!.policy
  const method = ctx.method
  try {
    const knowledge = await lookUp(gw, ctx, record, false, cached)
    return { decision: decideWrite(method, c, knowledge, policy, { clientGone: gone.aborted }), knowledge, lookupError: undefined, denied: undefined }
  } catch (err) {
    if (!(err instanceof IfgateError) && !(err instanceof LookupDenied)) throw err
    const decision = decideWrite(method, c, 'lookup-failed', policy, { clientGone: gone.aborted })
    if (err instanceof LookupDenied) return { decision, knowledge: undefined, lookupError: undefined, denied: err }
    return { decision, knowledge: undefined, lookupError: err, denied: undefined }
  }
}

/**
 * SPEC §6: with `Expect: 100-continue` the preconditions are checked before the body is asked
 * for. Resolves to true when that answered the request at the edge (412, or the origin's refusal
 * of the lookup); the check is taken again under the lock.
 */
async function answeredBeforeBody (gw: Gateway, ctx: RequestContext, c: Conditionals, gone: AbortWatch): Promise<boolean> {
  const record = await WriteRecord.read(gw, ctx)
  const { decision, knowledge, denied } = await decide(gw, ctx, c, record, gone)
  if (denied !== undefined) {
    sendDenied(ctx, denied.status, denied.headers)
  } else if (decision.action === 'edge-412' && knowledge !== undefined) {
    await refuse(gw, ctx, c, decision.decision, knowledge, record)
  } else {
    // A failed lookup here decides nothing: the check under the lock meets it again.
    return false
  }
  await record.commit({ kind: 'unchanged' })
  return true
}

/** Carries out a decision taken under the lock: answer at the edge, drop, or forward. */
async function carryOut (gw: Gateway, ctx: RequestContext, c: Conditionals, body: WriteBody, record: WriteRecord, decided: Decided): Promise<void> {
  const { decision: d, knowledge, lookupError, denied } = decided
  if (denied !== undefined && ctx.route!.policy.mode !== 'observe') {
    await record.commit({ kind: 'unchanged' })
    return sendDenied(ctx, denied.status, denied.headers)
  }
  switch (d.action) {
    case 'edge-428':
      return send428(ctx, preconditionRequired(ctx.method, ctx.requestId))
    case 'look-up':
      // lookUpAndDecide() answers this one itself; reaching it here is a broken decision table.
      throw new IfgateError('IFG_ERR_INTERNAL', 'the write decision asked for a second lookup', { stack: true })
    case 'client-gone':
      await record.commit({ kind: 'unchanged' })
      return dropForGoneClient(gw, ctx)
    case 'fail':
      await record.commit({ kind: 'unchanged' })
      throw lookupError ?? denied
    case 'edge-412':
      await refuse(gw, ctx, c, d.decision, knowledge!, record)
      return record.commit({ kind: 'unchanged' })
    case 'forward':
      if (lookupError !== undefined || denied !== undefined) gw.logger.warn({ requestId: ctx.requestId, err: (lookupError ?? denied)!.message }, 'validator lookup failed; forwarding as the route asks')
      ctx.wouldDecide = d.would
      ctx.wouldRepair = d.wouldRepair
      if (d.refused !== undefined && knowledge !== undefined) noteRefusal(ctx, c, d.refused, knowledge)
      if (d.repaired !== undefined) {
        ctx.repaired = d.repaired.kind
        gw.logger.info({ requestId: ctx.requestId, repaired: d.repaired.kind, from: d.repaired.from, to: d.repaired.to }, 'If-Match repaired')
      }
      // Awaited, not returned: an async function that returns a promise costs two more ticks.
      await forwardWrite(gw, ctx, body, record, d)
  }
}

/** What the stages of one write share. */
interface WriteState {
  readonly c: Conditionals
  readonly gone: AbortWatch
  body: WriteBody | undefined
  /** What the cache knew when the write came in (rejectFromLocal), for the decision under the lock. */
  peeked: Knowledge | undefined
}

/** Stage: SPEC §2.4, the 428 rule, which needs no validators: refused before the body is read or the lock taken. */
const requirePrecondition: Step<WriteState> = (ctx, w) => {
  if (decideWrite(ctx.method, w.c, 'unknown', ctx.route!.policy, { clientGone: false }).action !== 'edge-428') return false
  send428(ctx, preconditionRequired(ctx.method, ctx.requestId))
  return true
}

/**
 * Stage (enforce only): SPEC §3, a cached validator may always reject. A conditional write that
 * what this process holds already refuses, and whose 412 needs nothing from the origin (no body
 * digest for the diagnosis, no representation asked for), is answered before its body is read or
 * the lock is taken: no store round trip, no wait behind the resource's writers. Everything else
 * (a miss, a write the cache would accept, a lookup) is decided under the lock.
 */
function rejectFromLocal (gw: Gateway): Step<WriteState> {
  return (ctx, w) => {
    if (!isConditionalWrite(w.c)) return false
    const entry = gw.store.peek(ctx.key!)
    if (entry === undefined) return false
    const record = WriteRecord.local(gw, ctx, entry)
    const cached = cachedKnowledge(ctx, record)
    if (cached === undefined) return false
    w.peeked = cached
    const d = decideWrite(ctx.method, w.c, cached, ctx.route!.policy, { clientGone: false })
    if (d.action !== 'edge-412' || needsCurrentDigest(w.c, cached.facts) || wantsRepresentation(ctx.req.headers.prefer)) return false
    // A shared store's local copy may lag another replica's write: it refuses only a tag it saw
    // superseded (stale-etag), never one it does not know, which may be newer than the copy.
    const diagnosis = gw.store.peekIsStore ? undefined : diagnoseRefusal(ctx, w.c, d.decision, cached)
    if (diagnosis !== undefined && diagnosis.cause !== 'stale-etag') return false
    ctx.cache = 'hit'
    refuseNow(ctx, w.c, d.decision, cached, undefined, diagnosis)
    return true
  }
}

/** Stage (enforce only): SPEC §6, with `Expect: 100-continue` the preconditions are checked before the body is asked for. */
function checkBeforeBody (gw: Gateway): Step<WriteState> {
  return (ctx, w) => ctx.expectContinue && hasRequestBody(ctx.req) && isConditionalWrite(w.c) && answeredBeforeBody(gw, ctx, w.c, w.gone)
}

/** Stage: SPEC §2 "A slow uploader holds no lock": the body arrives (up to maxBufferBytes) before the lock is taken. */
function receive (gw: Gateway, maxBufferBytes: number): Step<WriteState> {
  return async (ctx, w) => {
    if (ctx.expectContinue && hasRequestBody(ctx.req)) {
      ctx.res.writeContinue()
      ctx.expectContinue = false
    }
    w.body = await receiveBody(ctx.req, maxBufferBytes)
    if (w.body !== undefined && !w.gone.aborted) return false
    dropForGoneClient(gw, ctx)
    return true
  }
}

/** Stage: under the per-resource lock, one store read, the one write decision, its answer or the forward, one store update. */
function underLock (gw: Gateway): Step<WriteState> {
  return async (ctx, w) => {
    const waitStarted = performance.now()
    let release: () => void
    try {
      // A lock nobody holds, and an entry this process holds, are taken with no promise in between.
      release = gw.lock.tryAcquire?.(ctx.key!) ?? await gw.lock.acquire(ctx.key!, ctx.route!.policy.lock, w.gone)
    } catch (err) {
      if (!w.gone.aborted) throw err
      dropForGoneClient(gw, ctx)
      return true
    } finally {
      ctx.lockWaitMs = performance.now() - waitStarted
    }
    try {
      const record = WriteRecord.readNow(gw, ctx, release) ?? await WriteRecord.read(gw, ctx, release)
      // A decision the cache takes costs no promise hop.
      const pending = decide(gw, ctx, w.c, record, w.gone, w.peeked)
      const decided = pending instanceof Promise ? await pending : pending
      await carryOut(gw, ctx, w.c, w.body as WriteBody, record, decided)
    } finally {
      release()
    }
    return true
  }
}

/**
 * Returns the write handler of a route (SPEC §2.4) for PUT, PATCH, DELETE, POST and every other
 * unsafe method: its stages chosen once from the route's policy (the 428 stage only where a
 * precondition is required, the early check only in enforce mode).
 */
export function writeHandler (gw: Gateway, s: RouteSettings): Handler {
  const policy = s.route.policy
  const enforce = policy.mode === 'enforce'
  const chain = compose<WriteState>([
    policy.requirePrecondition && enforce && requirePrecondition,
    enforce && rejectFromLocal(gw),
    enforce && checkBeforeBody(gw),
    receive(gw, s.maxBufferBytes),
    underLock(gw)
  ])
  return (ctx) => {
    const c = readConditionals(conditionalLines(ctx.req.rawHeaders))
    // SPEC §5: If-Modified-Since on a write is ignored (RFC 9110 §13.1.3) but is evidence of a
    // cache revalidation forwarded onto a write.
    if (c.ifModifiedSince !== undefined) ctx.injectedConditional = 'if-modified-since'
    const answered = chain(ctx, { c, gone: ctx.gone, body: undefined, peeked: undefined })
    // Decided synchronously: answered at the edge, nothing left to wait for.
    return typeof answered === 'boolean' ? true : answered
  }
}
