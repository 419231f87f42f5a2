// The floor for a Node reverse proxy: node:http in, one undici Pool out through `dispatch` (the
// cheapest undici API: no promise or Readable per response), bodies streamed both ways with
// backpressure, hop-by-hop fields dropped. No preconditions, no logging, no metrics.
// CONTRACT=1 adds only what SPEC §2.6, §6 and §7 ask of every proxied request, as ifgate does it:
// the X-Request-Id, Via and X-Forwarded-For/-Proto/-Host fields, and one pino access-log line
// (buffered like ifgate's). That is the floor for ifgate: the cost of the contract itself.
import { createServer } from 'node:http'
import { Pool, type Dispatcher } from 'undici'
import { addForwarded, forwardable, logRequest, relayTo } from './contract.ts'

const CONTRACT = process.env.CONTRACT === '1'
const origin = new Pool(process.env.ORIGIN as string, { connections: 128, pipelining: 1 })

const server = createServer((req, res) => {
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
