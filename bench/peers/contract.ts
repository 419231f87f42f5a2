// What the Node peers share: the hop-by-hop filter, the fields SPEC §2.6 asks of every proxied
// request, and one pino access-log line buffered as ifgate's (SPEC §7).
import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import pino from 'pino'
import type { Dispatcher } from 'undici'
import { admit, track, type Admitted } from './duties.ts'

export const log = pino({ base: { name: 'peer' } }, pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 100 }))

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host'])

/** Returns the fields of a message without its hop-by-hop ones. */
export function forwardable (headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

/** Adds the fields SPEC §2.6 asks of a reverse proxy, and returns the request id (`known`: the one admit() chose). */
export function addForwarded (req: IncomingMessage, out: Record<string, string | string[]>, known?: string): string {
  const sent = req.headers['x-request-id']
  const id = known ?? (typeof sent === 'string' ? sent : randomUUID())
  const xff = req.headers['x-forwarded-for']
  out.via = '1.1 peer'
  out['x-forwarded-for'] = xff === undefined ? (req.socket.remoteAddress ?? '') : `${String(xff)}, ${req.socket.remoteAddress ?? ''}`
  out['x-forwarded-proto'] = 'http'
  if (req.headers.host !== undefined) out['x-forwarded-host'] = req.headers.host
  out['x-request-id'] = id
  return id
}

/** What a proxied request with the SPEC's duties is admitted as: admit()'s, and its fields for the origin. */
export interface Proxied extends Admitted { readonly headers: Record<string, string | string[]> }

/**
 * Returns what a request to be proxied with the SPEC's duties is admitted as (duties.ts admit), its
 * fields for the origin (SPEC §2.6, with admit()'s request id) and its response tracked; undefined
 * once it was answered 400.
 */
export function admitProxied (req: IncomingMessage, res: ServerResponse): Proxied | undefined {
  const admitted = admit(req, res)
  if (admitted === undefined) return undefined
  const { started, requestId, method, path, key } = admitted
  const headers = forwardable(req.headers)
  addForwarded(req, headers, requestId)
  track(res)
  return { started, requestId, method, path, key, headers }
}

/** Writes the access-log line of a request (SPEC §7's fields, as ifgate's line has them). */
export function logRequest (id: string, req: IncomingMessage, status: number, decision: string, cache: string, started: number): void {
  log.info({ requestId: id, route: '*/', method: req.method, path: req.url, status, decision, cache, durationMs: Math.round((performance.now() - started) * 1000) / 1000 })
}

export interface RelayHooks {
  /** With an id, the client's response carries `Via` and this `X-Request-Id` (the contract). */
  readonly id?: string
  readonly started?: (controller: Dispatcher.DispatchController) => void
  /** Sees a final response's status and fields before they are relayed. */
  readonly head?: (status: number, fields: IncomingHttpHeaders) => void
  /** Sees a failure of the exchange before the client is answered 502 or cut. */
  readonly failed?: () => void
}

/** Returns a dispatch handler that relays the origin's response to `res`, hop-by-hop fields dropped, with backpressure. */
export function relayTo (res: ServerResponse, hooks: RelayHooks = {}): Dispatcher.DispatchHandler {
  return {
    onRequestStart (c) { hooks.started?.(c) },
    onResponseStart (_c, status, fields) {
      if (status < 200) return
      hooks.head?.(status, fields)
      const out = forwardable(fields)
      if (hooks.id !== undefined) {
        out.via = '1.1 peer'
        out['x-request-id'] = hooks.id
      }
      res.writeHead(status, out)
    },
    onResponseData (c, chunk) {
      if (!res.write(chunk)) {
        c.pause()
        res.once('drain', () => c.resume())
      }
    },
    onResponseEnd () { res.end() },
    onResponseError () {
      hooks.failed?.()
      if (res.headersSent) res.destroy()
      else res.writeHead(502).end()
    }
  }
}
