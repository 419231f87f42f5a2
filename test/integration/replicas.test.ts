import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startChildIfgate, type ChildIfgate } from '../helpers/child-ifgate.ts'
import { request, startServer, type LocalServer, type Response } from '../helpers/http.ts'
import { startJsonServer, type JsonServer } from '../helpers/json-server.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { expect412 } from '../helpers/problems.ts'
import { parseReply, startRedis, type RedisServer } from '../helpers/redis.ts'
import { sample } from '../helpers/prometheus.ts'

// SPEC §9: several ifgate processes naming one redis store and keyPrefix share one lock and one
// validator store per resource.

const TOKEN = 'T'
const WRITERS = 20
const ROUNDS = 5
const JSON_BODY = { 'content-type': 'application/json' }
/** Most milliseconds a replica's graceful stop may take before it is killed. */
const STOP_TIMEOUT_MS = 5000

const dir = mkdtempSync(join(tmpdir(), 'ifgate-replicas-'))
let redis: RedisServer
before(async () => { redis = await startRedis() })
after(async () => {
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

let configs = 0

/** Starts `n` ifgate processes from one config file (JSON), all in front of the same store. */
async function startReplicas (n: number, config: Record<string, unknown>): Promise<ChildIfgate[]> {
  const file = join(dir, `replicas-${++configs}.json`)
  writeFileSync(file, JSON.stringify({ log: { level: 'info' }, shutdownTimeoutMs: 2000, ...config }, null, 2))
  const started = await Promise.allSettled(Array.from({ length: n }, () => startChildIfgate(['--config', file])))
  const running = started.flatMap((s) => s.status === 'fulfilled' ? [s.value] : [])
  const failed = started.find((s) => s.status === 'rejected')
  if (failed !== undefined) {
    await stopReplicas(running)
    throw failed.reason
  }
  return running
}

/** Ends each replica by its PID: SIGCONT (none stays stopped), SIGTERM, and SIGKILL when it has not exited within STOP_TIMEOUT_MS. */
async function stopReplicas (replicas: readonly ChildIfgate[]): Promise<void> {
  await Promise.all(replicas.map(async (r) => {
    const pid = r.child.pid
    if (pid === undefined || r.child.exitCode !== null || r.child.signalCode !== null) return
    process.kill(pid, 'SIGCONT')
    process.kill(pid, 'SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS) })
    if (await Promise.race([r.exited, late]) === 'late') {
      r.kill()
      await r.exited
    }
    clearTimeout(timer)
  }))
}

/** Polls `check` every 20 ms until it holds or `ms` have passed; resolves with whether it held. */
async function until (check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > deadline) return false
    await sleep(20)
  }
}

const metrics = async (r: ChildIfgate): Promise<string> => (await request(`${r.adminUrl}/metrics`)).body
const health = async (r: ChildIfgate): Promise<{ status: number, store: unknown }> => {
  const res = await request(`${r.adminUrl}/healthz`)
  return { status: res.status, store: res.status === 200 ? res.json().store : undefined }
}
const is2xx = (status: number): boolean => status >= 200 && status < 300

/** Returns the current ETag of `path`, read through `replica`. */
async function currentTag (replica: ChildIfgate, path: string): Promise<string> {
  const res = await request(`${replica.url}${path}`)
  assert.equal(res.status, 200, `GET ${path} through ${replica.url}: ${res.body.slice(0, 200)}`)
  assert.equal(typeof res.headers.etag, 'string', `GET ${path} carries an ETag`)
  return res.headers.etag as string
}

/**
 * Round `n` of the lost-update race across replicas: the current ETag is read (through one
 * replica), then 20 PUTs with it are sent at once, round-robin over every replica. Exactly one
 * wins, 19 get 412, and the origin receives exactly one write.
 */
async function round (replicas: readonly ChildIfgate[], writes: () => number, path: string, n: number): Promise<void> {
  const tag = await currentTag(replicas[n % replicas.length], path)
  const before = writes()
  const results = await Promise.all(Array.from({ length: WRITERS }, (_, i) =>
    request(`${replicas[i % replicas.length].url}${path}`, {
      method: 'PUT',
      headers: { ...JSON_BODY, 'if-match': tag },
      body: JSON.stringify({ id: 1, title: `round ${n} writer ${i}` })
    })))
  const statuses = results.map((r) => r.status)
  assert.equal(statuses.filter(is2xx).length, 1, `one success in round ${n}: ${statuses.join(',')}`)
  assert.equal(statuses.filter((s) => s === 412).length, WRITERS - 1, `19 × 412 in round ${n}: ${statuses.join(',')}`)
  assert.equal(writes() - before, 1, `the origin received exactly one write in round ${n}`)
}

interface SlowDoc {
  version: number
  body: string
}

interface SlowOrigin extends LocalServer {
  /** PUTs whose body has been received completely, in arrival order. */
  readonly received: Array<{ url: string, slow: boolean }>
  /** The ETags the origin answered slow PUTs with, in order. */
  readonly slowAnswers: string[]
  /** Creates or replaces the document at `path` (not counted as a write). */
  set(path: string, body: unknown): void
}

/**
 * Starts a small versioned JSON origin (strong ETags `"v<n>"`, no precondition support) whose
 * PUTs with a body of `{ "slow": true }` are applied and answered `slowMs` after their body
 * arrived, all others at once. A slow write is applied even when the client went away.
 */
async function startSlowOrigin (slowMs: number): Promise<SlowOrigin> {
  const docs = new Map<string, SlowDoc>()
  const received: SlowOrigin['received'] = []
  const slowAnswers: string[] = []
  const timers = new Set<NodeJS.Timeout>()
  const put = (path: string, body: string): SlowDoc => {
    const doc = { version: (docs.get(path)?.version ?? 0) + 1, body }
    docs.set(path, doc)
    return doc
  }
  const send = (res: ServerResponse, status: number, doc: SlowDoc | undefined, head = false): void => {
    const body = doc?.body ?? '{"error":"not found"}'
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
    if (doc !== undefined) headers.etag = `"v${doc.version}"`
    res.writeHead(status, headers)
    res.end(head ? undefined : body)
  }
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://origin.invalid').pathname
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.method === 'GET' || req.method === 'HEAD') {
        const doc = docs.get(path)
        return send(res, doc === undefined ? 404 : 200, doc, req.method === 'HEAD')
      }
      if (req.method !== 'PUT') return send(res, 405, undefined)
      const body = Buffer.concat(chunks).toString('utf8')
      let slow = false
      try {
        slow = (JSON.parse(body) as { slow?: unknown }).slow === true
      } catch {
        // not JSON: an ordinary write
      }
      received.push({ url: req.url ?? '/', slow })
      if (!slow) return send(res, 200, put(path, body))
      const timer = setTimeout(() => {
        timers.delete(timer)
        const doc = put(path, body)
        slowAnswers.push(`"v${doc.version}"`)
        if (!res.destroyed) send(res, 200, doc)
      }, slowMs)
      timers.add(timer)
    })
  }
  const local = await startServer(handler)
  return {
    ...local,
    received,
    slowAnswers,
    set: (path, body) => { put(path, JSON.stringify(body)) },
    close: () => {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      return local.close()
    }
  }
}

