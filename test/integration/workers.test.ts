import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { childEnv } from '../helpers/child-env.ts'
import { startChildIfgate, type ChildIfgate } from '../helpers/child-ifgate.ts'
import { request } from '../helpers/http.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startRedis, type RedisServer } from '../helpers/redis.ts'
import { sample, sampleSum } from '../helpers/prometheus.ts'

// SPEC §9 `--workers N`: one primary and N node:cluster workers on one proxy port and one store;
// the primary's admin port adds up the workers' metrics and diagnoses.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'ifgate.js')
const WORKERS = 2
const WRITERS = 20
const ROUNDS = 3
/** GETs whose count /metrics on the primary must show. */
const READS = 40
const JSON_BODY = { 'content-type': 'application/json' }
/** Most milliseconds a graceful stop may take (in a test or in cleanup) before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000
/** Most milliseconds a process that was signalled may take to disappear. */
const GONE_TIMEOUT_MS = 2000
/** Most milliseconds the primary may take to start a replacement for a dead worker and have it listen. */
const REPLACE_TIMEOUT_MS = 5000
/** Most milliseconds a CLI run that should refuse its config may take. */
const RUN_TIMEOUT_MS = 10_000

const dir = mkdtempSync(join(tmpdir(), 'ifgate-workers-'))
let redis: RedisServer
before(async () => { redis = await startRedis() })
after(async () => {
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Polls `check` every `everyMs` (default 20 ms) until it holds or `ms` have passed; resolves with whether it held. */
async function until (check: () => Promise<boolean> | boolean, ms: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > deadline) return false
    await sleep(everyMs)
  }
}

const metricsAt = async (adminUrl: string): Promise<string> => {
  const res = await request(`${adminUrl}/metrics`)
  assert.equal(res.status, 200, `GET ${adminUrl}/metrics: ${res.status} ${res.body.slice(0, 200)}`)
  return res.body
}
const getCount = async (adminUrl: string): Promise<number> => sampleSum(await metricsAt(adminUrl), 'ifgate_requests_total', { method: 'GET' })
const is2xx = (status: number): boolean => status >= 200 && status < 300

/** Whether a process with `pid` exists (a zombie counts). */
function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
}

/** Whether `pid` still runs bin/ifgate.js (so a PID the kernel gave to another process is never signalled). */
function runsIfgate (pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(BIN)
  } catch {
    return false
  }
}

/** The pids the primary logged a "worker started" line for, in order. */
function startedPids (gw: ChildIfgate): number[] {
  return gw.lines.filter((l) => l.msg === 'worker started').map((l) => l.pid as number)
}

/** The admin URLs the workers logged in their "worker listening" lines, in order. */
function workerAdmins (gw: ChildIfgate): string[] {
  return gw.lines.filter((l) => l.msg === 'worker listening').map((l) => l.admin as string)
}

