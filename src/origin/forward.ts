import type { Dispatcher } from 'undici'
import { errors } from 'undici'
import type { Timeouts } from '../config/types.ts'
import { fromOriginError } from '../errors.ts'
import type { RequestContext } from '../pipeline/context.ts'
import { hasRequestBody, originBody, type WriteBody } from '../pipeline/request-body.ts'
import { startExchange, type BodySink, type OriginResponse } from './exchange.ts'
import { clientResponseHeaders } from './headers.ts'

export interface ForwardOptions {
  /** Method sent to the origin when it differs from the client's (HEAD forwarded as GET to hash). */
  readonly method?: string
  readonly headers: Record<string, string | string[]>
  readonly timeouts: Timeouts
  /** A write's body as already received (SPEC §2); without it the client's body streams as it comes. */
  readonly body?: WriteBody
}

/**
 * Resolves to the origin's response to the client's request, the body streamed to the origin with
 * backpressure. A client that goes away aborts the origin request (SPEC §2.6). Rejects with a
 * 502/504 IfgateError.
 */
export async function forwardToOrigin (dispatcher: Dispatcher, ctx: RequestContext, options: ForwardOptions): Promise<OriginResponse> {
  const { req, res } = ctx
  const withBody = options.body === undefined ? hasRequestBody(req) : options.body.kind !== 'none'
  if (withBody && ctx.expectContinue) {
    // SPEC §6: the decision was taken before the body was asked for; now it is wanted.
    res.writeContinue()
    ctx.expectContinue = false
  }
  const started = performance.now()
  const exchange = startExchange(dispatcher, {
    path: ctx.path,
    method: (options.method ?? req.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: options.headers,
    body: options.body !== undefined ? originBody(options.body) : withBody ? req : undefined,
    headersTimeout: options.timeouts.originHeadersMs,
    bodyTimeout: options.timeouts.originBodyMs
  })
  res.once('close', () => { if (!res.writableFinished) exchange.abort(new errors.RequestAbortedError('the client closed the connection')) })
  try {
    return await exchange.response
  } catch (err) {
    throw fromOriginError(err, 'forward')
  } finally {
    ctx.originMs = performance.now() - started
  }
}

/** Sees every chunk of a relayed body, and its end (not called when the body fails). */
export interface BodyTap {
  data (chunk: Buffer): void
  end (): void
}

export interface RelayOptions {
  /** Replaces the origin's fields (already filtered). */
  readonly headers?: Record<string, string | string[]>
  /** Body already read from the origin, sent first. */
  readonly prefix?: readonly Buffer[]
  readonly tap?: BodyTap
}

/**
 * Streams an origin response to the client: hop-by-hop fields removed, `Via` added, body relayed
 * with backpressure. A failure after the status line was sent can only cut the connection.
 */
export function relayResponse (ctx: RequestContext, response: OriginResponse, options: RelayOptions = {}): void {
  const { res } = ctx
  const { body } = response
  const { prefix, tap } = options
  ctx.decision ??= 'forwarded'
  res.writeHead(response.statusCode, options.headers ?? clientResponseHeaders(response.headers, ctx.requestId))
  if (prefix !== undefined) for (const chunk of prefix) res.write(chunk)
  const resume = (): void => body.resume()
  const sink: BodySink = {
    data (chunk) {
      tap?.data(chunk)
      if (res.destroyed || res.write(chunk)) return true
      res.once('drain', resume)
      return false
    },
    end () {
      tap?.end()
      res.end()
    },
    error (err: Error & { code?: string }) {
      // An origin that stalls or breaks mid-body (timeouts.originBodyMs): the status line is gone,
      // so the client's response can only be cut. Recorded first, so the log line names the cause.
      if (err.code?.startsWith('UND_ERR') === true) {
        ctx.decision = 'error'
        ctx.error = fromOriginError(err, 'forward')
      }
      res.destroy()
    }
  }
  body.pipeTo(sink)
}