/** Resolves with the request log line `replica` wrote for `requestId` (waiting out its log buffer), or undefined after 2 s. */
async function logLineOf (replica: ChildIfgate, requestId: string): Promise<Record<string, unknown> | undefined> {
  let line: Record<string, unknown> | undefined
  await until(() => (line = replica.lines.find((l) => l.requestId === requestId && l.status !== undefined)) !== undefined, 2000)
  return line
}

describe('replicas on one redis store: 20 concurrent writers through three replicas, one wins', () => {
  const prefix = 'ifgate-race:'
  let origin: LegacyOrigin
  let replicas: ChildIfgate[] = []
  before(async () => {
    await redis.command('FLUSHALL')
    origin = await startLegacyOrigin({ etag: 'strong', delayMs: 20 })
    origin.set('/x/items/1', { id: 1, title: 'start' })
    origin.set('/items/1', { id: 1, title: 'start' })
    replicas = await startReplicas(3, {
      routes: [
        { path: '/x', origin: origin.url, ownership: 'exclusive', name: 'exclusive' },
        { path: '/', origin: origin.url, ownership: 'shared', name: 'shared' }
      ],
      store: { url: redis.url, keyPrefix: prefix, lockLeaseMs: 10000, commandTimeoutMs: 1000 },
      admin: { token: TOKEN }
    })
  })
  after(async () => {
    await stopReplicas(replicas)
    await origin?.close()
  })

  for (const [ownership, path] of [['exclusive', '/x/items/1'], ['shared', '/items/1']] as const) {
    for (let n = 1; n <= ROUNDS; n++) {
      test(`ownership ${ownership}, round ${n}: 20 PUTs with the current If-Match over 3 replicas → one 2xx, 19 × 412, one origin write`, () =>
        round(replicas, () => origin.writes, path, n))
    }
  }

  test('the replicas keep their state in redis, every key under store.keyPrefix', async () => {
    const before = await redis.commandCalls()
    await round(replicas, () => origin.writes, '/items/1', ROUNDS + 1)
    assert.ok(await redis.commandCalls() - before > WRITERS, 'each of the 20 writes made round trips to the store')
    const keys = parseReply(await redis.command('KEYS', '*'))
    assert.ok(Array.isArray(keys) && keys.length > 0, 'redis holds the shared state')
    for (const key of keys) assert.ok(typeof key === 'string' && key.startsWith(prefix), `${String(key)} starts with ${prefix}`)
  })
})

