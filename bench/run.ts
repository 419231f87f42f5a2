// `npm run bench`: ifgate against the direct origin, nginx, the Node proxies and a bare undici
// proxy, every scenario measured in the same run, interleaved round by round (A B C … A B C …).
// Then the memory (bench/memory.ts) and micro-benchmarks (bench/micro.ts), each in its own process.
// `npm run bench -- --quick` runs 2-second cells and one round, for development; `--no-memory` and
// `--no-micro` leave those out; `--report` writes results/latest.md again from results/latest.json;
// `--only TEXT` measures only the scenarios whose name contains TEXT (development).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { CPUS, alone, cpuSeconds, freePort, startService, stopAll, type Service } from './lib/procs.ts'
import { wrk } from './lib/wrk.ts'
import { ETAG, STALE_TAG } from './origin.ts'
import { report, type Cell, type Run } from './lib/report.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH = join(ROOT, 'bench')
const quick = process.argv.includes('--quick')
const SECONDS = quick ? 2 : Number(process.env.BENCH_CELL_SECONDS ?? 10)
const ROUNDS = quick ? 1 : Number(process.env.BENCH_ROUNDS ?? 3)
const NODE = process.execPath
const tmp = mkdtempSync(join(tmpdir(), 'ifgate-bench-'))

interface Target { readonly name: string; readonly service: Service; readonly proxy: boolean }
interface Scenario {
  readonly name: string
  readonly connections: number
  readonly path: string
  readonly script?: string
  readonly env?: Record<string, string>
  readonly targets: readonly string[]
  /** Count the requests that reached the origin during each cell. */
  readonly countOrigin?: boolean
}

async function ifgate (name: string, origin: string, config: Record<string, unknown>): Promise<Service> {
  const port = await freePort()
  const admin = await freePort()
  const file = join(tmp, `${name}.json`)
  writeFileSync(file, JSON.stringify({ listen: `127.0.0.1:${port}`, admin: { listen: `127.0.0.1:${admin}` }, routes: [{ path: '/', origin }], ...config }))
  return startService(name, NODE, [join(ROOT, 'bin', 'ifgate.js'), '--config', file], port, {}, CPUS.target)
}

async function nginx (origin: string): Promise<Service> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmp, 'nginx-'))
  const conf = join(dir, 'nginx.conf')
  // nginx's documented reverse-proxy setup with an upstream keep-alive pool, one worker.
  writeFileSync(conf, `daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  upstream origin { server ${new URL(origin).host}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`)
  return startService('nginx', '/usr/sbin/nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], port, {}, CPUS.target)
}

async function peer (name: string, file: string, origin: string, env: Record<string, string> = {}): Promise<Service> {
  const port = await freePort()
  return startService(name, NODE, [join(BENCH, 'peers', file)], port, { PORT: String(port), ORIGIN: origin, ...env }, CPUS.target)
}

function versions (): Record<string, string> {
  // nginx -v prints to stderr; wrk --version prints to stdout and exits 1.
  const v = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' })
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0]
  }
  const pkg = (name: string): string => (JSON.parse(execFileSync(NODE, ['-p', `JSON.stringify(require('${name}/package.json'))`], { cwd: ROOT, encoding: 'utf8' })) as { version: string }).version
  return { node: process.version, nginx: v('/usr/sbin/nginx', ['-v']), wrk: v('wrk', ['--version']), undici: pkg('undici'), fastify: pkg('fastify'), '@fastify/http-proxy': pkg('@fastify/http-proxy'), 'http-proxy-3': pkg('http-proxy-3'), ifgate: pkg('./') }
}

/**
 * Resolves to the requests the origin received so far: writes (PUT; with `stale`, only those that
 * carry the stale If-Match) and lookups (HEAD, GET). Waits a moment first, so that requests the
 * previous cell left in flight are counted before, not during, the next cell.
 */
async function originCount (origin: string, stale: boolean): Promise<{ writes: number; reads: number }> {
  await sleep(300)
  const stats = await (await fetch(`${origin}/__stats`)).json() as Record<string, number>
  return { writes: (stale ? stats.STALE : stats.PUT) ?? 0, reads: (stats.HEAD ?? 0) + (stats.GET ?? 0) }
}

