import { conditionalLines, type Conditionals } from '../http/conditionals.ts'
import type { Decision, PreconditionHeader } from '../http/preconditions.ts'
import { diagnose, needsCurrentDigest, type Diagnosis } from '../diagnosis/diagnose.ts'
import { intermediaryEvidence } from '../diagnosis/intermediaries.ts'
import { preconditionFailed } from '../edge/problem.ts'
import { send412 } from '../edge/respond.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import { lookUp, type Knowledge } from './knowledge.ts'
import type { WriteRecord } from './write-record.ts'
import { currentRepresentation } from './representation.ts'
import { wantsRepresentation } from '../http/prefer.ts'

/** Longest header value a 412, its log line and /diagnoses quote; a longer one is cut with `…`. */
const MAX_QUOTED_CHARS = 512

function joined (ctx: RequestContext, header: string): string {
  const lines = conditionalLines(ctx.req.rawHeaders)[header]
  const value = lines === undefined ? '' : lines.join(', ')
  return value.length > MAX_QUOTED_CHARS ? value.slice(0, MAX_QUOTED_CHARS) + '…' : value
}

function currentEtag (knowledge: Knowledge): string | null {
  return knowledge.variants.find((v) => v.etag !== undefined)?.etag ?? null
}

/**
 * Resolves to the knowledge a diagnosis should use: when an If-Match tag is an earlier ETag with a
 * known body digest and the current body was never hashed (learned by HEAD), the current
 * representation is fetched so an unstable origin can be told from a stale tag. Only on the
 * refusal path; a failed fetch leaves the knowledge as it was.
 */
async function withCurrentDigest (gw: Gateway, ctx: RequestContext, c: Conditionals, knowledge: Knowledge, record: WriteRecord): Promise<Knowledge> {
  if (!needsCurrentDigest(c, knowledge.facts)) return knowledge
  try {
    const fetched = await lookUp(gw, ctx, record, true)
    return fetched.current === undefined ? knowledge : fetched
  } catch (err) {
    gw.logger.debug({ requestId: ctx.requestId, err: (err as Error).message }, 'current body unavailable for the diagnosis')
    return knowledge
  }
}

/** Returns the diagnosis of a failed precondition on `knowledge` (SPEC §5), recording nothing. */
export function diagnoseRefusal (ctx: RequestContext, c: Conditionals, decision: Decision, knowledge: Knowledge): Diagnosis {
  return diagnose({
    decision,
    conditionals: c,
    current: knowledge.current,
    facts: knowledge.facts,
    intermediary: intermediaryEvidence(ctx.req.headers),
    nowSeconds: Math.floor(Date.now() / 1000)
  })
}

/** Returns the diagnosis of a failed precondition on `knowledge` (or the one given) and records it on the context (log, metrics, /diagnoses). */
export function noteRefusal (ctx: RequestContext, c: Conditionals, decision: Decision, knowledge: Knowledge, diagnosis = diagnoseRefusal(ctx, c, decision, knowledge)): Diagnosis {
  const header = decision.header as PreconditionHeader
  ctx.cause = diagnosis.cause
  ctx.diagnosis = diagnosis
  ctx.refusal = { header, sent: joined(ctx, header), currentEtag: currentEtag(knowledge), cause: diagnosis.cause }
  return diagnosis
}

/** Most If-Match / If-None-Match tokens a 412 body lists: a 1,000-tag header must not make a 50 KB answer. */
const MAX_LISTED_TOKENS = 16

/** Returns the `diagnosis` member of a 412 problem body: plain data for an operator or a UI. */
function diagnosisBody (d: Diagnosis): Record<string, unknown> {
  const listed = d.labels.length > MAX_LISTED_TOKENS ? d.labels.slice(0, MAX_LISTED_TOKENS) : d.labels
  const body: Record<string, unknown> = {
    header: d.header,
    tokens: listed.map((l) => (l.names === undefined ? { token: l.token, label: l.label } : { token: l.token, label: l.label, names: l.names, etag: l.etag })),
    intermediary: { signals: d.intermediary.signals, name: d.intermediary.name ?? null }
  }
  if (listed.length < d.labels.length) body.tokensOmitted = d.labels.length - listed.length
  if (d.clockSkewSuspected !== undefined) body.clockSkewSuspected = d.clockSkewSuspected
  return body
}

/** Diagnoses a failed precondition and answers 412 at the edge with the current validators (SPEC §5, §6). */
export async function refuse (gw: Gateway, ctx: RequestContext, c: Conditionals, decision: Decision, known: Knowledge, record: WriteRecord): Promise<void> {
  const knowledge = await withCurrentDigest(gw, ctx, c, known, record)
  let current: unknown
  if (knowledge.current !== undefined && wantsRepresentation(ctx.req.headers.prefer)) {
    current = await currentRepresentation(gw, ctx, knowledge.lookup, (wantBody) => lookUp(gw, ctx, record, wantBody).then((k) => k.lookup))
  }
  refuseNow(ctx, c, decision, knowledge, current)
}

/**
 * Answers 412 at once on what is known: for a refusal that needs nothing from the origin (no
 * body digest for the diagnosis, no representation asked for), with no promise in between.
 */
export function refuseNow (ctx: RequestContext, c: Conditionals, decision: Decision, knowledge: Knowledge, current?: unknown, diagnosed?: Diagnosis): void {
  const diagnosis = noteRefusal(ctx, c, decision, knowledge, diagnosed)
  const etag = currentEtag(knowledge)
  const lastModified = knowledge.variants.find((v) => v.lastModified !== undefined)?.lastModified ?? null
  const problem = preconditionFailed({
    header: decision.header as string,
    sent: ctx.refusal!.sent,
    cause: diagnosis.cause,
    currentEtag: etag,
    currentLastModified: lastModified,
    requestId: ctx.requestId,
    current,
    diagnosis: diagnosisBody(diagnosis)
  })
  send412(ctx, problem, etag, lastModified)
}