describe('replicas on one redis store: the 20-writer race against json-server@0.17.4', () => {
  let server: JsonServer
  let replicas: ChildIfgate[] = []
  before(async () => {
    server = await startJsonServer({ posts: [{ id: 1, title: 'start' }] })
    replicas = await startReplicas(3, {
      routes: [{ path: '/', origin: server.url, name: 'json' }],
      store: { url: redis.url, keyPrefix: 'ifgate-json:' }
    })
  })
  after(async () => {
    await stopReplicas(replicas)
    await server?.close()
  })
  for (let n = 1; n <= 2; n++) {
    test(`round ${n}: 20 PUTs with the current If-Match over 3 replicas → one 2xx, 19 × 412, one write at json-server`, () =>
      round(replicas, () => server.writes(), '/posts/1', n))
  }
})

describe('replicas on one redis store: a write through one replica is known to the others', () => {
  let origin: LegacyOrigin
  let replicas: ChildIfgate[] = []
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    replicas = await startReplicas(2, {
      routes: [{ path: '/', origin: origin.url, ownership: 'exclusive', name: 'exclusive' }],
      store: { url: redis.url, keyPrefix: 'ifgate-history:' }
    })
  })
  after(async () => {
    await stopReplicas(replicas)
    await origin?.close()
  })

  test('exclusive route: the ETag replaced by a write through A is answered 412 stale-etag by B, and never forwarded', async () => {
    const [a, b] = replicas
    origin.set('/doc/1', { v: 1 })
    // B reads first, so B alone would still hold the old tag as current.
    const old = await currentTag(b, '/doc/1')
    assert.equal(await currentTag(a, '/doc/1'), old)
    const before = origin.writes
    const write = await request(`${a.url}/doc/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': old }, body: '{"v":2}' })
    assert.ok(is2xx(write.status), `the write through A succeeds: ${write.status} ${write.body.slice(0, 200)}`)
    const stale = await request(`${b.url}/doc/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': old }, body: '{"v":3}' })
    const problem = expect412(stale, 'stale-etag')
    assert.equal(problem.currentEtag, (await request(`${origin.url}/doc/1`)).headers.etag, 'B names the ETag A\'s write produced')
    assert.equal(origin.writes - before, 1, 'the origin saw only A\'s write')
    assert.deepEqual(origin.get('/doc/1'), { v: 2 })
  })
})

