import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from '../helpers/http.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

/**
 * Sends a PUT whose head arrives now and whose 2-byte body only once `meanwhile` is done; resolves
 * to the status and ETag of the response.
 */
async function putWithLateBody (url: string, path: string, ifMatch: string, meanwhile: () => Promise<void>): Promise<{ status: number; etag: string | undefined }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  await once(socket, 'connect')
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  socket.write(`PUT ${path} HTTP/1.1\r\nHost: x\r\nIf-Match: ${ifMatch}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n`)
  await meanwhile()
  socket.write('{}')
  const deadline = Date.now() + 5000
  while (!/\r\n\r\n[\s\S]*\}/.test(text) && Date.now() < deadline) await sleep(10)
  socket.destroy()
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])
  return { status, etag: /\r\netag: ([^\r]+)/i.exec(text)?.[1] }
}

/**
 * SPEC §2: a write is decided under the lock on what the store holds then. What the cache told
 * the write when its head arrived (before its body and the lock) may be used again only when it
 * is still exactly that: the same entry, every variant still fresh.
 */
describe('regress: the decision under the lock is taken on the entry as it is then', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  const heads = (): number => origin.requests.filter((r) => r.method === 'HEAD').length
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    origin.set('/a', {})
    origin.set('/b', {})
    gw = await startIfgate(origin.url, { defaults: { ownership: 'exclusive', validatorTtlMs: 400 } })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('a write superseded while its body was on the way is refused, not forwarded over the newer one', async () => {
    const read = await request(`${gw.url}/a`)
    assert.equal(read.headers.etag, '"v1"')
    const writesBefore = origin.writes
    // A sends If-Match "v1", current when its head arrives; B writes on "v1" before A's body comes.
    const late = await putWithLateBody(gw.url, '/a', '"v1"', async () => {
      await sleep(100)
      const b = await request(`${gw.url}/a`, { method: 'PUT', headers: { 'if-match': '"v1"', 'content-type': 'application/json' }, body: '{}' })
      assert.equal(b.status, 200)
      assert.equal(b.headers.etag, '"v2"')
    })
    assert.equal(late.status, 412, `A, on the superseded "v1", was answered ${late.status}`)
    assert.equal(late.etag, '"v2"')
    assert.equal(origin.writes - writesBefore, 1, 'only B reached the origin')
  })

  test('a write whose cached validators expired while its body was on the way asks the origin first', async () => {
    const read = await request(`${gw.url}/b`)
    const etag = read.headers.etag as string
    const headsBefore = heads()
    // Fresh when the head arrives; past validatorTtlMs (400 ms) when the body does.
    const late = await putWithLateBody(gw.url, '/b', etag, () => sleep(600))
    assert.equal(late.status, 200)
    assert.equal(heads() - headsBefore, 1, 'the expired validators were confirmed by a lookup')
  })
})
