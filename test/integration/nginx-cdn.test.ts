import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { request } from '../helpers/http.ts'
import { startNginxCdn, type NginxCdn } from '../helpers/nginx.ts'
import { expect412 } from '../helpers/problems.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'
import { closeAll, type Closable } from '../helpers/lifecycle.ts'

const JSON_BODY = { 'content-type': 'application/json' }

/** Real nginx (gzip on JSON) in front of ifgate in front of an origin with strong ETags. */
for (const repair of [false, true]) {
  describe(`nginx gzip CDN → ifgate${repair ? ' with repair: [weakened-etag]' : ''} → origin`, () => {
    let origin: LegacyOrigin
    let gw: TestGateway
    let cdn: NginxCdn
    /** What before() has started so far, in order: it may fail part-way (no nginx, say). */
    const started: Closable[] = []
    before(async () => {
      origin = await startLegacyOrigin({ etag: 'strong' })
      started.push(origin)
      gw = await startIfgate(origin.url, repair ? { defaults: { repair: ['weakened-etag'] } } : {})
      started.push(gw)
      cdn = await startNginxCdn(new URL(gw.url).host)
      started.push(cdn)
    })
    after(() => closeAll(started))

    /** Reads through nginx as a browser does; nginx compresses and weakens the strong ETag. */
    async function readViaCdn (path: string): Promise<string> {
      const res = await request(`${cdn.url}${path}`, { headers: { 'accept-encoding': 'gzip' } })
      assert.equal(res.status, 200, cdn.errors())
      assert.equal(res.headers['content-encoding'], 'gzip', 'nginx compressed the JSON')
      assert.deepEqual(JSON.parse(gunzipSync(res.rawBody).toString('utf8')), origin.get(path))
      return res.headers.etag as string
    }

    test(`a write with the ETag nginx weakened → ${repair ? 'repaired and forwarded' : '412 weakened-etag'}`, async () => {
      origin.set('/items/1', { id: 1, v: 1 })
      const strong = (await request(`${origin.url}/items/1`)).headers.etag as string
      const weakened = await readViaCdn('/items/1')
      assert.equal(weakened, `W/${strong}`, 'nginx turned the strong ETag weak when it compressed')
      const writes = origin.writes
      const res = await request(`${cdn.url}/items/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': weakened }, body: '{"id":1,"v":2}' })
      if (!repair) {
        const problem = expect412(res, 'weakened-etag')
        assert.equal(problem.currentEtag, strong)
        assert.deepEqual(problem.diagnosis.tokens, [{ token: weakened, label: 'weakened', names: 'current', etag: strong }])
        assert.ok(problem.diagnosis.intermediary.signals.includes('x-forwarded-for'), 'nginx added X-Forwarded-For')
        assert.equal(origin.writes, writes, 'nothing reached the origin')
        assert.deepEqual(origin.get('/items/1'), { id: 1, v: 1 })
        return
      }
      assert.equal(res.status, 200)
      assert.equal(origin.writes, writes + 1)
      assert.deepEqual(origin.get('/items/1'), { id: 1, v: 2 })
      assert.equal(origin.requests.at(-1)?.headers['if-match'], strong, 'the origin received its own strong ETag')
      const line = await gw.logs.waitFor((l) => l.method === 'PUT' && l.path === '/items/1' && l.status === 200)
      assert.equal(line.repaired, 'weakened-etag')
    })

    test('a stale ETag through nginx → 412 cdn-stale-etag (never repaired)', async () => {
      origin.set('/items/2', { id: 2, v: 1 })
      const weakened = await readViaCdn('/items/2')
      // Someone else writes through ifgate with the current strong tag.
      const current = (await request(`${gw.url}/items/2`)).headers.etag as string
      assert.equal((await request(`${gw.url}/items/2`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': current }, body: '{"id":2,"v":2}' })).status, 200)
      const writes = origin.writes
      const res = await request(`${cdn.url}/items/2`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': weakened }, body: '{"id":2,"v":3}' })
      const problem = expect412(res, 'cdn-stale-etag')
      assert.equal(problem.diagnosis.tokens[0].names, 'earlier')
      assert.equal(origin.writes, writes)
      assert.deepEqual(origin.get('/items/2'), { id: 2, v: 2 })
    })
  })
}
