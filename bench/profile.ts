// `npm run bench:profile`: CPU profiles of ifgate (node --cpu-prof) under the GET passthrough load
// and under the conditional PUT load (current If-Match, exclusive), one ifgate process per load,
// each summarised by its top frames (self time) in results/profile.md.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { topFrames, type Frame } from './lib/cpu-profile.ts'
import { CPUS, freePort, startService, stopAll } from './lib/procs.ts'
import { wrk } from './lib/wrk.ts'
import { ETAG } from './origin.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH = join(ROOT, 'bench')
const SECONDS = Number(process.env.BENCH_CELL_SECONDS ?? 10)
const NODE = process.execPath
const tmp = mkdtempSync(join(tmpdir(), 'ifgate-profile-'))

interface Load { readonly name: string; readonly ownership: 'shared' | 'exclusive'; readonly path: string; readonly script?: string; readonly env?: Record<string, string> }

const LOADS: readonly Load[] = [
  { name: 'GET passthrough, c50', ownership: 'shared', path: '/items/1' },
  { name: 'PUT current If-Match, exclusive, 1,000 keys, c50', ownership: 'exclusive', path: '/', script: join(BENCH, 'lua', 'put.lua'), env: { IF_MATCH: ETAG, KEYS: '1000' } }
]

/** Resolves to the top frames of one ifgate process profiled under one load. */
async function profile (origin: string, load: Load, index: number): Promise<{ frames: Frame[]; byPlace: Frame[]; byLayer: Frame[]; busyMicros: number; requests: number; rps: number; command: string }> {
  const dir = join(tmp, `profile-${index}`)
  mkdirSync(dir)
  const port = await freePort()
  const config = join(tmp, `ifgate-${index}.json`)
  writeFileSync(config, JSON.stringify({ listen: `127.0.0.1:${port}`, admin: { listen: `127.0.0.1:${await freePort()}` }, routes: [{ path: '/', origin }], defaults: { ownership: load.ownership, validatorTtlMs: 3_600_000 } }))
  const ifgate = await startService('ifgate', NODE, ['--cpu-prof', '--cpu-prof-dir', dir, join(ROOT, 'bin', 'ifgate.js'), '--config', config], port, {}, CPUS.target)
  // The warm-up is the same load, so that the profile (which covers it) is of one kind of request.
  const warm = await wrk(`${ifgate.url}${load.path}`, 50, 2, load.script, load.env)
  const { result, command } = await wrk(`${ifgate.url}${load.path}`, 50, SECONDS, load.script, load.env)
  // SIGTERM: ifgate drains and exits 0, and node writes the profile on the way out.
  await ifgate.stop()
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error(`no profile written for ${load.name}`)
  return { ...topFrames(join(dir, file), 20), requests: warm.result.requests + result.requests, rps: result.rps, command }
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
