import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import { rawExchange, request, startServer, type Response } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'
import type { LogLine } from '../helpers/log-sink.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

const json = (res: ServerResponse, body = '{"a":1}', extra: Record<string, string> = {}): void => {
  res.writeHead(200, { 'content-type': 'application/json', etag: '"v1"', ...extra })
  res.end(body)
}

interface Row {
  readonly name: string
  /** The config under test (merged into a one-route config). */
  readonly config: Record<string, unknown>
  readonly handler: Handler
  /** Trips the limit; returns the response (or the raw exchange) to check. */
  readonly trip: (gw: TestGateway) => Promise<{ status: number; code?: string }>
  /** The log line of the tripped request. */
  readonly line: (l: LogLine) => boolean
  readonly want: { status: number; code?: string }
}

const statusOf = (res: Response): { status: number; code?: string } => ({ status: res.status, code: res.headers['content-type'] === 'application/problem+json' ? res.json().code : undefined })
const rawStatus = (text: string): { status: number; code?: string } => {
  const status = Number(text.slice(9, 12))
  const body = text.slice(text.indexOf('\r\n\r\n') + 4)
  return { status, code: body.startsWith('{') ? (JSON.parse(body) as { code?: string }).code : undefined }
}

const rows: Row[] = [
  {
    name: 'server.headersTimeoutMs: a client that never finishes its headers (slowloris) → 408',
    config: { server: { headersTimeoutMs: 200, requestTimeoutMs: 5000 } },
    handler: (_req, res) => json(res),
    trip: async (gw) => rawStatus((await rawExchange(gw.url, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', { timeoutMs: 3000 })).text),
    line: (l) => l.msg === 'client request refused',
    want: { status: 408, code: 'IFG_ERR_REQUEST_TIMEOUT' }
  },
  {
    name: 'server.requestTimeoutMs: a client whose body never completes → 408',
    config: { server: { headersTimeoutMs: 200, requestTimeoutMs: 400 } },
    handler: (req, res) => { req.resume(); req.on('end', () => json(res)) },
    trip: async (gw) => rawStatus((await rawExchange(gw.url, 'PUT /trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789', { timeoutMs: 3000 })).text),
    line: (l) => l.status === 408,
    want: { status: 408, code: 'IFG_ERR_REQUEST_TIMEOUT' }
  },
  {
    name: 'server.maxHeaderBytes: oversized request headers → 431',
    config: { server: { maxHeaderBytes: 2048 } },
    handler: (_req, res) => json(res),
    trip: async (gw) => rawStatus((await rawExchange(gw.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`, { timeoutMs: 3000 })).text),
    line: (l) => l.msg === 'client request refused',
    want: { status: 431, code: 'IFG_ERR_HEADERS_TOO_LARGE' }
  },
  {
    name: 'timeouts.originHeadersMs: an origin that answers too late → 504',
    config: { defaults: { timeouts: { originHeadersMs: 200 } } },
    handler: (req, res) => { if (req.url === '/slow') setTimeout(() => json(res), 1500); else json(res) },
    trip: async (gw) => statusOf(await request(`${gw.url}/slow`)),
    line: (l) => l.path === '/slow',
    want: { status: 504, code: 'IFG_ERR_ORIGIN_TIMEOUT' }
  },
  {
    name: 'timeouts.lookupMs: a validator lookup that stalls → 504, the write not forwarded',
    config: { defaults: { timeouts: { lookupMs: 200 } } },
    handler: (req, res) => { if (req.method === 'HEAD') setTimeout(() => json(res), 1500); else json(res) },
    trip: async (gw) => statusOf(await request(`${gw.url}/lookup`, { method: 'PUT', headers: { 'if-match': '"v1"' }, body: '{}' })),
    line: (l) => l.path === '/lookup',
    want: { status: 504, code: 'IFG_ERR_LOOKUP_TIMEOUT' }
  },
  {
    name: 'lock.waitMs: a write waiting longer for its resource → 503 + Retry-After',
    config: { defaults: { lock: { waitMs: 150, maxQueue: 10 } } },
    handler: (req, res) => { if (req.method === 'PUT') setTimeout(() => json(res), 800); else json(res) },
    trip: async (gw) => {
      const first = request(`${gw.url}/locked`, { method: 'PUT', body: '{}' })
      await new Promise((resolve) => setTimeout(resolve, 50))
      const second = await request(`${gw.url}/locked`, { method: 'PUT', body: '{}' })
      assert.ok(Number(second.headers['retry-after']) >= 1)
      assert.equal((await first).status, 200)
      return statusOf(second)
    },
    line: (l) => l.path === '/locked' && l.status === 503,
    want: { status: 503, code: 'IFG_ERR_LOCK_TIMEOUT' }
  },
  {
    name: 'lock.maxQueue: a write past the queue of its resource → 503 at once',
    config: { defaults: { lock: { waitMs: 5000, maxQueue: 1 } } },
    handler: (req, res) => { if (req.method === 'PUT') setTimeout(() => json(res), 500); else json(res) },
    trip: async (gw) => {
      const held = [request(`${gw.url}/queue`, { method: 'PUT', body: '{}' })]
      await new Promise((resolve) => setTimeout(resolve, 30))
      held.push(request(`${gw.url}/queue`, { method: 'PUT', body: '{}' }))
      await new Promise((resolve) => setTimeout(resolve, 30))
      const third = await request(`${gw.url}/queue`, { method: 'PUT', body: '{}' })
      assert.deepEqual((await Promise.all(held)).map((r) => r.status), [200, 200])
      return statusOf(third)
    },
    line: (l) => l.path === '/queue' && l.status === 503,
    want: { status: 503, code: 'IFG_ERR_LOCK_QUEUE_FULL' }
  },
  {
    name: 'timeouts.originBodyMs, body buffered to hash it: an origin that stalls mid-body → 504',
    config: { defaults: { timeouts: { originBodyMs: 200 } } },
    handler: (req, res) => { if (req.url !== '/stall') return json(res); res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10' }); res.write('01234') },
    trip: async (gw) => statusOf(await request(`${gw.url}/stall`)),
    line: (l) => l.path === '/stall',
    want: { status: 504, code: 'IFG_ERR_ORIGIN_TIMEOUT' }
  },
  {
    name: 'timeouts.originBodyMs, body streamed: an origin that stalls mid-body → the response is cut, the log names the timeout',
    config: { defaults: { timeouts: { originBodyMs: 200 } } },
    handler: (req, res) => { if (req.url !== '/stall') return json(res); res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10', etag: '"s1"' }); res.write('01234') },
    trip: async (gw) => {
      const res = await request(`${gw.url}/stall`).then(() => 'complete', (err: Error) => err.message)
      assert.match(res, /aborted|socket hang up|ECONNRESET/, 'the client sees the cut')
      return { status: 200 }
    },
    line: (l) => l.path === '/stall',
    want: { status: 200, code: 'IFG_ERR_ORIGIN_TIMEOUT' }
  }
]

describe('every limit trips with a clear status and a log line', () => {
  const cleanups: Array<() => Promise<unknown>> = []
  after(async () => { for (const c of cleanups.reverse()) await c() })

  for (const row of rows) {
    test(row.name, async () => {
      const o = await startServer(row.handler)
      cleanups.push(o.close)
      const gw = await startIfgate(o.url, row.config)
      cleanups.push(() => gw.close())
      const got = await row.trip(gw)
      assert.equal(got.status, row.want.status)
      if (row.want.code !== undefined && row.want.status >= 400) assert.equal(got.code, row.want.code)
      const line = await gw.logs.waitFor(row.line)
      assert.equal(line.status, row.want.status)
      if (row.want.code !== undefined) assert.equal((line.error as { code: string } | undefined)?.code, row.want.code, JSON.stringify(line))
      const next = await request(`${gw.url}/next`)
      assert.equal(next.status, 200, 'the next request is served')
    })
  }

  test('server.keepAliveTimeoutMs: an idle client connection is closed after the timeout', async () => {
    const o = await startServer((_req, res) => json(res))
    cleanups.push(o.close)
    const gw = await startIfgate(o.url, { server: { keepAliveTimeoutMs: 300 } })
    cleanups.push(() => gw.close())
    const { text, closedAfterMs } = await rawExchange(gw.url, 'GET /ka HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3000 })
    assert.match(text, /^HTTP\/1\.1 200 /)
    assert.ok(closedAfterMs !== undefined && closedAfterMs >= 250 && closedAfterMs < 2000, `closed after ${closedAfterMs} ms`)
    const line = await gw.logs.waitFor((l) => l.path === '/ka')
    assert.equal(line.status, 200)
  })

  test('timeouts.originConnectMs: an origin whose accept queue is full → 504 after the connect timeout', async () => {
    // A listener with a backlog of 1 whose process never accepts: once its queue is full the
    // kernel drops new SYNs, so a connect hangs until the client gives up, as with a dead host.
    const script = "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,15000);process.exit(0)})"
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] })
    cleanups.push(async () => { if (child.exitCode === null) { child.kill('SIGKILL'); await once(child, 'exit') } })
    const [chunk] = await once(child.stdout, 'data') as [Buffer]
    const port = Number(chunk.toString().trim())
    const fillers: Socket[] = []
    for (let i = 0; i < 4; i++) {
      const s = connect(port, '127.0.0.1')
      s.on('error', () => {})
      fillers.push(s)
    }
    cleanups.push(async () => { for (const s of fillers) s.destroy() })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const gw = await startIfgate(`http://127.0.0.1:${port}`, { defaults: { timeouts: { originConnectMs: 300 } } })
    cleanups.push(() => gw.close())
    const started = Date.now()
    const res = await request(`${gw.url}/connect`)
    assert.deepEqual(statusOf(res), { status: 504, code: 'IFG_ERR_ORIGIN_TIMEOUT' })
    assert.ok(Date.now() - started < 3000, 'the connect timeout, not a retransmission limit, ended it')
    const line = await gw.logs.waitFor((l) => l.path === '/connect')
    assert.equal((line.error as { code: string }).code, 'IFG_ERR_ORIGIN_TIMEOUT')
  })

  test('maxHashBytes: a body over the limit gets no synthesized ETag, and streams whole', async () => {
    const big = 'x'.repeat(4096)
    const o = await startServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(big) })
    cleanups.push(o.close)
    const gw = await startIfgate(o.url, { defaults: { maxHashBytes: 1024 } })
    cleanups.push(() => gw.close())
    const res = await request(`${gw.url}/big`)
    assert.equal(res.status, 200)
    assert.equal(res.body, big)
    assert.equal(res.headers.etag, undefined)
    const small = await startIfgate(o.url, { defaults: { maxHashBytes: 8192 } })
    cleanups.push(() => small.close())
    assert.match((await request(`${small.url}/big`)).headers.etag as string, /^"[\w-]{43}"$/, 'under the limit the same body is tagged')
  })

  test('a synthesized ETag over a body that arrives in many chunks: the body is sent whole and in order, the tag is its SHA-256', async () => {
    // ~300 KB in 64 writes with a pause between some, so the origin body reaches ifgate in several chunks.
    const parts = Array.from({ length: 64 }, (_, i) => `${String(i).padStart(2, '0')}:${'abcdefghijklmnopqrstuvwxyz'.repeat(180)}\n`)
    const whole = parts.join('')
    const o = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(whole)) })
      let i = 0
      const next = (): void => {
        while (i < parts.length) {
          res.write(parts[i++])
          if (i % 16 === 0) return void setTimeout(next, 2)
        }
        res.end()
      }
      next()
    })
    cleanups.push(o.close)
    const gw = await startIfgate(o.url, { defaults: { etags: 'synthesize', maxHashBytes: 1024 * 1024 } })
    cleanups.push(() => gw.close())
    const res = await request(`${gw.url}/chunked`)
    assert.equal(res.status, 200)
    assert.equal(res.body.length, whole.length)
    assert.ok(res.body === whole, 'the same bytes in the same order')
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(whole)))
    assert.equal(res.headers.etag, `"${createHash('sha256').update(whole).digest('base64url')}"`)
  })

  test('cache.maxEntries and cache.maxBytes: the store stays within both, evictions are counted', async () => {
    let n = 0
    const o = await startServer((_req, res) => json(res, '{}', { etag: `"e${n++}"` }))
    cleanups.push(o.close)
    for (const cache of [{ maxEntries: 5, maxBytes: 1_000_000 }, { maxEntries: 1000, maxBytes: 2000 }]) {
      const gw = await startIfgate(o.url, { cache })
      cleanups.push(() => gw.close())
      for (let i = 0; i < 30; i++) assert.equal((await request(`${gw.url}/items/${i}`)).status, 200)
      const stats = gw.gateway.store.stats()
      assert.ok(stats.entries <= cache.maxEntries && stats.bytes <= cache.maxBytes, JSON.stringify(stats))
      const text = (await request(`${gw.adminUrl}/metrics`)).body
      const evictions = Number(/^ifgate_validator_cache_evictions_total (\d+)/m.exec(text)?.[1])
      assert.ok(evictions >= 30 - stats.entries - 1, `evictions counted: ${evictions}`)
    }
  })
})
