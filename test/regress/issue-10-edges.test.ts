import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rawExchange, request, startServer, type LocalServer } from '../helpers/http.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

/** Issue 10, hole 8: a client's X-Forwarded-Host / -Proto reached the origin as sent. */
for (const trustForwarded of [false, true]) {
  describe(`regress issue 10: forwarding headers with server.trustForwarded: ${trustForwarded}`, () => {
    let origin: LegacyOrigin
    let gw: TestGateway
    before(async () => {
      origin = await startLegacyOrigin({ etag: 'strong' })
      gw = await startIfgate(origin.url, { server: { trustForwarded } })
    })
    after(async () => {
      await gw.close()
      await origin.close()
    })

    test(trustForwarded ? 'the client\'s fields are kept' : 'ifgate sets X-Forwarded-Proto and -Host from what it saw; the client\'s Forwarded is dropped', async () => {
      origin.set('/f', { f: 1 })
      await request(`${gw.url}/f`, { headers: { host: 'api.test', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'proto=https;host=evil.example', 'x-forwarded-for': '203.0.113.9' } })
      const seen = origin.requests.at(-1)?.headers
      assert.ok(seen !== undefined)
      assert.equal(seen['x-forwarded-host'], trustForwarded ? 'evil.example' : 'api.test')
      assert.equal(seen['x-forwarded-proto'], trustForwarded ? 'https' : 'http')
      assert.equal(seen.forwarded, trustForwarded ? 'proto=https;host=evil.example' : undefined)
      assert.equal(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1', 'X-Forwarded-For is appended to either way')
    })
  })
}

/** Issue 10, hole 9: garbage on a connection whose streamed 200 was under way put a 400 inside its body. */
describe('regress issue 10: a client error never writes a status line into a body', () => {
  let server: LocalServer
  let gw: TestGateway
  before(async () => {
    server = await startServer((req, res) => {
      req.resume()
      // A strong ETag: ifgate streams the body instead of buffering it to hash.
      res.writeHead(200, { 'content-type': 'text/plain', etag: '"s1"' })
      res.write('first part;')
      setTimeout(() => res.end('second part'), 300)
    })
    gw = await startIfgate(server.url)
  })
  after(async () => {
    await gw.close()
    await server.close()
  })

  test('garbage sent while the 200 streams closes the connection', async () => {
    let sent = false
    const { text, closedAfterMs } = await rawExchange(gw.url, 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n', {
      timeoutMs: 3000,
      until: (received, socket) => {
        if (!sent && received.includes('first part;')) {
          sent = true
          socket.write('\x00\x01GARBAGE\r\n\r\n')
        }
        return false
      }
    })
    assert.ok(sent, 'the body had begun')
    assert.doesNotMatch(text, /second part/, 'the 200 was cut, not completed')
    assert.equal(text.split('HTTP/1.1 ').length - 1, 1, `one status line only: ${JSON.stringify(text)}`)
    assert.doesNotMatch(text, /problem\+json|400 Bad Request/)
    assert.ok(closedAfterMs !== undefined, 'the connection was closed')
  })
})

/** Issue 10, hole 10: the smaller ones. */
describe('regress issue 10: admin bearer scheme and long tag lists', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url, { admin: { listen: '127.0.0.1:0', token: 's3cret' } })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
    test(`the admin port takes "Authorization: ${scheme} <token>" (RFC 9110 §11.1: the scheme is case-insensitive)`, async () => {
      const res = await request(`${gw.adminUrl}/validators`, { method: 'DELETE', headers: { authorization: `${scheme} s3cret` } })
      assert.equal(res.status, 200)
    })
  }

  test('a wrong token is still refused', async () => {
    const res = await request(`${gw.adminUrl}/validators`, { method: 'DELETE', headers: { authorization: 'bearer s3cre' } })
    assert.equal(res.status, 401)
  })

  test('a 1,000-tag If-Match gets a small 412: 16 tokens listed, the rest counted', async () => {
    origin.set('/many', { v: 1 })
    await request(`${gw.url}/many`)
    const tags = Array.from({ length: 1000 }, (_, i) => `"t${i}"`).join(', ')
    const res = await request(`${gw.url}/many`, { method: 'PUT', headers: { 'if-match': tags, 'content-type': 'application/json' }, body: '{}' })
    assert.equal(res.status, 412)
    assert.ok(res.rawBody.length < 4096, `the body has ${res.rawBody.length} bytes`)
    const problem = res.json()
    assert.equal(problem.diagnosis.tokens.length, 16)
    assert.equal(problem.diagnosis.tokensOmitted, 984)
  })
})
