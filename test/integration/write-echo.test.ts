import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { request, startServer, type LocalServer, type Response } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'
import { startJsonServer, type JsonServer } from '../helpers/json-server.ts'

const JSON_BODY = { 'content-type': 'application/json' }
const WANT = { prefer: 'return=representation' }

/**
 * A legacy API as many are: a write answers 204 with no ETag, a POST 201 with a Location and no
 * body. GET sends a strong `"v<n>"` (or, with `getEtags: false`, no ETag at all). Every write is
 * logged with the state it produced. `reads` can be made to fail to test the read after a write.
 */
interface Legacy {
  readonly url: string
  /** The states writes produced, in order: version n is `log[n - 1]`. */
  readonly log: { path: string; version: number; body: string }[]
  readonly counts: { PUT: number; POST: number; GET: number; HEAD: number; DELETE: number; PATCH: number }
  reads: 'ok' | 'error' | 'hang'
  set (path: string, body: unknown): void
  close (): Promise<void>
}

async function startLegacy (opts: { getEtags: boolean }): Promise<Legacy> {
  const docs = new Map<string, { body: string; version: number }>()
  let version = 0
  let next = 1
  const log: Legacy['log'] = []
  const counts = { PUT: 0, POST: 0, GET: 0, HEAD: 0, DELETE: 0, PATCH: 0 }
  const state = { reads: 'ok' as Legacy['reads'] }
  const write = (path: string, body: string): void => {
    version++
    docs.set(path, { body, version })
    log.push({ path, version, body })
  }
  const server: LocalServer = await startServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const method = req.method as keyof typeof counts
      counts[method] = (counts[method] ?? 0) + 1
      const path = req.url ?? '/'
      const body = Buffer.concat(chunks).toString('utf8')
      if (method === 'GET' || method === 'HEAD') {
        if (method === 'GET' && state.reads === 'error') return res.writeHead(500).end('read failed')
        if (method === 'GET' && state.reads === 'hang') return
        const doc = docs.get(path)
        if (doc === undefined) return res.writeHead(404).end()
        const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(doc.body)) }
        if (opts.getEtags) headers.etag = `"v${doc.version}"`
        res.writeHead(200, headers)
        return res.end(method === 'HEAD' ? undefined : doc.body)
      }
      if (method === 'PUT' || method === 'PATCH') {
        write(path, body)
        return res.writeHead(204).end()
      }
      if (method === 'POST') {
        const child = `${path.replace(/\/$/, '')}/${next++}`
        write(child, body)
        return res.writeHead(201, { location: child }).end()
      }
      if (method === 'DELETE') {
        docs.delete(path)
        return res.writeHead(204).end()
      }
      res.writeHead(405).end()
    })
  })
  return {
    url: server.url,
    log,
    counts,
    get reads () { return state.reads },
    set reads (v) { state.reads = v },
    set: (path, body) => write(path, JSON.stringify(body)),
    close: () => server.close()
  }
}

