import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv } from './child-env.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'ifgate.js')
const START_TIMEOUT_MS = 10_000

export interface ChildIfgate {
  readonly child: ChildProcess
  readonly url: string
  readonly adminUrl: string
  /** Every stdout line so far, parsed when it is JSON. */
  readonly lines: Array<Record<string, unknown>>
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>
  /** Sends SIGKILL by PID if it still runs. */
  kill (): void
}

/**
 * Starts `bin/ifgate.js` as a real process (this Node binary) with `args`, on free loopback ports
 * unless `args` say otherwise, and resolves once its "ifgate listening" log line names them.
 */
export async function startChildIfgate (args: readonly string[], env: Record<string, string> = {}): Promise<ChildIfgate> {
  const child = spawn(process.execPath, [BIN, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: Array<Record<string, unknown>> = []
  let buffered = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }))
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ifgate did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS)
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      buffered += s
      let nl: number
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const text = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        let line: Record<string, unknown>
        try {
          line = JSON.parse(text) as Record<string, unknown>
        } catch {
          line = { raw: text }
        }
        lines.push(line)
        if (line.msg === 'ifgate listening') {
          clearTimeout(timer)
          resolve(line)
        }
      }
    })
    void exited.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`ifgate exited with ${code} before listening: ${stderr}`))
    })
  })
  const up = await listening
  return {
    child,
    url: up.listen as string,
    adminUrl: up.admin as string,
    lines,
    exited,
    kill: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }
  }
}
