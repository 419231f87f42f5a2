import type { Policy, Repair } from '../config/types.ts'
import { knownEtags, type ResourceFacts } from '../diagnosis/diagnose.ts'
import { repairIfMatch, type Repaired } from '../diagnosis/repair.ts'
import type { Conditionals } from '../http/conditionals.ts'
import { evaluatePreconditions, type CurrentValidators, type Decision } from '../http/preconditions.ts'

/**
 * The one decision on a write (SPEC §2.4, §3, §4, §5): the 428 rule, the trust rule, RFC 9110
 * §13.2.2 evaluation, the §13.2.1 DELETE rule, repairs and observe mode. Pure: no I/O, no clock.
 */

/** What the decision is taken on: the current validators and where they came from. */
export interface WriteKnowledge {
  /** undefined: no current representation. */
  readonly current: CurrentValidators | undefined
  /** Current variants and earlier ETags, for repair (and diagnosis). */
  readonly facts: ResourceFacts
  /** The validators are ifgate's own: the origin cannot evaluate the client's tags. */
  readonly synthesized: boolean
  /** From the cache (may reject; may accept only on an exclusive route), or just confirmed by the origin. */
  readonly source: 'cache' | 'origin'
}

/** The policy keys a write decision reads. */
export type WritePolicy = Pick<Policy, 'mode' | 'ownership' | 'requirePrecondition' | 'repair' | 'onLookupError' | 'etags'>

export interface WriteFacts {
  /** The client went away: its write is not forwarded (SPEC §2). */
  readonly clientGone: boolean
}

/** What observe mode would have answered at the edge. */
export type Would = 'edge-412' | 'edge-428' | 'error'

export type WriteDecision =
  /** Refuse at the edge: no precondition where the route requires one. */
  | { readonly action: 'edge-428' }
  /** Drop the write: its client left. */
  | { readonly action: 'client-gone' }
  /** The decision needs the origin's current validators: look them up and decide again. */
  | { readonly action: 'look-up' }
  /** The lookup failed and the route fails closed: answer its error. */
  | { readonly action: 'fail' }
  /** Refuse at the edge with 412: `decision` is the failed evaluation. */
  | { readonly action: 'edge-412'; readonly decision: Decision }
  | {
    readonly action: 'forward'
    /** Leave the client's conditionals out (the validators are ifgate's own). */
    readonly stripConditionals: boolean
    /** Send this If-Match instead of the client's: the current ETag a repair named. */
    readonly ifMatch: string | undefined
    readonly repaired: Repaired | undefined
    /** Observe mode: what enforce mode would have answered, and the failed evaluation behind a would-be 412. */
    readonly would: Would | undefined
    readonly refused: Decision | undefined
    readonly wouldRepair: Repair | undefined
  }

/**
 * SPEC §2.4: If-Match or If-Unmodified-Since, and for PUT also If-None-Match: * (create-only).
 * An If-Unmodified-Since that is no valid HTTP-date is ignored (RFC 9110 §13.1.4), so it satisfies
 * nothing: otherwise `If-Unmodified-Since: soon` would pass an unconditional write.
 */
export function satisfiesRequirement (method: string, c: Conditionals): boolean {
  return c.ifMatch !== undefined || c.ifUnmodifiedSince?.seconds !== undefined || (method === 'PUT' && c.ifNoneMatch?.any === true)
}

/** RFC 9110 §13.1.3: If-Modified-Since is ignored on a write, so it makes no write conditional. */
export function isConditionalWrite (c: Conditionals): boolean {
  return c.ifMatch !== undefined || c.ifUnmodifiedSince !== undefined || c.ifNoneMatch !== undefined
}

function forward (stripConditionals: boolean, would: Would | undefined, extra: Partial<{ ifMatch: string; repaired: Repaired; refused: Decision; wouldRepair: Repair }> = {}): WriteDecision {
  return { action: 'forward', stripConditionals, ifMatch: extra.ifMatch, repaired: extra.repaired, would, refused: extra.refused, wouldRepair: extra.wouldRepair }
}

/**
 * Returns the evaluation on `k`, taken on the repaired conditionals when If-Match failed and the
 * route opts in to a repair that names a current ETag (SPEC §5).
 */
function evaluate (method: string, c: Conditionals, k: WriteKnowledge, repairs: readonly Repair[]): { decision: Decision; repaired: Repaired | undefined } {
  const decision = evaluatePreconditions(method, c, k.current)
  if (decision.result !== 'precondition-failed' || decision.header !== 'if-match') return { decision, repaired: undefined }
  const repaired = repairIfMatch(c, knownEtags(k.facts), repairs)
  if (repaired === undefined) return { decision, repaired }
  return { decision: evaluatePreconditions(method, repaired.conditionals, k.current), repaired }
}

/**
 * Returns what to do with a write. `knowledge` is what is known of the resource so far:
 * 'unknown' before any lookup (the answer may then be `look-up`), 'lookup-failed' when the origin
 * could not say.
 */
export function decideWrite (method: string, c: Conditionals, knowledge: WriteKnowledge | 'unknown' | 'lookup-failed', policy: WritePolicy, facts: WriteFacts): WriteDecision {
  const observe = policy.mode === 'observe'
  let would: Would | undefined
  if (policy.requirePrecondition && !satisfiesRequirement(method, c)) {
    if (!observe) return { action: 'edge-428' }
    would = 'edge-428'
  }
  if (facts.clientGone) return { action: 'client-gone' }
  if (!isConditionalWrite(c)) return forward(false, would)
  if (knowledge === 'unknown') return { action: 'look-up' }
  if (knowledge === 'lookup-failed') {
    // Observe mode never answers at the edge, so a failed lookup cannot stop its write either.
    if (observe) return forward(policy.etags === 'synthesize', would ?? 'error')
    return policy.onLookupError === 'forward' ? forward(policy.etags === 'synthesize', would) : { action: 'fail' }
  }
  const { decision, repaired } = evaluate(method, c, knowledge, policy.repair)
  // RFC 9110 §13.2.1: a DELETE of a missing resource is the origin's 404 to give, not a 412.
  const originDecides = method === 'DELETE' && knowledge.current === undefined && decision.header === 'if-match'
  const refuses = decision.result !== 'proceed' && !originDecides
  // SPEC §3, the trust rule: a cached validator may always reject; it may accept only on an
  // exclusive route, else the origin confirms it inside the lock.
  if (!refuses && knowledge.source === 'cache' && policy.ownership !== 'exclusive') return { action: 'look-up' }
  if (observe) {
    // SPEC §5 observe: the request goes on untouched; the log says what enforce would have done.
    // Enforce mode's first answer is what it would have sent: a 428 comes before any evaluation.
    return forward(knowledge.synthesized, would ?? (refuses ? 'edge-412' : undefined), { refused: refuses ? decision : undefined, wouldRepair: repaired?.kind })
  }
  if (refuses) return { action: 'edge-412', decision }
  return forward(knowledge.synthesized, undefined, repaired === undefined ? {} : { ifMatch: repaired.to, repaired })
}
