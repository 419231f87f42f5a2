import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { request } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

const JSON_BODY = { 'content-type': 'application/json' }

describe('mode: observe forwards every request and logs what enforce would have answered', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url, { defaults: { mode: 'observe', requirePrecondition: true, repair: ['weakened-etag'] } })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  async function lineOf (res: { headers: Record<string, unknown> }): Promise<Record<string, unknown>> {
    return gw.logs.waitFor((l) => l.requestId === res.headers['x-request-id'] && typeof l.status === 'number')
  }

  const rows: Array<{ name: string; prepare: (path: string) => Promise<Record<string, string>>; want: Record<string, unknown> }> = [
    {
      name: 'a stale If-Match reaches the origin; the log says edge-412 stale-etag',
      prepare: async (path) => {
        const tag = (await request(`${gw.url}${path}`)).headers.etag as string
        assert.equal((await request(`${gw.url}${path}`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"v":2}' })).status, 200)
        return { 'if-match': tag }
      },
      want: { wouldDecide: 'edge-412', cause: 'stale-etag', decision: 'forwarded' }
    },
    {
      name: 'a write without a precondition on a requirePrecondition route: edge-428 would have been sent',
      prepare: async () => ({}),
      want: { wouldDecide: 'edge-428', decision: 'forwarded' }
    },
    {
      name: 'If-Match: null reaches the origin; the log says placeholder-etag',
      prepare: async (path) => { await request(`${gw.url}${path}`); return { 'if-match': 'null' } },
      want: { wouldDecide: 'edge-412', cause: 'placeholder-etag', decision: 'forwarded' }
    },
    {
      name: 'a weakened current tag is forwarded untouched; the log names the repair enforce would apply',
      prepare: async (path) => ({ 'if-match': `W/${(await request(`${gw.url}${path}`)).headers.etag as string}` }),
      want: { wouldRepair: 'weakened-etag', decision: 'forwarded' }
    }
  ]

  rows.forEach((row, i) => {
    test(row.name, async () => {
      const path = `/observed/${i}`
      origin.set(path, { v: 1 })
      const headers = await row.prepare(path)
      const writes = origin.writes
      const res = await request(`${gw.url}${path}`, { method: 'PUT', headers: { ...JSON_BODY, ...headers }, body: '{"v":"observed"}' })
      assert.equal(res.status, 200, 'the origin answered')
      assert.equal(origin.writes, writes + 1, 'the write reached the origin')
      assert.deepEqual(origin.get(path), { v: 'observed' })
      const sent = origin.requests.at(-1)?.headers['if-match']
      assert.equal(sent, headers['if-match'], 'the origin got the If-Match as the client sent it')
      const line = await lineOf(res)
      for (const [key, value] of Object.entries(row.want)) assert.equal(line[key], value, key)
    })
  })

  test('a read whose copy is current gets the origin\'s 200, and the log says edge-304', async () => {
    origin.set('/observed/read', { v: 1 })
    const tag = (await request(`${gw.url}/observed/read`)).headers.etag as string
    const res = await request(`${gw.url}/observed/read`, { headers: { 'if-none-match': tag } })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { v: 1 })
    const line = await lineOf(res)
    assert.equal(line.wouldDecide, 'edge-304')
    assert.equal(line.decision, 'forwarded')
  })
})

describe('observe mode in the metrics', () => {
  test('ifgate_observed_total counts the would-be edge answers by decision and cause; no edge 412 is counted', async () => {
    const origin = await startLegacyOrigin({ etag: 'strong' })
    const gw = await startIfgate(origin.url, { defaults: { mode: 'observe' } })
    try {
      origin.set('/o', { v: 1 })
      const tag = (await request(`${gw.url}/o`)).headers.etag as string
      for (const ifMatch of ['"x1"', '"x2"', 'null']) {
        assert.equal((await request(`${gw.url}/o`, { method: 'PATCH', headers: { ...JSON_BODY, 'if-match': ifMatch }, body: '{}' })).status, 200)
      }
      assert.equal((await request(`${gw.url}/o`, { headers: { 'if-none-match': (await request(`${gw.url}/o`)).headers.etag as string } })).status, 200)
      assert.notEqual(tag, undefined)
      const text = (await request(`${gw.adminUrl}/metrics`)).body
      const line = (labels: string): string | undefined => text.split('\n').find((l) => l.startsWith(`ifgate_observed_total{${labels}}`))
      assert.match(line('route="*/",would_decide="edge-412",cause="unknown-etag"') ?? '', / 2$/)
      assert.match(line('route="*/",would_decide="edge-412",cause="placeholder-etag"') ?? '', / 1$/)
      assert.match(line('route="*/",would_decide="edge-304",cause="none"') ?? '', / 1$/)
      assert.ok(!text.split('\n').some((l) => l.startsWith('ifgate_edge_412_total{')), 'nothing was answered at the edge')
    } finally {
      await gw.close()
      await origin.close()
    }
  })
})
