import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { rawExchange, request } from '../helpers/http.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

async function open (url: string, bytes: string): Promise<Socket> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  socket.write(bytes)
  return socket
}

/** Issue 10, hole 6: writes whose clients left while queued were still forwarded, one after another. */
describe('regress issue 10: a client that left is not written for', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong', delayMs: 300 })
    gw = await startIfgate(origin.url)
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('queued DELETEs whose clients closed never reach the origin, and the live writer behind them does not wait for them', async () => {
    origin.set('/q', { v: 0 })
    const before = origin.writes
    // The holder: a slow write that keeps the resource's lock for ~300 ms.
    const holder = request(`${gw.url}/q`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"v":1}' })
    await sleep(50)
    const leavers = await Promise.all(Array.from({ length: 5 }, () => open(gw.url, 'DELETE /q HTTP/1.1\r\nHost: x\r\n\r\n')))
    await sleep(50)
    for (const s of leavers) s.destroy()
    const started = Date.now()
    const live = await request(`${gw.url}/q`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"v":2}' })
    const waited = Date.now() - started
    assert.equal((await holder).status, 200)
    assert.equal(live.status, 200)
    assert.equal(origin.writes - before, 2, 'the holder and the live writer only')
    assert.deepEqual(origin.get('/q'), { v: 2 })
    assert.ok(waited < 1200, `the live writer waited ${waited} ms: for the holder only, not for five forwarded DELETEs`)
    const gone = await gw.logs.waitFor((l) => l.decision === 'client-gone')
    assert.equal(gone.method, 'DELETE')
    assert.equal(gw.logs.lines.filter((l) => l.decision === 'client-gone').length, 5)
  })
})

/** Issue 10, hole 7: a client trickling its body held the resource's lock for server.requestTimeoutMs. */
describe('regress issue 10: a slow uploader holds no lock', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url, { defaults: { lock: { waitMs: 300 } }, server: { maxBufferBytes: 1024 } })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('while one client trickles a small body, another writes the same resource at once', async () => {
    origin.set('/s', { v: 0 })
    const etag = (await request(`${gw.url}/s`)).headers.etag as string
    const slow = await open(gw.url, `PUT /s HTTP/1.1\r\nHost: x\r\nIf-Match: ${etag}\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"v"`)
    try {
      await sleep(400)
      const fast = await request(`${gw.url}/s`, { method: 'PUT', headers: { 'if-match': etag, 'content-type': 'application/json' }, body: '{"v":2}' })
      assert.equal(fast.status, 200, `not 503 after lock.waitMs: ${fast.body}`)
      // The slow one completes its body now, and is checked under the lock against what the fast one wrote.
      slow.write(':1}')
      const reply = await new Promise<string>((resolve) => {
        let text = ''
        slow.on('data', (c: Buffer) => { text += c.toString('latin1'); if (text.includes('\r\n\r\n')) resolve(text) })
      })
      assert.match(reply, /^HTTP\/1\.1 412 /)
      assert.deepEqual(origin.get('/s'), { v: 2 })
    } finally {
      slow.destroy()
    }
  })

  test('a body larger than server.maxBufferBytes still streams through whole', async () => {
    origin.set('/big', { v: 0 })
    const etag = (await request(`${gw.url}/big`)).headers.etag as string
    const big = JSON.stringify({ v: 'x'.repeat(5000) })
    const res = await request(`${gw.url}/big`, { method: 'PUT', headers: { 'if-match': etag, 'content-type': 'application/json' }, body: big })
    assert.equal(res.status, 200)
    assert.deepEqual(origin.get('/big'), JSON.parse(big))
  })

  test('Expect: 100-continue with a stale If-Match: 412 before the body is asked for', async () => {
    origin.set('/e', { v: 0 })
    await request(`${gw.url}/e`)
    const before = origin.writes
    const { text } = await rawExchange(gw.url, 'PUT /e HTTP/1.1\r\nHost: x\r\nIf-Match: "stale"\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\n', { until: (r) => r.includes('\r\n\r\n') })
    assert.match(text, /^HTTP\/1\.1 412 /, 'no 100 Continue first')
    assert.equal(origin.writes, before)
  })
})
