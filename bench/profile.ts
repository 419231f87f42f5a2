// `npm run bench:profile`: CPU profiles of ifgate (node --cpu-prof) under the GET passthrough load,
// the conditional PUT loads (current If-Match, exclusive and shared) and the stale PUT answered 412
// at the edge, one ifgate process per load, each summarised by its top frames (self time) in
// results/profile.md. The GET, the shared write and the edge 412 are profiled against their floor
// with the SPEC's duties too (peers/duties.ts), layer by layer: the minimal program that bounds them.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { OWN_FLOOR, topFrames, type Frame } from './lib/cpu-profile.ts'
import { CPUS, freePort, startService, stopAll } from './lib/procs.ts'
import { wrk } from './lib/wrk.ts'
import { ETAG, STALE_TAG } from './origin.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH = join(ROOT, 'bench')
const SECONDS = Number(process.env.BENCH_CELL_SECONDS ?? 10)
const NODE = process.execPath
const tmp = mkdtempSync(join(tmpdir(), 'ifgate-profile-'))

/** A peer of bench/peers profiled under the same load: its file and its environment. */
interface Peer { readonly name: string; readonly file: string; readonly env: Record<string, string> }
interface Load { readonly name: string; readonly ownership: 'shared' | 'exclusive'; readonly path: string; readonly script?: string; readonly env?: Record<string, string>; readonly floor?: Peer }

const PUT = join(BENCH, 'lua', 'put.lua')
const LOADS: readonly Load[] = [
  { name: 'GET passthrough, c50', ownership: 'shared', path: '/items/1', floor: { name: 'contract-floor-duties', file: 'bare-undici.ts', env: { DUTIES: '1' } } },
  { name: 'PUT current If-Match, exclusive, 1,000 keys, c50', ownership: 'exclusive', path: '/', script: PUT, env: { IF_MATCH: ETAG, KEYS: '1000' } },
  { name: 'PUT current If-Match, shared, 1,000 keys, c50', ownership: 'shared', path: '/', script: PUT, env: { IF_MATCH: ETAG, KEYS: '1000' }, floor: { name: 'write-floor-shared-duties', file: 'write-floor.ts', env: { SHARED: '1', DUTIES: '1' } } },
  { name: 'PUT stale If-Match, 412 at the edge, 1,000 keys, c50', ownership: 'shared', path: '/', script: PUT, env: { IF_MATCH: STALE_TAG, KEYS: '1000' }, floor: { name: 'edge-floor-duties', file: 'edge-floor.ts', env: { DUTIES: '1' } } }
]

type Profiled = { frames: Frame[]; byPlace: Frame[]; byLayer: Frame[]; busyMicros: number; requests: number; rps: number; command: string }

/** Resolves to the top frames of one ifgate process (or of `peer`) profiled under one load. */
async function profile (origin: string, load: Load, index: number, peer?: Peer): Promise<Profiled> {
  const dir = join(tmp, `profile-${index}${peer === undefined ? '' : '-floor'}`)
  mkdirSync(dir)
  const port = await freePort()
  const config = join(tmp, `ifgate-${index}.json`)
  writeFileSync(config, JSON.stringify({ listen: `127.0.0.1:${port}`, admin: { listen: `127.0.0.1:${await freePort()}` }, routes: [{ path: '/', origin }], defaults: { ownership: load.ownership, validatorTtlMs: 3_600_000 } }))
  const profiling = ['--cpu-prof', '--cpu-prof-dir', dir]
  const ifgate = peer === undefined
    ? await startService('ifgate', NODE, [...profiling, join(ROOT, 'bin', 'ifgate.js'), '--config', config], port, {}, CPUS.target)
    : await startService(peer.name, NODE, ['--import', join(BENCH, 'lib', 'exit-on-term.ts'), ...profiling, join(BENCH, 'peers', peer.file)], port, { PORT: String(port), ORIGIN: origin, ...peer.env }, CPUS.target)
  // The warm-up is the same load, so that the profile (which covers it) is of one kind of request.
  const warm = await wrk(`${ifgate.url}${load.path}`, 50, 2, load.script, load.env)
  const { result, command } = await wrk(`${ifgate.url}${load.path}`, 50, SECONDS, load.script, load.env)
  // SIGTERM: ifgate drains and exits 0, and node writes the profile on the way out.
  await ifgate.stop()
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error(`no profile written for ${load.name}${peer === undefined ? '' : ` (${peer.name})`}`)
  return { ...topFrames(join(dir, file), 20), requests: warm.result.requests + result.requests, rps: result.rps, command }
}