/** Ends the primary by its PID (SIGTERM, SIGKILL after STOP_TIMEOUT_MS), then any worker it logged that still runs ifgate. */
async function stopAll (gw: ChildIfgate | undefined): Promise<void> {
  if (gw === undefined) return
  const pid = gw.child.pid
  if (pid !== undefined && gw.child.exitCode === null && gw.child.signalCode === null) {
    process.kill(pid, 'SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS) })
    if (await Promise.race([gw.exited, late]) === 'late') {
      gw.kill()
      await gw.exited
    }
    clearTimeout(timer)
  }
  for (const worker of startedPids(gw)) {
    if (!runsIfgate(worker)) continue
    process.kill(worker, 'SIGTERM')
    if (!await until(() => !runsIfgate(worker), STOP_TIMEOUT_MS) && runsIfgate(worker)) process.kill(worker, 'SIGKILL')
  }
}

/** Returns the current ETag of `path`, read through the gateway. */
async function currentTag (gw: ChildIfgate, path: string): Promise<string> {
  const res = await request(`${gw.url}${path}`)
  assert.equal(res.status, 200, `GET ${path}: ${res.body.slice(0, 200)}`)
  assert.equal(typeof res.headers.etag, 'string', `GET ${path} carries an ETag`)
  return res.headers.etag as string
}

describe('--workers 2 on one redis store: one port, one lock, one admin port', () => {
  let origin: LegacyOrigin
  let gw: ChildIfgate | undefined
  /** The X-Request-Id of every edge 412 the rounds received. */
  const refused: string[] = []
  before(async () => {
    await redis.command('FLUSHALL')
    origin = await startLegacyOrigin({ etag: 'strong', delayMs: 20 })
    origin.set('/x/items/1', { id: 1, title: 'start' })
    origin.set('/items/1', { id: 1, title: 'start' })
    const file = join(dir, 'workers.json')
    writeFileSync(file, JSON.stringify({
      log: { level: 'info' },
      shutdownTimeoutMs: 2000,
      routes: [
        { path: '/x', origin: origin.url, ownership: 'exclusive', name: 'exclusive' },
        { path: '/', origin: origin.url, ownership: 'shared', name: 'shared' }
      ],
      store: { url: redis.url, keyPrefix: 'ifgate-workers:', lockLeaseMs: 10000, commandTimeoutMs: 1000 }
    }, null, 2))
    gw = await startChildIfgate(['--config', file, '--workers', String(WORKERS)])
  })
  after(async () => {
    await stopAll(gw)
    await origin?.close()
  })

  test('the primary logs one "worker started" per worker, then "ifgate listening" with workers 2 and its own pid', async () => {
    const g = gw as ChildIfgate
    const listening = g.lines.find((l) => l.msg === 'ifgate listening')
    assert.ok(listening !== undefined)
    assert.equal(listening.workers, WORKERS)
    assert.equal(listening.pid, g.child.pid)
    const pids = startedPids(g)
    assert.equal(pids.length, WORKERS, `"worker started" lines before "ifgate listening": ${JSON.stringify(pids)}`)
    assert.equal(new Set(pids).size, WORKERS, 'distinct worker pids')
    for (const pid of pids) {
      assert.ok(Number.isInteger(pid) && pid !== g.child.pid, `worker pid ${pid} is not the primary's`)
      assert.ok(alive(pid), `worker ${pid} runs`)
    }
    assert.ok(await until(() => workerAdmins(g).length === WORKERS, 2000), `each worker logs "worker listening": ${JSON.stringify(workerAdmins(g))}`)
    assert.equal(new Set(workerAdmins(g)).size, WORKERS, 'each worker has its own admin listener')
  })

  for (const [ownership, path] of [['exclusive', '/x/items/1'], ['shared', '/items/1']] as const) {
    for (let n = 1; n <= ROUNDS; n++) {
      test(`ownership ${ownership}, round ${n}: 20 PUTs with the current If-Match through the one port → one 2xx, 19 × 412, one origin write`, async () => {
        const g = gw as ChildIfgate
        const tag = await currentTag(g, path)
        const before = origin.writes
        const results = await Promise.all(Array.from({ length: WRITERS }, (_, i) =>
          request(`${g.url}${path}`, {
            method: 'PUT',
            headers: { ...JSON_BODY, 'if-match': tag },
            body: JSON.stringify({ id: 1, title: `${ownership} round ${n} writer ${i}` })
          })))
        const statuses = results.map((r) => r.status)
        assert.equal(statuses.filter(is2xx).length, 1, `one success: ${statuses.join(',')}`)
        assert.equal(statuses.filter((s) => s === 412).length, WRITERS - 1, `19 × 412: ${statuses.join(',')}`)
        assert.equal(origin.writes - before, 1, 'the origin received exactly one write')
        for (const r of results) {
          if (r.status !== 412) continue
          assert.equal(r.headers['content-type'], 'application/problem+json')
          assert.equal(typeof r.headers['x-request-id'], 'string', 'a 412 names its request id')
          refused.push(r.headers['x-request-id'] as string)
        }
      })
    }
  }

  test(`/metrics on the primary counts the ${READS} GETs both workers served; ifgate_store_up is 1`, async () => {
    const g = gw as ChildIfgate
    const admins = workerAdmins(g)
    assert.equal(admins.length, WORKERS)
    const primaryBefore = await getCount(g.adminUrl)
    const eachBefore = await Promise.all(admins.map(getCount))
    assert.equal(primaryBefore, eachBefore.reduce((a, b) => a + b, 0), 'the primary\'s count is the workers\' sum')
    for (let i = 0; i < READS; i += 4) {
      const batch = await Promise.all(Array.from({ length: 4 }, () => request(`${g.url}/items/1`)))
      for (const res of batch) assert.equal(res.status, 200, res.body.slice(0, 200))
    }
    let grown = 0
    await until(async () => (grown = await getCount(g.adminUrl) - primaryBefore) >= READS, 2000)
    assert.equal(grown, READS, `ifgate_requests_total{method="GET"} on the primary grew by ${grown}`)
    const eachGrown = (await Promise.all(admins.map(getCount))).map((n, i) => n - eachBefore[i])
    assert.equal(eachGrown.reduce((a, b) => a + b, 0), READS, `per worker: ${eachGrown.join(', ')}`)
    for (const n of eachGrown) assert.ok(n > 0, `each worker served some of the GETs: ${eachGrown.join(', ')}`)
    const text = await metricsAt(g.adminUrl)
    assert.equal(sample(text, 'ifgate_store_up'), 1)
  })

  test('/diagnoses on the primary lists every edge 412 of the rounds, newest first', async () => {
    const g = gw as ChildIfgate
    assert.equal(refused.length, 2 * ROUNDS * (WRITERS - 1), 'the rounds answered 19 × 412 each')
    // The rounds sent 114 edge 412s, more than limit=100 can show: ask for the ring size.
    const res = await request(`${g.adminUrl}/diagnoses?limit=256`)
    assert.equal(res.status, 200, res.body.slice(0, 300))
    const list = res.json().diagnoses as Array<{ time: string, requestId: string, decision: string }>
    assert.ok(list.length >= refused.length, `${list.length} diagnoses, ${refused.length} edge 412s sent`)
    const ids = new Set(list.map((d) => d.requestId))
    const missing = refused.filter((id) => !ids.has(id))
    assert.deepEqual(missing, [], 'every edge 412 is listed')
    for (const d of list) if (refused.includes(d.requestId)) assert.equal(d.decision, 'edge-412')
    const times = list.map((d) => Date.parse(d.time))
    for (let i = 1; i < times.length; i++) assert.ok(times[i] <= times[i - 1], `newest first: ${list[i - 1].time} then ${list[i].time}`)

    const limited = (await request(`${g.adminUrl}/diagnoses?limit=100`)).json().diagnoses as Array<{ time: string, requestId: string }>
    assert.equal(limited.length, 100, 'limit=100 shows 100 of them')
    for (const d of limited) assert.ok(refused.includes(d.requestId), `${d.requestId} is one of the rounds' 412s`)
    const limitedTimes = limited.map((d) => Date.parse(d.time))
    for (let i = 1; i < limitedTimes.length; i++) assert.ok(limitedTimes[i] <= limitedTimes[i - 1], 'newest first with limit=100')
    assert.equal(limitedTimes[limitedTimes.length - 1], times[99], 'limit=100 shows the 100 newest')
  })

  test('/healthz, /readyz and /validators on the primary are answered by a worker, from the shared store', async () => {
    const g = gw as ChildIfgate
    for (let i = 0; i < 2 * WORKERS; i++) {
      const health = await request(`${g.adminUrl}/healthz`)
      assert.equal(health.status, 200, health.body.slice(0, 200))
      assert.deepEqual(health.json(), { status: 'ok', store: 'up' })
      const ready = await request(`${g.adminUrl}/readyz`)
      assert.equal(ready.status, 200, ready.body.slice(0, 200))
      assert.equal(ready.json().status, 'ready')
      const view = await request(`${g.adminUrl}/validators?url=/items/1`)
      assert.equal(view.status, 200, `GET /validators?url=/items/1: ${view.status} ${view.body.slice(0, 200)}`)
      const current = (view.json().current as Array<{ etag: string }>).map((c) => c.etag)
      assert.ok(current.includes(await currentTag(g, '/items/1')), `the current ETag is listed: ${current.join(', ')}`)
    }
  })

  test('a worker killed with SIGKILL is replaced by a new one; GETs and a conditional PUT succeed afterwards', async () => {
    const g = gw as ChildIfgate
    const [victim, survivor] = startedPids(g)
    const adminsBefore = workerAdmins(g).length
    process.kill(victim, 'SIGKILL')
    assert.ok(await until(() => !alive(victim), GONE_TIMEOUT_MS), `worker ${victim} is gone`)
    assert.ok(await until(() => startedPids(g).length > WORKERS, REPLACE_TIMEOUT_MS), 'a new "worker started" line')
    assert.ok(g.lines.some((l) => l.msg === 'worker died; starting another'), 'the primary logs "worker died; starting another"')
    const replacement = startedPids(g)[WORKERS]
    assert.ok(replacement !== victim && replacement !== survivor, `the new worker has a new pid: ${replacement}`)
    assert.ok(alive(replacement), `worker ${replacement} runs`)
    assert.ok(await until(() => workerAdmins(g).length > adminsBefore, REPLACE_TIMEOUT_MS), 'the new worker logs "worker listening"')
    const newAdmin = workerAdmins(g)[adminsBefore]
    const newBefore = await getCount(newAdmin)

    const statuses: number[] = []
    for (let i = 0; i < 20; i++) statuses.push((await request(`${g.url}/items/1`)).status)
    assert.deepEqual(statuses, Array(20).fill(200), `20 GETs through the port: ${statuses.join(',')}`)
    assert.ok(await getCount(newAdmin) - newBefore > 0, 'the new worker serves requests on the port')

    const tag = await currentTag(g, '/items/1')
    const before = origin.writes
    const put = await request(`${g.url}/items/1`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': tag }, body: '{"id":1,"title":"after the replacement"}' })
    assert.ok(is2xx(put.status), `conditional PUT: ${put.status} ${put.body.slice(0, 200)}`)
    assert.equal(origin.writes - before, 1)
    assert.equal(sample(await metricsAt(g.adminUrl), 'ifgate_store_up'), 1, 'every worker sees the store')
  })

  test('SIGTERM to the primary: in-flight PUTs are answered, it exits 0 within 10 s and every worker it started is gone', async () => {
    const g = gw as ChildIfgate
    const pids = startedPids(g)
    assert.equal(pids.length, WORKERS + 1, 'two workers and the replacement')
    const drained = ['/drain/1', '/drain/2', '/drain/3', '/drain/4']
    for (const p of drained) origin.set(p, { id: p })
    const writesBefore = origin.writes
    let settled = 0
    const inFlight = drained.map((p) => request(`${g.url}${p}`, { method: 'PUT', headers: JSON_BODY, body: '{"v":"draining"}' })
      .finally(() => { settled++ }))
    const reached = await until(() => origin.writes - writesBefore === drained.length, 2000, 1)
    assert.ok(reached, `the ${drained.length} PUTs reached the origin`)
    assert.equal(settled, 0, 'the PUTs are still in flight when SIGTERM is sent')
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS) })
    process.kill(g.child.pid as number, 'SIGTERM')
    const answers = await Promise.all(inFlight)
    assert.deepEqual(answers.map((a) => a.status), drained.map(() => 200), 'the workers drain: every in-flight PUT is answered')
    const outcome = await Promise.race([g.exited, late])
    clearTimeout(timer)
    assert.deepEqual(outcome, { code: 0, signal: null }, 'the primary exits with code 0')
    for (const pid of pids) assert.ok(await until(() => !alive(pid), GONE_TIMEOUT_MS), `worker ${pid} is gone (ESRCH)`)
    const raw = g.lines.filter((l) => 'raw' in l)
    assert.deepEqual(raw, [], 'every stdout line is JSON')
  })
})

