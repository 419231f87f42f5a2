import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { DEFAULTS } from '../../src/config/defaults.ts'
import type { Policy } from '../../src/config/types.ts'
import { startExchange, type BodySink, type OriginResponse } from '../../src/origin/exchange.ts'
import { lookupValidators } from '../../src/origin/lookup.ts'
import { startServer, type LocalServer } from '../helpers/http.ts'

/** A real origin on loopback: /bytes/N sends N bytes in 16 KiB writes; /stall sends a head, then nothing. */
let origin: LocalServer
let pool: Pool
let connections = 0
const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 251))

before(async () => {
  origin = await startServer((req, res) => {
    if (req.url === '/stall') {
      res.writeHead(200, { 'content-length': '10' })
      res.write('abc')
      return
    }
    if (req.url === '/slow-head') return void setTimeout(() => res.end('late'), 2000)
    const n = Number(req.url?.split('/')[2] ?? 0)
    const body = pattern(n)
    res.writeHead(200, { 'content-length': String(n), etag: '"x"' })
    for (let i = 0; i < n; i += 16384) res.write(body.subarray(i, i + 16384))
    res.end()
  })
  origin.server.on('connection', () => { connections++ })
  pool = new Pool(origin.url)
})
after(async () => {
  await pool.close()
  await origin.close()
})

const ask = (path: string): Promise<OriginResponse> =>
  startExchange(pool, { path, method: 'GET', headers: {}, headersTimeout: 1000, bodyTimeout: 1000 }).response

/** Resolves to the whole body through a sink that pauses the origin on every `pauseEvery`-th chunk. */
function collect (response: OriginResponse, pauseEvery = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const sink: BodySink = {
      data (chunk) {
        chunks.push(chunk)
        if (pauseEvery === 0 || chunks.length % pauseEvery !== 0) return true
        setTimeout(() => response.body.resume(), 2)
        return false
      },
      end: () => resolve(Buffer.concat(chunks)),
      error: reject
    }
    response.body.pipeTo(sink)
  })
}

const sizes = [
  { name: 'an empty body', bytes: 0 },
  { name: 'one small chunk', bytes: 300 },
  { name: 'many chunks', bytes: 1_000_000 }
]
for (const c of sizes) {
  test(`pipeTo delivers ${c.name} whole and in order, head and validators first`, async () => {
    const response = await ask(`/bytes/${c.bytes}`)
    assert.equal(response.statusCode, 200)
    assert.equal(response.headers.etag, '"x"')
    assert.deepEqual(await collect(response), pattern(c.bytes))
  })
  test(`pipeTo with a sink that pauses the origin still delivers ${c.name} whole`, async () => {
    assert.deepEqual(await collect(await ask(`/bytes/${c.bytes}`), 2), pattern(c.bytes))
  })
}

test('chunks that arrive before a sink is attached are kept for it', async () => {
  const response = await ask('/bytes/200000')
  await sleep(50)
  assert.deepEqual(await collect(response), pattern(200_000))
})

const limits = [
  { name: 'a body under the limit is read whole', bytes: 1000, limit: 4096, truncated: false },
  { name: 'a body of exactly the limit is read whole', bytes: 4096, limit: 4096, truncated: false },
  { name: 'a larger body stops at the limit, the rest left unread for the next sink', bytes: 300_000, limit: 50_000, truncated: true }
]
for (const c of limits) {
  test(`read: ${c.name}`, async () => {
    const response = await ask(`/bytes/${c.bytes}`)
    const read = await response.body.read(c.limit)
    assert.equal(read.truncated, c.truncated)
    assert.ok(read.length <= c.limit)
    assert.equal(read.length, read.chunks.reduce((n, b) => n + b.length, 0))
    const rest = c.truncated ? await collect(response) : Buffer.alloc(0)
    assert.deepEqual(Buffer.concat([...read.chunks, rest]), pattern(c.bytes), 'prefix and rest make the body')
  })
}

test('dump reads the body away and the connection serves the next request', async () => {
  await (await ask('/bytes/100000')).body.dump()
  const next = await ask('/bytes/10')
  assert.deepEqual(await collect(next), pattern(10))
})

test('abort before the response head rejects with the reason', async () => {
  const exchange = startExchange(pool, { path: '/slow-head', method: 'GET', headers: {}, headersTimeout: 5000, bodyTimeout: 5000 })
  const reason = new Error('client gone')
  exchange.abort(reason)
  await assert.rejects(exchange.response, (err) => err === reason)
})

test('abort after the head fails the sink with the reason', async () => {
  const exchange = startExchange(pool, { path: '/stall', method: 'GET', headers: {}, headersTimeout: 1000, bodyTimeout: 5000 })
  const response = await exchange.response
  const reason = new Error('client gone')
  setTimeout(() => exchange.abort(reason), 20)
  await assert.rejects(collect(response), (err) => err === reason)
  assert.equal(response.body.done, true)
})

test('an origin that stalls mid-body fails the sink with undici\'s body timeout', async () => {
  const response = await startExchange(pool, { path: '/stall', method: 'GET', headers: {}, headersTimeout: 1000, bodyTimeout: 100 }).response
  await assert.rejects(collect(response), (err: Error & { code?: string }) => err.code === 'UND_ERR_BODY_TIMEOUT')
})

test('HEAD lookups keep their origin connection (undici would close it after every HEAD)', async () => {
  const policy = { ...DEFAULTS.defaults, etags: 'origin' } as unknown as Policy
  const solo = new Pool(origin.url, { connections: 1 })
  const before = connections
  try {
    for (let i = 0; i < 5; i++) {
      const result = await lookupValidators(solo, { path: '/bytes/64', headers: {}, policy, wantBody: false })
      assert.equal(result.kind, 'present')
      assert.equal(result.kind === 'present' ? result.validators.etag : undefined, '"x"')
    }
    assert.equal(connections - before, 1, 'five lookups, one connection')
  } finally {
    await solo.close()
  }
})