/** The layers of ifgate's profile against those of the load's floor with duties, in µs per request. */
function againstFloor (load: Load, p: Profiled, f: Profiled): string[] {
  const floor = load.floor as Peer
  process.stdout.write(`${load.name}, ${floor.name}: ${f.rps.toFixed(0)} req/s under the profiler\n`)
  const mine = p.busyMicros / p.requests
  const theirs = f.busyMicros / f.requests
  // Each program's own code is one row: ifgate's src/ against the floor's bench/peers/.
  const OWN = 'ifgate (src/)'
  const floorLayers = f.byLayer.map((l) => (l.name === OWN_FLOOR ? { ...l, name: OWN } : l))
  const names = [...new Set([...p.byLayer, ...floorLayers].map((l) => l.name))]
  const at = (layers: Frame[], name: string, per: number): number => ((layers.find((l) => l.name === name)?.selfPercent ?? 0) * per) / 100
  const lines = [`### Against its floor with the SPEC's duties (\`${floor.name}\`, \`peers/duties.ts\`)`, '', `The same load on the floor: ${f.rps.toFixed(0)} req/s under the profiler, ${theirs.toFixed(1)} µs of busy CPU per request (ifgate: ${mine.toFixed(1)}). The profiler slows ifgate more than the floor (it costs a process by the JavaScript it runs and the depth of its stacks): a contest without it (bench/README.md) is the measure of the ratio; this table is where each program's time goes.`, '', '| layer | ifgate µs/request | floor µs/request | ifgate − floor |', '|---|---|---|---|']
  for (const name of names.sort((a, b) => at(p.byLayer, b, mine) - at(p.byLayer, a, mine))) {
    const a = at(p.byLayer, name, mine)
    const b = at(floorLayers, name, theirs)
    lines.push(`| ${name === OWN ? 'own code (ifgate: src/; the floor: bench/peers/)' : name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a - b).toFixed(1)} |`)
  }
  lines.push('', 'Top frames of the floor:', '', '| self % | frame |', '|---|---|')
  for (const fr of f.frames.slice(0, 10)) lines.push(`| ${fr.selfPercent.toFixed(1)} | \`${fr.name}\` |`)
  lines.push('')
  return lines
}

async function main (): Promise<void> {
  const originPort = await freePort()
  const origin = await startService('origin', NODE, [join(BENCH, 'origin.ts')], originPort, { PORT: String(originPort) }, CPUS.load)
  const lines = ['# ifgate CPU profiles', '', `Node ${process.version}; ${SECONDS} s of load per profile (after 2 s of the same load to warm up), \`wrk -t1 -c50\`, ifgate pinned to a core of its own. Shares are of the busy samples (idle excluded), self time.`, '']
  for (const [i, load] of LOADS.entries()) {
    const p = await profile(origin.url, load, i)
    process.stdout.write(`${load.name}: ${p.rps.toFixed(0)} req/s under the profiler\n`)
    const perRequest = p.busyMicros / p.requests
    lines.push(`## ${load.name}`, '', `\`${p.command}\`: ${p.rps.toFixed(0)} req/s under the profiler; ${perRequest.toFixed(1)} µs of busy CPU per request (the profiler's own cost included, start-up spread over the ${p.requests} requests of the warm-up and the load).`, '', 'By layer:', '', '| µs/request | self % | layer |', '|---|---|---|')
    for (const f of p.byLayer) lines.push(`| ${((f.selfPercent * perRequest) / 100).toFixed(1)} | ${f.selfPercent.toFixed(1)} | ${f.name} |`)
    lines.push('', 'Top frames:', '', '| self % | frame |', '|---|---|')
    for (const f of p.frames) lines.push(`| ${f.selfPercent.toFixed(1)} | \`${f.name}\` |`)
    lines.push('', 'By module:', '', '| self % | module |', '|---|---|')
    for (const f of p.byPlace) lines.push(`| ${f.selfPercent.toFixed(1)} | \`${f.name}\` |`)
    lines.push('')
    if (load.floor !== undefined) lines.push(...againstFloor(load, p, await profile(origin.url, load, i, load.floor)))
  }
  await origin.stop()
  mkdirSync(join(BENCH, 'results'), { recursive: true })
  writeFileSync(join(BENCH, 'results', 'profile.md'), lines.join('\n'))
}

// The load's keep-alive sockets may outlive the servers for a while: exit once done.
main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench:profile: ${(err as Error).stack ?? String(err)}\n`)
  stopAll()
  process.exit(1)
})
