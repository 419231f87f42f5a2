import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { WrkResult } from './wrk.ts'

export interface Cell {
  readonly round: number
  readonly scenario: string
  readonly target: string
  readonly result: WrkResult
  readonly command: string
  /** CPU time of the target's process per request, in µs. */
  readonly cpuUsPerRequest: number
  /** Writes (PUT) that reached the origin during the cell, where counted. */
  readonly originWrites: number | undefined
  /** Lookups (HEAD, GET) that reached the origin during the cell, where counted. */
  readonly originReads: number | undefined
}

export interface Run {
  readonly machine: Record<string, unknown>
  readonly versions: Record<string, string>
  readonly seconds: number
  readonly rounds: number
  readonly wallSeconds: number
  /** Wall time of the load cells alone (the rest is memory and micro-benchmarks). */
  readonly loadSeconds: number
  readonly cells: readonly Cell[]
}

export interface Summary { median: number; min: number; max: number }

export function summary (values: number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN }
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1] }
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a')

/** Returns the per-scenario, per-target summaries of a run. */
export function summarise (cells: readonly Cell[]): Map<string, Map<string, { rps: Summary; p50: Summary; p99: Summary; cpu: Summary; writes: Summary | undefined; reads: Summary | undefined }>> {
  const out = new Map<string, Map<string, { rps: Summary; p50: Summary; p99: Summary; cpu: Summary; writes: Summary | undefined; reads: Summary | undefined }>>()
  for (const c of cells) if (!out.has(c.scenario)) out.set(c.scenario, new Map())
  for (const [scenario, targets] of out) {
    const names = [...new Set(cells.filter((c) => c.scenario === scenario).map((c) => c.target))]
    for (const name of names) {
      const mine = cells.filter((c) => c.scenario === scenario && c.target === name)
      targets.set(name, {
        rps: summary(mine.map((c) => c.result.rps)),
        p50: summary(mine.map((c) => c.result.p50)),
        p99: summary(mine.map((c) => c.result.p99)),
        cpu: summary(mine.map((c) => c.cpuUsPerRequest)),
        writes: mine[0].originWrites === undefined ? undefined : summary(mine.map((c) => c.originWrites as number)),
        reads: mine[0].originReads === undefined ? undefined : summary(mine.map((c) => c.originReads as number))
      })
    }
  }
  return out
}

interface Target { readonly what: string; readonly value: number; readonly goal: string; readonly met: boolean }

