import type { WriteKnowledge } from '../decision/decide-write.ts'
import type { ResourceFacts } from '../diagnosis/diagnose.ts'
import { originRequestHeaders } from '../origin/headers.ts'
import { lookupValidators, type LookupResult } from '../origin/lookup.ts'
import { historyOf, type HistoryItem, type ValidatorEntry, type Validators } from '../validators/entry.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { cachedVariants, currentOf } from './validators.ts'
import type { WriteRecord } from './write-record.ts'
import { principalOf } from '../http/credentials.ts'

/** The current state of a resource as far as a decision is concerned. */
export interface Knowledge extends WriteKnowledge {
  readonly variants: readonly Validators[]
  readonly lookup: LookupResult | undefined
  /** The entry it was read from (the write's working copy at the time). */
  readonly entry: ValidatorEntry | undefined
}

/**
 * The facts a decision and its diagnosis take. The history is unpacked on first use: only a failed
 * precondition reads it (repairs, the diagnosis), never a write that is forwarded. A class, not an
 * object literal with a getter: V8 builds such a literal in dictionary mode, slowly, every time.
 */
class Facts implements ResourceFacts {
  readonly current: readonly Validators[]
  readonly #entry: ValidatorEntry | undefined
  #history: readonly HistoryItem[] | undefined

  constructor (current: readonly Validators[], entry: ValidatorEntry | undefined) {
    this.current = current
    this.#entry = entry
  }

  get history (): readonly HistoryItem[] {
    return (this.#history ??= historyOf(this.#entry))
  }
}

function factsOf (variants: readonly Validators[], entry: ValidatorEntry | undefined): ResourceFacts {
  return new Facts(variants, entry)
}

/**
 * Returns the fields of a lookup: the client's own, Authorization and Cookie included (the origin
 * decides who may read), without conditionals, Range or body fields (SPEC §2).
 */
function lookupHeaders (ctx: RequestContext): Record<string, string | string[]> {
  return originRequestHeaders(ctx.req, { requestId: ctx.requestId, stripConditionals: true, noContent: true, noRange: true, identity: true, trustForwarded: ctx.settings!.trustForwarded, host: ctx.host })
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

/**
 * Resolves to what the origin says is current, learned into the write's record (committed with
 * the write, SPEC §3 lookup). `cached`: what the cache knew, read from the record before the
 * lookup. Rejects with LookupDenied, or an IfgateError (502/504).
 */
export async function lookUp (gw: Gateway, ctx: RequestContext, record: WriteRecord, wantBody: boolean, cached?: Knowledge): Promise<Knowledge> {
  const route = ctx.route!
  const started = performance.now()
  try {
    const result = await lookupValidators(ctx.settings!.pool, { path: ctx.path, headers: lookupHeaders(ctx), policy: route.policy, wantBody })
    if (result.kind === 'denied') throw new LookupDenied(result.status, result.headers)
    if (result.kind === 'absent') {
      return { current: undefined, variants: [], synthesized: false, source: 'origin', lookup: result, facts: factsOf([], record.entry), entry: record.entry }
    }
    record.learn(result.validators, result.vary)
    const synthesized = result.validators.source === 'synthesized'
    // The origin confirmed what the cache held, and the entry is as it was: the variants decoded
    // for the decision on the cache are this client's, with nothing to decode again.
    if (cached !== undefined && cached.entry === record.entry) {
      return { current: cached.current, variants: cached.variants, synthesized, source: 'origin', lookup: result, facts: cached.facts, entry: record.entry }
    }
    // What this client was just shown, and what the cache holds for its own principal: never
    // validators another client's credentials revealed.
    const principal = principalOf(ctx.req.headers)
    const mine = cachedVariants(record.entry, route, ctx.req.headers)?.filter((v) => v.principal === principal)
    const variants = mine === undefined || mine.length === 0 ? [result.validators] : mine
    return { current: currentOf(variants), variants, synthesized, source: 'origin', lookup: result, facts: factsOf(variants, record.entry), entry: record.entry }
  } finally {
    ctx.lookupMs = (ctx.lookupMs ?? 0) + (performance.now() - started)
  }
}

/**
 * Returns what the cache knows of the resource for this request, or undefined when it knows
 * nothing this client may see (SPEC §2: validators learned for other credentials are not its to
 * see; the origin is asked with its own).
 */
export function cachedKnowledge (ctx: RequestContext, record: WriteRecord): Knowledge | undefined {
  const variants = cachedVariants(record.entry, ctx.route!, ctx.req.headers)
  if (variants === undefined) return undefined
  const principal = principalOf(ctx.req.headers)
  if (!variants.every((v) => v.principal === principal)) return undefined
  return {
    current: currentOf(variants),
    variants,
    synthesized: variants.some((v) => v.source === 'synthesized'),
    source: 'cache',
    lookup: undefined,
    facts: factsOf(variants, record.entry),
    entry: record.entry
  }
}
