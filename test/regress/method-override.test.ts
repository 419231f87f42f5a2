import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { rawExchange, request, startServer, type LocalServer } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

/**
 * A legacy origin with a permissive method-override filter: whatever method a request comes with,
 * X-HTTP-Method-Override names the one it is carried out as. Documents have ETag `"v<n>"`.
 */
function overridingOrigin (): { start: () => Promise<LocalServer>; docs: Map<string, number>; seen: string[] } {
  const docs = new Map<string, number>()
  const seen: string[] = []
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume()
    req.once('end', () => {
      const override = req.headers['x-http-method-override']
      const method = typeof override === 'string' ? override.trim().toUpperCase() : req.method as string
      const path = req.url as string
      seen.push(`${req.method} as ${method} ${path}`)
      const n = docs.get(path)
      if (method === 'DELETE') {
        if (n === undefined) { res.writeHead(404); return void res.end() }
        docs.delete(path)
        res.writeHead(204)
        return void res.end()
      }
      if (method === 'PUT') {
        docs.set(path, (n ?? 0) + 1)
        res.writeHead(n === undefined ? 201 : 200, { etag: `"v${(n ?? 0) + 1}"`, 'content-length': '0' })
        return void res.end()
      }
      if (n === undefined) { res.writeHead(404, { 'content-length': '0' }); return void res.end() }
      res.writeHead(200, { etag: `"v${n}"`, 'content-type': 'application/json', 'content-length': '2' })
      res.end(method === 'HEAD' ? undefined : '{}')
    })
  }
  return { start: () => startServer(handler), docs, seen }
}

/**
 * SPEC §2 "No way around the lock": a method-override field makes an origin carry a request out as
 * another method. A GET tunnelling a DELETE went by the read path, with no lock and no evaluation;
 * a POST tunnelling a DELETE or a PUT was decided by the rules of a POST.
 */
describe('regress: a method-override field is decided as the method it names', () => {
  const origin = overridingOrigin()
  let server: LocalServer
  let gw: TestGateway
  before(async () => {
    server = await origin.start()
    gw = await startIfgate(server.url, { defaults: { requirePrecondition: true } })
  })
  after(async () => {
    await gw.close()
    await server.close()
  })

  test('a GET naming DELETE is refused with 400 and never reaches the origin', async () => {
    origin.docs.set('/g', 1)
    const before = origin.seen.length
    for (const field of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      const res = await request(`${gw.url}/g`, { headers: { [field]: 'DELETE' } })
      assert.equal(res.status, 400, field)
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
      const problem = JSON.parse(res.body)
      assert.equal(problem.code, 'IFG_ERR_BAD_REQUEST')
      assert.match(problem.detail, new RegExp(`a GET cannot carry ${field}: DELETE`))
    }
    assert.deepEqual(origin.seen.slice(before), [], 'nothing reached the origin')
    assert.equal(origin.docs.get('/g'), 1, 'the document is still there')
  })

  test('a GET naming GET, and a plain GET, are reads as before', async () => {
    origin.docs.set('/r', 3)
    const res = await request(`${gw.url}/r`, { headers: { 'x-http-method-override': 'GET' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.etag, '"v3"')
  })

  test('a POST naming DELETE of a missing resource is the origin\'s 404 to give, as a DELETE is (RFC 9110 §13.2.1)', async () => {
    const asPost = await request(`${gw.url}/missing`, { method: 'POST', headers: { 'if-match': '"v1"', 'content-type': 'application/json' }, body: '{}' })
    assert.equal(asPost.status, 412, 'a POST with If-Match on a missing resource is refused at the edge')
    const before = origin.seen.length
    const asDelete = await request(`${gw.url}/missing`, { method: 'POST', headers: { 'if-match': '"v1"', 'x-http-method-override': 'DELETE' } })
    assert.equal(asDelete.status, 404, asDelete.body)
    assert.ok(origin.seen.slice(before).includes('POST as DELETE /missing'), 'forwarded as it came, override included')
  })

  test('a POST naming PUT is held to what a PUT needs: If-None-Match: * satisfies requirePrecondition, for it only', async () => {
    const plain = await request(`${gw.url}/new`, { method: 'POST', headers: { 'if-none-match': '*', 'content-type': 'application/json' }, body: '{}' })
    assert.equal(plain.status, 428, 'a POST needs If-Match or If-Unmodified-Since')
    const create = await request(`${gw.url}/new`, { method: 'POST', headers: { 'if-none-match': '*', 'x-http-method-override': 'PUT', 'content-type': 'application/json' }, body: '{}' })
    assert.equal(create.status, 201, create.body)
    const again = await request(`${gw.url}/new`, { method: 'POST', headers: { 'if-none-match': '*', 'x-http-method-override': 'put', 'content-type': 'application/json' }, body: '{}' })
    assert.equal(again.status, 412, 'create-only: the resource exists now')
    assert.equal(origin.docs.get('/new'), 1)
  })

  test('the lookups and reads ifgate makes itself never carry the override: the origin never ran one as a write', async () => {
    const reads = origin.seen.filter((s) => /^(HEAD|GET) as /.test(s))
    assert.ok(reads.some((s) => s.endsWith(' /new')), 'the create-only writes were looked up')
    assert.deepEqual(reads.filter((s) => !/^(HEAD as HEAD|GET as GET) /.test(s)), [])
  })

  test('an upgrade naming a write is refused like a GET naming one, and never reaches the origin', async () => {
    const before = origin.seen.length
    const { text } = await rawExchange(gw.url, 'GET /g HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-HTTP-Method-Override: DELETE\r\n\r\n')
    assert.match(text, /^HTTP\/1\.1 400 /)
    assert.match(text, /a GET cannot carry x-http-method-override: DELETE/)
    assert.deepEqual(origin.seen.slice(before), [])
  })

  test('override fields that disagree are refused with 400', async () => {
    const before = origin.seen.length
    const res = await request(`${gw.url}/g`, { method: 'POST', headers: { 'x-http-method-override': 'PUT', 'x-http-method': 'DELETE', 'if-match': '"v1"' } })
    assert.equal(res.status, 400)
    assert.match(JSON.parse(res.body).detail, /name different methods \(PUT, DELETE\)/)
    assert.deepEqual(origin.seen.slice(before), [])
  })
})
