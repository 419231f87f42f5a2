import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { rawExchange, request } from '../helpers/http.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

const run = promisify(execFile)

/** Issue 10, hole 1: an `Upgrade` offer on a write used to tunnel it past the lock and the evaluation. */
describe('regress issue 10: Upgrade is for GET', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url, {
      routes: [
        { path: '/', origin: origin.url, ownership: 'exclusive' },
        { path: '/strict', origin: origin.url, requirePrecondition: true }
      ]
    })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  const upgrade = { connection: 'Upgrade', upgrade: 'websocket' }

  test('a DELETE with a stale If-Match and Upgrade: websocket gets 412 and the resource survives', async () => {
    origin.set('/u', { id: 'u' })
    const etag = (await request(`${gw.url}/u`)).headers.etag as string
    const before = origin.writes
    const res = await request(`${gw.url}/u`, { method: 'DELETE', headers: { ...upgrade, 'if-match': '"stale"' } })
    assert.equal(res.status, 412)
    assert.equal(res.headers.etag, etag)
    assert.equal(origin.writes, before, 'no write reached the origin')
    assert.deepEqual(origin.get('/u'), { id: 'u' })
  })

  test('an unconditional PUT with Upgrade on a route that requires a precondition gets 428', async () => {
    const before = origin.writes
    const res = await request(`${gw.url}/strict/x`, { method: 'PUT', headers: { ...upgrade, 'content-type': 'application/json' }, body: '{}' })
    assert.equal(res.status, 428)
    assert.equal(origin.writes, before)
  })

  test('a PUT with Upgrade takes the lock: the old ETag is refused afterwards on an exclusive route', async () => {
    origin.set('/w', { v: 0 })
    const etag = (await request(`${gw.url}/w`)).headers.etag as string
    const first = await request(`${gw.url}/w`, { method: 'PUT', headers: { ...upgrade, 'if-match': etag, 'content-type': 'application/json' }, body: '{"v":1}' })
    assert.equal(first.status, 200)
    const before = origin.writes
    const second = await request(`${gw.url}/w`, { method: 'PUT', headers: { 'if-match': etag, 'content-type': 'application/json' }, body: '{"v":2}' })
    assert.equal(second.status, 412, 'the write with Upgrade made the old ETag earlier')
    assert.equal(origin.writes, before)
    assert.deepEqual(origin.get('/w'), { v: 1 })
  })

  test('the origin never sees an Upgrade offer on a write (it is hop-by-hop and ignored)', async () => {
    origin.set('/h', { v: 0 })
    const etag = (await request(`${gw.url}/h`)).headers.etag as string
    const res = await request(`${gw.url}/h`, { method: 'PUT', headers: { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQCAAAAAAIAAAAA', 'if-match': etag, 'content-type': 'application/json' }, body: '{"v":1}' })
    assert.equal(res.status, 200)
    const seen = origin.requests.findLast((r) => r.method === 'PUT' && r.url === '/h')
    assert.ok(seen !== undefined)
    assert.equal(seen.headers.upgrade, undefined)
    assert.equal(seen.headers['http2-settings'], undefined)
  })

  test('curl --http2 -X PUT behaves like a plain PUT: a stale If-Match gets 412', async () => {
    origin.set('/c', { v: 0 })
    await request(`${gw.url}/c`)
    const before = origin.writes
    const { stdout } = await run('curl', ['--http2', '-s', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', '-X', 'PUT', '-H', 'If-Match: "stale"', '-H', 'Content-Type: application/json', '--data', '{"v":9}', '--max-time', '5', `${gw.url}/c`])
    assert.equal(stdout, '412 1.1', 'answered over HTTP/1.1 by the evaluation, not tunnelled')
    assert.equal(origin.writes, before)
  })

  test('a GET offering h2c is a plain GET, never a tunnel', async () => {
    origin.set('/g', { v: 0 })
    const { text } = await rawExchange(gw.url, 'GET /g HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n', { until: (r) => r.includes('"v":0') })
    assert.match(text, /^HTTP\/1\.1 200 /)
  })
})
