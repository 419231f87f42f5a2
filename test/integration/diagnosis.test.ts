import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { request } from '../helpers/http.ts'
import { expect412 } from '../helpers/problems.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

const JSON_BODY = { 'content-type': 'application/json' }

interface Row {
  readonly name: string
  /** Prepares the resource (through ifgate or behind its back) and returns the refused write's headers. */
  readonly setup: (path: string) => Promise<Record<string, string>>
  readonly method?: string
  readonly want: string
  /** Checks on the problem's `diagnosis` member. */
  readonly check?: (diagnosis: { tokens: Array<{ label: string }>; intermediary: { signals: string[]; name: string | null }; clockSkewSuspected?: boolean }) => void
}

describe('every cause of SPEC §5 at the edge, against a scripted origin with strong ETags', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url)
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  const read = async (path: string): Promise<string> => (await request(`${gw.url}${path}`)).headers.etag as string
  const seed = (path: string): void => origin.set(path, { path })
  /** Reads, writes once through ifgate, and returns the ETag the write made stale. */
  const staleTag = async (path: string): Promise<string> => {
    seed(path)
    const tag = await read(path)
    const ok = await request(`${gw.url}${path}`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"v":2}' })
    assert.equal(ok.status, 200)
    return tag
  }

  const rows: Row[] = [
    { name: 'If-Match on a missing resource', setup: async () => ({ 'if-match': '"v1"' }), want: 'resource-missing' },
    { name: 'If-Match: null', setup: async (p) => { seed(p); await read(p); return { 'if-match': 'null' } }, want: 'placeholder-etag', check: (d) => assert.deepEqual(d.tokens.map((t) => t.label), ['placeholder']) },
    { name: 'If-None-Match: * on an existing resource', setup: async (p) => { seed(p); return { 'if-none-match': '*' } }, want: 'resource-exists' },
    { name: 'a weakened current ETag', setup: async (p) => { seed(p); return { 'if-match': `W/${await read(p)}` } }, want: 'weakened-etag', check: (d) => assert.deepEqual(d.tokens.map((t) => t.label), ['weakened']) },
    { name: 'an unquoted current ETag', setup: async (p) => { seed(p); return { 'if-match': (await read(p)).slice(1, -1) } }, want: 'unquoted-etag', check: (d) => assert.deepEqual(d.tokens.map((t) => t.label), ['unquoted']) },
    { name: 'a re-quoted "W/x"', setup: async (p) => { seed(p); return { 'if-match': `"W/${(await read(p)).slice(1, -1)}"` } }, want: 'unquoted-etag', check: (d) => assert.deepEqual(d.tokens.map((t) => t.label), ['misquoted']) },
    { name: 'an earlier ETag through a CDN (Via, CF-Ray)', setup: async (p) => ({ 'if-match': await staleTag(p), via: '1.1 edge', 'cf-ray': '8a-AMS' }), want: 'cdn-stale-etag', check: (d) => assert.deepEqual(d.intermediary, { signals: ['via', 'cf-ray'], name: 'cloudflare' }) },
    { name: 'an earlier ETag from a direct client', setup: async (p) => ({ 'if-match': await staleTag(p) }), want: 'stale-etag', check: (d) => assert.deepEqual(d.tokens.map((t) => t.label), ['exact-earlier']) },
    { name: 'If-None-Match with the current ETag on a write', setup: async (p) => { seed(p); return { 'if-none-match': await read(p) } }, want: 'injected-conditional' },
    { name: 'If-Unmodified-Since long before Last-Modified', setup: async (p) => { seed(p); await read(p); return { 'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' } }, want: 'modified-since', check: (d) => assert.equal(d.clockSkewSuspected, false) },
    { name: 'a tag ifgate never saw', setup: async (p) => { seed(p); await read(p); return { 'if-match': '"never-issued"' } }, want: 'unknown-etag', check: (d) => assert.deepEqual(d.tokens.map((t) => t.label), ['unknown']) }
  ]

  rows.forEach((row, i) => {
    test(`${row.name} → 412 ${row.want}, nothing reaches the origin`, async () => {
      const path = `/causes/${i}`
      const headers = await row.setup(path)
      const writes = origin.writes
      const res = await request(`${gw.url}${path}`, { method: row.method ?? 'PUT', headers: { ...JSON_BODY, ...headers }, body: '{"lost":true}' })
      const problem = expect412(res, row.want)
      assert.equal(origin.writes, writes, 'zero origin writes')
      assert.equal(problem.diagnosis.header, headers['if-match'] !== undefined ? 'if-match' : headers['if-none-match'] !== undefined ? 'if-none-match' : 'if-unmodified-since')
      row.check?.(problem.diagnosis)
      const line = await gw.logs.waitFor((l) => l.requestId === res.headers['x-request-id'] && l.status === 412)
      assert.equal(line.decision, 'edge-412')
      assert.equal(line.cause, row.want)
    })
  })
})

