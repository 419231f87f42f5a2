import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { request } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

// The same flows against an origin with strong ETags (ifgate uses them) and one without ETags
// (ifgate synthesizes them from the body).
for (const etag of ['strong', 'none'] as const) {
  describe(`origin with etag: ${etag}`, () => {
    let origin: LegacyOrigin
    let gw: TestGateway
    before(async () => {
      origin = await startLegacyOrigin({ etag })
      gw = await startIfgate(origin.url)
    })
    after(async () => {
      await gw.close()
      await origin.close()
    })

    test('read → conditional write accepted → stale write refused at the edge, origin untouched', async () => {
      origin.set('/notes/1', { id: 1, text: 'first' })
      const read = await request(`${gw.url}/notes/1`)
      assert.equal(read.status, 200)
      const tag = read.headers.etag as string
      assert.match(tag, /^"[^"]+"$/, 'a strong ETag reaches the client')
      if (etag === 'strong') assert.equal(tag, (await request(`${origin.url}/notes/1`)).headers.etag)

      const before = origin.writes
      const ok = await request(`${gw.url}/notes/1`, { method: 'PUT', headers: { 'if-match': tag, 'content-type': 'application/json' }, body: '{"id":1,"text":"second"}' })
      assert.equal(ok.status, 200)
      assert.equal(origin.writes, before + 1)

      const stale = await request(`${gw.url}/notes/1`, { method: 'PUT', headers: { 'if-match': tag, 'content-type': 'application/json' }, body: '{"id":1,"text":"lost"}' })
      assert.equal(stale.status, 412)
      assert.equal(origin.writes, before + 1, 'the stale write never reached the origin')
      assert.equal(stale.headers['content-type'], 'application/problem+json')
      const problem = stale.json()
      assert.equal(problem.status, 412)
      assert.equal(problem.cause, 'stale-etag')
      assert.ok(problem.currentEtag !== tag && typeof problem.currentEtag === 'string')
      assert.equal(stale.headers.etag, problem.currentEtag, 'the 412 carries the current ETag')
      assert.match(problem.detail, /If-Match/)
      assert.ok(problem.detail.includes(tag) && problem.detail.includes(problem.currentEtag))
      assert.equal(problem.requestId, stale.headers['x-request-id'])
      assert.equal(typeof problem.hint, 'string')
      assert.deepEqual(origin.get('/notes/1'), { id: 1, text: 'second' })

      // The client re-reads with the ETag from the 412 and succeeds.
      const retry = await request(`${gw.url}/notes/1`, { method: 'PUT', headers: { 'if-match': problem.currentEtag, 'content-type': 'application/json' }, body: '{"id":1,"text":"merged"}' })
      assert.equal(retry.status, 200)
      assert.deepEqual(origin.get('/notes/1'), { id: 1, text: 'merged' })
    })

    test('If-None-Match: * creates once, then refuses with resource-exists', async () => {
      const before = origin.writes
      const created = await request(`${gw.url}/notes/new`, { method: 'PUT', headers: { 'if-none-match': '*', 'content-type': 'application/json' }, body: '{"n":1}' })
      assert.ok(created.status === 201 || created.status === 200, `created: ${created.status}`)
      const again = await request(`${gw.url}/notes/new`, { method: 'PUT', headers: { 'if-none-match': '*', 'content-type': 'application/json' }, body: '{"n":2}' })
      assert.equal(again.status, 412)
      assert.equal(again.json().cause, 'resource-exists')
      assert.equal(origin.writes, before + 1)
      assert.deepEqual(origin.get('/notes/new'), { n: 1 })
    })

    test('If-Match on a missing resource: 412 resource-missing for PUT, the origin\'s 404 for DELETE', async () => {
      const before = origin.writes
      const put = await request(`${gw.url}/notes/ghost`, { method: 'PUT', headers: { 'if-match': '"x"' }, body: '{}' })
      assert.equal(put.status, 412)
      assert.equal(put.json().cause, 'resource-missing')
      assert.equal(put.json().currentEtag, null)
      assert.equal(origin.writes, before)
      const del = await request(`${gw.url}/notes/ghost`, { method: 'DELETE', headers: { 'if-match': '"x"' } })
      assert.equal(del.status, 404, 'RFC 9110 §13.2.1: the 404 wins')
    })

    test('edge 304 for GET and HEAD when the client copy is current, with validators and no body', async () => {
      origin.set('/notes/304', { id: 304 })
      const read = await request(`${gw.url}/notes/304`)
      for (const method of ['GET', 'HEAD']) {
        const res = await request(`${gw.url}/notes/304`, { method, headers: { 'if-none-match': `"other", ${read.headers.etag as string}` } })
        assert.equal(res.status, 304, method)
        assert.equal(res.body, '')
        assert.equal(res.headers.etag, read.headers.etag)
      }
      const changed = await request(`${gw.url}/notes/304`, { headers: { 'if-none-match': '"other"' } })
      assert.equal(changed.status, 200)
      assert.deepEqual(changed.json(), { id: 304 })
    })

    test('If-Unmodified-Since: an older date is refused with modified-since and Last-Modified', async () => {
      origin.set('/notes/ius', { id: 'ius' })
      const read = await request(`${gw.url}/notes/ius`)
      const lastModified = read.headers['last-modified'] as string
      assert.ok(lastModified)
      const old = new Date(Date.parse(lastModified) - 3600_000).toUTCString()
      const refused = await request(`${gw.url}/notes/ius`, { method: 'PUT', headers: { 'if-unmodified-since': old }, body: '{}' })
      assert.equal(refused.status, 412)
      assert.equal(refused.json().cause, 'modified-since')
      assert.equal(refused.headers['last-modified'], lastModified)
      const ok = await request(`${gw.url}/notes/ius`, { method: 'PUT', headers: { 'if-unmodified-since': lastModified }, body: '{"id":"ius2"}' })
      assert.equal(ok.status, 200)
    })

    test('Prefer: return=representation puts the current JSON in the 412', async () => {
      origin.set('/notes/prefer', { id: 'p', v: 1 })
      const res = await request(`${gw.url}/notes/prefer`, { method: 'PATCH', headers: { 'if-match': '"stale"', prefer: 'return=representation' }, body: '{}' })
      assert.equal(res.status, 412)
      assert.deepEqual(res.json().current, { id: 'p', v: 1 })
      const plain = await request(`${gw.url}/notes/prefer`, { method: 'PATCH', headers: { 'if-match': '"stale"' }, body: '{}' })
      assert.equal(plain.json().current, undefined)
    })

    test('a write without preconditions is forwarded and invalidates the cached validators', async () => {
      origin.set('/notes/u', { v: 1 })
      const read = await request(`${gw.url}/notes/u`)
      const put = await request(`${gw.url}/notes/u`, { method: 'PUT', body: '{"v":2}' })
      assert.equal(put.status, 200)
      const stale = await request(`${gw.url}/notes/u`, { method: 'PUT', headers: { 'if-match': read.headers.etag as string }, body: '{"v":3}' })
      assert.equal(stale.status, 412)
      assert.deepEqual(origin.get('/notes/u'), { v: 2 })
    })
  })
}

