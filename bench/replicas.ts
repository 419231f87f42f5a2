// `node bench/replicas.ts`: ifgate on a shared Redis store against ifgate in memory, one replica
// each, on the same cells, interleaved round by round (the proxy pinned to a core of its own,
// redis-server, the origin and wrk on the other); then two replicas on one Redis with writers
// racing on one hot resource. Writes results/replicas.md and results/replicas.json.
// BENCH_CELL_SECONDS (5), BENCH_ROUNDS (3).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ETAG } from './origin.ts'
import { CPUS, cpuSeconds, freePort, startService, stopAll, type Service } from './lib/procs.ts'
import { wrk, type WrkResult } from './lib/wrk.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH = join(ROOT, 'bench')
const NODE = process.execPath
const SECONDS = Number(process.env.BENCH_CELL_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const KEYS = 1000
const EARLIER = '"earlier"'
const REDIS = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server'
const tmp = mkdtempSync(join(tmpdir(), 'ifgate-replicas-bench-'))
const put = join(BENCH, 'lua', 'put.lua')

/** Resolves to the reply of one command to redis, through redis-cli-free raw RESP on a socket. */
async function redisCommand (port: number, ...args: string[]): Promise<string> {
  const { connect } = await import('node:net')
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      text += d
      // A bulk reply: $<len>\r\n<body>\r\n; anything else ends at its first line.
      const m = /^\$(\d+)\r\n/.exec(text)
      if (m === null ? text.endsWith('\r\n') : text.length >= m[0].length + Number(m[1]) + 2) {
        socket.end()
        resolve(text)
      }
    })
    socket.on('error', reject)
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
  })
}

/** Returns the calls of each command in INFO commandstats. */
async function commandStats (port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const m of (await redisCommand(port, 'INFO', 'commandstats')).matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) out.set(m[1], Number(m[2]))
  return out
}

/** Resolves to a Prometheus text sample's value summed over its label sets. */
async function metric (admin: string, name: string): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith(name + '{') || line.startsWith(name + ' ')) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  return sum
}

/** Returns the p99 of a Prometheus histogram's increase between two scrapes, in ms (bucket upper bound). */
async function histogram (admin: string, name: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${admin}/metrics`)).text()
  const out = new Map<number, number>()
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\d+)$`, 'gm'))) {
    const le = m[1] === '+Inf' ? Infinity : Number(m[1])
    out.set(le, (out.get(le) ?? 0) + Number(m[2]))
  }
  return out
}
function p99 (before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b)
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0)
  for (const le of bounds) if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= 0.99 * total) return le * 1000
  return NaN
}

interface Target { readonly name: string; readonly service: Service; readonly admin: string }

async function ifgate (name: string, origin: string, store: string, keyPrefix = `${name}:`): Promise<Target> {
  const port = await freePort()
  const adminPort = await freePort()
  const file = join(tmp, `${name}.json`)
  writeFileSync(file, JSON.stringify({ listen: `127.0.0.1:${port}`, admin: { listen: `127.0.0.1:${adminPort}` }, routes: [{ path: '/', origin, ownership: 'exclusive' }], defaults: { validatorTtlMs: 3_600_000 }, store: { url: store, keyPrefix } }))
  return { name, service: await startService(name, NODE, [join(ROOT, 'bin', 'ifgate.js'), '--config', file], port, {}, CPUS.target), admin: `http://127.0.0.1:${adminPort}` }
}

/** Teaches a replica every key's current tag and, before it, an earlier one (so a stale write names a tag it saw superseded). */
async function teach (t: Target): Promise<void> {
  for (let i = 1; i <= KEYS; i++) {
    await (await fetch(`${t.service.url}/items/${i}`, { headers: { 'x-bench-etag': EARLIER } })).arrayBuffer()
    await (await fetch(`${t.service.url}/items/${i}`)).arrayBuffer()
  }
}

interface Row { scenario: string; target: string; rounds: Array<{ rps: number; cpu: number; p99: number; storeCommands: number; evalsha: number; get: number }> }

