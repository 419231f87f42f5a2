import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Config } from './config/types.ts'
import { randomUUID } from 'node:crypto'
import { toProblem } from './edge/problem.ts'
import { writeRawProblem } from './edge/problem-wire.ts'
import { rejectUpgrade } from './edge/tunnel.ts'
import { ERROR_CODES, IfgateError, type ErrorCode } from './errors.ts'
import type { Gateway } from './pipeline/gateway.ts'
import { createHandler, requestIdOf } from './pipeline/handle.ts'
import { ResponsesInFlight } from './pipeline/in-flight.ts'
import { passUpgrade, tunnels } from './pipeline/upgrade.ts'

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
  const error = new IfgateError(code, `${ERROR_CODES[code].title} (${err.code ?? 'parse error'})`)
  // The one log line of a request that never reached the pipeline (slow, oversized or unparseable).
  gw.logger.info({ status: error.status, decision: 'error', error: { code, message: err.code ?? err.message }, peer: (socket as Socket).remoteAddress }, 'client request refused')
  const requestId = randomUUID()
  writeRawProblem(socket, toProblem(error, requestId), { 'x-request-id': requestId })
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
  const inFlight = new ResponsesInFlight()
  const handle = createHandler(gw, inFlight)
  server.on('request', (req, res) => handle(req, res, false))
  server.on('checkContinue', (req, res) => handle(req, res, true))
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(gw, err, socket, inFlight.busy(socket)))
  // A reverse proxy opens no tunnels.
  server.on('connect', (req, socket: Duplex) => rejectUpgrade(socket, new IfgateError('IFG_ERR_METHOD_NOT_ALLOWED', 'CONNECT is not supported by a reverse proxy'), requestIdOf(req)))
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    const requestId = requestIdOf(req)
    passUpgrade(gw, req, socket, head, requestId).catch((err: unknown) => {
      gw.logger.error({ requestId, err }, 'upgrade passthrough failed')
      socket.destroy()
    })
  })
  return server
}
