// `npx node bench/ab.ts '[{"name":"a","bin":"bin/ifgate.js","config":{}}, …]'`: a quick A/B of ifgate
// builds or configurations against the bare undici proxy, interleaved round by round, each proxy
// on a core of its own (the same pinning as `npm run bench`). For development: to compare two
// worktrees (`bin` is each one's bin/ifgate.js) or two settings on one cell, not for the record.
// ROUNDS (5), CELL_SECONDS (3), CONNECTIONS (50), URL_PATH (/items/1); SCRIPT and IF_MATCH for a
// write cell (bench/lua/put.lua over 1,000 keys); PEERS: more programs of bench/peers to measure
// alongside, comma-separated (`edge-floor`, `write-floor`, `contract-floor` for bare-undici.ts with CONTRACT=1,
// `write-floor-shared` for write-floor.ts with SHARED=1).
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CPUS, cpuSeconds, freePort, startService, type Service } from './lib/procs.ts'
import { wrk } from './lib/wrk.ts'

interface Variant { readonly name: string; readonly bin: string; readonly config: Record<string, unknown> }

const BENCH = fileURLToPath(new URL('.', import.meta.url))
const NODE = process.execPath
const variants = JSON.parse(process.argv[2] ?? '[]') as Variant[]
if (variants.length === 0) throw new Error('give the variants as JSON: [{"name":"a","bin":"bin/ifgate.js","config":{}}]')
const rounds = Number(process.env.ROUNDS ?? 5)
const seconds = Number(process.env.CELL_SECONDS ?? 3)
const connections = Number(process.env.CONNECTIONS ?? 50)
const path = process.env.URL_PATH ?? '/items/1'
const script = process.env.SCRIPT
const scriptEnv: Record<string, string> = script === undefined ? {} : { IF_MATCH: process.env.IF_MATCH ?? '', KEYS: '1000' }
const tmp = mkdtempSync(join(tmpdir(), 'ifgate-ab-'))

/** Peers that are another peer's program in another mode. */
const FLOORS: Record<string, [string, Record<string, string>]> = {
  'contract-floor': ['bare-undici.ts', { CONTRACT: '1' }],
  'write-floor-shared': ['write-floor.ts', { SHARED: '1' }]
}

const originPort = await freePort()
const origin = await startService('origin', NODE, [join(BENCH, 'origin.ts')], originPort, { PORT: String(originPort) }, CPUS.load)
const targets: Service[] = []
const barePort = await freePort()
targets.push(await startService('bare-undici', NODE, [join(BENCH, 'peers', 'bare-undici.ts')], barePort, { PORT: String(barePort), ORIGIN: origin.url }, CPUS.target))
for (const name of (process.env.PEERS ?? '').split(',').filter((p) => p !== '')) {
  const port = await freePort()
  const [file, env] = FLOORS[name] ?? [`${name}.ts`, {}]
  targets.push(await startService(name, NODE, [join(BENCH, 'peers', file)], port, { PORT: String(port), ORIGIN: origin.url, ...env }, CPUS.target))
}
for (const v of variants) {
  const port = await freePort()
  const file = join(tmp, `${v.name}.json`)
  writeFileSync(file, JSON.stringify({ listen: `127.0.0.1:${port}`, admin: { listen: `127.0.0.1:${await freePort()}` }, routes: [{ path: '/', origin: origin.url }], ...v.config }))
  targets.push(await startService(v.name, NODE, [resolve(v.bin), '--config', file], port, {}, CPUS.target))
}
for (const t of targets) await wrk(`${t.url}/`, 50, 2, join(BENCH, 'lua', 'warm-keys.lua'), { KEYS: '1000' })
const cells = new Map<string, { rps: number[]; cpu: number[] }>()
for (let round = 0; round < rounds; round++) {
  for (const t of targets) {
    const cpu0 = cpuSeconds(t.pid)
    const { result } = await wrk(`${t.url}${path}`, connections, seconds, script, scriptEnv)
    const cell = cells.get(t.name) ?? { rps: [], cpu: [] }
    cell.rps.push(result.rps)
    cell.cpu.push(((cpuSeconds(t.pid) - cpu0) * 1e6) / result.requests)
    cells.set(t.name, cell)
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const bare = median(cells.get('bare-undici')?.rps ?? [NaN])
for (const [name, c] of cells) {
  process.stdout.write(`${name.padEnd(16)} ${median(c.rps).toFixed(0).padStart(7)} req/s  ${median(c.cpu).toFixed(1).padStart(6)} µs CPU/req  ${(median(c.rps) / bare).toFixed(2)}× bare\n`)
}
for (const t of [...targets, origin]) await t.stop()
