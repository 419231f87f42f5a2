import { pipeline } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { Timeouts } from '../config/types.ts'
import { fromOriginError } from '../errors.ts'
import type { RequestContext } from '../pipeline/context.ts'
import { clientResponseHeaders } from './headers.ts'

export interface ForwardOptions {
  /** Method sent to the origin when it differs from the client's (HEAD forwarded as GET to hash). */
  readonly method?: string
  readonly headers: Record<string, string | string[]>
  readonly timeouts: Timeouts
}

/** Returns true when the client request carries a body to stream to the origin. */
export function hasRequestBody (ctx: RequestContext): boolean {
  const h = ctx.req.headers
  if (h['transfer-encoding'] !== undefined) return true
  const length = h['content-length']
  return length !== undefined && length !== '0'
}

/**
 * Resolves to the origin's response to the client's request, the body streamed to the origin with
 * backpressure. A client that goes away aborts the origin request (SPEC §2.6). Rejects with a
 * 502/504 IfgateError.
 */
export async function forwardToOrigin (dispatcher: Dispatcher, ctx: RequestContext, options: ForwardOptions): Promise<Dispatcher.ResponseData> {
  const { req, res } = ctx
  const controller = new AbortController()
  const onClose = (): void => { if (!res.writableFinished) controller.abort() }
  res.once('close', onClose)
  const withBody = hasRequestBody(ctx)
  if (withBody && ctx.expectContinue) {
    // SPEC §6: the decision was taken before the body was asked for; now it is wanted.
    res.writeContinue()
    ctx.expectContinue = false
  }
  const started = performance.now()
  try {
    const response = await dispatcher.request({
      path: ctx.path,
      method: (options.method ?? req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: options.headers,
      body: withBody ? req : undefined,
      signal: controller.signal,
      headersTimeout: options.timeouts.originHeadersMs,
      bodyTimeout: options.timeouts.originBodyMs
    })
    ctx.originMs = performance.now() - started
    return response
  } catch (err) {
    ctx.originMs = performance.now() - started
    throw fromOriginError(err, 'forward')
  }
}

/**
 * Streams an origin response to the client: hop-by-hop fields removed, `Via` added, body piped
 * with backpressure. `headers` replaces the origin's fields when given (already filtered). A
 * failure after the status line was sent can only cut the connection.
 */
export function relayResponse (ctx: RequestContext, response: Dispatcher.ResponseData, headers?: Record<string, string | string[]>, prefix?: readonly Buffer[]): void {
  const { res } = ctx
  ctx.decision ??= 'forwarded'
  res.writeHead(response.statusCode, headers ?? clientResponseHeaders(response.headers, ctx.requestId))
  if (prefix !== undefined) for (const chunk of prefix) res.write(chunk)
  // An origin that stalls or breaks mid-body (timeouts.originBodyMs): the status line is gone, so
  // the client's response can only be cut. Recorded before the cut, so the log line names the cause.
  response.body.once('error', (err: Error & { code?: string }) => {
    if (err.code?.startsWith('UND_ERR') !== true) return
    ctx.decision = 'error'
    ctx.error = fromOriginError(err, 'forward')
  })
  pipeline(response.body, res, (err) => {
    if (err !== undefined && err !== null && !res.destroyed) res.destroy()
  })
}
