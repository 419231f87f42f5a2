import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Repair, Route } from '../config/types.ts'
import type { Cause } from '../diagnosis/causes.ts'
import type { Diagnosis } from '../diagnosis/diagnose.ts'
import type { PreconditionHeader } from '../http/preconditions.ts'
import { OneShotAbort } from '../abort.ts'
import type { IfgateError } from '../errors.ts'
import type { RouteSettings } from './chain.ts'
import type { WriteEcho } from './write-echo.ts'

/**
 * The decision a request ended with, as logged and counted (SPEC §7). `origin-denied`: the origin
 * answered the lookup 401/403/407 and that answer was relayed; `client-gone`: the client left
 * before its write was forwarded, so it never was (SPEC §2).
 */
export const LOG_DECISIONS = ['forwarded', 'edge-412', 'edge-304', 'edge-428', 'origin-denied', 'client-gone', 'error'] as const
export type LogDecision = typeof LOG_DECISIONS[number]

export const CACHE_RESULTS = ['hit', 'miss', 'none'] as const
export type CacheResult = typeof CACHE_RESULTS[number]

/** What an edge 412 said, or what observe mode would have said: read by the log, metrics and /diagnoses. */
export interface Refusal {
  /** The conditional header that failed. */
  readonly header: PreconditionHeader
  /** That header's value as the client sent it (field lines joined). */
  readonly sent: string
  /** The current ETag named in the 412, or null. */
  readonly currentEtag: string | null
  readonly cause: Cause
}

/** Everything one request carries through the pipeline; the access log line is built from it. */
export interface RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly requestId: string
  /** performance.now() at arrival. */
  readonly startedAt: number
  /** The method the request is decided as: its own, or the unsafe one a method-override field names (http/methods.ts). */
  method: string
  /** True when the client sent `Expect: 100-continue` and has not been told to continue yet. */
  expectContinue: boolean
  route: Route | undefined
  /** The resource key: origin + path + query, method-independent (SPEC §2.2). */
  key: string | undefined
  /** Path and query as sent to the origin (normalised, SPEC §2). */
  path: string
  /** The authority the client named (absolute-form target, else Host). */
  host: string | undefined
  decision: LogDecision | undefined
  cause: Cause | undefined
  cache: CacheResult
  lookupMs: number | undefined
  originMs: number | undefined
  /** Milliseconds spent waiting for the per-resource write lock (unsafe methods only). */
  lockWaitMs: number | undefined
  /** What observe mode would have answered. */
  wouldDecide: LogDecision | undefined
  /** The failed precondition of an edge 412 (or observe mode's would-be 412). */
  refusal: Refusal | undefined
  /** The repair applied to the request's If-Match (SPEC §5), when one was. */
  repaired: Repair | undefined
  /** Observe mode: the repair enforce mode would have applied. */
  wouldRepair: Repair | undefined
  /** Why the precondition failed, in full (edge 412 or observe mode's would-be 412). */
  diagnosis: Diagnosis | undefined
  /** A conditional that has no meaning on this request but shows a cache revalidation forwarded onto it. */
  injectedConditional: 'if-modified-since' | undefined
  error: IfgateError | undefined
  /** The compiled route's settings (chain.ts), once routed. */
  settings: RouteSettings | undefined
  /** Aborts once the client went away before its response was complete (handle.ts). */
  readonly gone: OneShotAbort
  /** SPEC §10: how a write that asked for its representation was answered. */
  writeEcho: WriteEcho | undefined
  /** SPEC §9: the write's shared lock lease ran out or passed to another holder before it was done. */
  leaseLost: boolean | undefined
}

/**
 * Returns the decision a finished request is logged and counted with: the one the pipeline
 * recorded, else `forwarded` for a response that was sent whole and `error` for one that was not.
 */
export function finalDecision (ctx: RequestContext): LogDecision {
  return ctx.decision ?? (ctx.res.writableFinished ? 'forwarded' : 'error')
}

/** Returns a fresh context for a request. */
export function createContext (req: IncomingMessage, res: ServerResponse, requestId: string, expectContinue: boolean): RequestContext {
  return {
    req,
    res,
    requestId,
    startedAt: performance.now(),
    method: req.method ?? 'GET',
    expectContinue,
    route: undefined,
    key: undefined,
    path: req.url ?? '/',
    host: req.headers.host,
    decision: undefined,
    cause: undefined,
    cache: 'none',
    lookupMs: undefined,
    originMs: undefined,
    lockWaitMs: undefined,
    wouldDecide: undefined,
    refusal: undefined,
    repaired: undefined,
    wouldRepair: undefined,
    diagnosis: undefined,
    injectedConditional: undefined,
    error: undefined,
    gone: new OneShotAbort(),
    writeEcho: undefined,
    leaseLost: undefined,
    settings: undefined
  }
}