describe('replicas on one redis store: the store goes away and comes back', () => {
  let own: RedisServer
  let origin: LegacyOrigin
  let replicas: ChildIfgate[] = []
  const paths = ['/items/1', '/x/items/1']
  before(async () => {
    own = await startRedis()
    origin = await startLegacyOrigin({ etag: 'strong' })
    for (const p of paths) origin.set(p, { id: 1 })
    replicas = await startReplicas(2, {
      routes: [
        { path: '/x', origin: origin.url, ownership: 'exclusive', name: 'exclusive' },
        { path: '/', origin: origin.url, ownership: 'shared', name: 'shared' }
      ],
      store: { url: own.url, keyPrefix: 'ifgate-outage:', commandTimeoutMs: 500 }
    })
  })
  after(async () => {
    await stopReplicas(replicas)
    await origin?.close()
    await own?.stop()
  })

  test('store up: /healthz says store up, ifgate_store_up is 1', async () => {
    for (const r of replicas) {
      for (const p of paths) await currentTag(r, p)
      assert.deepEqual(await health(r), { status: 200, store: 'up' })
      assert.equal(sample(await metrics(r), 'ifgate_store_up'), 1)
    }
  })

  test('redis killed: writes → 503 IFG_ERR_STORE_UNAVAILABLE with Retry-After, promptly, never forwarded; reads still 200', async () => {
    const tags = new Map<string, string>()
    for (const p of paths) tags.set(p, await currentTag(replicas[0], p))
    await own.kill()
    const before = origin.writes
    const outcomes: Array<{ what: string, res: Response, ms: number }> = []
    for (const r of replicas) {
      for (const p of paths) {
        const sends: Array<[string, Record<string, string>]> = [['conditional', { 'if-match': tags.get(p) as string }], ['unconditional', {}]]
        for (const [what, conditionals] of sends) {
          const started = performance.now()
          const res = await request(`${r.url}${p}`, { method: 'PUT', headers: { ...JSON_BODY, ...conditionals }, body: '{"id":1,"v":"during outage"}' })
          outcomes.push({ what: `${what} PUT ${p} through ${r.url}`, res, ms: performance.now() - started })
        }
      }
    }
    for (const { what, res, ms } of outcomes) {
      assert.equal(res.status, 503, `${what}: ${res.status} ${res.body.slice(0, 200)}`)
      assert.equal(res.headers['content-type'], 'application/problem+json', what)
      assert.equal(res.json().code, 'IFG_ERR_STORE_UNAVAILABLE', what)
      const retryAfter = String(res.headers['retry-after'] ?? '')
      assert.ok(/^\d+$/.test(retryAfter) || !Number.isNaN(Date.parse(retryAfter)), `${what}: Retry-After is delay-seconds or an HTTP-date, got ${JSON.stringify(retryAfter)}`)
      assert.ok(ms < 3000, `${what}: answered in ${ms.toFixed(0)} ms (commandTimeoutMs 500 plus a connect)`)
    }
    assert.equal(origin.writes - before, 0, 'no write reached the origin')
    for (const r of replicas) {
      for (const p of paths) assert.equal((await request(`${r.url}${p}`)).status, 200, `GET ${p} through ${r.url} is still forwarded`)
    }
  })

  test('redis down: /healthz says store down (still 200), ifgate_store_up is 0', async () => {
    for (const r of replicas) {
      await until(async () => (await health(r)).store === 'down', 3000)
      assert.deepEqual(await health(r), { status: 200, store: 'down' })
      await until(async () => sample(await metrics(r), 'ifgate_store_up') === 0, 3000)
      assert.equal(sample(await metrics(r), 'ifgate_store_up'), 0)
    }
  })

  test('redis back on the same port: conditional writes succeed again without restarting ifgate, store up', async () => {
    await own.restart()
    const before = origin.writes
    for (const r of replicas) {
      for (const p of paths) {
        let last: Response | undefined
        await until(async () => {
          const tag = await currentTag(r, p)
          last = await request(`${r.url}${p}`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"id":1,"v":"after outage"}' })
          return last.status !== 503
        }, 5000)
        assert.ok(last !== undefined && is2xx(last.status), `PUT ${p} through ${r.url} after the restart: ${last?.status} ${last?.body.slice(0, 200)}`)
      }
      assert.deepEqual(await health(r), { status: 200, store: 'up' })
      assert.equal(sample(await metrics(r), 'ifgate_store_up'), 1)
    }
    assert.equal(origin.writes - before, replicas.length * paths.length, 'one origin write per successful PUT, none for the refused ones')
  })
})

