import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startJsonServer } from '../helpers/json-server.ts'
import { request } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

const json = { 'content-type': 'application/json' }

describe('json-server@0.17.4 as a real third-party legacy API', () => {
  let server: Awaited<ReturnType<typeof startJsonServer>>
  let gw: TestGateway
  let strict: TestGateway
  before(async () => {
    server = await startJsonServer({ posts: [{ id: 1, title: 'one' }, { id: 2, title: 'two' }] })
    gw = await startIfgate(server.url)
    strict = await startIfgate(server.url, { defaults: { requirePrecondition: true } })
  })
  after(async () => {
    await gw.close()
    await strict.close()
    await server.close()
  })

  test('json-server itself sends weak ETags; through ifgate the client gets a strong one', async () => {
    const direct = await request(`${server.url}/posts/1`)
    assert.match(direct.headers.etag as string, /^W\//)
    const via = await request(`${gw.url}/posts/1`)
    assert.equal(via.status, 200)
    assert.match(via.headers.etag as string, /^"[A-Za-z0-9_-]{43}"$/)
    assert.deepEqual(via.json(), { id: 1, title: 'one' })
  })

  test('read → conditional write accepted → stale write refused with 412, zero origin writes', async () => {
    const read = await request(`${gw.url}/posts/1`)
    const tag = read.headers.etag as string
    const ok = await request(`${gw.url}/posts/1`, { method: 'PUT', headers: { ...json, 'if-match': tag }, body: '{"title":"edited"}' })
    assert.equal(ok.status, 200)
    assert.equal((await request(`${server.url}/posts/1`)).json().title, 'edited')
    const writes = await server.writes()
    const stale = await request(`${gw.url}/posts/1`, { method: 'PUT', headers: { ...json, 'if-match': tag }, body: '{"title":"lost"}' })
    assert.equal(stale.status, 412)
    assert.equal(stale.json().cause, 'stale-etag')
    assert.equal(await server.writes(), writes)
    assert.equal((await request(`${server.url}/posts/1`)).json().title, 'edited')
    const again = await request(`${gw.url}/posts/1`)
    assert.equal(again.headers.etag, stale.headers.etag, 'the 412 named the ETag a re-read returns')
  })

  test('If-None-Match: * is create-only', async () => {
    const exists = await request(`${gw.url}/posts/2`, { method: 'PUT', headers: { ...json, 'if-none-match': '*' }, body: '{"title":"x"}' })
    assert.equal(exists.status, 412)
    assert.equal(exists.json().cause, 'resource-exists')
    assert.equal((await request(`${server.url}/posts/2`)).json().title, 'two')
  })

  test('requirePrecondition → 428, and the write is not forwarded', async () => {
    const writes = await server.writes()
    const res = await request(`${strict.url}/posts/2`, { method: 'PATCH', headers: json, body: '{"title":"unguarded"}' })
    assert.equal(res.status, 428)
    assert.equal(await server.writes(), writes)
    assert.equal((await request(`${server.url}/posts/2`)).json().title, 'two')
  })

  test('edge 304 on a current synthesized ETag', async () => {
    const read = await request(`${gw.url}/posts/2`)
    const res = await request(`${gw.url}/posts/2`, { headers: { 'if-none-match': read.headers.etag as string } })
    assert.equal(res.status, 304)
    assert.equal(res.headers.etag, read.headers.etag)
  })

  test('a POST to the collection invalidates it; the new item is readable with its own ETag', async () => {
    const list = await request(`${gw.url}/posts`)
    const created = await request(`${gw.url}/posts`, { method: 'POST', headers: json, body: '{"title":"three"}' })
    assert.equal(created.status, 201)
    const stale = await request(`${gw.url}/posts`, { method: 'POST', headers: { ...json, 'if-match': list.headers.etag as string }, body: '{"title":"four"}' })
    assert.equal(stale.status, 412, 'the collection changed: its old ETag is stale')
  })
})
