import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from '../helpers/http.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startRedis, type RedisServer } from '../helpers/redis.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

const JSON_BODY = { 'content-type': 'application/json' }

/**
 * SPEC §9's budget on a shared store, counted by ifgate (ifgate_store_commands_total) and by the
 * server (INFO commandstats: EVALSHA calls): a write decided and forwarded makes two round trips
 * for its resource (the lock with the entry; the update with the release), plus one command per
 * related resource it invalidates (its collection), sent with the update in the same round trip;
 * a GET that learned nothing new makes none (compared with the local tier), a stale write the
 * local tier refuses none.
 */
describe('shared store: round trips per request', () => {
  let redis: RedisServer
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    redis = await startRedis()
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url, {
      routes: [{ path: '/', origin: origin.url }, { path: '/x', origin: origin.url, ownership: 'exclusive' }],
      store: { url: redis.url, keyPrefix: 'rt:' }
    })
  })
  after(async () => {
    await gw.close()
    await origin.close()
    await redis.stop()
  })

  const trips = async (): Promise<number> => {
    const text = (await request(`${gw.adminUrl}/metrics`)).body
    return Number(/^ifgate_store_commands_total (\d+)$/m.exec(text)?.[1] ?? NaN)
  }
  const evalshaCalls = async (): Promise<number> => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.command('INFO', 'commandstats'))?.[1] ?? 0)

  /** Resolves to the commands `send` made after the resource was read twice (cached, nothing new to learn), by ifgate's count and the server's EVALSHA count. */
  async function countsOf (path: string, send: (etag: string) => Promise<number>, status: number): Promise<{ commands: number; scripts: number }> {
    origin.set(path, { v: 0 })
    const etag = (await request(`${gw.url}${path}`)).headers.etag as string
    await request(`${gw.url}${path}`)
    const before = { commands: await trips(), scripts: await evalshaCalls() }
    assert.equal(await send(etag), status)
    return { commands: (await trips()) - before.commands, scripts: (await evalshaCalls()) - before.scripts }
  }
  const tripsOf = async (path: string, send: (etag: string) => Promise<number>, status: number): Promise<number> => (await countsOf(path, send, status)).commands
  const put = (path: string, ifMatch: string): Promise<number> =>
    request(`${gw.url}${path}`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': ifMatch }, body: '{"v":1}' }).then((r) => r.status)

  test('a GET that learns nothing new from what this replica holds: no round trip', async () => {
    assert.equal(await tripsOf('/g/1', () => request(`${gw.url}/g/1`).then((r) => r.status), 200), 0)
  })

  test('a GET of a resource this replica holds nothing of: one read, one update with what it learned', async () => {
    origin.set('/g/2', { v: 0 })
    const before = await trips()
    assert.equal((await request(`${gw.url}/g/2`)).status, 200)
    assert.equal(await trips() - before, 2)
  })

  test('a PUT decided from the store and forwarded (exclusive): the lock, then the update with the release and the collection\'s drop', async () => {
    assert.deepEqual(await countsOf('/x/1', (etag) => put('/x/1', etag), 200), { commands: 3, scripts: 3 })
  })

  test('a PUT confirmed by a lookup and forwarded (shared): the same three commands', async () => {
    assert.equal(await tripsOf('/s/1', (etag) => put('/s/1', etag), 200), 3)
  })

  test('a PUT to the root (no collection to drop): two commands', async () => {
    assert.equal(await tripsOf('/', (etag) => put('/', etag), 200), 2)
  })

  test('a PUT with a tag this replica saw superseded: refused by the local tier, no round trip', async () => {
    origin.set('/s/2', { v: 0 })
    const first = (await request(`${gw.url}/s/2`)).headers.etag as string
    assert.equal(await put('/s/2', first), 200)
    const before = await trips()
    assert.equal(await put('/s/2', first), 412)
    assert.equal(await trips() - before, 0)
  })

  test('a PUT with a tag this replica never saw (it may be newer than its copy): decided on the store, the lock and its release', async () => {
    assert.equal(await tripsOf('/s/3', () => put('/s/3', '"unknown"'), 412), 2)
  })

  test('the lock is free after the write that released it in its update', async () => {
    origin.set('/x/2', { v: 0 })
    let etag = (await request(`${gw.url}/x/2`)).headers.etag as string
    for (let i = 0; i < 5; i++) {
      const res = await request(`${gw.url}/x/2`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': etag }, body: `{"v":${i}}` })
      assert.equal(res.status, 200)
      etag = res.headers.etag as string
    }
    assert.equal(await redis.command('EXISTS', 'rt:{' + new URL(origin.url).origin + '/x/2}:l'), ':0\r\n', 'no lock left behind')
  })
})