/** A slow origin answers writes after this long: a holder is still at the origin when its lease ends. */
const SLOW_MS = 2500
const LEASE_MS = 500

/**
 * Starts, for the describe block it is called in, a slow origin and two replicas whose locks have
 * a LEASE_MS lease, on a route and key prefix of their own; resolves the pair through `get()`.
 */
function slowPair (name: string, ownership: 'shared' | 'exclusive'): () => { origin: SlowOrigin, replicas: ChildIfgate[] } {
  let origin: SlowOrigin
  let replicas: ChildIfgate[] = []
  before(async () => {
    origin = await startSlowOrigin(SLOW_MS)
    replicas = await startReplicas(2, {
      defaults: { lock: { waitMs: 5000 } },
      routes: [{ path: '/', origin: origin.url, ownership, name }],
      store: { url: redis.url, keyPrefix: `ifgate-${name}:`, lockLeaseMs: LEASE_MS }
    })
  })
  after(async () => {
    await stopReplicas(replicas)
    await origin?.close()
  })
  return () => ({ origin, replicas })
}

describe('replicas on one redis store: a holder whose lease ran out', () => {
  const pair = slowPair('lease', 'exclusive')

  test('A frozen mid-write loses its lease: B is not blocked, A counts ifgate_lock_lease_lost_total and logs leaseLost', async () => {
    const { origin, replicas } = pair()
    const [a, b] = replicas
    const aPid = a.child.pid as number
    origin.set('/lease/1', { v: 1 })
    const tag = await currentTag(a, '/lease/1')
    const requestId = `lease-lost-${process.pid}-${Date.now()}`
    const held = request(`${a.url}/lease/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag, 'x-request-id': requestId }, body: '{"slow":true}' })
    const heldOutcome = held.then((r) => r.status, (err: Error) => err.message)
    let stopped = false
    try {
      assert.ok(await until(() => origin.received.some((r) => r.slow), 3000), 'A forwarded its write to the origin')
      process.kill(aPid, 'SIGSTOP')
      stopped = true
      await sleep(LEASE_MS + 200)
      const started = performance.now()
      const other = await request(`${b.url}/lease/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"v":"b"}' })
      const ms = performance.now() - started
      assert.ok(is2xx(other.status) || other.status === 412, `B's write completes (2xx or 412): ${other.status} ${other.body.slice(0, 200)}`)
      assert.ok(ms < 1000, `B was not held by A's expired lease (${ms.toFixed(0)} ms)`)
      assert.equal(origin.slowAnswers.length, 0, 'B completed while A\'s write was still at the origin')
    } finally {
      if (stopped) process.kill(aPid, 'SIGCONT')
    }
    assert.equal(typeof await heldOutcome, 'number', 'A answered its client once resumed')

    let lost: number | undefined
    await until(async () => (lost = sample(await metrics(a), 'ifgate_lock_lease_lost_total', { route: 'lease' })) !== undefined && lost >= 1, 2000)
    assert.ok(lost !== undefined && lost >= 1, `ifgate_lock_lease_lost_total{route="lease"} on A is ${lost}`)
    const line = await logLineOf(a, requestId)
    assert.ok(line !== undefined, 'A logged the request')
    assert.equal(line.leaseLost, true, JSON.stringify(line))

    // Fencing: what A learned from its late answer must not become the shared current ETag.
    const aTag = origin.slowAnswers[0]
    const view = await request(`${b.adminUrl}/validators?url=/lease/1`)
    assert.ok(view.status === 200 || view.status === 404, `GET /validators on B: ${view.status}`)
    if (view.status === 200) {
      const current = (view.json().current as Array<{ etag: string }>).map((c) => c.etag)
      assert.ok(!current.includes(aTag), `A's late ${aTag} is not current in the shared store: ${current.join(', ')}`)
    }
  })
})