/** Runs another benchmark script of this folder to its end (memory, micro). */
function runScript (args: readonly string[]): void {
  execFileSync(NODE, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
}

async function main (): Promise<void> {
  const originPort = await freePort()
  const origin = await startService('origin', NODE, [join(BENCH, 'origin.ts')], originPort, { PORT: String(originPort) }, CPUS.load)
  const o = origin.url
  const long = { validatorTtlMs: 3_600_000 }
  const services: Target[] = [
    { name: 'direct', service: origin, proxy: false },
    { name: 'ifgate', service: await ifgate('ifgate', o, { defaults: { ...long } }), proxy: true },
    { name: 'ifgate-exclusive', service: await ifgate('ifgate-exclusive', o, { defaults: { ownership: 'exclusive', ...long } }), proxy: true },
    { name: 'ifgate-synthesize', service: await ifgate('ifgate-synthesize', o, { defaults: { etags: 'synthesize', ...long } }), proxy: true },
    { name: 'ifgate-origin-tags', service: await ifgate('ifgate-origin-tags', o, { defaults: { etags: 'origin', ...long } }), proxy: true },
    { name: 'ifgate-miss', service: await ifgate('ifgate-miss', o, { cache: { maxEntries: 1000 } }), proxy: true },
    { name: 'nginx', service: await nginx(o), proxy: true },
    { name: 'bare-undici', service: await peer('bare-undici', 'bare-undici.ts', o), proxy: true },
    { name: 'contract-floor', service: await peer('contract-floor', 'bare-undici.ts', o, { CONTRACT: '1' }), proxy: true },
    { name: 'contract-floor-duties', service: await peer('contract-floor-duties', 'bare-undici.ts', o, { DUTIES: '1' }), proxy: true },
    { name: 'edge-floor', service: await peer('edge-floor', 'edge-floor.ts', o), proxy: true },
    { name: 'write-floor', service: await peer('write-floor', 'write-floor.ts', o), proxy: true },
    { name: 'hash-floor', service: await peer('hash-floor', 'hash-floor.ts', o), proxy: true },
    { name: 'write-floor-shared', service: await peer('write-floor-shared', 'write-floor.ts', o, { SHARED: '1' }), proxy: true },
    { name: 'edge-floor-duties', service: await peer('edge-floor-duties', 'edge-floor.ts', o, { DUTIES: '1' }), proxy: true },
    { name: 'write-floor-duties', service: await peer('write-floor-duties', 'write-floor.ts', o, { DUTIES: '1' }), proxy: true },
    { name: 'write-floor-shared-duties', service: await peer('write-floor-shared-duties', 'write-floor.ts', o, { SHARED: '1', DUTIES: '1' }), proxy: true },
    { name: 'fastify-http-proxy', service: await peer('fastify-http-proxy', 'fastify-proxy.ts', o), proxy: true },
    { name: 'http-proxy-3', service: await peer('http-proxy-3', 'http-proxy-3.ts', o), proxy: true }
  ]
  const byName = new Map(services.map((t) => [t.name, t]))
  const put = join(BENCH, 'lua', 'put.lua')
  const scenarios: Scenario[] = [
    { name: 'GET c50', connections: 50, path: '/items/1', targets: ['direct', 'ifgate', 'nginx', 'bare-undici', 'contract-floor', 'contract-floor-duties', 'fastify-http-proxy', 'http-proxy-3'] },
    { name: 'GET c1', connections: 1, path: '/items/1', targets: ['direct', 'ifgate', 'bare-undici', 'contract-floor', 'contract-floor-duties'] },
    { name: 'PUT current If-Match, exclusive (1,000 keys)', connections: 50, path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: '1000' }, targets: ['ifgate-exclusive', 'write-floor', 'write-floor-duties'] },
    { name: 'PUT current If-Match, exclusive, Prefer: return=representation (1,000 keys)', connections: 50, path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: '1000', PREFER: 'return=representation' }, targets: ['ifgate-exclusive'] },
    { name: 'PUT current If-Match, shared (1,000 keys)', connections: 50, path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: '1000' }, targets: ['ifgate', 'write-floor-shared', 'write-floor-shared-duties'] },
    { name: 'PUT plain (1,000 keys)', connections: 50, path: '/', script: put, env: { KEYS: '1000' }, targets: ['bare-undici', 'contract-floor'] },
    { name: 'PUT stale If-Match (1,000 keys)', connections: 50, path: '/', script: put, env: { IF_MATCH: STALE_TAG, KEYS: '1000' }, targets: ['ifgate', 'nginx', 'edge-floor', 'edge-floor-duties'], countOrigin: true },
    { name: 'PUT current, exclusive, one hot key', connections: 50, path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: '1' }, targets: ['ifgate-exclusive'] },
    { name: 'PUT current, exclusive, 10,000 keys', connections: 50, path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: '10000' }, targets: ['ifgate-exclusive'] },
    { name: 'PUT current, shared, cache misses (100,000 keys)', connections: 50, path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: '100000' }, targets: ['ifgate-miss'], countOrigin: true },
    { name: 'GET 1 KB', connections: 20, path: '/blob/1024', targets: ['ifgate-synthesize', 'ifgate-origin-tags'] },
    { name: 'GET 100 KB', connections: 20, path: '/blob/102400', targets: ['ifgate-synthesize', 'ifgate-origin-tags', 'hash-floor', 'contract-floor'] },
    { name: 'GET 1 MiB', connections: 10, path: '/blob/1048576', targets: ['ifgate-synthesize', 'ifgate-origin-tags'] }
  ]
  const only = process.argv.indexOf('--only')
  if (only !== -1) {
    const text = process.argv[only + 1] ?? ''
    scenarios.splice(0, scenarios.length, ...scenarios.filter((sc) => sc.name.includes(text)))
    if (scenarios.length === 0) throw new Error(`--only ${JSON.stringify(text)} names no scenario`)
  }
  const loadStart = loadavg()[0]
  const started = Date.now()
  // Warm every target (JIT, keep-alive pools, validator caches) before anything is measured.
  for (const t of services) await wrk(`${t.service.url}/items/1`, 10, 1)
  // Every key the write scenarios use is cached first, so only the miss scenario looks anything up
  // (the stale-write cell checks that no request reached the origin).
  // A slower machine gets longer runs, each from the first key again, until one reads them all.
  for (const key of ['ifgate', 'ifgate-exclusive']) {
    let read = 0
    for (const seconds of [4, 12, 30]) {
      read = (await wrk(`${byName.get(key)?.service.url}/`, 50, seconds, join(BENCH, 'lua', 'warm-keys.lua'), { KEYS: '10000' })).result.requests
      if (read >= 10_000) break
    }
    if (read < 10_000) throw new Error(`${key}: the warm-up read ${read} of 10,000 keys in 30 s`)
  }
  // The write paths are warmed like the read path (JIT, lock, lookups), current and stale tags alike.
  for (const key of ['ifgate', 'ifgate-exclusive', 'ifgate-miss', 'write-floor', 'write-floor-shared', 'write-floor-duties', 'write-floor-shared-duties']) await wrk(`${byName.get(key)?.service.url}/`, 50, 2, put, { IF_MATCH: ETAG, KEYS: '1000' })
  await wrk(`${byName.get('ifgate')?.service.url}/`, 50, 1, put, { IF_MATCH: STALE_TAG, KEYS: '1000' })
  for (const key of ['bare-undici', 'contract-floor', 'nginx', 'edge-floor']) await wrk(`${byName.get(key)?.service.url}/`, 50, 1, put, { KEYS: '1000' })
  await wrk(`${byName.get('edge-floor-duties')?.service.url}/`, 50, 1, put, { IF_MATCH: STALE_TAG, KEYS: '1000' })
  const cells: Cell[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    for (const s of scenarios) {
      for (const name of s.targets) {
        const t = byName.get(name) as Target
        const stale = s.env?.IF_MATCH === STALE_TAG
        const before = s.countOrigin === true ? await originCount(o, stale) : undefined
        // The other proxies of the target core are stopped for the cell.
        const others = services.filter((o) => o.proxy && o !== t).map((o) => o.service.pid)
        const cpu0 = cpuSeconds(t.service.pid)
        const { result, command } = await alone(others, () => wrk(`${t.service.url}${s.path}`, s.connections, SECONDS, s.script, s.env))
        const cpu = cpuSeconds(t.service.pid) - cpu0
        const after = before === undefined ? undefined : await originCount(o, stale)
        const reached = before === undefined || after === undefined ? undefined : { writes: after.writes - before.writes, reads: after.reads - before.reads }
        cells.push({ round, scenario: s.name, target: name, result, command, cpuUsPerRequest: result.requests > 0 ? (cpu * 1e6) / result.requests : NaN, originWrites: reached?.writes, originReads: reached?.reads })
        process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] round ${round} ${s.name} ${name}: ${result.rps.toFixed(0)} req/s p50 ${result.p50} ms p99 ${result.p99} ms${reached === undefined ? '' : ` origin writes ${reached.writes} lookups ${reached.reads}`}\n`)
      }
    }
  }
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), loadAverage1m: { start: loadStart, end: loadavg()[0] } }
  for (const t of services) await t.service.stop()
  const loadSeconds = (Date.now() - started) / 1000
  // Memory and the pure hot path, each in processes of their own once the load is over.
  if (!process.argv.includes('--no-memory')) runScript(['--expose-gc', join(BENCH, 'memory.ts')])
  if (!process.argv.includes('--no-micro')) runScript([join(BENCH, 'micro.ts')])
  const out = process.argv.indexOf('--out')
  report(join(BENCH, 'results'), { machine, versions: versions(), seconds: SECONDS, rounds: ROUNDS, wallSeconds: (Date.now() - started) / 1000, loadSeconds, cells }, out === -1 ? 'latest' : process.argv[out + 1])
}

process.on('SIGINT', () => { stopAll(); process.exit(130) })
/** `--report`: writes results/latest.md again from results/latest.json (after a change to the report). */
function reportAgain (): void {
  const dir = join(BENCH, 'results')
  report(dir, JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as Run)
}

// fetch's keep-alive sockets (warm-up, origin counts) may outlive the servers for a while: exit once done.
const run = process.argv.includes('--report') ? Promise.resolve(reportAgain()) : main()
run.then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`)
  stopAll()
  process.exit(1)
})


