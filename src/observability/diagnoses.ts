import type { RequestContext } from '../pipeline/context.ts'

/** One failed precondition as GET /diagnoses shows it. */
export interface DiagnosisRecord {
  /** ISO 8601 time the response closed. */
  readonly time: string
  readonly route: string | null
  readonly method: string
  /** Path and query as forwarded to the origin. */
  readonly url: string
  readonly cause: string
  /** `edge-412` (enforce) or `observed` (observe mode would have answered 412). */
  readonly decision: 'edge-412' | 'observed'
  readonly header: string
  /** The header value the client sent. */
  readonly sent: string
  readonly currentEtag: string | null
  readonly requestId: string
  /** The intermediary diagnosis named, if any. */
  readonly intermediary: string | null
}

/** A record as the ring holds it: the time as a number, formatted only when it is read. */
type Held = Omit<DiagnosisRecord, 'time'> & { readonly timeMs: number }

/** The most recent failed preconditions, newest last, in a ring of fixed size. */
export class DiagnosesRing {
  readonly #size: number
  readonly #items: Held[] = []
  #next = 0

  constructor (size: number) {
    this.#size = Math.max(1, size)
  }

  /** Records a request's failed precondition, when it has one (edge 412 or observe mode's would-be 412). */
  record (ctx: RequestContext, nowMs: number): void {
    const refusal = ctx.refusal
    if (refusal === undefined) return
    const item: Held = {
      timeMs: nowMs,
      route: ctx.route?.id ?? null,
      method: ctx.req.method ?? '',
      url: ctx.path,
      cause: refusal.cause,
      decision: ctx.decision === 'edge-412' ? 'edge-412' : 'observed',
      header: refusal.header,
      sent: refusal.sent,
      currentEtag: refusal.currentEtag,
      requestId: ctx.requestId,
      intermediary: ctx.diagnosis?.intermediary.name ?? null
    }
    if (this.#items.length < this.#size) this.#items.push(item)
    else this.#items[this.#next] = item
    this.#next = (this.#next + 1) % this.#size
  }

  /** Returns at most `limit` records, newest first. */
  recent (limit: number): DiagnosisRecord[] {
    const n = this.#items.length
    const out: DiagnosisRecord[] = []
    for (let k = 1; k <= Math.min(limit, n); k++) {
      const { timeMs, ...held } = this.#items[(this.#next - k + n) % n]
      out.push({ time: new Date(timeMs).toISOString(), ...held })
    }
    return out
  }
}