const put = (url: string, ifMatch: string, body: string, extra: Record<string, string> = WANT): Promise<Response> =>
  request(url, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': ifMatch, ...extra }, body })

describe('SPEC §10: a write answers with the ETag it produced (Prefer: return=representation)', () => {
  let origin: Legacy
  let gw: TestGateway
  before(async () => {
    origin = await startLegacy({ getEtags: true })
    gw = await startIfgate(origin.url, {
      routes: [
        { path: '/', origin: origin.url, ownership: 'exclusive' },
        { path: '/shared', origin: origin.url },
        { path: '/synth', origin: origin.url, ownership: 'exclusive', etags: 'synthesize' },
        { path: '/big', origin: origin.url, ownership: 'exclusive', etags: 'synthesize', maxHashBytes: 64 }
      ],
      defaults: { timeouts: { originHeadersMs: 300 } }
    })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('a 204 without ETag becomes 200 with the representation, and its ETag writes again with no GET in between', async () => {
    origin.set('/doc/1', { v: 0 })
    const read = await request(`${gw.url}/doc/1`)
    const before = { ...origin.counts }
    const first = await put(`${gw.url}/doc/1`, read.headers.etag as string, '{"v":1}')
    assert.equal(first.status, 200)
    assert.equal(first.body, '{"v":1}')
    assert.equal(first.headers['content-type'], 'application/json')
    assert.equal(first.headers['content-location'], '/doc/1')
    assert.equal(first.headers['preference-applied'], 'return=representation')
    assert.match(String(first.headers.vary), /\bPrefer\b/)
    assert.equal(origin.counts.PUT - before.PUT, 1, 'one write at the origin')
    assert.equal(origin.counts.GET - before.GET, 1, 'one read after it')
    assert.equal(origin.counts.HEAD - before.HEAD, 0)
    // The second write with the ETag the first returned: no read by the client in between.
    const second = await put(`${gw.url}/doc/1`, first.headers.etag as string, '{"v":2}')
    assert.equal(second.status, 200)
    assert.notEqual(second.headers.etag, first.headers.etag)
    assert.equal(origin.counts.PUT - before.PUT, 2)
    const fresh = await request(`${gw.url}/doc/1`)
    assert.equal(second.headers.etag, fresh.headers.etag, 'the ETag is what a fresh GET through ifgate returns')
    assert.equal(second.body, fresh.body)
    // The first write's ETag is an earlier one now: refused.
    assert.equal((await put(`${gw.url}/doc/1`, first.headers.etag as string, '{"v":3}')).status, 412)
  })

  test('a shared route: the same answer (the write confirmed by a lookup, then read)', async () => {
    origin.set('/shared/1', { v: 0 })
    const read = await request(`${gw.url}/shared/1`)
    const res = await put(`${gw.url}/shared/1`, read.headers.etag as string, '{"v":"s"}')
    assert.equal(res.status, 200)
    assert.equal(res.body, '{"v":"s"}')
    assert.equal(res.headers.etag, (await request(`${gw.url}/shared/1`)).headers.etag)
    assert.equal((await put(`${gw.url}/shared/1`, res.headers.etag as string, '{"v":"t"}')).status, 200)
  })

  test('a synthesize route: the ETag is the synthesized one, equal to a fresh GET\'s', async () => {
    origin.set('/synth/1', { v: 0 })
    const read = await request(`${gw.url}/synth/1`)
    assert.match(read.headers.etag as string, /^"[A-Za-z0-9_-]{43}"$/)
    const res = await put(`${gw.url}/synth/1`, read.headers.etag as string, '{"v":"synth"}')
    assert.equal(res.status, 200)
    assert.equal(res.body, '{"v":"synth"}')
    assert.match(res.headers.etag as string, /^"[A-Za-z0-9_-]{43}"$/)
    assert.notEqual(res.headers.etag, read.headers.etag)
    assert.equal(res.headers.etag, (await request(`${gw.url}/synth/1`)).headers.etag)
    assert.equal((await put(`${gw.url}/synth/1`, res.headers.etag as string, '{"v":"again"}')).status, 200)
  })

  test('a synthesize route and a body above maxHashBytes: the representation streams whole, with no ETag', async () => {
    // Too large to hash even on the read before: that read gets no ETag either, so the write is unconditional.
    origin.set('/big/1', { pad: 'x'.repeat(100) })
    const body = JSON.stringify({ pad: 'y'.repeat(200) })
    const res = await request(`${gw.url}/big/1`, { method: 'PUT', headers: { ...JSON_BODY, ...WANT }, body })
    assert.equal(res.status, 200)
    assert.equal(res.body, body)
    assert.equal(res.headers.etag, undefined)
    assert.equal(res.headers['preference-applied'], 'return=representation')
    assert.equal(res.headers['content-location'], '/big/1')
  })

  test('POST answered 201 + Location: the representation is the Location\'s', async () => {
    const res = await request(`${gw.url}/items`, { method: 'POST', headers: { ...JSON_BODY, ...WANT }, body: '{"name":"new"}' })
    assert.equal(res.status, 201)
    const location = res.headers.location as string
    assert.match(location, /^\/items\/\d+$/)
    assert.equal(res.headers['content-location'], location)
    assert.equal(res.body, '{"name":"new"}')
    assert.equal(res.headers['preference-applied'], 'return=representation')
    const fresh = await request(`${gw.url}${location}`)
    assert.equal(res.headers.etag, fresh.headers.etag)
    assert.equal((await put(`${gw.url}${location}`, res.headers.etag as string, '{"name":"renamed"}')).status, 200)
  })

  test('without the preference, or with return=minimal, the origin\'s answer passes as it came', async () => {
    const variants: Record<string, string>[] = [{}, { prefer: 'return=minimal' }, { prefer: 'respond-async; return=representation' }]
    for (const extra of variants) {
      origin.set('/plain/1', { v: 0 })
      const etag = (await request(`${gw.url}/plain/1`)).headers.etag as string
      const gets = origin.counts.GET
      const res = await put(`${gw.url}/plain/1`, etag, '{"v":1}', extra)
      assert.equal(res.status, 204, JSON.stringify(extra))
      assert.equal(res.rawBody.length, 0)
      for (const name of ['etag', 'content-location', 'preference-applied', 'vary', 'content-type']) assert.equal(res.headers[name], undefined, `${name} with ${JSON.stringify(extra)}`)
      assert.equal(origin.counts.GET, gets, 'no read after the write')
    }
  })

  test('a DELETE is answered as it came: there is no representation after it', async () => {
    origin.set('/gone/1', { v: 0 })
    const etag = (await request(`${gw.url}/gone/1`)).headers.etag as string
    const gets = origin.counts.GET
    const res = await request(`${gw.url}/gone/1`, { method: 'DELETE', headers: { 'if-match': etag, ...WANT } })
    assert.equal(res.status, 204)
    assert.equal(origin.counts.GET, gets)
  })

  test('a read after the write that fails (5xx, timeout): the write\'s own 204, its validators dropped, said in the log', async () => {
    for (const mode of ['error', 'hang'] as const) {
      const path = `/fail/${mode}`
      origin.set(path, { v: 0 })
      const etag = (await request(`${gw.url}${path}`)).headers.etag as string
      origin.reads = mode
      let res: Response
      try {
        res = await put(`${gw.url}${path}`, etag, '{"v":1}', { ...WANT, 'x-request-id': `echo-${mode}` })
      } finally {
        origin.reads = 'ok'
      }
      assert.equal(res.status, 204, mode)
      assert.equal(res.headers.etag, undefined)
      assert.equal(res.headers['preference-applied'], undefined)
      const line = await gw.logs.waitFor((l) => l.requestId === `echo-${mode}` && l.status !== undefined)
      assert.equal(line.writeEcho, 'read-failed')
      assert.equal(line.decision, 'forwarded')
      // Dropped: the next write's old tag is not accepted from the cache; it is looked up and refused.
      const heads = origin.counts.HEAD
      assert.equal((await put(`${gw.url}${path}`, etag, '{"v":2}', {})).status, 412)
      assert.equal(origin.counts.HEAD - heads, 1, 'the resource was looked up, not taken from the cache')
    }
  })

  test('the request log line and /metrics count representations returned and reads that failed', async () => {
    origin.set('/count/1', { v: 0 })
    const etag = (await request(`${gw.url}/count/1`)).headers.etag as string
    const metrics = async (): Promise<string> => (await request(`${gw.adminUrl}/metrics`)).body
    const value = (text: string, outcome: string): number => Number(new RegExp(`^ifgate_write_echo_total\\{route="\\*/",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
    const before = await metrics()
    const res = await put(`${gw.url}/count/1`, etag, '{"v":1}', { ...WANT, 'x-request-id': 'echo-count' })
    assert.equal(res.status, 200)
    assert.equal((await gw.logs.waitFor((l) => l.requestId === 'echo-count' && l.status !== undefined)).writeEcho, 'representation')
    origin.reads = 'error'
    try {
      assert.equal((await put(`${gw.url}/count/1`, res.headers.etag as string, '{"v":2}')).status, 204)
    } finally {
      origin.reads = 'ok'
    }
    const after = await metrics()
    assert.equal(value(after, 'representation') - value(before, 'representation'), 1)
    assert.equal(value(after, 'read-failed') - value(before, 'read-failed'), 1)
  })

  test('20 concurrent writers with the preference on one key: every 2xx carries a distinct ETag, the state that write produced', async () => {
    origin.set('/hot/1', { n: 0 })
    const start = (await request(`${gw.url}/hot/1`)).headers.etag as string
    const writers = Array.from({ length: 20 }, async (_, w) => {
      const body = JSON.stringify({ writer: w })
      let etag = start
      for (let attempt = 0; attempt < 100; attempt++) {
        const res = await put(`${gw.url}/hot/1`, etag, body)
        if (res.status === 200) return { w, body, res }
        assert.equal(res.status, 412)
        etag = res.headers.etag as string
      }
      throw new Error(`writer ${w} never got through`)
    })
    const done = await Promise.all(writers)
    const etags = done.map((d) => d.res.headers.etag as string)
    assert.equal(new Set(etags).size, 20, 'distinct ETags')
    for (const { body, res } of done) {
      assert.equal(res.body, body, 'the representation is what this write produced')
      const version = Number(/^"v(\d+)"$/.exec(res.headers.etag as string)?.[1])
      const state = origin.log.find((e) => e.version === version)
      assert.equal(state?.path, '/hot/1')
      assert.equal(state?.body, body, 'the ETag names the state this write produced (origin write log)')
    }
    assert.equal(origin.log.filter((e) => e.path === '/hot/1').length, 21, 'the seed and 20 writes, none lost')
  })
})

describe('SPEC §10 on a legacy origin with no ETags at all (synthesized by etags: auto)', () => {
  let origin: Legacy
  let gw: TestGateway
  before(async () => {
    origin = await startLegacy({ getEtags: false })
    gw = await startIfgate(origin.url, { routes: [{ path: '/', origin: origin.url, ownership: 'exclusive' }] })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('the write answers with the synthesized ETag of its state, which writes again', async () => {
    origin.set('/a/1', { v: 0 })
    const read = await request(`${gw.url}/a/1`)
    assert.match(read.headers.etag as string, /^"[A-Za-z0-9_-]{43}"$/)
    const res = await put(`${gw.url}/a/1`, read.headers.etag as string, '{"v":1}')
    assert.equal(res.status, 200)
    assert.equal(res.body, '{"v":1}')
    assert.equal(res.headers.etag, (await request(`${gw.url}/a/1`)).headers.etag)
    assert.equal((await put(`${gw.url}/a/1`, res.headers.etag as string, '{"v":2}')).status, 200)
  })
})

describe('SPEC §10 against json-server@0.17.4', () => {
  let js: JsonServer
  let gw: TestGateway
  before(async () => {
    js = await startJsonServer({ posts: [{ id: 1, title: 'first' }] })
    gw = await startIfgate(js.url, { routes: [{ path: '/', origin: js.url }] })
  })
  after(async () => {
    await gw.close()
    await js.close()
  })

  test('PUT with the preference: the representation and its ETag, which writes again with no GET', async () => {
    const read = await request(`${gw.url}/posts/1`)
    const res = await put(`${gw.url}/posts/1`, read.headers.etag as string, '{"id":1,"title":"second"}')
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { id: 1, title: 'second' })
    assert.equal(res.headers['preference-applied'], 'return=representation')
    assert.equal(res.headers['content-location'], '/posts/1')
    const writes = js.writes()
    assert.equal((await put(`${gw.url}/posts/1`, res.headers.etag as string, '{"id":1,"title":"third"}')).status, 200)
    assert.equal(js.writes(), writes + 1)
    assert.equal((await request(`${gw.url}/posts/1`)).json().title, 'third')
  })
})
