import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { rawExchange, request, startServer, type LocalServer } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

/**
 * A last-write-wins origin whose ETag is `"v<n>"`, n counting the writes it applied. A read that
 * carries `X-Hold` is answered with the tag current when it arrived, but only once the test
 * releases it: a lookup answered before a write and delivered after it.
 */
function heldOrigin (): { start: () => Promise<LocalServer>; release: () => void; held: Promise<void>; writes: () => number } {
  let version = 1
  let writes = 0
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let arrived!: () => void
  const held = new Promise<void>((resolve) => { arrived = resolve })
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume()
    req.once('end', () => {
      if (req.method === 'PUT') {
        version++
        writes++
        res.writeHead(200, { etag: `"v${version}"`, 'content-type': 'application/json', 'content-length': '2' })
        return void res.end('{}')
      }
      const etag = `"v${version}"`
      const answer = (): void => {
        res.writeHead(200, { etag, 'content-type': 'application/json', 'content-length': '2' })
        res.end(req.method === 'HEAD' ? undefined : '{}')
      }
      if (req.headers['x-hold'] === undefined) return answer()
      arrived()
      void released.then(answer)
    })
  }
  return { start: () => startServer(handler), release, held, writes: () => writes }
}

/**
 * SPEC §2.5 and §6: with `Expect: 100-continue` the preconditions are checked before the body, and
 * outside the lock. What that check's lookup showed was committed even when a write had been
 * recorded since: the older tag became current again, and on an exclusive route a write carrying
 * it was forwarded over the newer one, a lost update.
 */
describe('regress: a lookup outside the lock never undoes a write recorded since', () => {
  const origin = heldOrigin()
  let server: LocalServer
  let gw: TestGateway
  before(async () => {
    server = await origin.start()
    gw = await startIfgate(server.url, { defaults: { ownership: 'exclusive' } })
  })
  after(async () => {
    await gw.close()
    await server.close()
  })

  test('a 412 decided on a lookup answered before a write does not make the older tag current again', async () => {
    // A: a stale If-Match with Expect: 100-continue, on a miss: its lookup is held at the origin,
    // answered with "v1" as it was when the lookup arrived.
    const early = rawExchange(gw.url, 'PUT /r HTTP/1.1\r\nHost: x\r\nIf-Match: "v0"\r\nExpect: 100-continue\r\nX-Hold: 1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n', { until: (r) => r.includes('\r\n\r\n') })
    await origin.held
    // B writes "v1" meanwhile, under the lock: the origin is at "v2" and ifgate records it.
    const write = await request(`${gw.url}/r`, { method: 'PUT', headers: { 'if-match': '"v1"', 'content-type': 'application/json' }, body: '{}' })
    assert.equal(write.status, 200)
    assert.equal(write.headers.etag, '"v2"')
    // A's lookup is delivered now: "v1", which A's "v0" does not match.
    origin.release()
    const { text } = await early
    assert.match(text, /^HTTP\/1\.1 412 /)
    // C writes with "v1", superseded by B's write: refused, whatever A's lookup showed.
    const stale = await request(`${gw.url}/r`, { method: 'PUT', headers: { 'if-match': '"v1"', 'content-type': 'application/json' }, body: '{}' })
    assert.equal(stale.status, 412, `a write on the superseded "v1" was answered ${stale.status}`)
    assert.equal(stale.headers.etag, '"v2"')
    assert.equal(origin.writes(), 1, 'only B reached the origin')
  })
})
