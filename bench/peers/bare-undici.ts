// The floor for a Node reverse proxy: node:http in, one undici Pool out, bodies streamed both
// ways, hop-by-hop fields dropped. No preconditions, no logging, no metrics.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { pipeline } from 'node:stream'
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
  origin.request({
    path: req.url ?? '/',
    method: req.method as Dispatcher.HttpMethod,
    headers: forwardable(req.headers),
    body: hasBody ? req : undefined
  }).then((upstream) => {
    const headers: Record<string, string | string[]> = {}
    for (const name in upstream.headers) {
      const value = upstream.headers[name]
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
    }
    if (res.destroyed) {
      upstream.body.on('error', () => {}).destroy()
      return
    }
    res.writeHead(upstream.statusCode, headers)
    pipeline(upstream.body, res, () => {})
  }, () => {
    if (res.destroyed) return
    res.writeHead(502)
    res.end()
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); void origin.close() })
