import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Config } from './config/types.ts'
import { ERROR_CODES, problemType, type ErrorCode } from './errors.ts'
import { passUpgrade, rejectUpgrade } from './origin/upgrade.ts'
import type { Gateway } from './pipeline/gateway.ts'
import { createHandler, requestIdOf, targetPath } from './pipeline/handle.ts'

/** Errors of the client connection that get an answer before the connection closes. */
const CLIENT_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'IFG_ERR_HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'IFG_ERR_REQUEST_TIMEOUT'
}

function answerClientError (gw: Gateway, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
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
    headersTimeout: s.headersTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    maxHeaderSize: s.maxHeaderBytes,
    // Node checks the header and request timeouts only this often (30 s by default): check at a
    // quarter of the shortest one, so a slow client is cut within 25% of its limit.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(s.headersTimeoutMs, s.requestTimeoutMs) / 4)))
  })
  const handle = createHandler(gw)
  server.on('request', (req, res) => handle(req, res, false))
  server.on('checkContinue', (req, res) => handle(req, res, true))
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(gw, err, socket))
  // A reverse proxy opens no tunnels.
  server.on('connect', (req, socket: Duplex) => rejectUpgrade(socket, 405, 'Method Not Allowed', 'CONNECT is not supported by a reverse proxy', requestIdOf(req)))
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    const requestId = requestIdOf(req)
    const path = targetPath(req.url)
    const route = path === undefined ? undefined : gw.routes.match(req.headers.host, path)
    if (path === undefined || route === undefined || gw.draining) {
      rejectUpgrade(socket, gw.draining ? 503 : 404, gw.draining ? 'Service Unavailable' : 'Not Found', gw.draining ? 'shutting down' : 'no route for this upgrade request', requestId)
      return
    }
    passUpgrade(gw.pools.for(route), req, socket, head, route.originPathPrefix + path, requestId).catch((err: unknown) => {
      gw.logger.error({ requestId, err }, 'upgrade passthrough failed')
      socket.destroy()
    })
  })
  return server
}
