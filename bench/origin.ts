// The fixed origin of every benchmark: node:http, one process. GET /items/<id> answers the same
// ~300-byte JSON document with one strong ETag for every id; PUT accepts a body and answers 200
// with that same ETag, so a conditional PUT's If-Match stays current however often it is sent
// (the origin stands for a store whose clients keep writing the same value). GET /blob/<bytes>
// answers a body of that size. GET /__stats counts what reached the origin by method (STALE: the
// writes carrying STALE_TAG); POST /__reset zeroes it.
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export const DOCUMENT = JSON.stringify({
  id: 'item', title: 'A representative record of a legacy JSON API', done: false, owner: 'ada@example.com',
  tags: ['alpha', 'beta', 'gamma'], notes: 'x'.repeat(120), updated: '2026-11-22T12:00:00Z'
})
export const ETAG = `"${createHash('sha256').update(DOCUMENT).digest('hex').slice(0, 16)}"`
/** An If-Match that never names the current ETag. */
export const STALE_TAG = '"stale"'
const LAST_MODIFIED = new Date(Date.UTC(2026, 10, 22, 12)).toUTCString()
const blobs = new Map<number, { body: Buffer; etag: string }>()

function blob (size: number): { body: Buffer; etag: string } {
  let b = blobs.get(size)
  if (b === undefined) {
    const body = Buffer.alloc(size, 'abcdefghijklmnopqrstuvwxyz0123456789')
    b = { body, etag: `"b${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` }
    blobs.set(size, b)
  }
  return b
}

const counts: Record<string, number> = {}
const versions = new Map<string, number>()

/**
 * `/v/<key>`: a resource whose ETag is `"v<n>"` and changes with every PUT, which the origin
 * applies whatever its If-Match says (last write wins), counting those whose If-Match was not
 * the current tag (`LOST`: a write a precondition should have refused).
 */
function versioned (url: string, method: string, ifMatch: string | string[] | undefined, req: IncomingMessage, res: ServerResponse): void {
  req.resume()
  req.on('end', () => {
    const n = versions.get(url) ?? 1
    if (method === 'PUT') {
      if (ifMatch !== `"v${n}"`) counts.LOST = (counts.LOST ?? 0) + 1
      versions.set(url, n + 1)
      res.writeHead(204)
      return void res.end()
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(DOCUMENT), etag: `"v${n}"` })
    res.end(method === 'HEAD' ? undefined : DOCUMENT)
  })
}
const server = createServer((req, res) => {
  const url = req.url ?? '/'
  if (url === '/__stats') return void res.end(JSON.stringify(counts))
  if (url === '/__reset') {
    for (const k of Object.keys(counts)) delete counts[k]
    return void res.end('{}')
  }
  const method = req.method ?? 'GET'
  counts[method] = (counts[method] ?? 0) + 1
  // The stale-write cell's If-Match: a write carrying it must never arrive through ifgate.
  if (req.headers['if-match'] === STALE_TAG) counts.STALE = (counts.STALE ?? 0) + 1
  if (url.startsWith('/blob/')) {
    const b = blob(Number(url.slice(6)) || 1024)
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': b.body.length, etag: b.etag, 'last-modified': LAST_MODIFIED })
    return void res.end(method === 'HEAD' ? undefined : b.body)
  }
  if (url.startsWith('/v/')) return versioned(url, method, req.headers['if-match'], req, res)
  req.resume()
  req.on('end', () => {
    // x-bench-etag: the tag to answer a read with instead (the benchmark teaches ifgate an earlier one).
    const etag = typeof req.headers['x-bench-etag'] === 'string' ? req.headers['x-bench-etag'] : ETAG
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(DOCUMENT), etag, 'last-modified': LAST_MODIFIED })
    res.end(method === 'HEAD' ? undefined : DOCUMENT)
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
