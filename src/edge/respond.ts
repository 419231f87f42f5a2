import type { RequestContext } from '../pipeline/context.ts'
import type { IfgateError } from '../errors.ts'
import { VIA } from '../origin/headers.ts'
import { originDenied, toProblem, type Problem } from './problem.ts'
import { writeProblem } from './problem-wire.ts'

/** Largest request body drained after an edge answer; a larger one closes the connection. */
const DRAIN_LIMIT_BYTES = 64 * 1024

/**
 * SPEC §6: a write refused at the edge is not read. A small body is drained so the connection
 * can be reused; a large or unknown-length one (or one the client was not yet asked for, under
 * `Expect: 100-continue`) ends the connection after the response.
 */
function closeAfterIfBodyPending (ctx: RequestContext, headers: Record<string, string | string[]>): void {
  const h = ctx.req.headers
  if (ctx.req.complete) return
  const length = Number(h['content-length'] ?? (h['transfer-encoding'] === undefined ? 0 : Infinity))
  if (ctx.expectContinue || !(length <= DRAIN_LIMIT_BYTES)) {
    headers.connection = 'close'
    ctx.res.once('finish', () => ctx.req.socket.destroySoon())
  }
}

function sendProblem (ctx: RequestContext, problem: Problem, extra: Record<string, string | string[]>): void {
  const { res } = ctx
  if (res.destroyed) return
  if (res.headersSent) {
    res.destroy()
    return
  }
  const fields: Record<string, string | string[]> = { 'x-request-id': ctx.requestId, via: VIA }
  for (const name in extra) fields[name] = extra[name] as string | string[]
  closeAfterIfBodyPending(ctx, fields)
  writeProblem(res, problem, fields, ctx.req.method === 'HEAD')
}

/** Sends an edge 412 with the current validators so the client can re-read and retry (SPEC §6). */
export function send412 (ctx: RequestContext, problem: Problem, etag: string | null, lastModified: string | null): void {
  const extra: Record<string, string> = {}
  if (etag !== null) extra.etag = etag
  if (lastModified !== null) extra['last-modified'] = lastModified
  ctx.decision = 'edge-412'
  sendProblem(ctx, problem, extra)
}

/** Sends an edge 428 naming the preconditions the route requires. */
export function send428 (ctx: RequestContext, problem: Problem): void {
  ctx.decision = 'edge-428'
  sendProblem(ctx, problem, {})
}

/**
 * Sends a whole response ifgate built itself (a 200 whose body it read to hash); no body for
 * undefined. A body read in chunks is written as they are, in one corked write: no copy of it.
 */
export function sendWhole (ctx: RequestContext, status: number, fields: Record<string, string | string[]>, body: Buffer | readonly Buffer[] | undefined): void {
  ctx.decision = 'forwarded'
  const { res } = ctx
  res.writeHead(status, fields)
  if (!Array.isArray(body)) return void res.end(body)
  res.cork()
  for (const chunk of body as readonly Buffer[]) res.write(chunk)
  res.end()
  res.uncork()
}

/** Fields a 304 keeps from the 200 it replaces (RFC 9110 §15.4.5). */
const NOT_MODIFIED_FIELDS = ['etag', 'last-modified', 'cache-control', 'vary', 'date', 'expires', 'content-location'] as const

/** Sends an edge 304 built from the headers of the 200 the origin answered. */
export function send304 (ctx: RequestContext, originHeaders: Readonly<Record<string, string | string[] | undefined>>): void {
  const headers: Record<string, string | string[]> = { 'x-request-id': ctx.requestId, via: VIA }
  for (const name of NOT_MODIFIED_FIELDS) {
    const value = originHeaders[name]
    if (value !== undefined) headers[name] = value
  }
  ctx.decision = 'edge-304'
  ctx.res.writeHead(304, headers)
  ctx.res.end()
}

/** Challenge fields of a refusal, relayed with it so the client can authenticate (RFC 9110 §11.6). */
const CHALLENGE_FIELDS = ['www-authenticate', 'proxy-authenticate'] as const

/**
 * Relays the origin's refusal of a lookup (401, 403, 407) with its status and challenge: who may
 * read or write is the origin's to say (SPEC §2 "Credentials decide disclosure").
 */
export function sendDenied (ctx: RequestContext, status: number, originHeaders: Readonly<Record<string, string | string[] | undefined>>): void {
  const extra: Record<string, string | string[]> = {}
  for (const name of CHALLENGE_FIELDS) {
    const value = originHeaders[name]
    if (value !== undefined) extra[name] = value
  }
  ctx.decision = 'origin-denied'
  sendProblem(ctx, originDenied(status, ctx.requestId), extra)
}

/** Sends the problem+json of an error (404 no route, 502/503/504, …) or cuts a response already under way. */
export function sendError (ctx: RequestContext, err: IfgateError): void {
  ctx.decision = 'error'
  ctx.error = err
  const extra: Record<string, string> = {}
  if (err.retryAfterSeconds !== undefined) extra['retry-after'] = String(err.retryAfterSeconds)
  sendProblem(ctx, toProblem(err, ctx.requestId), extra)
}
