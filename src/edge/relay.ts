import { fromOriginError } from '../errors.ts'
import type { BodySink, OriginResponse } from '../origin/exchange.ts'
import { clientResponseHeaders } from '../origin/headers.ts'
import type { RequestContext } from '../pipeline/context.ts'

/** Sees every chunk of a relayed body, and its end (not called when the body fails). */
export interface BodyTap {
  data (chunk: Buffer): void
  end (): void
}

export interface RelayOptions {
  /** Replaces the origin's status. */
  readonly status?: number
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
  res.writeHead(options.status ?? response.statusCode, options.headers ?? clientResponseHeaders(response.headers, ctx.requestId))
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
