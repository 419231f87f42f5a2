import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { rawExchange, request, startServer, type LocalServer } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** A raw origin whose behaviour each test sets. */
async function rawOrigin (): Promise<LocalServer & { handle: (h: Handler) => void; seen: IncomingMessage[] }> {
  let handler: Handler = (_req, res) => res.end('ok')
  const seen: IncomingMessage[] = []
  const local = await startServer((req, res) => { seen.push(req); handler(req, res) })
  return { ...local, handle: (h) => { handler = h }, seen }
}

/** Resolves as `promise` does, or rejects naming `what` when it has not settled within `ms`. */
async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms) })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

describe('forwarding', () => {
  let origin: Awaited<ReturnType<typeof rawOrigin>>
  let gw: TestGateway
  before(async () => {
    origin = await rawOrigin()
    gw = await startIfgate(origin.url, { defaults: { timeouts: { originHeadersMs: 300, lookupMs: 300 }, lock: { waitMs: 200, maxQueue: 1 } } })
  })
  after(async () => {
    assert.equal(await gw.close(), true, 'every connection, tunnels included, ended without being cut')
    await origin.close()
  })

  test('hop-by-hop fields are removed both ways; Via and X-Forwarded-* are added', async () => {
    origin.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive, x-origin-hop', 'x-origin-hop': 'secret', 'keep-alive': 'timeout=77', 'x-kept': '1' })
      res.end('hello')
    })
    const res = await request(`${gw.url}/hop?q=1`, { headers: { connection: 'x-client-hop', 'x-client-hop': 'drop me', 'x-end-to-end': 'keep me', 'proxy-authorization': 'Basic x', te: 'trailers', 'x-forwarded-for': '203.0.113.9' } })
    assert.equal(res.status, 200)
    assert.equal(res.body, 'hello')
    const seen = origin.seen.at(-1)!
    assert.equal(seen.url, '/hop?q=1')
    assert.equal(seen.headers['x-client-hop'], undefined)
    assert.equal(seen.headers['proxy-authorization'], undefined)
    assert.equal(seen.headers.te, undefined)
    assert.equal(seen.headers['x-end-to-end'], 'keep me')
    assert.equal(seen.headers.via, '1.1 ifgate')
    assert.equal(seen.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1')
    assert.equal(seen.headers['x-forwarded-proto'], 'http')
    assert.equal(seen.headers['x-forwarded-host'], new URL(gw.url).host)
    assert.equal(res.headers['x-origin-hop'], undefined)
    assert.notEqual(res.headers['keep-alive'], 'timeout=77')
    assert.equal(res.headers['x-kept'], '1')
    assert.equal(res.headers.via, '1.1 ifgate')
  })

  test('X-Request-Id is propagated to the origin and back, or made when absent', async () => {
    origin.handle((_req, res) => res.end('id'))
    const mine = await request(`${gw.url}/id`, { headers: { 'x-request-id': 'abc-123' } })
    assert.equal(mine.headers['x-request-id'], 'abc-123')
    assert.equal(origin.seen.at(-1)!.headers['x-request-id'], 'abc-123')
    const made = await request(`${gw.url}/id`)
    assert.match(made.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/)
    const line = await gw.logs.waitFor((l) => l.requestId === 'abc-123')
    assert.equal(line.decision, 'forwarded')
    assert.equal(line.status, 200)
  })

  test('a large upload streams to the origin intact', async () => {
    origin.handle((req, res) => {
      let n = 0
      req.on('data', (c: Buffer) => { n += c.length })
      req.on('end', () => res.end(String(n)))
    })
    const body = Buffer.alloc(5 * 1024 * 1024, 7)
    const res = await request(`${gw.url}/upload`, { method: 'POST', body })
    assert.equal(res.status, 200)
    assert.equal(res.body, String(body.length))
  })

  test('an unreachable origin is a 502 problem, a slow one a 504 problem', async () => {
    const dead = await startIfgate('http://127.0.0.1:9', {})
    try {
      const res = await request(`${dead.url}/x`)
      assert.equal(res.status, 502)
      assert.equal(res.headers['content-type'], 'application/problem+json')
      assert.equal(res.json().code, 'IFG_ERR_ORIGIN_UNREACHABLE')
      const write = await request(`${dead.url}/x`, { method: 'PUT', headers: { 'if-match': '"a"' }, body: '{}' })
      assert.equal(write.status, 502, 'a failed lookup is not forwarded')
      assert.equal(write.json().code, 'IFG_ERR_LOOKUP_FAILED')
    } finally {
      await dead.close()
    }
    origin.handle((_req, res) => { setTimeout(() => res.end('late'), 1000) })
    const slow = await request(`${gw.url}/slow`)
    assert.equal(slow.status, 504)
    assert.equal(slow.json().code, 'IFG_ERR_ORIGIN_TIMEOUT')
    const slowLookup = await request(`${gw.url}/slow`, { method: 'PUT', headers: { 'if-match': '"a"' }, body: '{}' })
    assert.equal(slowLookup.status, 504)
    assert.equal(slowLookup.json().code, 'IFG_ERR_LOOKUP_TIMEOUT')
  })

  test('a client that goes away aborts the origin request', async () => {
    // A gateway of its own whose origin timeouts are far longer than the bound below: within it,
    // only the client's leaving can end the origin request.
    const patient = await startIfgate(origin.url, { defaults: { timeouts: { originHeadersMs: 30_000, originBodyMs: 30_000 } } })
    try {
      const arrived = Promise.withResolvers<IncomingMessage>()
      const originSawClose = Promise.withResolvers<{ answered: boolean }>()
      origin.handle((req, res) => {
        res.on('close', () => originSawClose.resolve({ answered: res.writableEnded }))
        req.resume()
        arrived.resolve(req)
      })
      const req = httpRequest(`${patient.url}/hang`)
      req.on('error', () => {})
      req.end()
      const received = await within(arrived.promise, 5000, 'the origin received the request before the client left')
      assert.equal(received.url, '/hang')
      req.destroy()
      const { answered } = await within(originSawClose.promise, 2000, 'the origin request was closed after the client left')
      assert.equal(answered, false, 'the origin never answered: its request was aborted, not completed')
    } finally {
      await patient.close()
    }
  })

  test('a client that leaves during the body is logged as it left, and the origin\'s body is cut', async () => {
    const patient = await startIfgate(origin.url, { defaults: { timeouts: { originHeadersMs: 30_000, originBodyMs: 30_000 } } })
    try {
      const originSawClose = Promise.withResolvers<{ answered: boolean }>()
      origin.handle((req, res) => {
        res.on('close', () => originSawClose.resolve({ answered: res.writableEnded }))
        req.resume()
        // A strong ETag: the body is relayed as it comes (no body is read whole to be hashed).
        res.writeHead(200, { 'content-type': 'text/plain', etag: '"mid"' })
        res.write('first part of a body that never ends')
      })
      const headed = Promise.withResolvers<void>()
      const req = httpRequest(`${patient.url}/mid-body`, (res) => {
        res.once('data', () => {
          headed.resolve()
          req.destroy()
        })
      })
      req.on('error', () => {})
      req.end()
      await within(headed.promise, 5000, 'the client received the start of the body')
      const { answered } = await within(originSawClose.promise, 2000, 'the origin request was closed after the client left')
      assert.equal(answered, false, 'the origin never finished its body: its request was aborted')
      const line = await patient.logs.waitFor((l) => l.path === '/mid-body' && l.status === 200)
      assert.equal(line.decision, 'forwarded', 'the response was under way when the client left: not an origin error')
      assert.equal(line.aborted, true)
      assert.equal(line.error, undefined)
    } finally {
      await patient.close()
    }
  })

  test('past lock.maxQueue and lock.waitMs: 503 with Retry-After', async () => {
    origin.handle((req, res) => {
      if (req.method === 'PUT') setTimeout(() => res.end('{}'), 250)
      else res.end('{}')
    })
    const results = await Promise.all([0, 1, 2].map(() => request(`${gw.url}/busy`, { method: 'PUT', body: '{}' })))
    const statuses = results.map((r) => r.status).sort()
    assert.deepEqual(statuses, [200, 503, 503])
    for (const r of results.filter((x) => x.status === 503)) {
      assert.ok(Number(r.headers['retry-after']) >= 1)
      assert.match(r.json().code, /^IFG_ERR_LOCK_(TIMEOUT|QUEUE_FULL)$/)
    }
  })

  test('Expect: 100-continue with a stale tag is refused before the body is sent', async () => {
    origin.handle((req, res) => {
      res.writeHead(200, { etag: '"v1"', 'content-type': 'application/json' })
      res.end(req.method === 'HEAD' ? undefined : '{}')
    })
    const { text, closedAfterMs } = await rawExchange(gw.url, 'PUT /expect HTTP/1.1\r\nHost: x\r\nIf-Match: "v0"\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n')
    assert.notEqual(closedAfterMs, undefined, 'ifgate closes the connection whose body it did not read')
    assert.match(text, /^HTTP\/1\.1 412 /)
    assert.doesNotMatch(text, /100 Continue/)
    assert.equal(origin.seen.filter((r) => r.method === 'PUT' && r.url === '/expect').length, 0)
  })

  test('Expect: 100-continue with a current tag gets 100 Continue and is forwarded', async () => {
    origin.handle((req, res) => {
      res.writeHead(200, { etag: '"v1"', 'content-type': 'application/json' })
      if (req.method === 'PUT') req.on('end', () => res.end('{"ok":true}')).resume()
      else res.end(req.method === 'HEAD' ? undefined : '{}')
    })
    const res = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false
      const req = httpRequest(`${gw.url}/expect-ok`, { method: 'PUT', headers: { 'if-match': '"v1"', expect: '100-continue', 'content-length': '5' } })
      req.on('continue', () => { continued = true; req.end('hello') })
      req.on('response', (r) => { r.resume(); r.on('end', () => resolve({ status: r.statusCode ?? 0, continued })) })
      req.on('error', reject)
    })
    assert.deepEqual(res, { status: 200, continued: true })
  })

  test('WebSocket-style Upgrade is passed through both ways', async () => {
    origin.server.once('upgrade', (req: IncomingMessage, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
      socket.on('data', (c: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), c])))
      socket.on('end', () => socket.destroy())
      assert.equal(req.headers.via, '1.1 ifgate')
    })
    const { text } = await rawExchange(gw.url, 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n', {
      until: (received, socket) => {
        if (received.includes('\r\n\r\n') && !received.includes('echo:')) socket.write('ping')
        return received.includes('echo:ping')
      }
    })
    assert.match(text, /echo:ping/, 'the origin echoed through the tunnel')
    assert.match(text, /^HTTP\/1\.1 101 /)
  })

  test('no route → 404 problem', async () => {
    const hosted = await startIfgate(origin.url, { routes: [{ path: '/only', origin: origin.url }] })
    try {
      const res = await request(`${hosted.url}/elsewhere`)
      assert.equal(res.status, 404)
      assert.equal(res.json().code, 'IFG_ERR_NO_ROUTE')
    } finally {
      await hosted.close()
    }
  })
})
