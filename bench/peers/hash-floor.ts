// The floor for a synthesized ETag (SPEC §4 `etags: synthesize`): the contract floor's GET (the
// forwarded fields and one access-log line, contract.ts), plus only what a strong ETag of the body
// needs before the status line can be sent: the whole body held, its SHA-256 taken, the tag and
// the Content-Length set, the body sent in one write. Its reference is the same program streaming
// the body with the origin's own ETag (`bare-undici.ts` with CONTRACT=1).
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { Pool, type Dispatcher } from 'undici'
import { addForwarded, forwardable, logRequest } from './contract.ts'

const origin = new Pool(process.env.ORIGIN as string, { connections: 128, pipelining: 1 })

const server = createServer((req, res) => {
  const started = performance.now()
  const headers = forwardable(req.headers)
  const id = addForwarded(req, headers)
  res.once('close', () => logRequest(id, req, res.statusCode, 'forwarded', 'hit', started))
  let status = 502
  let out: Record<string, string | string[]> = {}
  const chunks: Buffer[] = []
  origin.dispatch({ path: req.url ?? '/', method: req.method as Dispatcher.HttpMethod, headers }, {
    onRequestStart () {},
    onResponseStart (_c, statusCode, fields) {
      status = statusCode
      out = forwardable(fields)
      out.via = '1.1 peer'
      out['x-request-id'] = id
    },
    onResponseData (_c, chunk) { chunks.push(chunk) },
    onResponseEnd () {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
      out.etag = `"${createHash('sha256').update(body).digest('base64url')}"`
      out['content-length'] = String(body.length)
      res.writeHead(status, out)
      res.end(body)
    },
    onResponseError () { res.writeHead(502).end() }
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); void origin.close() })
