// `npm run bench:ablation`: what each of ifgate's per-request features costs in place. ifgate runs
// whole and with each feature cut out of its source (bench/lib/ablate.ts), then with all of them
// cut, next to the floor of the same scenario (bench/peers/), interleaved round by round with every
// process on the target core (the pinning of `npm run bench`). What the cut ifgate still spends
// over the floor is the request path itself; what each cut saves is that feature's price. While a
// cell runs, every other process of the target core is stopped (procs.ts `alone`).
// Writes results/ablation.md and .json (`--report`: the .md again from the .json). ROUNDS (5), CELL_SECONDS (4).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ABLATIONS } from './lib/ablate.ts'
import { CPUS, alone, cpuSeconds, freePort, startService, stopAll, type Service } from './lib/procs.ts'
import { summary, type Summary } from './lib/report.ts'
import { wrk } from './lib/wrk.ts'
import { ETAG, STALE_TAG } from './origin.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH = join(ROOT, 'bench')
const NODE = process.execPath
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const SECONDS = Number(process.env.CELL_SECONDS ?? 4)
const tmp = mkdtempSync(join(tmpdir(), 'ifgate-ablation-'))
const put = join(BENCH, 'lua', 'put.lua')

interface Scenario {
  readonly name: string
  readonly path: string
  readonly script?: string
  readonly env?: Record<string, string>
  /** The peer of bench/peers that does the least this scenario must do. */
  readonly floor: string
  /** The ablations that touch this scenario's path, measured one by one (all of them are also cut at once). */
  readonly cuts: readonly string[]
  /** The route's ownership (SPEC §3); `shared` asks the origin under the lock on every write. */
  readonly ownership: 'exclusive' | 'shared'
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'GET c50', path: '/items/1', floor: 'contract-floor', cuts: ['log', 'metrics', 'window', 'track', 'gone', 'target'], ownership: 'exclusive' },
  { name: 'PUT current If-Match, exclusive (1,000 keys)', path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: '1000' }, floor: 'write-floor', cuts: ['log', 'metrics', 'window', 'track', 'gone', 'target'], ownership: 'exclusive' },
  { name: 'PUT current If-Match, shared (1,000 keys)', path: '/', script: put, env: { IF_MATCH: ETAG, KEYS: '1000' }, floor: 'write-floor-shared', cuts: [], ownership: 'shared' },
  { name: 'PUT stale If-Match, 412 at the edge (1,000 keys)', path: '/', script: put, env: { IF_MATCH: STALE_TAG, KEYS: '1000' }, floor: 'edge-floor', cuts: ['log', 'metrics', 'window', 'diagnoses', 'diagnose', 'track', 'gone', 'target'], ownership: 'exclusive' }
]

/** Returns the name of the ifgate measured in a scenario: whole (no cut), or with `cut` (a cut's name, or `all`). */
function ifgateOf (sc: Scenario, cut?: string): string {
  const whole = sc.ownership === 'shared' ? 'ifgate (shared)' : 'ifgate'
  return cut === undefined ? whole : `${whole} −${cut}`
}

const FLOORS: Record<string, [string, Record<string, string>]> = {
  'contract-floor': ['bare-undici.ts', { CONTRACT: '1' }],
  'write-floor': ['write-floor.ts', {}],
  'write-floor-shared': ['write-floor.ts', { SHARED: '1' }],
  'edge-floor': ['edge-floor.ts', {}]
}

/** Starts ifgate (validators kept for the run) with the ablations `cut`. */
async function ifgate (name: string, origin: string, cut: string, ownership: Scenario['ownership']): Promise<Service> {
  const port = await freePort()
  const file = join(tmp, `${name}.json`)
  writeFileSync(file, JSON.stringify({ listen: `127.0.0.1:${port}`, admin: { listen: `127.0.0.1:${await freePort()}` }, routes: [{ path: '/', origin }], defaults: { ownership, validatorTtlMs: 3_600_000 } }))
  return startService(name, NODE, ['--import', join(BENCH, 'lib', 'ablate.ts'), join(ROOT, 'bin', 'ifgate.js'), '--config', file], port, { ABLATE: cut }, CPUS.target)
}

