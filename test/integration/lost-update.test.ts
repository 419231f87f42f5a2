import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startJsonServer } from '../helpers/json-server.ts'
import { request } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

const WRITERS = 20
const ROUNDS = 5

interface Target {
  readonly gw: () => TestGateway
  readonly writes: () => number
  readonly path: string
}

/** 20 concurrent PUTs with the same current If-Match: exactly one wins, 19 get 412, the origin sees one write. */
async function round (t: Target, n: number): Promise<void> {
  const read = await request(`${t.gw().url}${t.path}`)
  assert.equal(read.status, 200)
  const tag = read.headers.etag as string
  const before = t.writes()
  const results = await Promise.all(Array.from({ length: WRITERS }, (_, i) =>
    request(`${t.gw().url}${t.path}`, {
      method: 'PUT',
      headers: { 'if-match': tag, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, title: `round ${n} writer ${i}` })
    })))
  const statuses = results.map((r) => r.status)
  assert.equal(statuses.filter((s) => s === 200).length, 1, `one success in round ${n}: ${statuses.join(',')}`)
  assert.equal(statuses.filter((s) => s === 412).length, WRITERS - 1, `19 × 412 in round ${n}`)
  assert.equal(t.writes() - before, 1, `the origin received exactly one write in round ${n}`)
}

describe('lost updates: scripted legacy origin (no concurrency control, slow writes)', () => {
  for (const ownership of ['shared', 'exclusive'] as const) {
    describe(`ownership: ${ownership}`, () => {
      let origin: LegacyOrigin
      let gw: TestGateway
      before(async () => {
        origin = await startLegacyOrigin({ etag: 'strong', delayMs: 20 })
        gw = await startIfgate(origin.url, { defaults: { ownership } })
        origin.set('/items/1', { id: 1, title: 'start' })
      })
      after(async () => {
        await gw.close()
        await origin.close()
      })
      for (let n = 1; n <= ROUNDS; n++) {
        test(`round ${n}: 20 concurrent writers, one wins`, () => round({ gw: () => gw, writes: () => origin.writes, path: '/items/1' }, n))
      }
      test('20 writes to 20 different resources all succeed concurrently', async () => {
        const tags = await Promise.all(Array.from({ length: WRITERS }, async (_, i) => {
          origin.set(`/many/${i}`, { id: i })
          return (await request(`${gw.url}/many/${i}`)).headers.etag as string
        }))
        const before = origin.writes
        const started = performance.now()
        const results = await Promise.all(tags.map((tag, i) => request(`${gw.url}/many/${i}`, { method: 'PUT', headers: { 'if-match': tag }, body: JSON.stringify({ id: i, v: 2 }) })))
        const elapsed = performance.now() - started
        assert.deepEqual(results.map((r) => r.status), Array(WRITERS).fill(200))
        assert.equal(origin.writes - before, WRITERS)
        // Serialised, 20 writes of ≥ 20 ms each would take ≥ 400 ms; in parallel they overlap.
        assert.ok(elapsed < WRITERS * 20, `different keys do not wait on each other (${elapsed.toFixed(0)} ms)`)
      })
    })
  }
})

describe('lost updates: json-server@0.17.4 (weak ETags, no If-Match support)', () => {
  let server: Awaited<ReturnType<typeof startJsonServer>>
  let gw: TestGateway
  before(async () => {
    server = await startJsonServer({ posts: [{ id: 1, title: 'start' }] })
    gw = await startIfgate(server.url)
  })
  after(async () => {
    await gw.close()
    await server.close()
  })
  for (let n = 1; n <= ROUNDS; n++) {
    test(`round ${n}: 20 concurrent writers, one wins`, () => round({ gw: () => gw, writes: () => server.writes(), path: '/posts/1' }, n))
  }
})

describe('lost updates: a write whose outcome ifgate never saw', () => {
  for (const ownership of ['shared', 'exclusive'] as const) {
    describe(`ownership: ${ownership}`, () => {
      let origin: LegacyOrigin
      let gw: TestGateway
      before(async () => {
        // The origin applies a write after 1.5 s; ifgate stops waiting for its answer at 200 ms
        // (undici checks the timeout on a coarse clock, so the two are far apart).
        origin = await startLegacyOrigin({ etag: 'strong', delayMs: 1500 })
        gw = await startIfgate(origin.url, { defaults: { ownership, timeouts: { originHeadersMs: 200 } } })
        origin.set('/items/1', { id: 1, title: 'start' })
      })
      after(async () => {
        await gw.close()
        await origin.close()
      })
      test('after a timed-out write the old ETag is no longer accepted: the next write looks up and gets 412', async () => {
        const tag = (await request(`${gw.url}/items/1`)).headers.etag as string
        const lost = await request(`${gw.url}/items/1`, { method: 'PUT', headers: { 'if-match': tag }, body: JSON.stringify({ id: 1, title: 'applied, answer lost' }) })
        assert.equal(lost.status, 504, 'the origin did not answer in time')
        await new Promise((resolve) => setTimeout(resolve, 1600))
        assert.equal(origin.writes, 1)
        const second = await request(`${gw.url}/items/1`, { method: 'PUT', headers: { 'if-match': tag }, body: JSON.stringify({ id: 1, title: 'would overwrite it' }) })
        assert.equal(second.status, 412, 'the cached ETag did not accept the stale write')
        assert.notEqual(second.headers.etag, tag, 'the 412 names the ETag the origin has now')
        assert.equal(origin.writes, 1, 'no second write reached the origin')
      })
    })
  }
})
