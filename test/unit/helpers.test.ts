import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import pino from 'pino'
import { startLegacyOrigin, type EtagMode, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { parseMorganLine, startJsonServer, type JsonServer } from '../helpers/json-server.ts'
import { REQUEST_TIMEOUT_MS, freePort, rawExchange, request, startServer, type LocalServer } from '../helpers/http.ts'
import { logSink } from '../helpers/log-sink.ts'
import { pidAlive } from '../helpers/lifecycle.ts'


describe('scripted legacy origin: ETag modes', () => {
  const modes: Array<{ name: string, input: EtagMode, want: RegExp | undefined }> = [
    { name: 'strong → "v<version>"', input: 'strong', want: /^"v\d+"$/ },
    { name: 'weak → W/"v<version>"', input: 'weak', want: /^W\/"v\d+"$/ },
    { name: 'suffix-gzip without Accept-Encoding: gzip → "v<version>"', input: 'suffix-gzip', want: /^"v\d+"$/ },
    { name: 'per-call → a strong tag', input: 'per-call', want: /^"c\d+"$/ },
    { name: 'none → no ETag', input: 'none', want: undefined }
  ]
  const origins: LegacyOrigin[] = []
  after(async () => { await Promise.all(origins.map((o) => o.close())) })

  for (const c of modes) {
    test(c.name, async () => {
      const origin = await startLegacyOrigin({ etag: c.input })
      origins.push(origin)
      origin.set('/doc', { a: 1 })
      for (const method of ['GET', 'HEAD']) {
        const res = await request(`${origin.url}/doc`, { method })
        assert.equal(res.status, 200, method)
        if (c.want === undefined) assert.equal(res.headers.etag, undefined, method)
        else assert.match(String(res.headers.etag), c.want, method)
        assert.match(String(res.headers['last-modified']), /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/, method)
      }
    })
  }

  test('suffix-gzip with Accept-Encoding: gzip → a gzip body tagged "v<version>-gzip", Vary: Accept-Encoding', async () => {
    const origin = await startLegacyOrigin({ etag: 'suffix-gzip' })
    origins.push(origin)
    origin.set('/z', { a: 1 })
    const res = await request(`${origin.url}/z`, { headers: { 'accept-encoding': 'gzip, br' } })
    assert.match(String(res.headers.etag), /^"v\d+-gzip"$/)
    assert.equal(res.headers['content-encoding'], 'gzip')
    assert.equal(res.headers.vary, 'Accept-Encoding')
    assert.deepEqual(JSON.parse(gunzipSync(res.rawBody).toString('utf8')), { a: 1 })
  })

  const stability = [
    { name: 'per-call: every response has a new tag, body unchanged', input: 'per-call' as const, want: { readsEqual: false, writeChanges: true } },
    { name: 'strong: unchanged between reads, changes on a write', input: 'strong' as const, want: { readsEqual: true, writeChanges: true } },
    { name: 'weak: unchanged between reads, changes on a write', input: 'weak' as const, want: { readsEqual: true, writeChanges: true } },
    { name: 'suffix-gzip: unchanged between reads, changes on a write', input: 'suffix-gzip' as const, want: { readsEqual: true, writeChanges: true } }
  ]
  for (const c of stability) {
    test(c.name, async () => {
      const origin = await startLegacyOrigin({ etag: c.input })
      origins.push(origin)
      origin.set('/s', { v: 1 })
      const a = await request(`${origin.url}/s`)
      const b = await request(`${origin.url}/s`)
      assert.equal(a.body, b.body)
      assert.equal(a.headers.etag === b.headers.etag, c.want.readsEqual)
      const put = await request(`${origin.url}/s`, { method: 'PUT', body: '{"v":2}' })
      assert.equal(put.status, 200)
      const after = await request(`${origin.url}/s`)
      assert.equal(after.headers.etag !== b.headers.etag, c.want.writeChanges)
      if (c.input !== 'per-call') assert.equal(put.headers.etag, after.headers.etag, 'the write response carries the new tag')
    })
  }

  test('a deleted and re-created document never gets an earlier tag back', async () => {
    const origin = await startLegacyOrigin({ etag: 'strong' })
    origins.push(origin)
    origin.set('/re', { v: 1 })
    const first = await request(`${origin.url}/re`)
    assert.equal((await request(`${origin.url}/re`, { method: 'DELETE' })).status, 204)
    assert.equal((await request(`${origin.url}/re`, { method: 'PUT', body: '{"v":1}' })).status, 201)
    const again = await request(`${origin.url}/re`)
    assert.notEqual(again.headers.etag, first.headers.etag)
  })

  test('lastModified: false sends no Last-Modified', async () => {
    const origin = await startLegacyOrigin({ lastModified: false })
    origins.push(origin)
    origin.set('/d', {})
    const res = await request(`${origin.url}/d`)
    assert.equal(res.headers['last-modified'], undefined)
    assert.match(String(res.headers.etag), /^"v\d+"$/, 'strong is the default mode')
  })
})

describe('scripted legacy origin: routes, write counter and request log', () => {
  let origin: LegacyOrigin
  const others: LegacyOrigin[] = []
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    origin.set('/items/1', { id: 1, title: 'one', done: false })
  })
  after(async () => { await Promise.all([origin, ...others].map((o) => o.close())) })

  interface RouteCase {
    name: string
    input: { method: string, path: string, headers?: Record<string, string>, body?: string }
    want: { status: number, writes: number, body: unknown, location?: string }
  }
  const cases: RouteCase[] = [
    { name: 'GET a document', input: { method: 'GET', path: '/items/1' }, want: { status: 200, writes: 0, body: { id: 1, title: 'one', done: false } } },
    { name: 'GET a missing document → 404 JSON', input: { method: 'GET', path: '/items/404' }, want: { status: 404, writes: 0, body: { error: 'not found', path: '/items/404' } } },
    { name: 'If-Match is ignored: PUT with a wrong tag → 200', input: { method: 'PUT', path: '/items/1', headers: { 'if-match': '"nope"' }, body: '{"id":1,"title":"uno"}' }, want: { status: 200, writes: 1, body: { id: 1, title: 'uno' } } },
    { name: 'If-None-Match is ignored: GET with * → 200', input: { method: 'GET', path: '/items/1', headers: { 'if-none-match': '*' } }, want: { status: 200, writes: 0, body: { id: 1, title: 'uno' } } },
    { name: 'PATCH merges', input: { method: 'PATCH', path: '/items/1', body: '{"done":true}' }, want: { status: 200, writes: 1, body: { id: 1, title: 'uno', done: true } } },
    { name: 'PATCH a missing document → 404', input: { method: 'PATCH', path: '/items/9', body: '{}' }, want: { status: 404, writes: 1, body: { error: 'not found', path: '/items/9' } } },
    { name: 'PUT creates → 201', input: { method: 'PUT', path: '/items/2', body: '{"id":2}' }, want: { status: 201, writes: 1, body: { id: 2 } } },
    { name: 'POST to a collection creates the next child', input: { method: 'POST', path: '/items', body: '{"title":"three"}' }, want: { status: 201, writes: 1, body: { title: 'three' }, location: '/items/3' } },
    { name: 'invalid JSON → 400', input: { method: 'PUT', path: '/items/1', body: '{nope' }, want: { status: 400, writes: 1, body: { error: 'invalid JSON body' } } },
    { name: 'DELETE → 204', input: { method: 'DELETE', path: '/items/2' }, want: { status: 204, writes: 1, body: undefined } },
    { name: 'DELETE a missing document → 404', input: { method: 'DELETE', path: '/items/2' }, want: { status: 404, writes: 1, body: { error: 'not found', path: '/items/2' } } },
    { name: 'an unsafe WebDAV method counts as a write → 405', input: { method: 'PROPPATCH', path: '/items/1', body: '' }, want: { status: 405, writes: 1, body: { error: 'method not allowed', method: 'PROPPATCH' } } }
  ]
  for (const c of cases) {
    test(c.name, async () => {
      const before = origin.writes
      const logged = origin.requests.length
      const res = await request(`${origin.url}${c.input.path}`, { method: c.input.method, headers: c.input.headers, body: c.input.body })
      assert.equal(res.status, c.want.status)
      assert.equal(origin.writes - before, c.want.writes)
      if (c.want.body === undefined) assert.equal(res.body, '')
      else assert.deepEqual(res.json(), c.want.body)
      if (c.want.location !== undefined) assert.equal(res.headers.location, c.want.location)
      assert.equal(origin.requests.length, logged + 1)
      const seen = origin.requests.at(-1)!
      assert.equal(seen.method, c.input.method)
      assert.equal(seen.url, c.input.path)
      assert.equal(seen.body, c.input.body ?? '')
      for (const [name, value] of Object.entries(c.input.headers ?? {})) assert.equal(seen.headers[name], value)
    })
  }

  test('get() returns what the last write stored; set() is not counted', () => {
    const before = origin.writes
    origin.set('/items/x', { x: 1 })
    assert.deepEqual(origin.get('/items/x'), { x: 1 })
    assert.equal(origin.get('/nothing'), undefined)
    assert.equal(origin.writes, before)
  })

  test('headOk: false → HEAD answers 405', async () => {
    const refusing = await startLegacyOrigin({ headOk: false })
    others.push(refusing)
    refusing.set('/h', { h: 1 })
    const head = await request(`${refusing.url}/h`, { method: 'HEAD' })
    assert.equal(head.status, 405)
    assert.match(String(head.headers.allow), /\bGET\b/)
    assert.equal((await request(`${refusing.url}/h`)).status, 200)
  })

  test('delayMs: last write wins, and a read during the delay sees the old state', async () => {
    const slow = await startLegacyOrigin({ delayMs: 100 })
    others.push(slow)
    slow.set('/race', { v: 0 })
    const first = request(`${slow.url}/race`, { method: 'PUT', body: '{"v":1}' })
    await new Promise((resolve) => setTimeout(resolve, 30))
    const second = request(`${slow.url}/race`, { method: 'PUT', body: '{"v":2}' })
    assert.deepEqual((await request(`${slow.url}/race`)).json(), { v: 0 })
    const statuses = (await Promise.all([first, second])).map((r) => r.status)
    assert.deepEqual(statuses, [200, 200])
    assert.deepEqual(slow.get('/race'), { v: 2 })
    assert.equal(slow.writes, 2)
  })
})