/** Returns every target of the benchmark issue, computed from medians of the same run. */
export function targets (s: ReturnType<typeof summarise>): Target[] {
  const rps = (scenario: string, target: string): number => s.get(scenario)?.get(target)?.rps.median ?? NaN
  const out: Target[] = []
  const ratio = (what: string, a: number, b: number, min: number): void => { out.push({ what, value: a / b, goal: `≥ ${min}×`, met: a / b >= min }) }
  const cpu = (scenario: string, t: string): number => s.get(scenario)?.get(t)?.cpu.median ?? NaN
  const most = (what: string, value: number, max: number, unit = ''): void => { out.push({ what, value, goal: `≤ ${max}${unit}`, met: value <= max }) }
  // The request path's targets (one compiled request path, bare-proxy speed).
  ratio('GET c50: ifgate / bare undici proxy', rps('GET c50', 'ifgate'), rps('GET c50', 'bare-undici'), 0.95)
  most('GET c50: CPU per request, ifgate minus bare undici (µs)', cpu('GET c50', 'ifgate') - cpu('GET c50', 'bare-undici'), 5, ' µs')
  ratio('GET c50: ifgate / @fastify/http-proxy', rps('GET c50', 'ifgate'), rps('GET c50', 'fastify-http-proxy'), 1.5)
  ratio('PUT current, exclusive / bare proxy plain PUT', rps('PUT current If-Match, exclusive (1,000 keys)', 'ifgate-exclusive'), rps('PUT plain (1,000 keys)', 'bare-undici'), 0.9)
  ratio('PUT current, shared (a confirming HEAD: a second origin trip) / bare proxy plain PUT', rps('PUT current If-Match, shared (1,000 keys)', 'ifgate'), rps('PUT plain (1,000 keys)', 'bare-undici'), 0.5)
  ratio('PUT stale: ifgate 412 at the edge / nginx forwarding it', rps('PUT stale If-Match (1,000 keys)', 'ifgate'), rps('PUT stale If-Match (1,000 keys)', 'nginx'), 0.8)
  most('PUT stale: CPU per edge 412 / the direct origin\'s CPU per GET', cpu('PUT stale If-Match (1,000 keys)', 'ifgate') / cpu('GET c50', 'direct'), 2, '×')
  // Lookups are not counted against it: a write the previous cell's load left in flight when wrk
  // closed its connections has an unknown outcome, so its resource is looked up once.
  const staleWrites = s.get('PUT stale If-Match (1,000 keys)')?.get('ifgate')?.writes?.max ?? NaN
  out.push({ what: 'PUT stale: writes with the stale If-Match that reached the origin through ifgate (most in a round)', value: staleWrites, goal: '= 0', met: staleWrites === 0 })
  const c1 = (t: string): number => s.get('GET c1')?.get(t)?.p50.median ?? NaN
  most('GET c1: added p50 latency over direct (ms)', c1('ifgate') - c1('direct'), 0.08, ' ms')
  ratio('GET 100 KB: synthesized ETags / origin ETags', rps('GET 100 KB', 'ifgate-synthesize'), rps('GET 100 KB', 'ifgate-origin-tags'), 0.8)
  // What the contract itself costs: the bare proxy plus only the fields and the log line every request must have.
  ratio('GET c50 (the bound): contract floor / bare undici proxy', rps('GET c50', 'contract-floor'), rps('GET c50', 'bare-undici'), 0.95)
  ratio('GET c50: ifgate / contract floor', rps('GET c50', 'ifgate'), rps('GET c50', 'contract-floor'), 0.95)
  // The read path's floor with every per-request duty of the SPEC (bare-undici.ts DUTIES=1, peers/duties.ts).
  ratio('GET c50 (the bound with the SPEC\'s duties): contract floor with duties / bare undici proxy', rps('GET c50', 'contract-floor-duties'), rps('GET c50', 'bare-undici'), 0.95)
  most('GET c50 (the bound with the SPEC\'s duties): CPU per request, contract floor with duties minus bare undici (µs)', cpu('GET c50', 'contract-floor-duties') - cpu('GET c50', 'bare-undici'), 5, ' µs')
  ratio('GET c50 (the bound with the SPEC\'s duties): contract floor with duties / @fastify/http-proxy', rps('GET c50', 'contract-floor-duties'), rps('GET c50', 'fastify-http-proxy'), 1.5)
  ratio('GET c50: ifgate / contract floor with duties', rps('GET c50', 'ifgate'), rps('GET c50', 'contract-floor-duties'), 0.95)
  most('GET c1 (the bound): bare undici proxy\'s added p50 latency over direct (ms)', c1('bare-undici') - c1('direct'), 0.08, ' ms')
  most('GET c1 (the bound with the SPEC\'s duties): contract floor with duties\' added p50 latency over direct (ms)', c1('contract-floor-duties') - c1('direct'), 0.08, ' ms')
  ratio('PUT plain (the bound): contract floor / bare undici proxy', rps('PUT plain (1,000 keys)', 'contract-floor'), rps('PUT plain (1,000 keys)', 'bare-undici'), 0.9)
  ratio('PUT current, exclusive / contract floor plain PUT', rps('PUT current If-Match, exclusive (1,000 keys)', 'ifgate-exclusive'), rps('PUT plain (1,000 keys)', 'contract-floor'), 0.9)
  // What a conditional write itself costs: the contract floor plus a body received before a lock
  // per resource, a Map of current ETags and the If-Match comparison (bench/peers/write-floor.ts);
  // with `shared` ownership, plus a HEAD at the origin under the lock.
  ratio('PUT current, exclusive (the bound): write floor / bare undici plain PUT', rps('PUT current If-Match, exclusive (1,000 keys)', 'write-floor'), rps('PUT plain (1,000 keys)', 'bare-undici'), 0.9)
  ratio('PUT current, exclusive: ifgate / write floor', rps('PUT current If-Match, exclusive (1,000 keys)', 'ifgate-exclusive'), rps('PUT current If-Match, exclusive (1,000 keys)', 'write-floor'), 0.9)
  ratio('PUT current, shared (the bound): shared write floor (a HEAD under the lock) / bare undici plain PUT', rps('PUT current If-Match, shared (1,000 keys)', 'write-floor-shared'), rps('PUT plain (1,000 keys)', 'bare-undici'), 0.5)
  // The same floors with every per-request duty of the SPEC (peers/duties.ts): what the contract
  // costs when met the least costly way known, the bound a goal below it cannot pass.
  ratio('PUT current, exclusive (the bound with the SPEC\'s duties): write floor with duties / bare undici plain PUT', rps('PUT current If-Match, exclusive (1,000 keys)', 'write-floor-duties'), rps('PUT plain (1,000 keys)', 'bare-undici'), 0.9)
  ratio('PUT current, exclusive: ifgate / write floor with duties', rps('PUT current If-Match, exclusive (1,000 keys)', 'ifgate-exclusive'), rps('PUT current If-Match, exclusive (1,000 keys)', 'write-floor-duties'), 0.9)
  ratio('PUT current, shared (the bound with the SPEC\'s duties): shared write floor with duties / bare undici plain PUT', rps('PUT current If-Match, shared (1,000 keys)', 'write-floor-shared-duties'), rps('PUT plain (1,000 keys)', 'bare-undici'), 0.5)
  ratio('PUT current, shared: ifgate / shared write floor with duties', rps('PUT current If-Match, shared (1,000 keys)', 'ifgate'), rps('PUT current If-Match, shared (1,000 keys)', 'write-floor-shared-duties'), 0.9)
  ratio('PUT current, shared: ifgate / shared write floor', rps('PUT current If-Match, shared (1,000 keys)', 'ifgate'), rps('PUT current If-Match, shared (1,000 keys)', 'write-floor-shared'), 0.9)
  // What a synthesized ETag itself costs: the contract floor holding the body whole and hashing it
  // before the status line (bench/peers/hash-floor.ts), against the same floor streaming it.
  ratio('GET 100 KB (the bound): hash floor / contract floor', rps('GET 100 KB', 'hash-floor'), rps('GET 100 KB', 'contract-floor'), 0.8)
  ratio('GET 100 KB: ifgate synthesized / hash floor', rps('GET 100 KB', 'ifgate-synthesize'), rps('GET 100 KB', 'hash-floor'), 0.9)
  // What an edge 412 itself costs: node:http sending the same problem+json, fields and log line, nothing deciding it.
  most('PUT stale (the bound): edge floor CPU per 412 / the direct origin\'s CPU per GET', cpu('PUT stale If-Match (1,000 keys)', 'edge-floor') / cpu('GET c50', 'direct'), 2, '×')
  most('PUT stale (the bound with the SPEC\'s duties): edge floor with duties CPU per 412 / the direct origin\'s CPU per GET', cpu('PUT stale If-Match (1,000 keys)', 'edge-floor-duties') / cpu('GET c50', 'direct'), 2, '×')
  ratio('PUT stale: ifgate / edge floor with duties', rps('PUT stale If-Match (1,000 keys)', 'ifgate'), rps('PUT stale If-Match (1,000 keys)', 'edge-floor-duties'), 0.8)
  ratio('PUT stale: ifgate / edge floor', rps('PUT stale If-Match (1,000 keys)', 'ifgate'), rps('PUT stale If-Match (1,000 keys)', 'edge-floor'), 0.8)
  // SPEC §10: a write that answers with its representation costs one read at the origin.
  ratio('PUT exclusive with Prefer: return=representation / the same PUT without', rps('PUT current If-Match, exclusive, Prefer: return=representation (1,000 keys)', 'ifgate-exclusive'), rps('PUT current If-Match, exclusive (1,000 keys)', 'ifgate-exclusive'), 0.5)
  // Earlier targets, kept.
  ratio('GET c50: ifgate / nginx (1 worker)', rps('GET c50', 'ifgate'), rps('GET c50', 'nginx'), 0.6)
  ratio('PUT exclusive: 10,000 keys / 1,000 keys', rps('PUT current, exclusive, 10,000 keys', 'ifgate-exclusive'), rps('PUT current If-Match, exclusive (1,000 keys)', 'ifgate-exclusive'), 0.8)
  ratio('PUT exclusive: 10,000 keys / one hot key', rps('PUT current, exclusive, 10,000 keys', 'ifgate-exclusive'), rps('PUT current, exclusive, one hot key', 'ifgate-exclusive'), 0.8)
  ratio('GET 1 KB: synthesized ETags / origin ETags (hashing adds ≤ 10%)', rps('GET 1 KB', 'ifgate-synthesize'), rps('GET 1 KB', 'ifgate-origin-tags'), 0.9)
  return out
}

