// `npx node bench/ab.ts '[{"name":"a","bin":"bin/ifgate.js","config":{}}, …]'`: a quick A/B of ifgate
// builds or configurations against the bare undici proxy, interleaved round by round, each proxy
// on a core of its own (the same pinning as `npm run bench`). For development: to compare two
// worktrees (`bin` is each one's bin/ifgate.js) or two settings on one cell, not for the record.
// ROUNDS (5), CELL_SECONDS (3), CONNECTIONS (50), URL_PATH (/items/1); SCRIPT and IF_MATCH for a
// write cell (bench/lua/put.lua over 1,000 keys); PEERS: more programs of bench/peers to measure
// alongside, comma-separated (`edge-floor`, `write-floor`, `contract-floor` for bare-undici.ts with CONTRACT=1,
// `write-floor-shared` for write-floor.ts with SHARED=1; `-duties` after contract-floor, edge-floor,
// write-floor or write-floor-shared: the same with DUTIES=1).
// CONTEST=1: the last two targets (PEERS in order, then the variants) loaded at once on their shared core, each by its own wrk with
// half the connections, every other target stopped meanwhile; whatever slows the machine slows
// both, so the share each serves tells two builds apart where cells measured one after the other
// move by more than the difference. Prints each round's B/A ratio of requests served.
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CPUS, alone, cpuSeconds, freePort, startService, type Service } from './lib/procs.ts'
import { wrk } from './lib/wrk.ts'

interface Variant { readonly name: string; readonly bin: string; readonly config: Record<string, unknown> }

const BENCH = fileURLToPath(new URL('.', import.meta.url))
const NODE = process.execPath
const variants = JSON.parse(process.argv[2] ?? '[]') as Variant[]
if (variants.length === 0 && process.env.PEERS === undefined) throw new Error('give the variants as JSON: [{"name":"a","bin":"bin/ifgate.js","config":{}}]')
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
  'contract-floor-duties': ['bare-undici.ts', { DUTIES: '1' }],
  'write-floor-shared': ['write-floor.ts', { SHARED: '1' }],
  'edge-floor-duties': ['edge-floor.ts', { DUTIES: '1' }],
  'write-floor-duties': ['write-floor.ts', { DUTIES: '1' }],
  'write-floor-shared-duties': ['write-floor.ts', { SHARED: '1', DUTIES: '1' }]
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
if (process.env.CONTEST === '1') {
  await contest()
  for (const t of [...targets, origin]) await t.stop()
  process.exit(0)
}
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
function median (xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
}

/** CONTEST=1: the two variants loaded at once, round by round; prints what B served per request A served. */
async function contest (): Promise<void> {
  const [a, b] = targets.slice(-2)
  if (targets.length < 3) throw new Error('CONTEST=1 takes two targets besides the bare proxy: two variants, a peer and a variant, or two peers')
  const others = targets.filter((t) => t !== a && t !== b).map((t) => t.pid)
  // The write paths warmed too, so that neither build is measured while its JIT catches up.
  if (script !== undefined) for (const t of [a, b]) await wrk(`${t.url}/`, 50, 2, script, scriptEnv)
  const ratios: number[] = []
  for (let round = 1; round <= rounds; round++) {
    const cpu = [cpuSeconds(a.pid), cpuSeconds(b.pid)]
    const [ra, rb] = await alone(others, () => Promise.all([a, b].map((t) => wrk(`${t.url}${path}`, Math.max(1, Math.round(connections / 2)), seconds, script, scriptEnv))))
    const us = [a, b].map((t, i) => ((cpuSeconds(t.pid) - cpu[i]) * 1e6) / [ra, rb][i].result.requests)
    ratios.push(rb.result.requests / ra.result.requests)
    process.stdout.write(`round ${round}: ${a.name} ${ra.result.requests} (${us[0].toFixed(1)} µs CPU/req), ${b.name} ${rb.result.requests} (${us[1].toFixed(1)} µs CPU/req), ${b.name}/${a.name} ${ratios[ratios.length - 1].toFixed(3)}\n`)
  }
  process.stdout.write(`${b.name}/${a.name}: median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})\n`)
}
const bare = median(cells.get('bare-undici')?.rps ?? [NaN])
for (const [name, c] of cells) {
  process.stdout.write(`${name.padEnd(16)} ${median(c.rps).toFixed(0).padStart(7)} req/s  ${median(c.cpu).toFixed(1).padStart(6)} µs CPU/req  ${(median(c.rps) / bare).toFixed(2)}× bare\n`)
}
for (const t of [...targets, origin]) await t.stop()
