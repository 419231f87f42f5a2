import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Config } from './config/types.ts'
import { ERROR_CODES, problemType, type ErrorCode, type IfgateError } from './errors.ts'
import { passUpgrade, rejectUpgrade } from './origin/upgrade.ts'
import type { Gateway } from './pipeline/gateway.ts'
import { createHandler, requestIdOf } from './pipeline/handle.ts'
import { resolveTarget } from './pipeline/target.ts'

/**
 * Protocols never tunnelled: each would carry HTTP requests (h2c: HTTP/2 in clear text) or TLS
 * straight to the origin, past the lock and the evaluation.
 */
const HTTP_PROTOCOLS = /^(?:h2c?|https?|tls)(?:\/|$)/i

/**
 * Returns true for the upgrades ifgate passes through (SPEC §2 "Upgrade is for GET"): a GET
 * offering a protocol other than HTTP itself (WebSocket and the like).
 */
function tunnels (req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false
  const offer = req.headers.upgrade
  if (offer === undefined) return false
  const protocols = offer.split(',').map((p) => p.trim()).filter((p) => p !== '')
  return protocols.length > 0 && !protocols.some((p) => HTTP_PROTOCOLS.test(p))
}

/** Errors of the client connection that get an answer before the connection closes. */
const CLIENT_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'IFG_ERR_HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'IFG_ERR_REQUEST_TIMEOUT'
}

function answerClientError (gw: Gateway, err: NodeJS.ErrnoException, socket: Duplex, busy: boolean): void {
  // SPEC §2: on a connection whose response has begun (or is queued), a status line written now
  // would land inside that response's body: the connection can only be closed.
  if (err.code === 'ECONNRESET' || !socket.writable || busy) {
    socket.destroy()
    return
  }
  const code = CLIENT_ERRORS[err.code ?? ''] ?? 'IFG_ERR_BAD_REQUEST'
  const { status, title } = ERROR_CODES[code]
  // The one log line of a request that never reached the pipeline (slow, oversized or unparseable).
  gw.logger.info({ status, decision: 'error', error: { code, message: err.code ?? err.message }, peer: (socket as Socket).remoteAddress }, 'client request refused')
  const body = JSON.stringify({ type: problemType(code), title, status, detail: `${title} (${err.code ?? 'parse error'})`, code })
  socket.end(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
}

/**
 * Returns the proxy's HTTP server: client header/request/keep-alive timeouts and the header size
 * limit from the config, the request pipeline, `Expect: 100-continue` decided before the body is
 * asked for (SPEC §6), and Upgrade passthrough.
 */
export function createProxyServer (gw: Gateway, config: Config): Server {
  const s = config.server
  const server = createServer({
    // SPEC §2 "Upgrade is for GET": any other method offering Upgrade (h2c from curl --http2, or
    // a crafted write) takes the normal path, lock and evaluation included (RFC 9110 §7.8: a
    // server may ignore the offer).
    shouldUpgradeCallback: tunnels,
    headersTimeout: s.headersTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    maxHeaderSize: s.maxHeaderBytes,
    // Node checks the header and request timeouts only this often (30 s by default): check at a
    // quarter of the shortest one, so a slow client is cut within 25% of its limit.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(s.headersTimeoutMs, s.requestTimeoutMs) / 4)))
  })
  const handle = createHandler(gw)
  // Responses under way (or queued behind a pipelined one) per connection.
  const open = new WeakMap<Duplex, Set<ServerResponse>>()
  const track = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket
    let set = open.get(socket)
    if (set === undefined) open.set(socket, set = new Set())
    set.add(res)
    res.once('close', () => set.delete(res))
  }
  // As Node's own handler: an answer only while no response has begun or waits behind another.
  const busy = (socket: Duplex): boolean => {
    const set = open.get(socket)
    if (set === undefined || set.size === 0) return false
    if (set.size > 1) return true
    for (const res of set) return res.headersSent
    return false
  }
  server.on('request', (req, res) => { track(req, res); handle(req, res, false) })
  server.on('checkContinue', (req, res) => { track(req, res); handle(req, res, true) })
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(gw, err, socket, busy(socket)))
  // A reverse proxy opens no tunnels.
  server.on('connect', (req, socket: Duplex) => rejectUpgrade(socket, 405, 'Method Not Allowed', 'CONNECT is not supported by a reverse proxy', requestIdOf(req)))
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    const requestId = requestIdOf(req)
    if (gw.draining) return rejectUpgrade(socket, 503, 'Service Unavailable', 'shutting down', requestId)
    // shouldUpgradeCallback hands only GETs here; a Node without it must still never tunnel a write.
    if (!tunnels(req)) return rejectUpgrade(socket, 400, 'Bad Request', 'only a GET may upgrade, and never to HTTP itself', requestId)
    let resolved
    try {
      resolved = resolveTarget(gw.routes, gw.config.server, req)
    } catch (err) {
      const e = err as IfgateError
      return rejectUpgrade(socket, e.status, ERROR_CODES[e.code].title, e.message, requestId)
    }
    const { route, path, host } = resolved
    passUpgrade(gw.pools.for(route), req, socket, head, path, requestId, { trustForwarded: s.trustForwarded, host }).catch((err: unknown) => {
      gw.logger.error({ requestId, err }, 'upgrade passthrough failed')
      socket.destroy()
    })
  })
  return server
}