/** Writes results/<name>.json and results/<name>.md (`latest` unless `--out` names another); targets whose cells did not run are left out. */
export function report (dir: string, run: Run, name = 'latest'): void {
  mkdirSync(dir, { recursive: true })
  const s = summarise(run.cells)
  const t = targets(s).filter((x) => Number.isFinite(x.value))
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ ...run, summary: Object.fromEntries([...s].map(([k, v]) => [k, Object.fromEntries(v)])), targets: t }, null, 2) + '\n')
  const lines = [
    name === 'latest' ? '# ifgate benchmark: latest run' : `# ifgate benchmark: ${name}`,
    '',
    `Machine: ${String(run.machine.cpu)}, ${String(run.machine.cores)} cores, ${(Number(run.machine.memoryBytes) / 2 ** 30).toFixed(0)} GiB; load average (1 min) ${JSON.stringify(run.machine.loadAverage1m)}.`,
    `Versions: ${Object.entries(run.versions).map(([k, v]) => `${k} ${v}`).join('; ')}.`,
    `Cells of ${run.seconds} s, ${run.rounds} round(s), interleaved; medians (min–max). Wall time ${fmt(run.wallSeconds)} s (load cells ${fmt(run.loadSeconds)} s). Load: \`wrk -t1\`.`,
    'CPU µs/req is the user + system time of the target process (one Node process, or the one nginx worker) per request. Memory: [memory.md](memory.md); pure hot path: [micro.md](micro.md).',
    '',
    '| scenario | target | req/s | p50 ms | p99 ms | CPU µs/req | origin writes | origin lookups |',
    '|---|---|---|---|---|---|---|---|'
  ]
  for (const [scenario, targets] of s) {
    for (const [name, m] of targets) {
      lines.push(`| ${scenario} | ${name} | ${fmt(m.rps.median)} (${fmt(m.rps.min)}–${fmt(m.rps.max)}) | ${fmt(m.p50.median, 2)} | ${fmt(m.p99.median, 2)} | ${m.cpu.median === m.cpu.median ? fmt(m.cpu.median, 1) : 'n/a'} | ${m.writes === undefined ? '' : fmt(m.writes.median)} | ${m.reads === undefined ? '' : fmt(m.reads.median)} |`)
    }
  }
  lines.push('', '## Targets', '', '| target | value | goal | met |', '|---|---|---|---|')
  for (const x of t) lines.push(`| ${x.what} | ${fmt(x.value, 2)} | ${x.goal} | ${x.met ? 'yes' : '**no**'} |`)
  lines.push('', '## Commands', '', ...[...new Set(run.cells.map((c) => `- \`${c.command}\``))])
  writeFileSync(join(dir, `${name}.md`), lines.join('\n') + '\n')
}
