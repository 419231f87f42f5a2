// The floor for an edge 412: node:http answering every request with the response ifgate sends
// when it refuses a stale write (SPEC §6): the request body read, a problem+json body of the same
// shape and size built with JSON.stringify, the same fields (X-Request-Id, Via, ETag,
// Last-Modified, Cache-Control), and one pino access-log line buffered as ifgate's. No cache, no
// evaluation, no diagnosis: what the answer itself costs, whatever decides it.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import pino from 'pino'

const log = pino({ base: { name: 'peer' } }, pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 100 }))
const ETAG = '"048a47ee07a98304"'
const LAST_MODIFIED = 'Sun, 22 Nov 2026 12:00:00 GMT'

const server = createServer((req, res) => {
  const started = performance.now()
  const sent = req.headers['x-request-id']
  const requestId = typeof sent === 'string' ? sent : randomUUID()
  const ifMatch = req.headers['if-match'] ?? ''
  req.resume()
  req.once('end', () => {
    const body = JSON.stringify({
      type: 'https://ifgate.dev/problems/unknown-etag',
      title: 'Precondition Failed',
      status: 412,
      detail: `If-Match: ${ifMatch} failed: the current ETag is ${ETAG}`,
      cause: 'unknown-etag',
      currentEtag: ETAG,
      currentLastModified: LAST_MODIFIED,
      requestId,
      hint: 'ifgate never saw this ETag for this resource. Re-read the resource through ifgate and retry with the ETag it returns.',
      diagnosis: { header: 'if-match', tokens: [{ token: ifMatch, label: 'unknown' }], intermediary: { signals: [], name: null } }
    })
    res.writeHead(412, {
      'content-type': 'application/problem+json',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      'x-request-id': requestId,
      via: '1.1 peer',
      etag: ETAG,
      'last-modified': LAST_MODIFIED
    })
    res.end(body)
    log.info({ requestId, route: '*/', method: req.method, path: req.url, status: 412, decision: 'edge-412', cache: 'hit', cause: 'unknown-etag', durationMs: Math.round((performance.now() - started) * 1000) / 1000 })
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
