// The floor for a Node reverse proxy: node:http in, one undici Pool out through `dispatch` (the
// cheapest undici API: no promise or Readable per response), bodies streamed both ways with
// backpressure, hop-by-hop fields dropped. No preconditions, no logging, no metrics.
// CONTRACT=1 adds only what SPEC §2.6, §6 and §7 ask of every proxied request, as ifgate does it:
// the X-Request-Id, Via and X-Forwarded-For/-Proto/-Host fields, and one pino access-log line
// (buffered like ifgate's). That is the floor for ifgate: the cost of the contract itself.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import pino from 'pino'
import { Pool, type Dispatcher } from 'undici'

const CONTRACT = process.env.CONTRACT === '1'
const log = pino({ base: { name: 'peer' } }, pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 100 }))

/** Adds the fields SPEC §2.6 asks of a reverse proxy, and returns the request id. */
function addForwarded (req: IncomingMessage, out: Record<string, string | string[]>): string {
  const sent = req.headers['x-request-id']
  const id = typeof sent === 'string' ? sent : randomUUID()
  const xff = req.headers['x-forwarded-for']
  out.via = '1.1 peer'
  out['x-forwarded-for'] = xff === undefined ? (req.socket.remoteAddress ?? '') : `${String(xff)}, ${req.socket.remoteAddress ?? ''}`
  out['x-forwarded-proto'] = 'http'
  if (req.headers.host !== undefined) out['x-forwarded-host'] = req.headers.host
  out['x-request-id'] = id
  return id
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host'])
const origin = new Pool(process.env.ORIGIN as string, { connections: 128, pipelining: 1 })

function forwardable (headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

const server = createServer((req, res) => {
  const started = performance.now()
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
  let controller: Dispatcher.DispatchController | undefined
  const headers = forwardable(req.headers)
  const id = CONTRACT ? addForwarded(req, headers) : ''
  res.once('close', () => {
    if (!res.writableFinished) controller?.abort(new Error('client gone'))
    if (CONTRACT) log.info({ requestId: id, route: '*/', method: req.method, path: req.url, status: res.statusCode, decision: 'forwarded', cache: 'none', durationMs: Math.round((performance.now() - started) * 1000) / 1000 })
  })
  origin.dispatch({
    path: req.url ?? '/',
    method: req.method as Dispatcher.HttpMethod,
    headers,
    body: hasBody ? req : undefined
  }, {
    onRequestStart (c) { controller = c },
    onResponseStart (_c, statusCode, fields) {
      if (statusCode < 200) return
      const out = forwardable(fields)
      if (CONTRACT) {
        out.via = '1.1 peer'
        out['x-request-id'] = id
      }
      res.writeHead(statusCode, out)
    },
    onResponseData (c, chunk) {
      if (!res.write(chunk)) {
        c.pause()
        res.once('drain', () => c.resume())
      }
    },
    onResponseEnd () { res.end() },
    onResponseError () {
      if (res.headersSent) res.destroy()
      else res.writeHead(502).end()
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); void origin.close() })
