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

  /**
   * Records every request noted so far, now. A sink that throws on one request loses that one
   * record only: the others of the batch are still recorded, and the failure is logged once per
   * batch and sink (a log line that cannot be written is not logged again).
   */
  flush (): void {
    const batch = this.#pending
    if (batch.length === 0) return
    this.#pending = []
    const { logger, metrics, window, diagnoses } = this.#sinks
    let failed: { readonly sink: string; readonly err: unknown; count: number } | undefined
    const fail = (sink: string, err: unknown): void => {
      if (failed === undefined || failed.sink !== sink) {
        if (failed !== undefined) this.#report(failed)
        failed = { sink, err, count: 0 }
      }
      failed.count++
    }
    for (const c of batch) try { logger.info(c.line) } catch (err) { fail('log', err) }
    for (const c of batch) try { metrics.recordRequest(c.ctx, c.decision) } catch (err) { fail('metrics', err) }
    if (window !== undefined) for (const c of batch) try { window.record(windowEntryOf(c.ctx, c.decision), c.nowMs) } catch (err) { fail('window', err) }
    for (const c of batch) if (c.ctx.refusal !== undefined) try { diagnoses.record(c.ctx, c.nowMs) } catch (err) { fail('diagnoses', err) }
    if (failed !== undefined) this.#report(failed)
  }

  #report (failed: { readonly sink: string; readonly err: unknown; readonly count: number }): void {
    if (failed.sink === 'log') return
    try {
      this.#sinks.logger.error({ sink: failed.sink, requests: failed.count, err: failed.err }, 'finished requests not recorded')
    } catch {
      // The log itself failed: nothing left to tell.
    }
  }
}
