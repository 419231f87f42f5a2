import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { request, startServer, type LocalServer } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

const ALICE = 'Bearer alice-token'
const BOB = 'Bearer bob-token'

/**
 * An origin with per-user data: /secret only for Alice (401 otherwise, with a challenge), /me the
 * caller's own document (`Vary: Authorization` unless `vary` is false), /tenant per X-Tenant
 * without any Vary. `tags` false: no ETags at all (ifgate synthesizes them from the body).
 */
function userOrigin (opts: { vary: boolean; tags: boolean }) {
  const versions = new Map<string, number>()
  const seen: Array<{ method: string; url: string; authorization: string | undefined; cookie: string | undefined }> = []
  let writes = 0
  const user = (req: IncomingMessage): string | undefined => (req.headers.authorization === ALICE ? 'alice' : req.headers.authorization === BOB ? 'bob' : undefined)
  const send = (res: ServerResponse, status: number, doc: string, body: unknown, vary?: string): void => {
    const v = versions.get(doc) ?? 1
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (opts.tags) headers.etag = `"${doc}-${v}"`
    if (vary !== undefined) headers.vary = vary
    res.writeHead(status, headers)
    res.end(JSON.stringify(body))
  }
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET'
    seen.push({ method, url: req.url ?? '', authorization: req.headers.authorization, cookie: req.headers.cookie })
    req.resume()
    req.on('end', () => {
      // /shared/… is the same document, reached through a route with ownership: shared.
      const path = (req.url ?? '/').split('?')[0].replace(/^\/shared(?=\/)/, '')
      const who = user(req)
      const write = method !== 'GET' && method !== 'HEAD'
      if (write) writes++
      if (path === '/secret') {
        if (who !== 'alice') {
          res.writeHead(401, { 'www-authenticate': 'Bearer realm="secret"', 'content-type': 'text/plain' })
          return void res.end('no')
        }
        if (write) versions.set('secret', (versions.get('secret') ?? 1) + 1)
        return send(res, write ? 204 : 200, 'secret', { pin: 42 })
      }
      if (path === '/me') {
        if (who === undefined) {
          res.writeHead(401, { 'www-authenticate': 'Bearer' })
          return void res.end()
        }
        if (write) versions.set(who, (versions.get(who) ?? 1) + 1)
        return send(res, write ? 204 : 200, who, { user: who, v: versions.get(who) ?? 1 }, opts.vary ? 'Authorization' : undefined)
      }
      if (path === '/tenant') {
        const tenant = String(req.headers['x-tenant'] ?? 'none')
        if (write) versions.set(tenant, (versions.get(tenant) ?? 1) + 1)
        return send(res, write ? 204 : 200, tenant, { tenant })
      }
      res.writeHead(404)
      res.end()
    })
  }
  return { handler, seen, writes: () => writes }
}

