// The floor for a conditional write (SPEC §2): what any proxy that adds optimistic concurrency in
// Node must do per write, and nothing else. The contract of every request (contract.ts: the
// forwarded fields and one access-log line), then: the body received before the lock (a slow
// uploader holds none), a FIFO lock per resource, the resource's current ETag from a Map (SHARED=1:
// asked of the origin by a HEAD under the lock, as ifgate's `shared` ownership does), If-Match
// compared with it (a 412 on a mismatch), and the write response's ETag recorded before the lock
// is released. No history, no diagnosis, no variants, no metrics, no timeouts of its own.
//
// DUTIES=1: the same write with every duty of the SPEC's request flow (duties.ts): the request id
// checked, the method override and the path normalised, the body bounded, the lock's queue and
// wait bounded, the lookup bounded in time and made without the write's conditionals, the client
// that left not written for (its origin request aborted), the validators kept in a bounded store
// with their history, the parent collection's dropped, a 412 diagnosed; and once the response
// closed: the responses under way, the metrics with the lookup, origin and lock-wait histograms,
// the dashboard's window, the diagnoses ring and the log line with its timings.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Pool, type Dispatcher } from 'undici'
import { addForwarded, admitProxied, forwardable, log, logRequest, relayTo } from './contract.ts'
import { ROUTE, answer412, credentialsOf, diagnose, dropParent, ifMatchPasses, logLine, members, receive, record, refuseWith, replaceCurrent, store, untrack, withLock as lockWithLimits, type Diagnosis, type Known } from './duties.ts'

const SHARED = process.env.SHARED === '1'
/** SPEC §7 "timeouts on everything that waits": the origin's connect, headers and body times (undici's own timers). */
const origin = new Pool(process.env.ORIGIN as string, { connections: 128, pipelining: 1, connectTimeout: 5000, headersTimeout: 30_000, bodyTimeout: 30_000 })
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

/** Fields a lookup never carries (SPEC §2 "Credentials decide disclosure"): the body's, the conditionals, ranges. */
const NOT_LOOKED_UP = new Set(['content-length', 'content-type', 'content-encoding', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range', 'range', 'expect', 'prefer'])
/** timeouts.lookupMs's default: the whole lookup, headers and body. */
const LOOKUP_MS = 5000

/** A write with every duty of the SPEC's request flow. */
function withDuties (req: IncomingMessage, res: ServerResponse): void {
  const admitted = admitProxied(req, res)
  if (admitted === undefined) return
  const { started, requestId, method, path, key, headers } = admitted
  let decision = 'error'
  let cache = 'hit'
  let diagnosis: Diagnosis | undefined
  let sent: string | undefined
  let current: string | undefined
  let lookupMs: number | undefined
  let originMs: number | undefined
  let lockWaitMs: number | undefined
  let exchange: Dispatcher.DispatchController | undefined
  let gone = false
  res.once('close', () => {
    untrack(res)
    if (!res.writableFinished) {
      // SPEC §2: a client that left is not written for; its origin request is aborted.
      gone = true
      if (decision !== 'forwarded') decision = 'client-gone'
      exchange?.abort(new Error('the client closed the connection'))
    }
    const outcome = { route: ROUTE, method, path, status: res.statusCode, decision, requestId, diagnosis, sent, currentEtag: current, lookupMs, originMs, lockWaitMs }
    record(outcome)
    log.info(logLine(outcome, cache, started))
  })
  receive(req, (body) => {
    if (body === undefined) return refuseWith(res, 413, 'Content Too Large', requestId)
    lockWithLimits(key, (release, waited) => {
      lockWaitMs = waited
      if (gone) return release()
      const credentials = credentialsOf(req.headers)
      const decide = (known: Known): void => {
        if (gone) return release()
        sent = req.headers['if-match']
        const list = sent === undefined ? undefined : members(sent)
        current = known.etag
        if (list === undefined || ifMatchPasses(list, known.etag)) return forwardWrite(known, body, release)
        diagnosis = diagnose(list, known, req.headers)
        release()
        decision = 'edge-412'
        answer412(res, sent as string, known, diagnosis, requestId)
      }
      const cached = store.get(key)
      if (!SHARED && cached !== undefined && cached.etag !== undefined && cached.credentials === credentials) return decide(cached)
      cache = cached === undefined ? 'miss' : 'hit'
      const lookupHeaders: Record<string, string | string[]> = {}
      for (const name in headers) if (!NOT_LOOKED_UP.has(name)) lookupHeaders[name] = headers[name] as string | string[]
      const since = performance.now()
      let etag: string | undefined
      let lastModified: string | undefined
      let ok = false
      origin.dispatch({ path, method: 'HEAD', headers: lookupHeaders, reset: false, headersTimeout: LOOKUP_MS, bodyTimeout: LOOKUP_MS }, {
        onRequestStart (c) { exchange = c },
        onResponseStart (_c, status, fields) {
          ok = status === 200
          etag = typeof fields.etag === 'string' ? fields.etag : undefined
          lastModified = typeof fields['last-modified'] === 'string' ? fields['last-modified'] : undefined
        },
        onResponseData () {},
        onResponseEnd () {
          exchange = undefined
          lookupMs = performance.now() - since
          const known = cached ?? { etag: undefined, lastModified: undefined, history: [], credentials }
          if (cached === undefined) store.set(key, known)
          if (ok) replaceCurrent(known, etag, lastModified)
          known.credentials = credentials
          decide(known)
        },
        onResponseError () {
          exchange = undefined
          release()
          if (!gone) refuseWith(res, 502, 'Bad Gateway', requestId)
        }
      })
    }, () => refuseWith(res, 503, 'Service Unavailable', requestId))
  })

  /** Forwards the write; its 2xx replaces the current validators and drops the parent's and the Location's. */
  function forwardWrite (known: Known, body: Buffer, release: () => void): void {
    const since = performance.now()
    decision = 'forwarded'
    origin.dispatch({ path, method: req.method as Dispatcher.HttpMethod, headers, body }, relayTo(res, {
      id: requestId,
      started (c) { exchange = c },
      head (status, fields) {
        originMs = performance.now() - since
        if (status >= 200 && status < 300) {
          replaceCurrent(known, typeof fields.etag === 'string' ? fields.etag : undefined, typeof fields['last-modified'] === 'string' ? fields['last-modified'] : undefined)
          dropParent(key)
          for (const name of ['location', 'content-location'] as const) {
            const at = fields[name]
            if (typeof at === 'string' && at.startsWith('/')) store.delete(`origin${at}`)
          }
        }
        release()
      },
      failed () {
        known.etag = undefined
        release()
      }
    }))
  }
}

const server = createServer(process.env.DUTIES === '1' ? withDuties : (req, res) => {
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
