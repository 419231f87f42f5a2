import type { Repair } from '../../src/config/types.ts'
import type { Would, WriteKnowledge, WritePolicy } from '../../src/decision/decide-write.ts'
import type { KnownVariant } from '../../src/diagnosis/diagnose.ts'
import type { PreconditionHeader } from '../../src/http/preconditions.ts'
import type { HistoryItem } from '../../src/validators/entry.ts'
import { AFTER_LM, AT_LM, BEFORE_LM, LM, S } from '../helpers/tags.ts'
import { WRITE_METHODS } from './preconditions.cases.ts'

/**
 * One row of the write decision table (SPEC §2.4, §3, §4, §5): a write's conditionals, what is
 * known of the resource, the route's policy, and the decision, summarised to the fields that matter.
 */
export interface DecideWriteCase {
  readonly name: string
  /** The methods the row runs for; default: PUT, DELETE, PATCH and POST (the rule does not depend on the method). */
  readonly methods?: readonly string[]
  readonly headers: Readonly<Record<string, string | readonly string[]>>
  readonly knowledge: WriteKnowledge | 'unknown' | 'lookup-failed'
  /** Overrides of POLICY. */
  readonly policy?: Partial<WritePolicy>
  readonly clientGone?: boolean
  readonly want: WriteSummary
}

/** A WriteDecision reduced to what a row checks: an edge 412's header, a forward's fields with `repaired` and `refused` by kind and header. */
export type WriteSummary =
  | { readonly action: 'edge-428' | 'client-gone' | 'look-up' | 'fail' }
  | { readonly action: 'edge-412'; readonly header: PreconditionHeader | undefined }
  | {
    readonly action: 'forward'
    readonly stripConditionals: boolean
    readonly ifMatch: string | undefined
    readonly repaired: Repair | undefined
    readonly would: Would | undefined
    readonly refused: PreconditionHeader | undefined
    readonly wouldRepair: Repair | undefined
  }

/** The policy of every row unless it overrides a key: the SPEC §1 defaults. */
export const POLICY: WritePolicy = { mode: 'enforce', ownership: 'shared', requirePrecondition: false, repair: [], onLookupError: 'reject', etags: 'auto' }

/** Returns the methods a row runs for. */
export function methodsOfRow (c: DecideWriteCase): readonly string[] {
  return c.methods ?? WRITE_METHODS
}

/** The current strong ETag of every existing resource in the table, and the earlier one its history keeps. */
export const CURRENT = '"x"'
export const EARLIER = '"w"'

function history (etag: string): HistoryItem {
  return { etag, lastModified: AT_LM, digest: undefined, encoding: undefined, source: 'origin', firstSeen: 0, supersededAt: 1, byWrite: true }
}

function variant (etag: string): KnownVariant {
  return { etag, digest: undefined, encoding: undefined }
}

/**
 * Returns what is known of a resource whose current ETag is "x" (Last-Modified LM) and whose earlier
 * one is "w"; `absent`: no current representation (the history still has "w").
 */
export function known (source: 'cache' | 'origin', opts: { absent?: boolean; synthesized?: boolean; noLastModified?: boolean } = {}): WriteKnowledge {
  const synthesized = opts.synthesized ?? false
  const facts = { current: opts.absent === true ? [] : [variant(CURRENT)], history: [history(EARLIER)] }
  if (opts.absent === true) return { current: undefined, facts, synthesized, source }
  const current = opts.noLastModified === true ? { etags: [S('x')] } : { etags: [S('x')], lastModified: LM }
  return { current, facts, synthesized, source }
}

const CACHE = known('cache')
const ORIGIN = known('origin')
const CACHE_SYN = known('cache', { synthesized: true })
const ORIGIN_SYN = known('origin', { synthesized: true })
const CACHE_ABSENT = known('cache', { absent: true })
const ORIGIN_ABSENT = known('origin', { absent: true })
const ORIGIN_NO_LM = known('origin', { noLastModified: true })

const REQ = { requirePrecondition: true } as const
const OBSERVE = { mode: 'observe' } as const
const EXCLUSIVE = { ownership: 'exclusive' } as const

const E428 = { action: 'edge-428' } as const
const GONE = { action: 'client-gone' } as const
const LOOK_UP = { action: 'look-up' } as const
const FAIL = { action: 'fail' } as const
const E412_IM = { action: 'edge-412', header: 'if-match' } as const
const E412_IUS = { action: 'edge-412', header: 'if-unmodified-since' } as const
const E412_INM = { action: 'edge-412', header: 'if-none-match' } as const

