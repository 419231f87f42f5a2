import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { request, startServer, type LocalServer } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

/** A tag-less origin that honours Range (so a part is all a ranged lookup would see), recording the Range of every read. */
function rangeOrigin () {
  let body = JSON.stringify({ v: 0 })
  const ranges: Array<string | undefined> = []
  let writes = 0
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'PUT') {
        writes++
        body = Buffer.concat(chunks).toString('utf8')
        res.writeHead(204)
        return void res.end()
      }
      ranges.push(req.headers.range)
      const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''))
      if (m !== null) {
        const part = body.slice(Number(m[1]), Number(m[2]) + 1)
        res.writeHead(206, { 'content-type': 'application/json', 'content-range': `bytes ${m[1]}-${m[2]}/${body.length}`, 'content-length': String(part.length) })
        return void res.end(req.method === 'HEAD' ? undefined : part)
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
      res.end(req.method === 'HEAD' ? undefined : body)
    })
  }
  return { handler, ranges, writes: () => writes }
}

/** Issue 10, hole 5: a Range on a write reached the confirming GET, and its 206 part was taken as current. */
describe('regress issue 10: a lookup never carries Range; a 206 is not a representation', () => {
  const o = rangeOrigin()
  let server: LocalServer
  let gw: TestGateway
  before(async () => {
    server = await startServer(o.handler)
    gw = await startIfgate(server.url)
  })
  after(async () => {
    await gw.close()
    await server.close()
  })

  test('a correct If-Match with Range: bytes=0-0 is forwarded, and honest writes go on succeeding', async () => {
    const first = (await request(`${gw.url}/r`)).headers.etag as string
    assert.ok(first !== undefined, 'a synthesized ETag')
    const reads = o.ranges.length
    const ranged = await request(`${gw.url}/r`, { method: 'PUT', headers: { 'if-match': first, range: 'bytes=0-0', 'content-type': 'application/json' }, body: '{"v":1}' })
    assert.equal(ranged.status, 204)
    const lookups = o.ranges.slice(reads)
    assert.ok(lookups.length > 0, 'the write was confirmed with the origin')
    assert.ok(lookups.every((r) => r === undefined), `every lookup asked for the whole representation: ${JSON.stringify(lookups)}`)
    const second = (await request(`${gw.url}/r`)).headers.etag as string
    const honest = await request(`${gw.url}/r`, { method: 'PUT', headers: { 'if-match': second, 'content-type': 'application/json' }, body: '{"v":2}' })
    assert.equal(honest.status, 204)
    assert.equal(o.writes(), 2)
  })
})

describe('regress issue 10: an origin that answers a lookup with 206', () => {
  let server: LocalServer
  let gw: TestGateway
  let writes = 0
  before(async () => {
    server = await startServer((req, res) => {
      req.resume()
      if (req.method === 'PUT') writes++
      res.writeHead(206, { 'content-range': 'bytes 0-0/7', 'content-type': 'application/json', etag: '"p"' })
      res.end(req.method === 'HEAD' ? undefined : '{')
    })
    gw = await startIfgate(server.url)
  })
  after(async () => {
    await gw.close()
    await server.close()
  })

  test('the write is not forwarded on a part: 502 lookup failed', async () => {
    const res = await request(`${gw.url}/p`, { method: 'PUT', headers: { 'if-match': '"p"' }, body: '{}' })
    assert.equal(res.status, 502)
    assert.equal(res.json().code, 'IFG_ERR_LOOKUP_FAILED')
    assert.equal(writes, 0)
  })
})
