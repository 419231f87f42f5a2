import type { Logger } from 'pino'
import type { LogDecision, RequestContext } from '../pipeline/context.ts'
import type { DiagnosesRing } from './diagnoses.ts'
import { requestLogLine } from './logger.ts'
import type { Metrics } from './metrics.ts'
import { windowEntryOf, type RollingWindow } from './window.ts'

/** Where a finished request is recorded (SPEC §7, §11). */
export interface LedgerSinks {
  readonly logger: Logger
  readonly metrics: Metrics
  readonly window: RollingWindow | undefined
  readonly diagnoses: DiagnosesRing
}

/** A finished request as it stood when its response closed. */
interface Closed {
  readonly ctx: RequestContext
  readonly line: Record<string, unknown>
  readonly decision: LogDecision
  readonly nowMs: number
}

/**
 * What every finished request leaves behind: its access-log line, its metrics, the dashboard's
 * window and, for a refusal, the /diagnoses ring. The log line is made when the response closes
 * (its duration and decision are those of that moment); everything is recorded in batches, at
 * the latest in the same turn of the event loop (setImmediate), one kind of record after the
 * other. A busy proxy then runs the pino serialisation of many lines in a row rather than once
 * between every two requests: the same work, with its code and data still in the CPU's caches.
 *
 * Readers that must see every request that has closed (/metrics, /stats, /diagnoses, shutdown)
 * call `flush()` first.
 */
export class RequestLedger {
  readonly #sinks: LedgerSinks
  #pending: Closed[] = []
  readonly #drain = (): void => this.flush()

  constructor (sinks: LedgerSinks) {
    this.#sinks = sinks
  }

  /** Notes a request whose response closed and whose pipeline settled. */
  add (ctx: RequestContext): void {
    const line = requestLogLine(ctx)
    if (this.#pending.push({ ctx, line, decision: line.decision as LogDecision, nowMs: Date.now() }) === 1) setImmediate(this.#drain)
  }

  /** The requests noted and not recorded yet. */
  get pending (): number {
    return this.#pending.length
  }

  /** Records every request noted so far, now. */
  flush (): void {
    const batch = this.#pending
    if (batch.length === 0) return
    this.#pending = []
    const { logger, metrics, window, diagnoses } = this.#sinks
    for (const c of batch) logger.info(c.line)
    for (const c of batch) metrics.recordRequest(c.ctx, c.decision)
    if (window !== undefined) for (const c of batch) window.record(windowEntryOf(c.ctx, c.decision), c.nowMs)
    for (const c of batch) if (c.ctx.refusal !== undefined) diagnoses.record(c.ctx, c.nowMs)
  }
}