/** Returns a forward; every field not given is the plain forward's (nothing stripped, replaced, repaired or noted). */
function fwd (extra: Partial<Omit<Extract<WriteSummary, { action: 'forward' }>, 'action'>> = {}): WriteSummary {
  return { action: 'forward', stripConditionals: false, ifMatch: undefined, repaired: undefined, would: undefined, refused: undefined, wouldRepair: undefined, ...extra }
}

const FWD = fwd()
const FWD_STRIP = fwd({ stripConditionals: true })

const IM_CUR = { 'if-match': CURRENT }
const IM_OLD = { 'if-match': EARLIER }
const INM_ANY = { 'if-none-match': '*' }
const NOT_PUT = ['DELETE', 'PATCH', 'POST']
const NOT_DELETE = ['PUT', 'PATCH', 'POST']

export const DECIDE_WRITE_CASES: readonly DecideWriteCase[] = [
  // SPEC §2.4: the 428 rule, and what satisfies it
  { name: 'requirePrecondition, no precondition: 428', headers: {}, knowledge: 'unknown', policy: REQ, want: E428 },
  { name: 'requirePrecondition, no precondition, observe: forwarded, would 428', headers: {}, knowledge: 'unknown', policy: { ...REQ, ...OBSERVE }, want: fwd({ would: 'edge-428' }) },
  { name: 'requirePrecondition is satisfied by If-Match', headers: IM_CUR, knowledge: ORIGIN, policy: REQ, want: FWD },
  { name: 'requirePrecondition is satisfied by If-Unmodified-Since', headers: { 'if-unmodified-since': AT_LM }, knowledge: ORIGIN, policy: REQ, want: FWD },
  { name: 'requirePrecondition is not satisfied by an If-Unmodified-Since that is no HTTP-date (it is ignored, RFC 9110 §13.1.4): 428', headers: { 'if-unmodified-since': 'soon' }, knowledge: ORIGIN, policy: REQ, want: { action: 'edge-428' } },
  { name: 'requirePrecondition is not satisfied by two If-Unmodified-Since lines (not one HTTP-date): 428', headers: { 'if-unmodified-since': [AT_LM, AT_LM] }, knowledge: ORIGIN, policy: REQ, want: { action: 'edge-428' } },
  { name: 'requirePrecondition is satisfied by If-None-Match: * on a PUT (create-only)', methods: ['PUT'], headers: INM_ANY, knowledge: ORIGIN_ABSENT, policy: REQ, want: FWD },
  { name: 'requirePrecondition: If-None-Match: * satisfies it only for PUT', methods: NOT_PUT, headers: INM_ANY, knowledge: ORIGIN_ABSENT, policy: REQ, want: E428 },
  { name: 'requirePrecondition: If-None-Match with a tag never satisfies it', headers: { 'if-none-match': '"y"' }, knowledge: ORIGIN, policy: REQ, want: E428 },
  { name: 'requirePrecondition: If-Match: null (placeholder) is a precondition that fails: 412, never 428', headers: { 'if-match': 'null' }, knowledge: ORIGIN, policy: REQ, want: E412_IM },
  { name: 'requirePrecondition: an empty If-Match (zero members) fails: 412, never 428', headers: { 'if-match': '' }, knowledge: ORIGIN, policy: REQ, want: E412_IM },
  { name: 'requirePrecondition: If-Modified-Since alone is ignored on a write, so it does not satisfy it', headers: { 'if-modified-since': BEFORE_LM }, knowledge: ORIGIN, policy: REQ, want: E428 },
  { name: 'requirePrecondition: If-Range alone is not a precondition', headers: { 'if-range': CURRENT }, knowledge: ORIGIN, policy: REQ, want: E428 },
  { name: 'requirePrecondition, If-Match, knowledge unknown: looked up, not 428', headers: IM_CUR, knowledge: 'unknown', policy: REQ, want: LOOK_UP },
  { name: 'requirePrecondition, observe, If-Modified-Since alone: forwarded, would 428', headers: { 'if-modified-since': BEFORE_LM }, knowledge: 'unknown', policy: { ...REQ, ...OBSERVE }, want: fwd({ would: 'edge-428' }) },
  { name: 'requirePrecondition, observe, If-None-Match: * on an absent resource (not PUT): proceeds, would 428', methods: NOT_PUT, headers: INM_ANY, knowledge: ORIGIN_ABSENT, policy: { ...REQ, ...OBSERVE }, want: fwd({ would: 'edge-428' }) },
  {
    name: 'requirePrecondition, observe, If-None-Match: * on an existing resource (not PUT): enforce answers 428, so would 428',
    methods: NOT_PUT,
    headers: INM_ANY,
    knowledge: ORIGIN,
    policy: { ...REQ, ...OBSERVE },
    want: fwd({ would: 'edge-428', refused: 'if-none-match' })
  },
  {
    name: 'requirePrecondition, observe, If-None-Match: * (not PUT), lookup failed: enforce answers 428, so would 428',
    methods: NOT_PUT,
    headers: INM_ANY,
    knowledge: 'lookup-failed',
    policy: { ...REQ, ...OBSERVE },
    want: fwd({ would: 'edge-428' })
  },

  // SPEC §2: a client that left is not written for, after the 428 rule
  { name: 'client gone, no precondition where one is required: the 428 rule comes first', headers: {}, knowledge: 'unknown', policy: REQ, clientGone: true, want: E428 },
  { name: 'client gone, conditional write', headers: IM_CUR, knowledge: ORIGIN, clientGone: true, want: GONE },
  { name: 'client gone, conditional write, knowledge unknown: dropped, not looked up', headers: IM_CUR, knowledge: 'unknown', clientGone: true, want: GONE },
  { name: 'client gone, unconditional write', headers: {}, knowledge: 'unknown', clientGone: true, want: GONE },
  { name: 'client gone, observe, no precondition where one is required', headers: {}, knowledge: 'unknown', policy: { ...REQ, ...OBSERVE }, clientGone: true, want: GONE },

  // Unconditional writes: nothing to evaluate, nothing to look up
  { name: 'unconditional write: forwarded as is', headers: {}, knowledge: 'unknown', want: FWD },
  { name: 'unconditional write on synthesized validators: nothing to strip', headers: {}, knowledge: ORIGIN_SYN, want: FWD },
  { name: 'If-Modified-Since alone is ignored on a write: unconditional, no lookup', headers: { 'if-modified-since': AT_LM }, knowledge: 'unknown', want: FWD },
  { name: 'If-Range alone: unconditional, no lookup', headers: { 'if-range': CURRENT }, knowledge: 'unknown', want: FWD },

  // Knowledge unknown: the decision needs the origin
  { name: 'If-Match, knowledge unknown: look up', headers: IM_CUR, knowledge: 'unknown', want: LOOK_UP },
  { name: 'If-Unmodified-Since, knowledge unknown: look up', headers: { 'if-unmodified-since': AT_LM }, knowledge: 'unknown', want: LOOK_UP },
  { name: 'If-None-Match: *, knowledge unknown: look up', headers: INM_ANY, knowledge: 'unknown', want: LOOK_UP },
  { name: 'If-Match, knowledge unknown, observe: look up', headers: IM_CUR, knowledge: 'unknown', policy: OBSERVE, want: LOOK_UP },

  // SPEC §3: the lookup failed
  { name: 'lookup failed, onLookupError reject: fail closed', headers: IM_CUR, knowledge: 'lookup-failed', want: FAIL },
  { name: 'lookup failed, onLookupError forward, etags auto: forwarded with the conditionals', headers: IM_CUR, knowledge: 'lookup-failed', policy: { onLookupError: 'forward' }, want: FWD },
  { name: 'lookup failed, onLookupError forward, etags origin: forwarded with the conditionals', headers: IM_CUR, knowledge: 'lookup-failed', policy: { onLookupError: 'forward', etags: 'origin' }, want: FWD },
  { name: 'lookup failed, onLookupError forward, etags synthesize: conditionals stripped', headers: IM_CUR, knowledge: 'lookup-failed', policy: { onLookupError: 'forward', etags: 'synthesize' }, want: FWD_STRIP },
  { name: 'lookup failed, observe (onLookupError reject): forwarded, would error', headers: IM_CUR, knowledge: 'lookup-failed', policy: OBSERVE, want: fwd({ would: 'error' }) },
  { name: 'lookup failed, observe, etags synthesize: forwarded stripped, would error', headers: IM_CUR, knowledge: 'lookup-failed', policy: { ...OBSERVE, etags: 'synthesize' }, want: fwd({ stripConditionals: true, would: 'error' }) },

  // SPEC §3: trust is asymmetric — the cache may always reject, may accept only on an exclusive route
  { name: 'cache, shared: the current If-Match is confirmed by the origin', headers: IM_CUR, knowledge: CACHE, want: LOOK_UP },
  { name: 'cache, exclusive: the current If-Match is accepted', headers: IM_CUR, knowledge: CACHE, policy: EXCLUSIVE, want: FWD },
  { name: 'cache, shared: a stale If-Match is rejected without a lookup', headers: IM_OLD, knowledge: CACHE, want: E412_IM },
  { name: 'cache, exclusive: a stale If-Match is rejected', headers: IM_OLD, knowledge: CACHE, policy: EXCLUSIVE, want: E412_IM },
  { name: 'cache, shared: If-Match: * on an existing resource is confirmed by the origin', headers: { 'if-match': '*' }, knowledge: CACHE, want: LOOK_UP },
  { name: 'cache, shared: If-Unmodified-Since that passes is confirmed by the origin', headers: { 'if-unmodified-since': AT_LM }, knowledge: CACHE, want: LOOK_UP },
  { name: 'cache, shared: If-Unmodified-Since that fails is rejected', headers: { 'if-unmodified-since': BEFORE_LM }, knowledge: CACHE, want: E412_IUS },
  { name: 'origin, shared: the current If-Match is forwarded, no second lookup', headers: IM_CUR, knowledge: ORIGIN, want: FWD },
  { name: 'origin, exclusive: the current If-Match is forwarded', headers: IM_CUR, knowledge: ORIGIN, policy: EXCLUSIVE, want: FWD },
  { name: 'origin: a stale If-Match is rejected', headers: IM_OLD, knowledge: ORIGIN, want: E412_IM },
  { name: 'origin: an If-Match list naming the current tag among stale ones is forwarded', headers: { 'if-match': '"w", "x"' }, knowledge: ORIGIN, want: FWD },

  // SPEC §3: synthesized validators are ifgate's own, so the origin never sees the client's conditionals
  { name: 'synthesized, origin: forwarded with the conditionals stripped', headers: IM_CUR, knowledge: ORIGIN_SYN, want: FWD_STRIP },
  { name: 'synthesized, cache, exclusive: forwarded with the conditionals stripped', headers: IM_CUR, knowledge: CACHE_SYN, policy: EXCLUSIVE, want: FWD_STRIP },
  { name: 'synthesized, cache, shared: confirmed by the origin', headers: IM_CUR, knowledge: CACHE_SYN, want: LOOK_UP },
  { name: 'synthesized, origin: a stale If-Match is rejected', headers: IM_OLD, knowledge: ORIGIN_SYN, want: E412_IM },

  // RFC 9110 §13.1.1, §13.1.2, §13.2.1: absent resources and If-None-Match
  { name: 'DELETE, If-Match on an absent resource: forwarded, the origin answers 404', methods: ['DELETE'], headers: IM_CUR, knowledge: ORIGIN_ABSENT, want: FWD },
  { name: 'DELETE, If-Match: * on an absent resource: forwarded, the origin answers 404', methods: ['DELETE'], headers: { 'if-match': '*' }, knowledge: ORIGIN_ABSENT, want: FWD },
  { name: 'DELETE, If-Match on an absent resource from the cache, shared: confirmed by the origin', methods: ['DELETE'], headers: IM_CUR, knowledge: CACHE_ABSENT, want: LOOK_UP },
  { name: 'DELETE, If-Match on an absent resource from the cache, exclusive: forwarded', methods: ['DELETE'], headers: IM_CUR, knowledge: CACHE_ABSENT, policy: EXCLUSIVE, want: FWD },
  { name: 'DELETE, If-Match on an absent resource, observe: forwarded, nothing would be refused', methods: ['DELETE'], headers: IM_CUR, knowledge: ORIGIN_ABSENT, policy: OBSERVE, want: FWD },
  { name: 'If-Match on an absent resource (not DELETE): 412', methods: NOT_DELETE, headers: IM_CUR, knowledge: ORIGIN_ABSENT, want: E412_IM },
  { name: 'If-None-Match: * on an absent resource: forwarded', headers: INM_ANY, knowledge: ORIGIN_ABSENT, want: FWD },
  { name: 'If-None-Match: * on an existing resource: 412 (DELETE too: only If-Match defers to the origin)', headers: INM_ANY, knowledge: ORIGIN, want: E412_INM },
  { name: 'If-None-Match: * on an existing resource from the cache, shared: rejected without a lookup', headers: INM_ANY, knowledge: CACHE, want: E412_INM },
  { name: 'If-None-Match: * on an absent resource from the cache, shared: confirmed by the origin', headers: INM_ANY, knowledge: CACHE_ABSENT, want: LOOK_UP },
  { name: 'If-None-Match naming the current tag on a write: 412', headers: { 'if-none-match': CURRENT }, knowledge: ORIGIN, want: E412_INM },

  // RFC 9110 §13.1.4: If-Unmodified-Since
  { name: 'If-Unmodified-Since equal to Last-Modified: forwarded', headers: { 'if-unmodified-since': AT_LM }, knowledge: ORIGIN, want: FWD },
  { name: 'If-Unmodified-Since after Last-Modified: forwarded', headers: { 'if-unmodified-since': AFTER_LM }, knowledge: ORIGIN, want: FWD },
  { name: 'If-Unmodified-Since before Last-Modified: 412', headers: { 'if-unmodified-since': BEFORE_LM }, knowledge: ORIGIN, want: E412_IUS },
  { name: 'If-Unmodified-Since before Last-Modified is ignored beside a current If-Match', headers: { ...IM_CUR, 'if-unmodified-since': BEFORE_LM }, knowledge: ORIGIN, want: FWD },
  { name: 'If-Unmodified-Since after Last-Modified does not save a stale If-Match', headers: { ...IM_OLD, 'if-unmodified-since': AFTER_LM }, knowledge: ORIGIN, want: E412_IM },
  { name: 'If-Unmodified-Since "soon" is not an HTTP-date, so ignored: forwarded', headers: { 'if-unmodified-since': 'soon' }, knowledge: ORIGIN, want: FWD },
  { name: 'If-Unmodified-Since on a resource without Last-Modified is ignored: forwarded', headers: { 'if-unmodified-since': BEFORE_LM }, knowledge: ORIGIN_NO_LM, want: FWD },

  // SPEC §5: repairs of a mangled current ETag, opted in per route
  { name: 'repair weakened-etag: W/"x" is forwarded as "x"', headers: { 'if-match': 'W/"x"' }, knowledge: ORIGIN, policy: { repair: ['weakened-etag'] }, want: fwd({ ifMatch: CURRENT, repaired: 'weakened-etag' }) },
  { name: 'W/"x" without the repair enabled: 412', headers: { 'if-match': 'W/"x"' }, knowledge: ORIGIN, want: E412_IM },
  { name: 'repair weakened-etag from the cache, shared: the repair leads to proceed, which the cache cannot accept', headers: { 'if-match': 'W/"x"' }, knowledge: CACHE, policy: { repair: ['weakened-etag'] }, want: LOOK_UP },
  { name: 'repair weakened-etag from the cache, exclusive: repaired and forwarded', headers: { 'if-match': 'W/"x"' }, knowledge: CACHE, policy: { repair: ['weakened-etag'], ...EXCLUSIVE }, want: fwd({ ifMatch: CURRENT, repaired: 'weakened-etag' }) },
  { name: 'a weakened earlier tag is never repaired: 412', headers: { 'if-match': 'W/"w"' }, knowledge: ORIGIN, policy: { repair: ['weakened-etag', 'encoding-suffix-etag', 'unquoted-etag'] }, want: E412_IM },
  { name: 'repair encoding-suffix-etag: "x-gzip" is forwarded as "x"', headers: { 'if-match': '"x-gzip"' }, knowledge: ORIGIN, policy: { repair: ['encoding-suffix-etag'] }, want: fwd({ ifMatch: CURRENT, repaired: 'encoding-suffix-etag' }) },
  { name: '"x-gzip" with only weakened-etag enabled: 412', headers: { 'if-match': '"x-gzip"' }, knowledge: ORIGIN, policy: { repair: ['weakened-etag'] }, want: E412_IM },
  { name: 'a suffixed earlier tag "w-gzip" is never repaired: 412', headers: { 'if-match': '"w-gzip"' }, knowledge: ORIGIN, policy: { repair: ['encoding-suffix-etag'] }, want: E412_IM },
  { name: 'W/"x-gzip" needs both repairs: with only encoding-suffix-etag, 412', headers: { 'if-match': 'W/"x-gzip"' }, knowledge: ORIGIN, policy: { repair: ['encoding-suffix-etag'] }, want: E412_IM },
  { name: 'W/"x-gzip" with both repairs: repaired, logged as weakened-etag (the first in SPEC §5 order)', headers: { 'if-match': 'W/"x-gzip"' }, knowledge: ORIGIN, policy: { repair: ['encoding-suffix-etag', 'weakened-etag'] }, want: fwd({ ifMatch: CURRENT, repaired: 'weakened-etag' }) },
  { name: 'repair unquoted-etag: x (malformed, unquoted) is forwarded as "x"', headers: { 'if-match': 'x' }, knowledge: ORIGIN, policy: { repair: ['unquoted-etag'] }, want: fwd({ ifMatch: CURRENT, repaired: 'unquoted-etag' }) },
  { name: 'x (malformed, unquoted) without the repair enabled: 412', headers: { 'if-match': 'x' }, knowledge: ORIGIN, want: E412_IM },
  { name: 'an unquoted earlier tag w is never repaired: 412', headers: { 'if-match': 'w' }, knowledge: ORIGIN, policy: { repair: ['unquoted-etag'] }, want: E412_IM },
  { name: 'repair on synthesized validators: the conditionals are stripped all the same', headers: { 'if-match': 'W/"x"' }, knowledge: ORIGIN_SYN, policy: { repair: ['weakened-etag'] }, want: fwd({ stripConditionals: true, ifMatch: CURRENT, repaired: 'weakened-etag' }) },
  { name: 'a repaired If-Match does not save a failing If-None-Match: 412', headers: { 'if-match': 'W/"x"', 'if-none-match': CURRENT }, knowledge: ORIGIN, policy: { repair: ['weakened-etag'] }, want: E412_INM },

  // SPEC §5 observe: evaluate and diagnose, always forward
  { name: 'observe: a stale If-Match is forwarded, would 412', headers: IM_OLD, knowledge: ORIGIN, policy: OBSERVE, want: fwd({ would: 'edge-412', refused: 'if-match' }) },
  { name: 'observe: a stale If-Match on synthesized validators is forwarded stripped, would 412', headers: IM_OLD, knowledge: ORIGIN_SYN, policy: OBSERVE, want: fwd({ stripConditionals: true, would: 'edge-412', refused: 'if-match' }) },
  { name: 'observe: If-None-Match: * on an existing resource, would 412', headers: INM_ANY, knowledge: ORIGIN, policy: OBSERVE, want: fwd({ would: 'edge-412', refused: 'if-none-match' }) },
  { name: 'observe: If-Unmodified-Since before Last-Modified, would 412', headers: { 'if-unmodified-since': BEFORE_LM }, knowledge: ORIGIN, policy: OBSERVE, want: fwd({ would: 'edge-412', refused: 'if-unmodified-since' }) },
  { name: 'observe: a stale If-Match from the cache, shared: the cache may reject, so no lookup', headers: IM_OLD, knowledge: CACHE, policy: OBSERVE, want: fwd({ would: 'edge-412', refused: 'if-match' }) },
  { name: 'observe: the current If-Match from the cache, shared: confirmed by the origin', headers: IM_CUR, knowledge: CACHE, policy: OBSERVE, want: LOOK_UP },
  { name: 'observe: the current If-Match from the origin: forwarded, nothing noted', headers: IM_CUR, knowledge: ORIGIN, policy: OBSERVE, want: FWD },
  { name: 'observe: a repairable W/"x" is forwarded untouched, would repair', headers: { 'if-match': 'W/"x"' }, knowledge: ORIGIN, policy: { ...OBSERVE, repair: ['weakened-etag'] }, want: fwd({ wouldRepair: 'weakened-etag' }) },
  { name: 'observe: a repairable "x-gzip" is forwarded untouched, would repair', headers: { 'if-match': '"x-gzip"' }, knowledge: ORIGIN, policy: { ...OBSERVE, repair: ['encoding-suffix-etag'] }, want: fwd({ wouldRepair: 'encoding-suffix-etag' }) },
  { name: 'observe: W/"x" without the repair enabled, would 412', headers: { 'if-match': 'W/"x"' }, knowledge: ORIGIN, policy: OBSERVE, want: fwd({ would: 'edge-412', refused: 'if-match' }) },
  { name: 'observe: a repairable W/"x" from the cache, shared: confirmed by the origin', headers: { 'if-match': 'W/"x"' }, knowledge: CACHE, policy: { ...OBSERVE, repair: ['weakened-etag'] }, want: LOOK_UP },
  { name: 'observe, requirePrecondition, the current If-Match: forwarded, nothing noted', headers: IM_CUR, knowledge: ORIGIN, policy: { ...REQ, ...OBSERVE }, want: FWD }
]