/**
 * Starts, for the describe block it is called in, a Redis, a legacy origin and two ifgate
 * replicas on it with one exclusive route (`defaults` added); resolves them through `get()`.
 */
function twoReplicas (originOptions: Parameters<typeof startLegacyOrigin>[0], defaults?: Record<string, unknown>): () => { origin: LegacyOrigin, a: TestGateway, b: TestGateway } {
  let redis: RedisServer
  let origin: LegacyOrigin
  let a: TestGateway
  let b: TestGateway
  before(async () => {
    redis = await startRedis()
    origin = await startLegacyOrigin(originOptions)
    const config = { routes: [{ path: '/', origin: origin.url, ownership: 'exclusive' }], ...(defaults === undefined ? {} : { defaults }), store: { url: redis.url } }
    a = await startIfgate(origin.url, config)
    b = await startIfgate(origin.url, config)
  })
  after(async () => {
    await a.close()
    await b.close()
    await origin.close()
    await redis.stop()
  })
  return () => ({ origin, a, b })
}

describe('shared store: a replica\'s local copy never refuses a tag it does not know', () => {
  const pair = twoReplicas({ etag: 'strong' })

  test('A holds v1; a write through B makes v2; v2 sent to A is accepted, v1 sent to A is refused', async () => {
    const { origin, a, b } = pair()
    origin.set('/d/1', { v: 0 })
    const v1 = (await request(`${a.url}/d/1`)).headers.etag as string
    const viaB = await request(`${b.url}/d/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': v1 }, body: '{"v":1}' })
    assert.equal(viaB.status, 200)
    const v2 = viaB.headers.etag as string
    assert.notEqual(v2, v1)
    // A's own copy still says v1 is current; only the shared store knows v2.
    assert.equal((await request(`${a.url}/d/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': v2 }, body: '{"v":2}' })).status, 200)
    const stale = await request(`${a.url}/d/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': v1 }, body: '{"v":3}' })
    assert.equal(stale.status, 412)
    assert.equal(stale.json().cause, 'stale-etag')
    assert.equal(origin.requests.filter((r) => r.method === 'PUT').length, 2)
  })
})

describe('shared store: lock.maxQueue and lock.waitMs bound the wait across replicas', () => {
  const pair = twoReplicas({ etag: 'strong', delayMs: 700 }, { lock: { maxQueue: 2, waitMs: 5000 } })

  test('one holder, two waiters across both replicas, the rest 503 IFG_ERR_LOCK_QUEUE_FULL at once', async () => {
    const { origin, a, b } = pair()
    origin.set('/q/1', { v: 0 })
    const etag = (await request(`${a.url}/q/1`)).headers.etag as string
    const send = (gw: TestGateway, i: number): Promise<{ status: number; code: string | undefined; ms: number }> => {
      const started = performance.now()
      return request(`${gw.url}/q/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': etag }, body: `{"v":${i}}` })
        .then((r) => ({ status: r.status, code: r.status === 503 ? r.json().code as string : undefined, ms: performance.now() - started }))
    }
    const first = send(a, 0)
    await new Promise((resolve) => setTimeout(resolve, 150))
    const rest = await Promise.all([send(b, 1), send(a, 2), send(b, 3), send(a, 4), send(b, 5)])
    const all = [await first, ...rest]
    const full = all.filter((r) => r.code === 'IFG_ERR_LOCK_QUEUE_FULL')
    assert.equal(full.length, 3, JSON.stringify(all))
    for (const r of full) assert.ok(r.ms < 500, `refused at once, not after a wait (${r.ms.toFixed(0)} ms)`)
    assert.equal(all.filter((r) => r.status === 200).length, 1, 'one write got through; the waiters then met its new ETag')
    assert.equal(all.filter((r) => r.status === 412).length, 2)
  })
})
