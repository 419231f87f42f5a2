import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpus } from 'node:os'
import { readFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** A server process the benchmark started; stopped by its PID only. */
export interface Service {
  readonly name: string
  readonly url: string
  readonly pid: number
  stop (): Promise<void>
}

const started = new Set<ChildProcess>()
/** Stops every process this run started (on exit or interrupt). */
export function stopAll (): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
process.on('exit', stopAll)

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

async function accepts (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/**
 * The cores the benchmark pins its processes to (taskset, where the machine has two or more): the
 * measured proxy gets a core of its own, the load generator and the origin share the other. On a
 * 2-core machine an unpinned run lets the three fight over both cores, and the same cell then
 * moves by 30% from one round to the next.
 */
export const CPUS = { target: 1, load: 0 } as const

const canPin = cpus().length >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0

/** Returns `command args` run on one core (taskset -c), or as it is where pinning is not possible. */
export function pinned (cpu: number, command: string, args: readonly string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, [...args]]
}

/**
 * Resolves to what `run` resolves to, with the processes `pids` stopped (SIGSTOP) meanwhile and
 * continued (SIGCONT) after, whatever `run` does: an idle Node server still wakes for its timers
 * (an idle ifgate ~150 times a second), and idle ones on the measured core tax the one measured.
 */
export async function alone<T> (pids: readonly number[], run: () => Promise<T>): Promise<T> {
  for (const pid of pids) process.kill(pid, 'SIGSTOP')
  try {
    return await run()
  } finally {
    for (const pid of pids) process.kill(pid, 'SIGCONT')
  }
}

/**
 * Starts `command args` with `env` (on core `cpu` when given), resolves once it accepts
 * connections on `port` (at most 15 s). taskset execs the command, so the pid is the command's.
 */
export async function startService (name: string, command: string, args: readonly string[], port: number, env: Record<string, string> = {}, cpu?: number): Promise<Service> {
  const [cmd, argv] = cpu === undefined ? [command, [...args]] : pinned(cpu, command, args)
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  started.add(child)
  const deadline = Date.now() + 15_000
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}`)
    await sleep(50)
  }
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
  }
}

const TICKS_PER_SECOND = 100

/** Returns the CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}

/** Returns the resident set size of a process in bytes, from /proc. */
export function rssBytes (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}
