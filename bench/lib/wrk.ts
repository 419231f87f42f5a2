import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { CPUS, pinned } from './procs.ts'

const run = promisify(execFile)

export interface WrkResult {
  readonly requests: number
  readonly rps: number
  /** Latency percentiles in ms. */
  readonly p50: number
  readonly p99: number
  readonly non2xx: number
  readonly errors: number
}

function ms (text: string | undefined): number {
  if (text === undefined) return NaN
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim())
  if (m === null) return NaN
  const v = Number(m[1])
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : m[2] === 'm' ? v * 60_000 : v
}

/** Returns wrk's figures for one cell: `wrk -t1 -cC -dDs --latency [-s script] url`. */
export async function wrk (url: string, connections: number, seconds: number, script?: string, env: Record<string, string> = {}): Promise<{ result: WrkResult; command: string }> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...(script === undefined ? [] : ['-s', script]), url]
  const [cmd, argv] = pinned(CPUS.load, 'wrk', args)
  const { stdout } = await run(cmd, argv, { env: { ...process.env, ...env }, timeout: (seconds + 30) * 1000 })
  const line = (re: RegExp): string | undefined => re.exec(stdout)?.[1]
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)
  return {
    command: `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}wrk ${args.join(' ')}`,
    result: {
      requests: Number(line(/(\d+) requests in/)),
      rps: Number(line(/Requests\/sec:\s+([\d.]+)/)),
      p50: ms(line(/\s50%\s+(\S+)/)),
      p99: ms(line(/\s99%\s+(\S+)/)),
      non2xx: Number(line(/Non-2xx or 3xx responses: (\d+)/) ?? 0),
      errors: errors === null ? 0 : errors.slice(1).reduce((a, b) => a + Number(b), 0)
    }
  }
}
