import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { errors } from 'undici'
import { IfgateError } from '../errors.ts'
import { sendError } from '../edge/respond.ts'
import { createContext, type RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'
import type { CompiledRoute } from './chain.ts'
import type { ResponsesInFlight } from './in-flight.ts'
import { resolveTarget } from './target.ts'
import { methodToDecide, SAFE_METHODS } from '../http/methods.ts'

/** A client's X-Request-Id is kept when it is a short run of visible ASCII. */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/

/** Returns the request id: the client's X-Request-Id when sane, else a new UUID. */
export function requestIdOf (req: IncomingMessage): string {
  const sent = req.headers['x-request-id']
  return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : randomUUID()
}

/** Routes the request and returns its handler's promise (or true: handled already); throws (at once) what refuses it before routing. */
function dispatch (gw: Gateway, ctx: RequestContext): Promise<unknown> | true {
  const { req } = ctx
  if (gw.draining) throw new IfgateError('IFG_ERR_DRAINING', 'ifgate is shutting down; retry on another instance', { retryAfterSeconds: 1 })
  if (req.method === 'CONNECT') throw new IfgateError('IFG_ERR_METHOD_NOT_ALLOWED', 'CONNECT is not supported by a reverse proxy')
  // SPEC §2: a method-override field names the method an origin may carry the request out as.
  const decided = methodToDecide(req.method as string, req.headers)
  if (!decided.ok) throw new IfgateError('IFG_ERR_BAD_REQUEST', decided.reason)
  const method = ctx.method = decided.method
  const { route, path, key, host } = resolveTarget(gw.routes, gw.targetOptions, req)
  const compiled = gw.compiled.get(route.id) as CompiledRoute
  ctx.route = route
  ctx.settings = compiled
  ctx.path = path
  ctx.key = key
  ctx.host = host
  if (method === 'GET' || method === 'HEAD') return compiled.read(ctx)
  if (SAFE_METHODS.has(method)) return compiled.pass(ctx)
  return compiled.write(ctx)
}

/**
 * Returns the request listener of the proxy: one context per request, one log line when it ends.
 * The response's one close listener also keeps `inFlight` and tells the pipeline the client left.
 */
export function createHandler (gw: Gateway, inFlight: ResponsesInFlight): (req: IncomingMessage, res: ServerResponse, expectContinue?: boolean) => void {
  return (req, res, expectContinue = false) => {
    const ctx = createContext(req, res, requestIdOf(req), expectContinue)
    const open = inFlight.of(req.socket)
    open.add(res)
    // The one log line is written once the response closed and the pipeline settled, whichever
    // comes last: a write whose client left is still logged with what became of it.
    let pending = 2
    const settled = (): void => {
      if (--pending > 0) return
      gw.ledger.add(ctx)
    }
    res.once('close', () => {
      open.delete(res)
      settled()
      // SPEC §2: a client that left before its response was complete is not written for, and
      // its origin request is aborted (§2.6). After settled(): a request whose pipeline is done
      // is logged as it was when the client left, not as the abort leaves it.
      if (!res.writableFinished) ctx.gone.abort(new errors.RequestAbortedError('the client closed the connection'))
    })
    const failed = (err: unknown): void => {
      const error = err instanceof IfgateError ? err : new IfgateError('IFG_ERR_INTERNAL', 'internal error', { cause: err, stack: true })
      if (!(err instanceof IfgateError)) gw.logger.error({ requestId: ctx.requestId, err }, 'unexpected error while handling a request')
      try {
        sendError(ctx, error)
      } finally {
        settled()
      }
    }
    let handled: Promise<unknown> | true
    try {
      handled = dispatch(gw, ctx)
    } catch (err) {
      return failed(err)
    }
    // Handled before dispatch returned (an answer at the edge): no promise, no tick.
    if (handled === true) settled()
    else handled.then(settled, failed)
  }
}