describe('http helpers', () => {
  let server: LocalServer
  before(async () => {
    server = await startServer((req, res) => {
      res.setHeader('x-seen', req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i].toLowerCase() === 'if-match').length)
      res.setHeader('x-Mixed-Case', 'yes')
      res.end(JSON.stringify({ method: req.method }))
    })
  })
  after(() => server.close())

  test('request() sends repeated field lines and exposes raw response headers', async () => {
    const res = await request(`${server.url}/`, { method: 'DELETE', headers: { 'if-match': ['"a"', '"b"'] } })
    assert.equal(res.headers['x-seen'], '2')
    assert.ok(res.rawHeaders.includes('x-Mixed-Case'))
    assert.deepEqual(res.json(), { method: 'DELETE' })
  })

  test('request() rejects on a refused connection; freePort() returns a bindable port', async () => {
    const port = await freePort()
    assert.ok(port > 0 && port < 65536)
    await assert.rejects(request(`http://127.0.0.1:${port}/`), /ECONNREFUSED/)
  })

  test('startServer() listens on 127.0.0.1; close() ends a connection still waiting and returns one promise', async () => {
    const arrived = Promise.withResolvers<void>()
    const hanging = await startServer(() => arrived.resolve())
    assert.equal(hanging.url, `http://127.0.0.1:${hanging.port}`)
    const pending = request(`${hanging.url}/never`).then(() => 'answered', (err: Error) => err.message)
    await arrived.promise
    const closing = hanging.close()
    assert.equal(hanging.close(), closing)
    await closing
    assert.equal(hanging.server.listening, false)
    assert.match(await pending, /socket hang up|ECONNRESET/)
  })

  test('rawExchange() sends the bytes as given and returns the reply, and when the server closed', async () => {
    const raw = await rawExchange(server.url, 'GET / HTTP/1.1\r\nHost: x\r\nIf-Match: "a"\r\nIf-Match: "b"\r\nConnection: close\r\n\r\n')
    assert.match(raw.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*x-seen: 2\r\n[\s\S]*\r\n\r\n\{"method":"GET"\}$/)
    assert.ok(raw.closedAfterMs !== undefined && raw.closedAfterMs < REQUEST_TIMEOUT_MS, `closed after ${raw.closedAfterMs} ms`)
    const open = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 200 })
    assert.match(open.text, /^HTTP\/1\.1 200 /)
    assert.equal(open.closedAfterMs, undefined, 'a keep-alive connection is still open when the timeout ends the exchange')
    const until = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { until: (text) => text.endsWith('}') })
    assert.match(until.text, /\{"method":"GET"\}$/)
    assert.equal(until.closedAfterMs, undefined)
  })
})