describe('policies', () => {
  let origin: LegacyOrigin
  before(async () => { origin = await startLegacyOrigin({ etag: 'strong' }) })
  after(async () => { await origin.close() })

  test('requirePrecondition: 428 naming the headers, nothing reaches the origin', async () => {
    const gw = await startIfgate(origin.url, { defaults: { requirePrecondition: true } })
    try {
      origin.set('/r/1', { a: 1 })
      const before = origin.writes
      for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
        const res = await request(`${gw.url}/r/1`, method === 'DELETE' ? { method } : { method, body: '{}' })
        assert.equal(res.status, 428, method)
        assert.equal(res.headers['content-type'], 'application/problem+json')
        assert.match(res.json().detail, /If-Match/)
      }
      // A placeholder is a precondition that fails, never "no precondition".
      const placeholder = await request(`${gw.url}/r/1`, { method: 'PUT', headers: { 'if-match': 'null' }, body: '{}' })
      assert.equal(placeholder.status, 412)
      assert.equal(origin.writes, before)
      const read = await request(`${gw.url}/r/1`)
      assert.equal(read.status, 200, 'reads need no precondition')
      const ok = await request(`${gw.url}/r/1`, { method: 'PUT', headers: { 'if-match': read.headers.etag as string }, body: '{"a":2}' })
      assert.equal(ok.status, 200)
    } finally {
      await gw.close()
    }
  })

  test('ownership: exclusive accepts from the cache without a lookup; shared confirms with the origin', async () => {
    for (const ownership of ['exclusive', 'shared'] as const) {
      const gw = await startIfgate(origin.url, { defaults: { ownership } })
      try {
        origin.set(`/own/${ownership}`, { a: 1 })
        const read = await request(`${gw.url}/own/${ownership}`)
        const lookupsBefore = origin.requests.filter((r) => r.method === 'HEAD').length
        const ok = await request(`${gw.url}/own/${ownership}`, { method: 'PUT', headers: { 'if-match': read.headers.etag as string }, body: '{"a":2}' })
        assert.equal(ok.status, 200)
        const lookups = origin.requests.filter((r) => r.method === 'HEAD').length - lookupsBefore
        assert.equal(lookups, ownership === 'exclusive' ? 0 : 1, ownership)
      } finally {
        await gw.close()
      }
    }
  })

  test('shared ownership: a change made behind ifgate\'s back is caught by the confirmation lookup', async () => {
    const gw = await startIfgate(origin.url)
    try {
      origin.set('/behind/1', { v: 1 })
      const read = await request(`${gw.url}/behind/1`)
      origin.set('/behind/1', { v: 'changed directly' })
      const before = origin.writes
      const res = await request(`${gw.url}/behind/1`, { method: 'PUT', headers: { 'if-match': read.headers.etag as string }, body: '{"v":2}' })
      assert.equal(res.status, 412)
      assert.equal(origin.writes, before)
    } finally {
      await gw.close()
    }
  })

  test('origin ETags are forwarded with the write; synthesized ones are stripped', async () => {
    const none = await startLegacyOrigin({ etag: 'none' })
    const gwStrong = await startIfgate(origin.url)
    const gwSynth = await startIfgate(none.url)
    try {
      origin.set('/fwd/1', { v: 1 })
      none.set('/fwd/1', { v: 1 })
      const a = await request(`${gwStrong.url}/fwd/1`)
      await request(`${gwStrong.url}/fwd/1`, { method: 'PUT', headers: { 'if-match': a.headers.etag as string }, body: '{"v":2}' })
      assert.equal(origin.requests.at(-1)?.headers['if-match'], a.headers.etag)
      const b = await request(`${gwSynth.url}/fwd/1`)
      await request(`${gwSynth.url}/fwd/1`, { method: 'PUT', headers: { 'if-match': b.headers.etag as string }, body: '{"v":2}' })
      assert.equal(none.requests.at(-1)?.method, 'PUT')
      assert.equal(none.requests.at(-1)?.headers['if-match'], undefined)
    } finally {
      await gwStrong.close()
      await gwSynth.close()
      await none.close()
    }
  })
})