describe('--workers 2 without a shared store', () => {
  const children = new Set<ChildProcess>()
  const running = (child: ChildProcess): boolean => child.pid !== undefined && child.exitCode === null && child.signalCode === null
  /** Sends SIGTERM by PID, and SIGKILL when the process still runs STOP_TIMEOUT_MS later; resolves once it has exited. */
  async function end (child: ChildProcess): Promise<void> {
    if (!running(child)) return
    const gone = once(child, 'exit')
    process.kill(child.pid as number, 'SIGTERM')
    const timer = setTimeout(() => { if (running(child)) process.kill(child.pid as number, 'SIGKILL') }, STOP_TIMEOUT_MS)
    await gone
    clearTimeout(timer)
  }
  after(async () => {
    await Promise.all([...children].map(end))
  })

  /** Runs bin/ifgate.js with `args` on loopback ports; resolves with how it ended, ending it by PID after RUN_TIMEOUT_MS. */
  async function run (args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string }> {
    const child = spawn(process.execPath, [BIN, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
    const timer = setTimeout(() => { void end(child) }, RUN_TIMEOUT_MS)
    const [code, signal] = await once(child, 'close') as [number | null, string | null]
    clearTimeout(timer)
    children.delete(child)
    return { code, signal, stdout, stderr }
  }

  const file = join(dir, 'memory-workers.json')
  const cases: Array<{ name: string, args: () => string[], env: Record<string, string> }> = [
    { name: '--workers 2', args: () => ['--origin', 'http://127.0.0.1:9', '--workers', '2'], env: {} },
    { name: 'IFGATE_WORKERS=2', args: () => ['--origin', 'http://127.0.0.1:9'], env: { IFGATE_WORKERS: '2' } },
    {
      name: 'workers: 2 in the config file',
      args: () => {
        writeFileSync(file, JSON.stringify({ workers: 2, routes: [{ path: '/', origin: 'http://127.0.0.1:9' }] }))
        return ['--config', file]
      },
      env: {}
    }
  ]
  for (const c of cases) {
    test(`${c.name} with the memory store: exit 2, stderr names workers, nothing left running`, async () => {
      const got = await run(c.args(), c.env)
      assert.deepEqual([got.code, got.signal], [2, null], got.stderr)
      assert.match(got.stderr, /^ifgate: invalid config: .*\bworkers\b/m)
      assert.doesNotMatch(got.stderr, /^\s+at /m, 'no stack trace')
      assert.doesNotMatch(got.stdout, /listening|worker started/, 'nothing was started')
    })
  }
})
