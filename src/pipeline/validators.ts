import { parseEntityTag, type EntityTag } from '../http/entity-tag.ts'
import { parseHttpDate } from '../http/http-date.ts'
import { rememberLast } from '../remember-last.ts'
import type { CurrentValidators } from '../http/preconditions.ts'
import type { Route } from '../config/types.ts'
import { principalOf } from '../http/credentials.ts'
import { freshVariants, observe, variantKeyOf, variantsFor, type ValidatorEntry, type Validators, type VariantValidators } from '../validators/entry.ts'
import type { Gateway } from './gateway.ts'
import type { RequestContext } from './context.ts'

/** Returns the seconds of a stored Last-Modified (the last one remembered: a hot resource's never changes). */
const secondsOf = rememberLast((value: string): number | undefined => parseHttpDate(value))

/** The evaluator's view of a variant decoded from the store (entry.ts decoded(): frozen, shared by the requests that read it). */
const ofDecoded = new WeakMap<Validators, CurrentValidators>()

/** Returns the evaluator's view of a set of current variants (SPEC §3: a tag naming any of them is current). */
export function currentOf (variants: readonly Validators[]): CurrentValidators {
  // One variant decoded from the store: its view is made once, for every request that reads it.
  if (variants.length === 1 && Object.isFrozen(variants[0])) {
    const only = variants[0]
    let view = ofDecoded.get(only)
    if (view === undefined) {
      view = viewOf(variants)
      Object.freeze(view.etags)
      ofDecoded.set(only, Object.freeze(view))
    }
    return view
  }
  return viewOf(variants)
}

function viewOf (variants: readonly Validators[]): CurrentValidators {
  const etags: EntityTag[] = []
  let lastModified: number | undefined
  for (const v of variants) {
    if (v.etag !== undefined) {
      const tag = parseEntityTag(v.etag)
      if (tag !== undefined) etags.push(tag)
    }
    if (v.lastModified !== undefined) {
      const seconds = secondsOf(v.lastModified)
      if (seconds !== undefined && (lastModified === undefined || seconds > lastModified)) lastModified = seconds
    }
  }
  return lastModified === undefined ? { etags } : { etags, lastModified }
}

/**
 * Returns the fresh cached variants of an entry that a request may take as its own (identity
 * headers under Vary, SPEC §2), or undefined (unknown: look it up).
 */
export function cachedVariants (entry: ValidatorEntry | undefined, route: Route, headers: RequestContext['req']['headers']): VariantValidators[] | undefined {
  const fresh = freshVariants(entry, Date.now(), route.policy.validatorTtlMs)
  if (fresh === undefined) return undefined
  const mine = variantsFor(fresh, (entry as ValidatorEntry).vary, headers, route.policy.keyBy)
  return mine.length === 0 ? undefined : mine
}

/**
 * Records validators the origin showed a read for the request's variant (`seen`: the entry the
 * read began with), unless a write to the resource completed since: its answer may then describe
 * the old state. A read that learned nothing new calls the store not at all (store contract), and
 * gets undefined back: nothing to wait for, not even a resolved promise's tick.
 * `key`: another resource than the request's (a POST's Location, read after the write).
 */
export function learn (gw: Gateway, ctx: RequestContext, validators: Validators, vary: readonly string[], seen: ValidatorEntry | undefined, key = ctx.key as string): Promise<unknown> | undefined {
  const headers = ctx.req.headers
  const variantKey = variantKeyOf(vary, headers)
  const principal = principalOf(headers)
  const depth = ctx.settings!.historyDepth
  const now = Date.now()
  if (seen !== undefined && observe(seen, variantKey, vary, validators, now, depth, principal) === seen) return undefined
  const writesSeen = seen?.writes ?? 0
  return gw.store.update(key, (old) => {
    if ((old?.writes ?? 0) !== writesSeen) return old
    return observe(old, variantKey, vary, validators, now, depth, principal)
  }).catch((err: unknown) => {
    // SPEC §9: reads keep flowing while the store is down; they only learn nothing.
    gw.logger.debug({ requestId: ctx.requestId, err: (err as Error).message }, 'validators not recorded')
    return undefined
  })
}
