import type { Dispatcher } from 'undici'
import type { Timeouts } from '../config/types.ts'
import type { OriginResponse } from '../origin/exchange.ts'
import { forward } from '../origin/forward.ts'
import type { RequestContext } from './context.ts'
import { hasRequestBody, originBody, type WriteBody } from './request-body.ts'

export interface ForwardOptions {
  /** Method sent to the origin when it differs from the client's (HEAD forwarded as GET to hash). */
  readonly method?: string
  readonly headers: Record<string, string | string[]>
  readonly timeouts: Timeouts
  /** A write's body as already received (SPEC §2); without it the client's body streams as it comes. */
  readonly body?: WriteBody
}

/**
 * Resolves to the origin's response to the client's request: asks for the body first when the
 * client sent `Expect: 100-continue` (the decision is taken by now, SPEC §6), streams it with
 * backpressure, and aborts when the client goes away. Rejects with a 502/504 IfgateError.
 */
export function forwardToOrigin (dispatcher: Dispatcher, ctx: RequestContext, options: ForwardOptions): Promise<OriginResponse> {
  const { req, res } = ctx
  const withBody = options.body === undefined ? hasRequestBody(req) : options.body.kind !== 'none'
  if (withBody && ctx.expectContinue) {
    res.writeContinue()
    ctx.expectContinue = false
  }
  const started = performance.now()
  const timed = (): void => { ctx.originMs = performance.now() - started }
  return forward(dispatcher, {
    method: (options.method ?? req.method ?? 'GET') as Dispatcher.HttpMethod,
    path: ctx.path,
    headers: options.headers,
    body: options.body !== undefined ? originBody(options.body) : withBody ? req : undefined,
    timeouts: options.timeouts,
    signal: ctx.gone
  }, timed)
}