describe('replicas on one redis store: a holder that dies', () => {
  const pair = slowPair('dies', 'shared')

  test('A is SIGKILLed while holding the lock: B, waiting on it, completes within lockLeaseMs + 1.5 s', async () => {
    const { origin, replicas } = pair()
    const [a, b] = replicas
    origin.set('/dies/1', { v: 1 })
    const tag = await currentTag(b, '/dies/1')
    const doomed = request(`${a.url}/dies/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"slow":true}' }).catch((err: Error) => err)
    assert.ok(await until(() => origin.received.some((r) => r.slow), 3000), 'A forwarded its write to the origin')
    let settled = false
    const waiting = request(`${b.url}/dies/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"v":"b"}' })
      .finally(() => { settled = true })
    await sleep(100)
    assert.equal(settled, false, 'B waits while A, alive, holds the lock')
    const killedAt = performance.now()
    process.kill(a.child.pid as number, 'SIGKILL')
    await a.exited
    const res = await waiting
    const ms = performance.now() - killedAt
    assert.ok(is2xx(res.status) || res.status === 412, `B's write completes (2xx or 412): ${res.status} ${res.body.slice(0, 200)}`)
    assert.ok(ms < LEASE_MS + 1500, `B completed ${ms.toFixed(0)} ms after A died (lockLeaseMs ${LEASE_MS})`)
    assert.ok(await doomed instanceof Error, 'A\'s client lost its connection')
  })
})

describe('replicas on one redis store: admin /validators acts on the shared store', () => {
  let origin: LegacyOrigin
  let replicas: ChildIfgate[] = []
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    replicas = await startReplicas(2, {
      routes: [{ path: '/', origin: origin.url, name: 'admin' }],
      store: { url: redis.url, keyPrefix: 'ifgate-admin:' },
      admin: { token: TOKEN }
    })
  })
  after(async () => {
    await stopReplicas(replicas)
    await origin?.close()
  })

  test('DELETE /validators?url=/p/1 on A purges it for B too; /p/2 stays', async () => {
    const [a, b] = replicas
    origin.set('/p/1', { v: 1 })
    origin.set('/p/2', { v: 1 })
    await currentTag(a, '/p/1')
    await currentTag(a, '/p/2')
    await currentTag(b, '/p/1')
    assert.equal((await request(`${b.adminUrl}/validators?url=/p/2`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, 'B sees what A learned')
    const purge = await request(`${a.adminUrl}/validators?url=/p/1`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(purge.status, 200, purge.body)
    assert.equal(purge.json().purged, 1)
    assert.equal((await request(`${b.adminUrl}/validators?url=/p/1`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404, 'purged for B')
    assert.equal((await request(`${a.adminUrl}/validators?url=/p/1`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404, 'purged for A')
    assert.equal((await request(`${b.adminUrl}/validators?url=/p/2`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, 'another resource is untouched')
  })
})
