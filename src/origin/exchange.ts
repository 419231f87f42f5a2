import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'

/** Where an origin body goes, chunk by chunk. */
export interface BodySink {
  /** Takes a chunk; returns false to pause the origin until `OriginBody.resume()`. */
  data (chunk: Buffer): boolean
  end (): void
  error (err: Error): void
}

export interface BoundedBody {
  /** The chunks read, in order. */
  readonly chunks: Buffer[]
  readonly length: number
  /** True when the body went past the limit: `chunks` then hold only a prefix, the rest is unread. */
  readonly truncated: boolean
}

/** Bytes an origin body may buffer while nothing consumes it before the origin is paused. */
const UNCLAIMED_LIMIT_BYTES = 64 * 1024

/**
 * An origin response body as undici's dispatcher delivers it: chunks pushed to one sink at a time,
 * with backpressure through the dispatch controller. It does the job of a Readable without one
 * per request: the proxy's hot path relays bodies straight from undici's handler to the client.
 */
export class OriginBody {
  readonly #controller: Dispatcher.DispatchController
  #sink: BodySink | undefined
  #pending: Buffer[] = []
  #pendingBytes = 0
  #state: 'open' | 'ended' | 'errored' = 'open'
  #error: Error | undefined

  constructor (controller: Dispatcher.DispatchController) {
    this.#controller = controller
  }

  /** True once the body ended or failed. */
  get done (): boolean {
    return this.#state !== 'open'
  }

  /** @internal Called by the dispatch handler. */
  push (chunk: Buffer): void {
    const sink = this.#sink
    if (sink !== undefined) {
      if (!sink.data(chunk)) this.#controller.pause()
      return
    }
    this.#pending.push(chunk)
    this.#pendingBytes += chunk.length
    if (this.#pendingBytes > UNCLAIMED_LIMIT_BYTES) this.#controller.pause()
  }

  /** @internal Called by the dispatch handler. */
  finish (): void {
    this.#state = 'ended'
    this.#sink?.end()
  }

  /** @internal Called by the dispatch handler. */
  fail (err: Error): void {
    if (this.#state !== 'open') return
    this.#state = 'errored'
    this.#error = err
    this.#sink?.error(err)
  }

  /** Sends the body to `sink`: the chunks that arrived so far first, then the rest as it comes. */
  pipeTo (sink: BodySink): void {
    this.#sink = sink
    const pending = this.#pending
    let paused = false
    if (pending.length > 0) {
      this.#pending = []
      this.#pendingBytes = 0
      for (const chunk of pending) if (!sink.data(chunk)) paused = true
    }
    if (this.#state === 'ended') sink.end()
    else if (this.#state === 'errored') sink.error(this.#error as Error)
    else if (paused) this.#controller.pause()
    else this.resume()
  }

  /** Lets the origin send again after a sink asked to pause. */
  resume (): void {
    if (this.#controller.paused) this.#controller.resume()
  }

  /** Stops the transfer: the origin connection is closed, the sink sees `reason` as an error. */
  abort (reason: Error): void {
    if (this.#state === 'open') this.#controller.abort(reason)
  }

  /** Resolves once the body was read and thrown away (keeps the connection reusable). */
  dump (): Promise<void> {
    return new Promise((resolve) => this.pipeTo({ data: () => true, end: resolve, error: () => resolve() }))
  }

  /**
   * Resolves to at most `limit` bytes of the body. Past the limit the origin is paused with the
   * rest unread (`truncated`), so the caller can still `pipeTo` it. Rejects when the body fails.
   */
  read (limit: number): Promise<BoundedBody> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let length = 0
      this.pipeTo({
        data: (chunk) => {
          if (length + chunk.length > limit) {
            // Unclaimed again: the rest waits for the next sink, the origin paused meanwhile.
            this.#sink = undefined
            this.#pending.push(chunk)
            this.#pendingBytes += chunk.length
            this.#controller.pause()
            resolve({ chunks, length, truncated: true })
            return false
          }
          chunks.push(chunk)
          length += chunk.length
          return true
        },
        end: () => resolve({ chunks, length, truncated: false }),
        error: reject
      })
    })
  }
}

export interface OriginResponse {
  readonly statusCode: number
  /** Field names in lower case; a field sent on several lines is an array. */
  readonly headers: IncomingHttpHeaders
  readonly body: OriginBody
}

export interface ExchangeOptions {
  readonly path: string
  readonly method: Dispatcher.HttpMethod
  readonly headers: Record<string, string | string[]>
  /** The request body: a buffer, or streamed to the origin with backpressure. */
  readonly body?: Readable | Buffer
  readonly headersTimeout: number
  readonly bodyTimeout: number
  /** false: keep the connection after the response even where undici would close it (HEAD). */
  readonly reset?: boolean
}

/** One request to an origin: its response head as a promise, and a way to abort it at any time. */
export interface OriginExchange {
  /** Resolves at the response head; rejects with undici's error (or the abort reason) before it. */
  readonly response: Promise<OriginResponse>
  /** Aborts the request (before or after the response head); a finished one is left alone. */
  abort (reason: Error): void
}

/**
 * One exchange as undici's dispatch handler: the response head settles its promise, the body goes
 * to an OriginBody. One object per request, its methods on the prototype (no closure per request).
 */
class Exchange implements OriginExchange, Dispatcher.DispatchHandler {
  readonly response: Promise<OriginResponse>
  #controller: Dispatcher.DispatchController | undefined
  #abortReason: Error | undefined
  #body: OriginBody | undefined
  #settled = false
  readonly #resolve: (response: OriginResponse) => void
  readonly #reject: (err: Error) => void

  constructor () {
    const { promise, resolve, reject } = Promise.withResolvers<OriginResponse>()
    this.response = promise
    this.#resolve = resolve
    this.#reject = reject
  }

  onRequestStart (c: Dispatcher.DispatchController): void {
    this.#controller = c
    if (this.#abortReason !== undefined) c.abort(this.#abortReason)
  }

  onResponseStart (c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // RFC 9110 §15.2: interim 1xx responses are not the response (undici passes none but 101).
    if (statusCode < 200) return
    const body = this.#body = new OriginBody(c)
    this.#settled = true
    this.#resolve({ statusCode, headers, body })
  }

  onResponseData (_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#body?.push(chunk)
  }

  onResponseEnd (): void {
    this.#body?.finish()
  }

  onResponseError (_c: Dispatcher.DispatchController | undefined, err: Error): void {
    if (!this.#settled) {
      this.#settled = true
      this.#reject(err)
    } else {
      this.#body?.fail(err)
    }
  }

  abort (reason: Error): void {
    if (this.#body?.done === true) return
    const controller = this.#controller
    if (controller === undefined) this.#abortReason = reason
    else if (!controller.aborted) controller.abort(reason)
  }
}

/**
 * Returns an exchange with the origin through undici's `dispatch`, the cheapest way undici offers
 * (no promise-per-chunk, no Readable per response): the response body is an OriginBody.
 */
export function startExchange (dispatcher: Dispatcher, options: ExchangeOptions): OriginExchange {
  const exchange = new Exchange()
  dispatcher.dispatch({
    path: options.path,
    method: options.method,
    headers: options.headers,
    body: options.body,
    headersTimeout: options.headersTimeout,
    bodyTimeout: options.bodyTimeout,
    reset: options.reset
  }, exchange)
  return exchange
}
