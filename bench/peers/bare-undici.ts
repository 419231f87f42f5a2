// The floor for a Node reverse proxy: node:http in, one undici Pool out through `dispatch` (the
// cheapest undici API: no promise or Readable per response), bodies streamed both ways with
// backpressure, hop-by-hop fields dropped. No preconditions, no logging, no metrics.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { Pool, type Dispatcher } from 'undici'

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
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
  let controller: Dispatcher.DispatchController | undefined
  res.once('close', () => { if (!res.writableFinished) controller?.abort(new Error('client gone')) })
  origin.dispatch({
    path: req.url ?? '/',
    method: req.method as Dispatcher.HttpMethod,
    headers: forwardable(req.headers),
    body: hasBody ? req : undefined
  }, {
    onRequestStart (c) { controller = c },
    onResponseStart (_c, statusCode, headers) {
      if (statusCode >= 200) res.writeHead(statusCode, forwardable(headers))
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