describe('origin-specific causes', () => {
  const started: Array<{ close: () => Promise<unknown> }> = []
  after(async () => { for (const s of started.reverse()) await s.close() })

  async function pair (etag: 'suffix-gzip' | 'weak' | 'per-call', config: Record<string, unknown> = {}): Promise<{ origin: LegacyOrigin; gw: TestGateway }> {
    const origin = await startLegacyOrigin({ etag })
    const gw = await startIfgate(origin.url, config)
    started.push(origin, gw)
    return { origin, gw }
  }

  test('a -gzip suffix added by a compressing origin front (Apache mod_deflate) → encoding-suffix-etag', async () => {
    const { origin, gw } = await pair('suffix-gzip')
    origin.set('/doc', { a: 1 })
    // The client read the compressed representation from the origin's own front, not through ifgate.
    const direct = await request(`${origin.url}/doc`, { headers: { 'accept-encoding': 'gzip' } })
    assert.match(direct.headers.etag as string, /^"v\d+-gzip"$/)
    const writes = origin.writes
    const res = await request(`${gw.url}/doc`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': direct.headers.etag as string }, body: '{"a":2}' })
    const problem = expect412(res, 'encoding-suffix-etag')
    assert.equal(problem.currentEtag, direct.headers.etag?.toString().replace('-gzip', ''), 'the lookup learned the identity tag')
    assert.equal(origin.writes, writes)
  })

  test('the same with repair: [encoding-suffix-etag] → forwarded with the bare tag the origin knows', async () => {
    const { origin, gw } = await pair('suffix-gzip', { defaults: { repair: ['encoding-suffix-etag'] } })
    origin.set('/doc', { a: 1 })
    const direct = await request(`${origin.url}/doc`, { headers: { 'accept-encoding': 'gzip' } })
    const res = await request(`${gw.url}/doc`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': direct.headers.etag as string }, body: '{"a":2}' })
    assert.equal(res.status, 200)
    assert.deepEqual(origin.get('/doc'), { a: 2 })
    const put = origin.requests.filter((r) => r.method === 'PUT').at(-1)
    assert.equal(put?.headers['if-match'], (direct.headers.etag as string).replace('-gzip', ''), 'the origin received the repaired If-Match')
    const line = await gw.logs.waitFor((l) => l.requestId === res.headers['x-request-id'] && l.status === 200)
    assert.equal(line.repaired, 'encoding-suffix-etag')
  })

  test('an origin with only weak ETags (etags: origin) → origin-weak-etag', async () => {
    const { origin, gw } = await pair('weak', { defaults: { etags: 'origin' } })
    origin.set('/doc', { a: 1 })
    const tag = (await request(`${gw.url}/doc`)).headers.etag as string
    assert.match(tag, /^W\//)
    const writes = origin.writes
    expect412(await request(`${gw.url}/doc`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"a":2}' }), 'origin-weak-etag')
    assert.equal(origin.writes, writes)
  })

  test('an origin that re-tags an unchanged body on every response (two reads, then a write) → unstable-origin-etag', async () => {
    const { origin, gw } = await pair('per-call', { defaults: { ownership: 'exclusive' } })
    origin.set('/doc', { a: 1 })
    const first = await request(`${gw.url}/doc`)
    const second = await request(`${gw.url}/doc`)
    assert.equal(first.body, second.body)
    assert.notEqual(first.headers.etag, second.headers.etag)
    const writes = origin.writes
    const problem = expect412(await request(`${gw.url}/doc`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': first.headers.etag as string }, body: '{"a":2}' }), 'unstable-origin-etag')
    assert.equal(problem.diagnosis.tokens[0].label, 'exact-earlier')
    assert.equal(origin.writes, writes)
  })

  test('the same origin, one read then a write (shared: the confirming HEAD sees a new tag) → unstable-origin-etag', async () => {
    const { origin, gw } = await pair('per-call')
    origin.set('/doc', { a: 1 })
    const read = await request(`${gw.url}/doc`)
    const writes = origin.writes
    expect412(await request(`${gw.url}/doc`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': read.headers.etag as string }, body: '{"a":2}' }), 'unstable-origin-etag')
    assert.equal(origin.writes, writes)
  })
})
