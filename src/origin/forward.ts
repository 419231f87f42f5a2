import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { AbortWatch } from '../abort.ts'
import type { Timeouts } from '../config/types.ts'
import { fromOriginError } from '../errors.ts'
import { startExchange, type OriginExchange, type OriginResponse } from './exchange.ts'

/** One request to the origin, as the pipeline hands it over: plain data, no client objects. */
export interface OriginRequest {
  readonly method: Dispatcher.HttpMethod
  /** Path and query as the origin receives them. */
  readonly path: string
  readonly headers: Record<string, string | string[]>
  /** A buffer, or a stream sent with backpressure; undefined for none. */
  readonly body: Buffer | Readable | undefined
  readonly timeouts: Timeouts
  /** Aborts the request (the client went away, SPEC §2.6), before or after the response head. */
  readonly signal?: AbortWatch
}

/**
 * Resolves to the origin's response, the request body streamed to it with backpressure. Rejects
 * with a 502/504 IfgateError. `settled`, when given, is called as the head arrives or the request
 * fails, before the promise settles: the caller's timing costs no promise of its own.
 */
export function forward (dispatcher: Dispatcher, request: OriginRequest, settled?: () => void): Promise<OriginResponse> {
  let exchange
  try {
    exchange = start(dispatcher, request)
  } catch (err) {
    settled?.()
    return Promise.reject(fromOriginError(err, 'forward'))
  }
  const failed = (err: unknown): never => {
    settled?.()
    throw fromOriginError(err, 'forward')
  }
  if (settled === undefined) return exchange.response.catch(failed)
  return exchange.response.then((response) => {
    settled()
    return response
  }, failed)
}

/** Starts the exchange, aborted when the request's signal aborts. */
function start (dispatcher: Dispatcher, request: OriginRequest): OriginExchange {
  const exchange = startExchange(dispatcher, {
    path: request.path,
    method: request.method,
    headers: request.headers,
    body: request.body,
    headersTimeout: request.timeouts.originHeadersMs,
    bodyTimeout: request.timeouts.originBodyMs
  })
  const { signal } = request
  const abort = (): void => exchange.abort(signal?.reason as Error)
  if (signal !== undefined) {
    if (signal.aborted) abort()
    else signal.addEventListener('abort', abort)
  }
  return exchange
}
