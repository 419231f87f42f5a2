import type { Conditionals } from '../http/conditionals.ts'
import { evaluatePreconditions, type CurrentValidators, type Decision } from '../http/preconditions.ts'
import { knownEtags, type ResourceFacts } from '../diagnosis/diagnose.ts'
import { repairIfMatch, type Repaired } from '../diagnosis/repair.ts'
import { originRequestHeaders } from '../origin/headers.ts'
import { lookupValidators, type LookupResult } from '../origin/lookup.ts'
import { historyOf, type ValidatorEntry, type Validators } from '../validators/entry.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { cachedVariants, currentOf, learn } from './validators.ts'
import { principalOf } from '../http/credentials.ts'

/** The current state of a resource as far as a decision is concerned. */
export interface Knowledge {
  /** undefined: no current representation. */
  readonly current: CurrentValidators | undefined
  readonly variants: readonly Validators[]
  /** Validators ifgate synthesized: the origin cannot evaluate the client's tags. */
  readonly synthesized: boolean
  readonly lookup: LookupResult | undefined
  /** Current variants and earlier ETags, for diagnosis and repair. */
  readonly facts: ResourceFacts
}

/** A decision and what it was taken on. */
export interface Known {
  readonly knowledge: Knowledge
  readonly decision: Decision
  /** The If-Match repair the decision was taken with, when one applied (SPEC §5). */
  readonly repaired: Repaired | undefined
}

function factsOf (variants: readonly Validators[], entry: ValidatorEntry | undefined): ResourceFacts {
  return { current: variants, history: historyOf(entry) }
}

/**
 * Returns the fields of a lookup: the client's own, Authorization and Cookie included (the origin
 * decides who may read), without conditionals, Range or body fields (SPEC §2).
 */
function lookupHeaders (gw: Gateway, ctx: RequestContext): Record<string, string | string[]> {
  return originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals: true, noContent: true, noRange: true, trustForwarded: gw.config.server.trustForwarded, host: ctx.host })
}

/**
 * The origin refused the lookup (401, 403, 407): who may read or write is the origin's to say, so
 * its answer goes to the client (SPEC §2 "Credentials decide disclosure"). A decision, not an error.
 */
export class LookupDenied extends Error {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>

  constructor (status: number, headers: Readonly<Record<string, string | string[] | undefined>>) {
    super(`the origin answered ${status} to the validator lookup`)
    this.name = 'LookupDenied'
    this.status = status
    this.headers = headers
  }
}

/** Resolves to what the origin says is current, recorded in the store (SPEC §3 lookup). */
export async function lookUp (gw: Gateway, ctx: RequestContext, wantBody: boolean): Promise<Knowledge> {
  const route = ctx.route!
  const started = performance.now()
  try {
    const result = await lookupValidators(gw.pools.for(route), { path: ctx.path, headers: lookupHeaders(gw, ctx), policy: route.policy, wantBody })
    if (result.kind === 'denied') throw new LookupDenied(result.status, result.headers)
    if (result.kind === 'absent') {
      return { current: undefined, variants: [], synthesized: false, lookup: result, facts: factsOf([], await gw.store.get(ctx.key!)) }
    }
    await learn(gw, ctx, result.validators, result.vary, undefined)
    const entry = await gw.store.get(ctx.key!)
    // What this client was just shown, and what the cache holds for its own principal: never
    // validators another client's credentials revealed.
    const principal = principalOf(ctx.req.headers)
    const mine = cachedVariants(entry, route, ctx.req.headers)?.filter((v) => v.principal === principal)
    const variants = mine === undefined || mine.length === 0 ? [result.validators] : mine
    return { current: currentOf(variants), variants, synthesized: result.validators.source === 'synthesized', lookup: result, facts: factsOf(variants, entry) }
  } finally {
    ctx.lookupMs = (ctx.lookupMs ?? 0) + (performance.now() - started)
  }
}

/**
 * Returns the decision on `knowledge`. When If-Match fails and the route opts in to a repair
 * that names a current ETag, the decision is taken on the repaired conditionals instead.
 */
function decide (ctx: RequestContext, c: Conditionals, knowledge: Knowledge): Known {
  const method = ctx.req.method as string
  const decision = evaluatePreconditions(method, c, knowledge.current)
  if (decision.result !== 'precondition-failed' || decision.header !== 'if-match') return { knowledge, decision, repaired: undefined }
  const repaired = repairIfMatch(c, knownEtags(knowledge.facts), ctx.route!.policy.repair)
  if (repaired === undefined) return { knowledge, decision, repaired }
  return { knowledge, decision: evaluatePreconditions(method, repaired.conditionals, knowledge.current), repaired }
}

/**
 * Resolves to the decision on the current validators, trusting the cache asymmetrically (SPEC §3):
 * a cached validator may always reject; it may accept only on an `exclusive` route, else the
 * origin confirms inside the lock.
 */
export async function know (gw: Gateway, ctx: RequestContext, c: Conditionals): Promise<Known> {
  const route = ctx.route!
  const entry = await gw.store.get(ctx.key!)
  const variants = cachedVariants(entry, route, ctx.req.headers)
  // SPEC §2: validators learned for other credentials are not this client's to see; the origin
  // is asked with its own.
  const principal = variants === undefined ? '' : principalOf(ctx.req.headers)
  if (variants !== undefined && variants.every((v) => v.principal === principal)) {
    ctx.cache = 'hit'
    const cached: Knowledge = {
      current: currentOf(variants),
      variants,
      synthesized: variants.some((v) => v.source === 'synthesized'),
      lookup: undefined,
      facts: factsOf(variants, entry)
    }
    const known = decide(ctx, c, cached)
    if (known.decision.result !== 'proceed' || route.policy.ownership === 'exclusive') return known
  } else {
    ctx.cache = 'miss'
  }
  return decide(ctx, c, await lookUp(gw, ctx, false))
}