for (const tags of [true, false]) {
  describe(`regress issue 10: credentials decide disclosure (${tags ? 'origin ETags' : 'synthesized ETags'})`, () => {
    const o = userOrigin({ vary: true, tags })
    let server: LocalServer
    let gw: TestGateway
    before(async () => {
      server = await startServer(o.handler)
      gw = await startIfgate(server.url, {
        routes: [
          { path: '/', origin: server.url },
          { path: '/me', origin: server.url, ownership: 'exclusive' },
          { path: '/shared', origin: server.url, ownership: 'shared' }
        ]
      })
    })
    after(async () => {
      await gw.close()
      await server.close()
    })

    test('Bob, without credentials, is not shown the ETag of what Alice read: he gets the origin\'s 401', async () => {
      const alice = await request(`${gw.url}/secret`, { headers: { authorization: ALICE } })
      assert.equal(alice.status, 200)
      const etag = alice.headers.etag as string
      const before = o.writes()
      const bob = await request(`${gw.url}/secret`, { method: 'PUT', headers: { 'if-match': '"stale"', 'content-type': 'application/json' }, body: '{"pin":0}' })
      assert.equal(bob.status, 401)
      assert.equal(bob.headers['www-authenticate'], 'Bearer realm="secret"')
      assert.equal(bob.headers.etag, undefined)
      assert.ok(!bob.body.includes(etag.slice(1, -1)), 'the body does not carry Alice\'s ETag')
      assert.equal(o.writes(), before, 'nothing was written')
    })

    test('the lookup carries the client\'s Authorization and Cookie', async () => {
      const before = o.seen.length
      await request(`${gw.url}/secret`, { method: 'PUT', headers: { authorization: ALICE, cookie: 'sid=1', 'if-match': '"stale"', 'content-type': 'application/json' }, body: '{}' })
      const lookup = o.seen.slice(before).find((r) => r.method === 'HEAD' || r.method === 'GET')
      assert.ok(lookup !== undefined, 'a lookup was made')
      assert.equal(lookup.authorization, ALICE)
      assert.equal(lookup.cookie, 'sid=1')
    })

    test('a per-user /me (Vary: Authorization): Bob\'s write with Alice\'s ETag is refused on exclusive and shared routes', async () => {
      for (const path of ['/me', '/shared/me']) {
        const aliceTag = (await request(`${gw.url}${path}`, { headers: { authorization: ALICE } })).headers.etag as string
        const bobTag = (await request(`${gw.url}${path}`, { headers: { authorization: BOB } })).headers.etag as string
        assert.notEqual(aliceTag, bobTag)
        const before = o.writes()
        const res = await request(`${gw.url}${path}`, { method: 'PUT', headers: { authorization: BOB, 'if-match': aliceTag, 'content-type': 'application/json' }, body: '{}' })
        assert.equal(res.status, 412, `${path}: ${res.body}`)
        assert.equal(res.headers.etag, bobTag, 'the 412 names Bob\'s own current ETag')
        assert.equal(o.writes(), before)
        const ok = await request(`${gw.url}${path}`, { method: 'PUT', headers: { authorization: BOB, 'if-match': bobTag, 'content-type': 'application/json' }, body: '{}' })
        assert.equal(ok.status, 204, 'Bob\'s own ETag is current for Bob')
      }
    })
  })
}

describe('regress issue 10: a per-user resource without Vary, and keyBy', () => {
  const o = userOrigin({ vary: false, tags: true })
  let server: LocalServer
  let gw: TestGateway
  before(async () => {
    server = await startServer(o.handler)
    gw = await startIfgate(server.url, {
      routes: [
        { path: '/', origin: server.url, ownership: 'exclusive' },
        { path: '/tenant', origin: server.url, ownership: 'exclusive', keyBy: ['x-tenant'] }
      ]
    })
  })
  after(async () => {
    await gw.close()
    await server.close()
  })

  test('exclusive, no Vary: Bob\'s write with Alice\'s ETag is confirmed with Bob\'s credentials, and refused', async () => {
    const aliceTag = (await request(`${gw.url}/me`, { headers: { authorization: ALICE } })).headers.etag as string
    const before = o.writes()
    const res = await request(`${gw.url}/me`, { method: 'PUT', headers: { authorization: BOB, 'if-match': aliceTag, 'content-type': 'application/json' }, body: '{}' })
    assert.equal(res.status, 412)
    assert.equal(res.headers.etag, '"bob-1"')
    assert.equal(o.writes(), before)
  })

  test('keyBy: [x-tenant]: one tenant\'s cached validators are never shown to another', async () => {
    const a = await request(`${gw.url}/tenant`, { headers: { 'x-tenant': 'a' } })
    assert.equal(a.headers.etag, '"a-1"')
    const res = await request(`${gw.url}/tenant`, { method: 'PUT', headers: { 'x-tenant': 'b', 'if-match': '"stale"', 'content-type': 'application/json' }, body: '{}' })
    assert.equal(res.status, 412)
    assert.equal(res.headers.etag, '"b-1"', 'tenant b is told its own current ETag')
    const ok = await request(`${gw.url}/tenant`, { method: 'PUT', headers: { 'x-tenant': 'a', 'if-match': '"a-1"', 'content-type': 'application/json' }, body: '{}' })
    assert.equal(ok.status, 204)
  })

  test('a cache miss answered 401 by the origin is relayed, not turned into a 502', async () => {
    const res = await request(`${gw.url}/me`, { method: 'DELETE', headers: { 'if-match': '"x"' } })
    assert.equal(res.status, 401)
    assert.equal(res.headers['www-authenticate'], 'Bearer')
    assert.equal(res.json().status, 401)
  })
})
