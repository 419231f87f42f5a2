// The floor for an edge 412: node:http answering every request with the response ifgate sends
// when it refuses a stale write (SPEC §6): the request body read, a problem+json body of the same
// shape and size built with JSON.stringify, the same fields (X-Request-Id, Via, ETag,
// Last-Modified, Cache-Control), and one pino access-log line buffered as ifgate's. No cache, no
// evaluation, no diagnosis: what the answer itself costs, whatever decides it.
//
// DUTIES=1: the same answer decided as the SPEC asks (duties.ts): the request id checked, the
// method override and the path normalised, the validators read from a bounded store under the
// resource's lock, If-Match evaluated and diagnosed, and once the response closed the responses
// under way, the metrics, the dashboard's window, the diagnoses ring and the log line with its
// diagnosis. A passing If-Match (never sent by the benchmark) is answered 204: no origin here.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import pino from 'pino'
import { ROUTE, admit, answer412, credentialsOf, diagnose, ifMatchPasses, logLine, members, receive, record, refuseWith, store, track, untrack, withLock, type Diagnosis, type Known } from './duties.ts'

const log = pino({ base: { name: 'peer' } }, pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 100 }))
const ETAG = '"048a47ee07a98304"'
const LAST_MODIFIED = 'Sun, 22 Nov 2026 12:00:00 GMT'

/** An edge 412 with every duty of the SPEC's request flow. */
function withDuties (req: IncomingMessage, res: ServerResponse): void {
  const admitted = admit(req, res)
  if (admitted === undefined) return
  const { started, requestId, method, path, key } = admitted
  track(res)
  let status = 0
  let decision = 'error'
  let diagnosis: Diagnosis | undefined
  let sent: string | undefined
  let current: string | undefined
  res.once('close', () => {
    untrack(res)
    if (!res.writableFinished) decision = 'client-gone'
    const outcome = { route: ROUTE, method, path, status: res.statusCode || status, decision, requestId, diagnosis, sent, currentEtag: current }
    record(outcome)
    log.info(logLine(outcome, 'hit', started))
  })
  receive(req, (body) => {
    if (body === undefined) return refuseWith(res, 413, 'Content Too Large', requestId)
    withLock(key, (release) => {
      let known = store.get(key) as Known | undefined
      if (known === undefined) store.set(key, known = { etag: ETAG, lastModified: LAST_MODIFIED, history: [], credentials: '' })
      // A request under other credentials would be confirmed by a lookup first (SPEC §2).
      if (known.credentials !== credentialsOf(req.headers)) known.credentials = ''
      sent = req.headers['if-match'] ?? ''
      const list = members(sent)
      current = known.etag
      if (ifMatchPasses(list, known.etag)) {
        release()
        decision = 'forwarded'
        status = 204
        return void res.writeHead(204, { 'x-request-id': requestId, via: '1.1 peer' }).end()
      }
      diagnosis = diagnose(list, known, req.headers)
      release()
      decision = 'edge-412'
      status = 412
      answer412(res, sent, known, diagnosis, requestId)
    }, () => refuseWith(res, 503, 'Service Unavailable', requestId))
  })
}

const server = createServer(process.env.DUTIES === '1' ? withDuties : (req, res) => {
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
