import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { request } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'
import { sample as sampleOf } from '../helpers/prometheus.ts'

/** The value of one sample, 0 when absent (a counter not yet moved). */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number => sampleOf(text, name, labels) ?? 0

const JSON_BODY = { 'content-type': 'application/json' }
const TOKEN = 'purge-secret-1'
/** SPEC §11: with admin.token set, every admin endpoint but the probes and /metrics needs it. */
const AUTH = { authorization: `Bearer ${TOKEN}` }

describe('admin listener', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  let locked: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url, { admin: { listen: '127.0.0.1:0', token: TOKEN, diagnosesRingSize: 3 }, routes: [{ path: '/', origin: origin.url, name: 'api' }, { path: '/strict', origin: origin.url, name: 'strict', requirePrecondition: true }] })
    locked = await startIfgate(origin.url)
  })
  after(async () => {
    await gw.close()
    await locked.close()
    await origin.close()
  })
  const metrics = async (): Promise<string> => (await request(`${gw.adminUrl}/metrics`)).body

  test('with admin.token, every endpoint but /healthz, /readyz and /metrics needs it (401 problem, WWW-Authenticate: Bearer)', async () => {
    for (const path of ['/validators?url=/a', '/diagnoses', '/stats', '/nope', '/assets/dashboard.js']) {
      const res = await request(`${gw.adminUrl}${path}`)
      assert.equal(res.status, 401, path)
      assert.equal(res.headers['content-type'], 'application/problem+json', path)
      assert.equal(res.headers['www-authenticate'], 'Bearer', path)
      assert.equal((await request(`${gw.adminUrl}${path}`, { headers: { authorization: 'Bearer wrong' } })).status, 401, path)
    }
    for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await request(`${gw.adminUrl}${path}`)).status, 200, path)
    assert.equal((await request(`${gw.adminUrl}/stats`, { headers: AUTH })).status, 200)
    // Without a token configured, the same endpoints need none.
    assert.equal((await request(`${locked.adminUrl}/stats`)).status, 200)
  })

  test('/healthz and /readyz answer 200 JSON', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await request(`${gw.adminUrl}${path}`)
      assert.equal(res.status, 200, path)
      assert.equal(res.headers['content-type'], 'application/json')
    }
    assert.equal((await request(`${gw.adminUrl}/readyz`)).json().status, 'ready')
  })

  test('a write that takes the lock is counted in ifgate_lock_wait_seconds', async () => {
    origin.set('/m/lock', { v: 1 })
    const etag = (await request(`${gw.url}/m/lock`)).headers.etag as string
    const before = await metrics()
    assert.equal((await request(`${gw.url}/m/lock`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': etag }, body: '{}' })).status, 200)
    const after = await metrics()
    assert.equal(sample(after, 'ifgate_lock_wait_seconds_count', { route: 'api' }) - sample(before, 'ifgate_lock_wait_seconds_count', { route: 'api' }), 1)
  })

  test('/metrics moves for every decision: forwarded, edge-412, edge-304, edge-428, error', async () => {
    origin.set('/m/1', { v: 1 })
    const before = await metrics()
    const read = await request(`${gw.url}/m/1`)
    assert.equal(read.status, 200)
    assert.equal((await request(`${gw.url}/m/1`, { headers: { 'if-none-match': read.headers.etag as string } })).status, 304)
    assert.equal((await request(`${gw.url}/m/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': '"stale"' }, body: '{}' })).status, 412)
    assert.equal((await request(`${gw.url}/strict/1`, { method: 'PUT', headers: JSON_BODY, body: '{}' })).status, 428)
    assert.equal((await request(`${gw.url}/m/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': `W/${read.headers.etag as string}` }, body: '{}' })).status, 412)
    const after = await metrics()
    const delta = (name: string, labels: Record<string, string>): number => sample(after, name, labels) - sample(before, name, labels)
    assert.equal(delta('ifgate_requests_total', { route: 'api', method: 'GET', status_class: '2xx', decision: 'forwarded' }), 1)
    assert.equal(delta('ifgate_requests_total', { route: 'api', method: 'GET', status_class: '3xx', decision: 'edge-304' }), 1)
    assert.equal(delta('ifgate_requests_total', { route: 'api', method: 'PUT', status_class: '4xx', decision: 'edge-412' }), 2)
    assert.equal(delta('ifgate_requests_total', { route: 'strict', method: 'PUT', status_class: '4xx', decision: 'edge-428' }), 1)
    assert.equal(delta('ifgate_edge_412_total', { route: 'api', cause: 'unknown-etag' }), 1)
    assert.equal(delta('ifgate_edge_412_total', { route: 'api', cause: 'weakened-etag' }), 1)
    assert.ok(delta('ifgate_origin_duration_seconds_count', { route: 'api' }) >= 1)
    // Both 412s were answered from what the process holds, before the lock (SPEC §3: a cached validator may always reject).
    assert.equal(delta('ifgate_lock_wait_seconds_count', { route: 'api' }), 0)
    assert.ok(sample(after, 'ifgate_validator_cache_entries') >= 1)
    assert.ok(sample(after, 'ifgate_validator_cache_bytes') > 0)
    assert.ok(sample(after, 'process_cpu_user_seconds_total') > 0, 'prom-client process metrics')
    assert.ok(!after.includes('/m/1'), 'no URL in any label')
  })

  test('an origin failure counts as decision error', async () => {
    const dead = await startLegacyOrigin()
    const g = await startIfgate(dead.url)
    await dead.close()
    try {
      assert.equal((await request(`${g.url}/x`)).status, 502)
      const text = (await request(`${g.adminUrl}/metrics`)).body
      assert.equal(sample(text, 'ifgate_requests_total', { method: 'GET', status_class: '5xx', decision: 'error' }), 1)
    } finally {
      await g.close()
    }
  })

  test('GET /validators?url= shows current validators and the history a write made', async () => {
    origin.set('/v/1', { v: 1 })
    const tag = (await request(`${gw.url}/v/1?q=1`)).headers.etag as string
    assert.equal((await request(`${gw.url}/v/1?q=1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"v":2}' })).status, 200)
    const next = (await request(`${gw.url}/v/1?q=1`)).headers.etag as string
    const res = await request(`${gw.adminUrl}/validators?url=${encodeURIComponent('/v/1?q=1')}`, { headers: AUTH })
    assert.equal(res.status, 200)
    const view = res.json()
    assert.equal(view.key, `${origin.url}/v/1?q=1`)
    assert.equal(view.route, 'api')
    assert.equal(view.writes, 1)
    assert.equal(view.current[0].etag, next)
    assert.equal(view.current[0].source, 'origin')
    assert.equal(typeof view.current[0].ageMs, 'number')
    assert.deepEqual(view.history.map((h: { etag: string; byWrite: boolean }) => [h.etag, h.byWrite]), [[tag, true]])
  })

  const errors: Array<{ name: string; path: string; method?: string; want: number }> = [
    { name: 'a resource never seen', path: '/validators?url=/never/seen', want: 404 },
    { name: 'url missing', path: '/validators', want: 400 },
    { name: 'url not a path', path: '/validators?url=http://x/y', want: 400 },
    { name: 'an unknown endpoint', path: '/nope', want: 404 },
    { name: 'POST /healthz', path: '/healthz', method: 'POST', want: 405 },
    { name: 'PUT /validators', path: '/validators?url=/a', method: 'PUT', want: 405 },
    { name: 'limit not a number', path: '/diagnoses?limit=lots', want: 400 },
    { name: 'limit zero', path: '/diagnoses?limit=0', want: 400 }
  ]
  for (const c of errors) {
    test(`admin error: ${c.name} → ${c.want} problem+json`, async () => {
      const res = await request(`${gw.adminUrl}${c.path}`, { method: c.method ?? 'GET', headers: AUTH })
      assert.equal(res.status, c.want)
      assert.equal(res.headers['content-type'], 'application/problem+json')
      assert.equal(res.json().status, c.want)
    })
  }

  test('DELETE /validators: refused without a configured token, 401 without or with a wrong bearer, purges with it', async () => {
    assert.equal((await request(`${locked.adminUrl}/validators`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status, 403)
    origin.set('/p/1', { v: 1 })
    origin.set('/p/2', { v: 1 })
    await request(`${gw.url}/p/1`)
    await request(`${gw.url}/p/2`)
    const none = await request(`${gw.adminUrl}/validators?url=/p/1`, { method: 'DELETE' })
    assert.equal(none.status, 401)
    assert.equal(none.headers['www-authenticate'], 'Bearer')
    assert.equal((await request(`${gw.adminUrl}/validators?url=/p/1`, { method: 'DELETE', headers: { authorization: 'Bearer wrong' } })).status, 401)
    const one = await request(`${gw.adminUrl}/validators?url=/p/1`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })
    assert.deepEqual([one.status, one.json().purged], [200, 1])
    assert.equal((await request(`${gw.adminUrl}/validators?url=/p/1`, { headers: AUTH })).status, 404)
    assert.equal((await request(`${gw.adminUrl}/validators?url=/p/2`, { headers: AUTH })).status, 200)
    const all = await request(`${gw.adminUrl}/validators`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(all.status, 200)
    assert.ok(all.json().purged >= 1)
    assert.equal((await request(`${gw.adminUrl}/validators?url=/p/2`, { headers: AUTH })).status, 404)
  })

  test('GET /diagnoses lists the most recent edge 412s, newest first, within the ring size', async () => {
    origin.set('/d/1', { v: 1 })
    await request(`${gw.url}/d/1`)
    const ids: string[] = []
    for (const tag of ['"a"', '"b"', '"c"', '"d"']) {
      const res = await request(`${gw.url}/d/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag, via: '1.1 cdn' }, body: '{}' })
      assert.equal(res.status, 412)
      ids.push(res.headers['x-request-id'] as string)
    }
    const list = (await request(`${gw.adminUrl}/diagnoses?limit=10`, { headers: AUTH })).json().diagnoses
    assert.equal(list.length, 3, 'admin.diagnosesRingSize bounds the ring')
    assert.deepEqual(list.map((d: { requestId: string }) => d.requestId), ids.slice(1).reverse())
    assert.deepEqual(
      { ...list[0], time: undefined, currentEtag: undefined },
      { time: undefined, route: 'api', method: 'PUT', url: '/d/1', cause: 'unknown-etag', decision: 'edge-412', header: 'if-match', sent: '"d"', currentEtag: undefined, requestId: ids[3], intermediary: 'proxy' }
    )
    assert.match(list[0].currentEtag, /^"v\d+"$/)
    assert.equal((await request(`${gw.adminUrl}/diagnoses?limit=1`, { headers: AUTH })).json().diagnoses.length, 1)
  })
})