interface Measured { readonly scenario: string; readonly target: string; readonly round: number; readonly rps: number; readonly cpuUs: number; readonly non2xx: number }

async function main (): Promise<void> {
  const started = Date.now()
  const originPort = await freePort()
  const origin = await startService('origin', NODE, [join(BENCH, 'origin.ts')], originPort, { PORT: String(originPort) }, CPUS.load)
  const services = new Map<string, Service>()
  for (const [name, [file, env]] of Object.entries(FLOORS)) {
    const port = await freePort()
    services.set(name, await startService(name, NODE, [join(BENCH, 'peers', file)], port, { PORT: String(port), ORIGIN: origin.url, ...env }, CPUS.target))
  }
  const variants = ['', ...ABLATIONS.map((a) => a.name), 'all']
  for (const cut of variants) services.set(cut === '' ? 'ifgate' : `ifgate −${cut}`, await ifgate(`ifgate-${cut === '' ? 'whole' : cut}`, origin.url, cut, 'exclusive'))
  // A shared route's ifgate, whole and with every cut: its writes ask the origin under the lock.
  for (const cut of ['', 'all']) services.set(cut === '' ? 'ifgate (shared)' : 'ifgate (shared) −all', await ifgate(`ifgate-shared-${cut === '' ? 'whole' : cut}`, origin.url, cut, 'shared'))
  // Warm every process: JIT, keep-alive pools, and the 1,000 keys the writes use cached.
  for (const [name, s] of services) {
    await wrk(`${s.url}/`, 50, 2, join(BENCH, 'lua', 'warm-keys.lua'), { KEYS: '1000' })
    if (name.startsWith('ifgate') || name.startsWith('write-floor')) await wrk(`${s.url}/`, 50, 2, put, { IF_MATCH: ETAG, KEYS: '1000' })
  }
  const cells: Measured[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    for (const sc of SCENARIOS) {
      const targets = [sc.floor, ifgateOf(sc), ...sc.cuts.map((c) => ifgateOf(sc, c)), ifgateOf(sc, 'all')]
      for (const target of targets) {
        const s = services.get(target) as Service
        const others = [...services.values()].filter((o) => o !== s).map((o) => o.pid)
        const cpu0 = cpuSeconds(s.pid)
        const { result } = await alone(others, () => wrk(`${s.url}${sc.path}`, 50, SECONDS, sc.script, sc.env))
        const cpuUs = ((cpuSeconds(s.pid) - cpu0) * 1e6) / result.requests
        cells.push({ scenario: sc.name, target, round, rps: result.rps, cpuUs, non2xx: result.non2xx })
        process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] round ${round} ${sc.name} ${target}: ${result.rps.toFixed(0)} req/s, ${cpuUs.toFixed(1)} µs CPU/req\n`)
      }
    }
  }
  for (const s of [...services.values(), origin]) await s.stop()
  writeReport(cells, variants.length + 2, (Date.now() - started) / 1000, new Date().toISOString())
}

function writeReport (cells: readonly Measured[], processes: number, wallSeconds: number, date: string): void {
  /** CPU µs per request of a target in each round, in round order. */
  const rounds = (scenario: string, target: string): number[] => cells.filter((c) => c.scenario === scenario && c.target === target).sort((a, b) => a.round - b.round).map((c) => c.cpuUs)
  /** What a cut saves, paired round by round with the whole ifgate measured in the same round. */
  const savedBy = (sc: Scenario, target: string): Summary => {
    const whole = rounds(sc.name, ifgateOf(sc))
    return summary(rounds(sc.name, target).map((cpu, i) => whole[i] - cpu))
  }
  const lines: string[] = [
    '# ifgate benchmark: what each per-request feature costs in place',
    '',
    `Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores. Node ${process.version}. ${date}. Wall time ${wallSeconds.toFixed(0)} s.`,
    `\`npm run bench:ablation\`: ${processes} ifgate processes (ownership \`exclusive\`: whole, one per cut, all cuts; \`shared\`: whole, all cuts) and each scenario's floor, all pinned to the target core, every one but the measured stopped (SIGSTOP) during a cell; \`wrk -t1 -c50\`, ${ROUNDS} rounds of ${SECONDS} s cells, interleaved; medians. A cut removes a feature's lines from src/ as the modules load (bench/lib/ablate.ts): the ifgate it leaves breaks the SPEC and is measured only to price the feature. A cut's saving is the difference of two cells of the same round; where its min–max spans zero, the feature's price is below what this run can tell.`,
    '',
    '| cut | what goes |',
    '|---|---|',
    ...ABLATIONS.map((a) => `| \`${a.name}\` | ${a.what} |`),
    ''
  ]
  const rows: Record<string, unknown>[] = []
  for (const sc of SCENARIOS) {
    const of = (target: string): { rps: number; cpu: number; non2xx: number } => {
      const mine = cells.filter((c) => c.scenario === sc.name && c.target === target)
      return { rps: summary(mine.map((c) => c.rps)).median, cpu: summary(mine.map((c) => c.cpuUs)).median, non2xx: Math.max(...mine.map((c) => c.non2xx)) }
    }
    const floor = of(sc.floor)
    lines.push(`## ${sc.name}`, '', `Floor: \`${sc.floor}\` (bench/peers/${FLOORS[sc.floor][0]}).`, '', '| target | req/s | / floor | CPU µs/req | CPU saved by the cut, µs/req: median of the rounds (min–max) | non-2xx/3xx (most in a round) |', '|---|---|---|---|---|---|')
    const row = (target: string): void => {
      const m = of(target)
      const saved = target.startsWith(`${ifgateOf(sc)} −`) ? savedBy(sc, target) : undefined
      const text = saved === undefined ? '' : `${saved.median.toFixed(1)} (${saved.min.toFixed(1)} – ${saved.max.toFixed(1)})`
      lines.push(`| ${target} | ${m.rps.toFixed(0)} | ${(m.rps / floor.rps).toFixed(2)} | ${m.cpu.toFixed(1)} | ${text} | ${m.non2xx} |`)
      rows.push({ scenario: sc.name, target, rps: m.rps, perFloor: m.rps / floor.rps, cpuUs: m.cpu, savedUs: saved })
    }
    row(sc.floor)
    row(ifgateOf(sc))
    for (const c of sc.cuts) row(ifgateOf(sc, c))
    row(ifgateOf(sc, 'all'))
    const all = savedBy(sc, ifgateOf(sc, 'all'))
    lines.push('', `ifgate spends ${savedBy(sc, sc.floor).median.toFixed(1)} µs of CPU per request over the floor (median of the rounds); all the cuts at once save ${all.median.toFixed(1)} µs, less in none of the ${ROUNDS} rounds than ${all.min.toFixed(1)}. The floor still writes its access-log line; the ifgate with every cut writes none.`, '')
  }
  const dir = join(BENCH, 'results')
  writeFileSync(join(dir, 'ablation.md'), lines.join('\n'))
  writeFileSync(join(dir, 'ablation.json'), JSON.stringify({ node: process.version, machine: cpus()[0]?.model, rounds: ROUNDS, seconds: SECONDS, processes, wallSeconds, date, cells, summary: rows }, null, 2) + '\n')
}

process.on('SIGINT', () => { stopAll(); process.exit(130) })
/** `--report`: writes results/ablation.md again from results/ablation.json (after a change to the report). */
function reportAgain (): void {
  const run = JSON.parse(readFileSync(join(BENCH, 'results', 'ablation.json'), 'utf8')) as { cells: Measured[]; processes: number; wallSeconds: number; date: string }
  writeReport(run.cells, run.processes, run.wallSeconds, run.date)
}

const run = process.argv.includes('--report') ? Promise.resolve(reportAgain()) : main()
run.then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench:ablation: ${(err as Error).stack ?? String(err)}\n`)
  stopAll()
  process.exit(1)
})
