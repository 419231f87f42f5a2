// The floor for a conditional write (SPEC §2): what any proxy that adds optimistic concurrency in
// Node must do per write, and nothing else. The contract of every request (contract.ts: the
// forwarded fields and one access-log line), then: the body received before the lock (a slow
// uploader holds none), a FIFO lock per resource, the resource's current ETag from a Map (SHARED=1:
// asked of the origin by a HEAD under the lock, as ifgate's `shared` ownership does), If-Match
// compared with it (a 412 on a mismatch), and the write response's ETag recorded before the lock
// is released. No history, no diagnosis, no variants, no metrics, no timeouts of its own.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Pool, type Dispatcher } from 'undici'
import { addForwarded, forwardable, logRequest, relayTo } from './contract.ts'

const SHARED = process.env.SHARED === '1'
const origin = new Pool(process.env.ORIGIN as string, { connections: 128, pipelining: 1 })
const current = new Map<string, string>()
const queues = new Map<string, Array<() => void>>()

/** Runs `critical` once the lock of `key` is held; it calls the release it is given. */
function withLock (key: string, critical: (release: () => void) => void): void {
  const release = (): void => {
    const next = queues.get(key)?.shift()
    if (next === undefined) queues.delete(key)
    else next()
  }
  const queue = queues.get(key)
  if (queue === undefined) {
    queues.set(key, [])
    critical(release)
  } else {
    queue.push(() => critical(release))
  }
}

/** Calls back with the ETag the origin shows for `path` now (a HEAD), or undefined. */
function lookUp (path: string, headers: Record<string, string | string[]>, done: (etag: string | undefined) => void): void {
  let etag: string | undefined
  origin.dispatch({ path, method: 'HEAD', headers, reset: false }, {
    onRequestStart () {},
    onResponseStart (_c, _status, fields) { etag = typeof fields.etag === 'string' ? fields.etag : undefined },
    onResponseData () {},
    onResponseEnd () { done(etag) },
    onResponseError () { done(undefined) }
  })
}

/** Forwards the write with its received body, records the response's ETag, relays the response. */
function forward (req: IncomingMessage, res: ServerResponse, key: string, body: Buffer, headers: Record<string, string | string[]>, id: string, release: () => void): void {
  origin.dispatch({ path: key, method: req.method as Dispatcher.HttpMethod, headers, body }, relayTo(res, {
    id,
    head (status, fields) {
      if (status >= 200 && status < 300 && typeof fields.etag === 'string') current.set(key, fields.etag)
      else if (status >= 200 && status < 300) current.delete(key)
      release()
    },
    failed () {
      current.delete(key)
      release()
    }
  }))
}

/** Returns a write's fields for its lookup: no body, no conditionals. */
function lookupHeaders (headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const { 'content-length': _length, 'content-type': _type, 'if-match': _match, ...rest } = headers
  return rest
}

function refuse (res: ServerResponse, etag: string | undefined, id: string): void {
  const body = JSON.stringify({ type: 'https://ifgate.dev/problems/stale-etag', title: 'Precondition Failed', status: 412, currentEtag: etag ?? null, requestId: id })
  res.writeHead(412, { 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(body)), 'x-request-id': id, via: '1.1 peer', ...(etag === undefined ? {} : { etag }) })
  res.end(body)
}

const server = createServer((req, res) => {
  const started = performance.now()
  const headers = forwardable(req.headers)
  const id = addForwarded(req, headers)
  const key = req.url ?? '/'
  let decision = 'forwarded'
  res.once('close', () => logRequest(id, req, res.statusCode, decision, 'hit', started))
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.once('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
    withLock(key, (release) => {
      const decide = (etag: string | undefined): void => {
        if (etag !== undefined) current.set(key, etag)
        if (req.headers['if-match'] === undefined || req.headers['if-match'] === etag) return forward(req, res, key, body, headers, id, release)
        decision = 'edge-412'
        release()
        refuse(res, etag, id)
      }
      const cached = current.get(key)
      if (SHARED || cached === undefined) lookUp(key, lookupHeaders(headers), decide)
      else decide(cached)
    })
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => { server.close(); server.closeAllConnections(); void origin.close() })