async function main (): Promise<void> {
  const redisPort = await freePort()
  const redis = await startService('redis-server', REDIS, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], redisPort, {}, CPUS.load)
  const originPort = await freePort()
  const origin = await startService('origin', NODE, [join(BENCH, 'origin.ts')], originPort, { PORT: String(originPort) }, CPUS.load)
  const memory = await ifgate('memory', origin.url, 'memory')
  const shared = await ifgate('redis', origin.url, `redis://127.0.0.1:${redisPort}`)
  for (const t of [memory, shared]) await teach(t)
  const cells: Array<{ scenario: string; path: string; script: string | undefined; env: Record<string, string> }> = [
    { scenario: 'GET c50 (cached)', path: '/items/1', script: undefined, env: {} },
    { scenario: 'PUT current If-Match, exclusive (1,000 keys)', path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: String(KEYS) } },
    { scenario: 'PUT with an earlier If-Match, 412 at the edge (1,000 keys)', path: '/', script: put, env: { IF_MATCH: EARLIER, KEYS: String(KEYS) } }
  ]
  for (const t of [memory, shared]) for (const c of cells) await wrk(`${t.service.url}${c.path}`, 50, 1, c.script, c.env)
  const rows = new Map<string, Row>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cells) {
      for (const t of [memory, shared]) {
        const stats0 = await commandStats(redisPort)
        const commands0 = t === shared ? await metric(t.admin, 'ifgate_store_commands_total') : 0
        const cpu0 = cpuSeconds(t.service.pid)
        const { result } = await wrk(`${t.service.url}${c.path}`, 50, SECONDS, c.script, c.env)
        const cpu = (cpuSeconds(t.service.pid) - cpu0) * 1e6 / result.requests
        const stats1 = await commandStats(redisPort)
        const commands = t === shared ? (await metric(t.admin, 'ifgate_store_commands_total') - commands0) / result.requests : 0
        const delta = (name: string): number => ((stats1.get(name) ?? 0) - (stats0.get(name) ?? 0)) / result.requests
        const row = rows.get(c.scenario + t.name) ?? { scenario: c.scenario, target: t.name, rounds: [] }
        row.rounds.push({ rps: result.rps, cpu, p99: result.p99, storeCommands: commands, evalsha: delta('evalsha'), get: delta('get') })
        rows.set(c.scenario + t.name, row)
        process.stdout.write(`round ${round + 1} ${c.scenario} ${t.name}: ${result.rps.toFixed(0)} req/s, ${commands.toFixed(2)} store commands/req\n`)
      }
    }
  }
  await memory.service.stop()
  await shared.service.stop()

  // Two replicas on one store, writers racing on one hot resource through both at once.
  // One keyPrefix: the two replicas share their locks and validators.
  const a = await ifgate('hot-a', origin.url, `redis://127.0.0.1:${redisPort}`, 'hot:')
  const b = await ifgate('hot-b', origin.url, `redis://127.0.0.1:${redisPort}`, 'hot:')
  const hot = join(BENCH, 'lua', 'hot-writers.lua')
  const lost0 = (await (await fetch(`${origin.url}/__stats`)).json() as Record<string, number>).LOST ?? 0
  const puts0 = (await (await fetch(`${origin.url}/__stats`)).json() as Record<string, number>).PUT ?? 0
  const waits0 = await Promise.all([a, b].map((t) => histogram(t.admin, 'ifgate_lock_wait_seconds')))
  const race: WrkResult[] = (await Promise.all([a, b].map((t) => wrk(`${t.service.url}/`, 10, SECONDS, hot, { PATH_TO: '/v/hot' })))).map((r) => r.result)
  const waits1 = await Promise.all([a, b].map((t) => histogram(t.admin, 'ifgate_lock_wait_seconds')))
  const stats = await (await fetch(`${origin.url}/__stats`)).json() as Record<string, number>
  const won = race.reduce((n, r) => n + r.requests - r.non2xx, 0)
  const lockP99 = Math.max(...[0, 1].map((i) => p99(waits0[i], waits1[i])))
  for (const t of [a, b]) await t.service.stop()
  await origin.stop()
  await redis.stop()

  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
  const lines = [
    '# ifgate on a shared store (Redis) against ifgate in memory',
    '',
    `Node ${process.version}; ${spawnSync(REDIS, ['--version'], { encoding: 'utf8' }).stdout.trim()}. ${ROUNDS} rounds of ${SECONDS} s cells, interleaved, medians; \`wrk -t1 -c50\`; the proxy pinned to a core of its own, redis-server, the origin and wrk on the other. \`node bench/replicas.ts\`.`,
    'Store commands per request: counted by ifgate (`ifgate_store_commands_total`) and, for scripts and plain GETs, by the server (`INFO commandstats`: `evalsha`, and `get` including the reads inside scripts).',
    '',
    '| scenario | store | req/s | CPU µs/req | p99 ms | store commands/req | evalsha/req | get/req |',
    '|---|---|---|---|---|---|---|---|'
  ]
  const ratios: string[] = []
  for (const c of cells) {
    const m = rows.get(c.scenario + 'memory') as Row
    const r = rows.get(c.scenario + 'redis') as Row
    for (const row of [m, r]) {
      const med = (k: keyof Row['rounds'][number]): number => median(row.rounds.map((x) => x[k]))
      lines.push(`| ${c.scenario} | ${row.target} | ${med('rps').toFixed(0)} | ${med('cpu').toFixed(1)} | ${med('p99').toFixed(2)} | ${med('storeCommands').toFixed(2)} | ${med('evalsha').toFixed(2)} | ${med('get').toFixed(2)} |`)
    }
    ratios.push(`| ${c.scenario} | ${(median(r.rounds.map((x) => x.rps)) / median(m.rounds.map((x) => x.rps))).toFixed(2)} |`)
  }
  lines.push('', '| scenario | redis / memory |', '|---|---|', ...ratios)
  lines.push('', '## Two replicas on one store, writers racing on one resource', '',
    `20 connections (10 through each replica) for ${SECONDS} s, each PUT with the newest ETag its thread saw (\`bench/lua/hot-writers.lua\` on the origin's \`/v/hot\`, whose ETag changes with every write and which counts writes whose If-Match was not current).`, '',
    '| writes accepted (2xx) | 412 | writes at the origin | of them lost updates (If-Match not current) | accepted writes/s | p99 lock wait (ms, bucket bound) |', '|---|---|---|---|---|---|',
    `| ${won} | ${race.reduce((n, r) => n + r.non2xx, 0)} | ${(stats.PUT ?? 0) - puts0} | ${(stats.LOST ?? 0) - lost0} | ${(won / SECONDS).toFixed(0)} | ${lockP99} |`)
  writeFileSync(join(BENCH, 'results', 'replicas.md'), lines.join('\n') + '\n')
  writeFileSync(join(BENCH, 'results', 'replicas.json'), JSON.stringify({ rows: [...rows.values()], race: { won, results: race, lost: (stats.LOST ?? 0) - lost0, originPuts: (stats.PUT ?? 0) - puts0, lockWaitP99Ms: lockP99 } }, null, 2) + '\n')
  process.stdout.write(lines.join('\n') + '\n')
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`)
  stopAll()
  process.exit(1)
})