describe('log sink', () => {
  test('parses pino lines, finds them and waits for later ones', async () => {
    const sink = logSink()
    const log = pino({ base: null }, sink.stream)
    log.info({ requestId: 'a' }, 'first')
    assert.equal(sink.find((l) => l.requestId === 'a')?.msg, 'first')
    const later = sink.waitFor((l) => l.requestId === 'b')
    log.warn({ requestId: 'b' }, 'second')
    assert.equal((await later).level, 40)
    await assert.rejects(sink.waitFor((l) => l.requestId === 'never', 50), /no log line matched within 50 ms \(2 lines seen\)/)
  })

  test('joins a line split across writes and keeps a non-JSON line as raw', async () => {
    const sink = logSink()
    sink.stream.write('{"a":')
    sink.stream.write('1}\nnot json\n')
    await new Promise<void>((resolve) => sink.stream.end(resolve))
    assert.deepEqual(sink.lines, [{ a: 1 }, { raw: 'not json' }])
  })
})

describe('json-server helper', () => {
  const lines = [
    { name: 'coloured dev line', input: '\x1b[0mPUT /posts/1 \x1b[32m200\x1b[0m 26.125 ms - 29\x1b[0m', want: { method: 'PUT', url: '/posts/1', status: 200 } },
    { name: 'uncoloured 304 without length', input: 'GET /posts/1 304 3.812 ms - -', want: { method: 'GET', url: '/posts/1', status: 304 } },
    { name: 'no status (aborted)', input: 'POST /posts - - ms - -', want: { method: 'POST', url: '/posts', status: undefined } },
    { name: 'the banner is no request', input: '  http://127.0.0.1:3000/posts', want: undefined }
  ]
  for (const c of lines) {
    test(`parseMorganLine: ${c.name}`, () => {
      assert.deepEqual(parseMorganLine(c.input), c.want)
    })
  }

  let server: JsonServer
  before(async () => { server = await startJsonServer({ posts: [{ id: 1, title: 'one' }] }) })
  after(async () => { await server.close() })

  test('serves a GET with a weak ETag, accepts a PUT, counts 1 write, closes by PID', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const read = await request(`${server.url}/posts/1`)
    assert.equal(read.status, 200)
    assert.match(String(read.headers.etag), /^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/)
    assert.deepEqual(read.json(), { id: 1, title: 'one' })
    assert.equal(server.writes(), 0)
    const put = await request(`${server.url}/posts/1`, { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': '"not-current"' }, body: '{"title":"edited"}' })
    assert.equal(put.status, 200, 'json-server ignores If-Match')
    assert.equal(server.writes(), 1)
    assert.equal((await request(`${server.url}/posts/1`)).json().title, 'edited')
    assert.equal(server.writes(), 1, 'reads are not writes')
    const logged = async (): Promise<boolean> => {
      for (let i = 0; i < 40; i++) {
        if (server.requests().some((e) => e.method === 'PUT' && e.url === '/posts/1' && e.status === 200)) return true
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      return false
    }
    assert.ok(await logged(), 'json-server logged the PUT in its own format')
    assert.ok(pidAlive(server.pid))
    await server.close()
    assert.equal(pidAlive(server.pid), false, 'the child is gone')
    await assert.rejects(request(`${server.url}/posts/1`), /ECONNREFUSED/)
  })
})
