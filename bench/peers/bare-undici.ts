// The floor for a Node reverse proxy: node:http in, one undici Pool out through `dispatch` (the
// cheapest undici API: no promise or Readable per response), bodies streamed both ways with
// backpressure, hop-by-hop fields dropped. No preconditions, no logging, no metrics.
// CONTRACT=1 adds only what SPEC §2.6, §6 and §7 ask of every proxied request, as ifgate does it:
// the X-Request-Id, Via and X-Forwarded-For/-Proto/-Host fields, and one pino access-log line
// (buffered like ifgate's). That is the floor for ifgate: the cost of the contract itself.
//
// DUTIES=1 (with the contract): a GET or HEAD with every duty of the SPEC's read path (duties.ts),
// each done the least costly way known: the request id checked, the method override and the path
// normalised (the origin gets the normalised path), the origin's connect, headers and body times
// bounded, the origin request aborted when the client left; from a 200 without `Vary: *`, the
// origin's strong ETag and Last-Modified learned into the bounded store under the request's
// credentials (SPEC §2, §3) where they are new, the body hashed once per tag (SPEC §5
// unstable-origin-etag), and a client whose If-None-Match names the tag answered 304 at the edge
// (SPEC §2.3); once the response closed, the responses under way, the metrics with the origin
// histogram, the dashboard's window and the log line. Other methods get the contract only.
import { createHash, type Hash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Pool, type Dispatcher } from 'undici'
import { addForwarded, admitProxied, forwardable, log, logRequest, relayTo } from './contract.ts'
import { ROUTE, credentialsOf, logLine, record, refuseWith, replaceCurrent, store, untrack, type Known } from './duties.ts'

const CONTRACT = process.env.CONTRACT === '1' || process.env.DUTIES === '1'
const DUTIES = process.env.DUTIES === '1'
/** SPEC §7 "timeouts on everything that waits": the origin's connect, headers and body times (undici's own timers). */
const origin = new Pool(process.env.ORIGIN as string, DUTIES
  ? { connections: 128, pipelining: 1, connectTimeout: 5000, headersTimeout: 30_000, bodyTimeout: 30_000 }
  : { connections: 128, pipelining: 1 })

/** A GET or HEAD with every duty of the SPEC's read path. */
function readWithDuties (req: IncomingMessage, res: ServerResponse): void {
  const admitted = admitProxied(req, res)
  if (admitted === undefined) return
  const { started, requestId, method, path, key, headers } = admitted
  let decision = 'forwarded'
  let originMs: number | undefined
  let controller: Dispatcher.DispatchController | undefined
  res.once('close', () => {
    untrack(res)
    if (!res.writableFinished) {
      decision = 'error'
      controller?.abort(new Error('the client closed the connection'))
    }
    const outcome = { route: ROUTE, method, path, status: res.statusCode, decision, requestId, originMs }
    record(outcome)
    log.info(logLine(outcome, 'none', started))
  })
  const since = performance.now()
  let hash: Hash | undefined
  let learned: Known | undefined
  const relay = relayTo(res, { id: requestId })
  origin.dispatch({ path, method: method as Dispatcher.HttpMethod, headers }, {
    onRequestStart (c) { controller = c },
    onResponseStart (c, status, fields) {
      if (status < 200) return
      originMs = performance.now() - since
      const etag = fields.etag
      const vary = fields.vary
      if (status === 200 && typeof etag === 'string' && !etag.startsWith('W/') && (vary === undefined || !String(vary).includes('*'))) {
        const lastModified = typeof fields['last-modified'] === 'string' ? fields['last-modified'] : undefined
        const credentials = credentialsOf(req.headers)
        let known = store.get(key)
        if (known === undefined || known.etag !== etag || known.lastModified !== lastModified || known.credentials !== credentials) {
          if (known === undefined) store.set(key, known = { etag: undefined, lastModified: undefined, history: [], credentials })
          if (known.etag !== etag) known.digest = undefined
          replaceCurrent(known, etag, lastModified)
          known.credentials = credentials
        }
        if (known.digest === undefined && method === 'GET' && fields['content-encoding'] === undefined) {
          hash = createHash('sha256')
          learned = known
        }
        if (req.headers['if-none-match'] === etag) {
          decision = 'edge-304'
          c.abort(new Error('answered 304 at the edge'))
          res.writeHead(304, { etag, 'x-request-id': requestId, via: '1.1 peer' }).end()
          return
        }
      }
      relay.onResponseStart?.(c, status, fields, '')
    },
    onResponseData (c, chunk) {
      hash?.update(chunk)
      relay.onResponseData?.(c, chunk)
    },
    onResponseEnd (c, trailers) {
      if (hash !== undefined && learned !== undefined) learned.digest = hash.digest('base64url')
      relay.onResponseEnd?.(c, trailers)
    },
    onResponseError () {
      if (decision === 'edge-304') return
      decision = 'error'
      if (res.headersSent) return void res.destroy()
      refuseWith(res, 502, 'Bad Gateway', requestId)
    }
  })
}

const server = createServer((req, res) => {
  if (DUTIES && (req.method === 'GET' || req.method === 'HEAD')) return readWithDuties(req, res)
  const started = performance.now()
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
  let controller: Dispatcher.DispatchController | undefined
  const headers = forwardable(req.headers)
  const id = CONTRACT ? addForwarded(req, headers) : ''
  res.once('close', () => {
    if (!res.writableFinished) controller?.abort(new Error('client gone'))
    if (CONTRACT) logRequest(id, req, res.statusCode, 'forwarded', 'none', started)
  })
  origin.dispatch({
    path: req.url ?? '/',
    method: req.method as Dispatcher.HttpMethod,
    headers,
    body: hasBody ? req : undefined
  }, relayTo(res, { id: CONTRACT ? id : undefined, started: (c) => { controller = c } }))
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); void origin.close() })
