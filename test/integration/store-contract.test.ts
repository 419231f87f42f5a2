import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { countingStore, type CountingStore } from '../helpers/counting-store.ts'
import { request } from '../helpers/http.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'
import { resourceKey } from '../../src/validators/store.ts'

const JSON_BODY = { 'content-type': 'application/json' }

/**
 * The store contract a remote store can meet: a write reads its entry once and changes it with
 * one atomic update (its parent collection's drop in the same call); a read that learns nothing
 * new writes nothing. Each call is a round trip to Redis, so these counts are the budget.
 */
describe('store contract: calls per request', () => {
  let origin: LegacyOrigin
  let store: CountingStore
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    store = countingStore()
    gw = await startIfgate(origin.url, {
      routes: [
        { path: '/', origin: origin.url },
        { path: '/x', origin: origin.url, ownership: 'exclusive' },
        { path: '/fix', origin: origin.url, ownership: 'exclusive', repair: ['weakened-etag'] }
      ]
    }, { store })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  /** Resolves to the store calls `send` made, after reading `path` once so the cache is warm. */
  async function callsOf (path: string, send: (etag: string) => Promise<number>, wantStatus: number): Promise<{ get: number; update: number }> {
    origin.set(path, { v: 0 })
    const etag = (await request(`${gw.url}${path}`)).headers.etag as string
    await request(`${gw.url}${path}`)
    store.reset()
    assert.equal(await send(etag), wantStatus)
    return { ...store.calls }
  }

  const put = (path: string, ifMatch: string): Promise<number> =>
    request(`${gw.url}${path}`, { method: 'PUT', headers: { 'if-match': ifMatch, ...JSON_BODY }, body: '{"v":1}' }).then((r) => r.status)

  test('GET of a cached resource that learns nothing new: one read, no update', async () => {
    const calls = await callsOf('/r/1', () => request(`${gw.url}/r/1`).then((r) => r.status), 200)
    assert.deepEqual(calls, { get: 1, update: 0 })
  })

  test('PUT, exclusive, current If-Match: one read, one update', async () => {
    assert.deepEqual(await callsOf('/x/1', (etag) => put('/x/1', etag), 200), { get: 1, update: 1 })
  })

  test('PUT, shared, current If-Match (confirmed by a lookup): one read, one update', async () => {
    const lookupsBefore = origin.requests.filter((r) => r.method === 'HEAD').length
    assert.deepEqual(await callsOf('/s/1', (etag) => put('/s/1', etag), 200), { get: 1, update: 1 })
    assert.equal(origin.requests.filter((r) => r.method === 'HEAD').length - lookupsBefore, 1, 'the lookup happened')
  })

  test('PUT with a stale If-Match answered 412 from the local tier: no round trip, no update', async () => {
    assert.deepEqual(await callsOf('/s/2', () => put('/s/2', '"stale"'), 412), { get: 0, update: 0 })
    assert.equal(store.peeks, 1)
  })

  test('a 412 the local tier cannot answer alone (a miss) reads the store once under the lock', async () => {
    origin.set('/s/miss', { v: 0 })
    store.reset()
    assert.equal(await put('/s/miss', '"stale"'), 412)
    assert.deepEqual({ ...store.calls }, { get: 1, update: 1 }, 'one read; the lookup it made is learned in one update')
  })

  test('what a write\'s lookup learned is in the store after its one update: the next stale write needs no lookup', async () => {
    origin.set('/s/learned', { v: 0 })
    const current = (await request(`${origin.url}/s/learned`)).headers.etag as string
    const heads = (): number => origin.requests.filter((r) => r.method === 'HEAD' && r.url === '/s/learned').length
    assert.equal(await put('/s/learned', '"stale"'), 412)
    assert.equal(heads(), 1, 'the miss looked the resource up')
    assert.equal(store.peek(resourceKey(origin.url, '/s/learned'))?.current?.includes(current), true, 'the looked-up ETag is the stored current one')
    store.reset()
    assert.equal(await put('/s/learned', '"stale"'), 412)
    assert.equal(heads(), 1, 'refused on what was stored, no second lookup')
    assert.deepEqual({ ...store.calls }, { get: 0, update: 0 })
  })

  test('PUT with an If-Match repaired (weakened-etag): one read, one update', async () => {
    assert.deepEqual(await callsOf('/fix/1', (etag) => put('/fix/1', `W/${etag}`), 200), { get: 1, update: 1 })
  })

  test('PUT on a cache miss (lookup, then forward): one read, one update', async () => {
    origin.set('/m/1', { v: 0 })
    const etag = (await request(`${origin.url}/m/1`)).headers.etag as string
    store.reset()
    assert.equal(await put('/m/1', etag), 200)
    assert.deepEqual({ ...store.calls }, { get: 1, update: 1 })
  })
})

describe('store contract: a stale write waits for nobody', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong', delayMs: 600 })
    gw = await startIfgate(origin.url, { routes: [{ path: '/', origin: origin.url, ownership: 'exclusive' }] })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('while a slow write holds the lock, a stale If-Match is answered 412 at once', async () => {
    origin.set('/slow/1', { v: 0 })
    const etag = (await request(`${gw.url}/slow/1`)).headers.etag as string
    const writing = request(`${gw.url}/slow/1`, { method: 'PUT', headers: { 'if-match': etag, ...JSON_BODY }, body: '{"v":1}' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = performance.now()
    const stale = await request(`${gw.url}/slow/1`, { method: 'PUT', headers: { 'if-match': '"stale"', ...JSON_BODY }, body: '{"v":2}' })
    const waited = performance.now() - started
    assert.equal(stale.status, 412)
    assert.ok(waited < 400, `the stale write waited ${waited.toFixed(0)} ms behind the holder`)
    assert.equal((await writing).status, 200)
    assert.deepEqual(origin.requests.filter((r) => r.method === 'PUT').map((r) => r.body), ['{"v":1}'], 'only the current write reached the origin')
  })
})
