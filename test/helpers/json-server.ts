import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { childEnv } from './child-env.ts'
import { freePort, request } from './http.ts'

// json-server@0.17.4 as checked against the installed copy (Express 4 underneath):
// - Every 200 with a body carries a weak ETag from Express's `etag` module,
//   `W/"<length in hex>-<27 base64 chars of SHA-1>"`, e.g. `W/"1f-TAC0Tc2JxEytDTvxVCp2NqCcTLI"`,
//   write responses included. With `Accept-Encoding: gzip` bodies of 1 KiB and more are gzipped
//   (`Vary: Accept-Encoding`) under the same weak tag.
// - No Last-Modified on the REST routes.
// - GET/HEAD with a matching If-None-Match answer 304 (Express `fresh`, weak comparison).
// - Writes ignore If-Match and If-Unmodified-Since: `PUT /posts/1` with `If-Match: "nope"` → 200.
//   Last write wins.
// - PUT of an existing id → 200, PATCH of a missing id → 404, DELETE → 200 `{}` (not 204),
//   POST → 201 with an absolute Location.
// - Unless --quiet, morgan's 'dev' format logs each request to stdout once the response has
//   finished: `\x1b[0mPUT /posts/1 \x1b[32m200\x1b[0m 26.125 ms - 29\x1b[0m` (ANSI colours even
//   when stdout is not a TTY, unless NO_COLOR is set in morgan ≥ 1.11; `-` for a missing status or
//   length). It is skipped entirely when NODE_ENV=test.
//
// Counting writes: morgan's line is written after the response, so a test that reads the count
// right after its response arrives can miss it (measured: 3 of 200 sequential PUTs when read from
// a file, all 200 when read from a pipe). The child therefore also loads a one-line middleware
// that writes `WRITE_MARK METHOD URL` to stdout when a write arrives, before json-server handles
// it; stdout goes to a file (written synchronously by the child) that `writes()` reads
// synchronously. Both line kinds are parsed from the same file.

const require = createRequire(import.meta.url)
const BIN = join(require.resolve('json-server/package.json'), '..', 'lib', 'cli', 'bin.js')
const WRITE_MARK = 'ifgate-test-origin-write'
const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000
const PORT_ATTEMPTS = 3

// RFC 9110 §9.2.1: anything but GET, HEAD, OPTIONS and TRACE is unsafe, i.e. a write.
const MIDDLEWARE = `'use strict'
const safe = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
module.exports = function countWrites (req, _res, next) {
  if (!safe.has(req.method)) process.stdout.write(${JSON.stringify(WRITE_MARK)} + ' ' + req.method + ' ' + req.originalUrl + '\\n')
  next()
}
`

/** One request as json-server's own (morgan 'dev') log line reports it. */
export interface JsonServerLogEntry {
  readonly method: string
  readonly url: string
  /** undefined when morgan printed `-` (no response was sent). */
  readonly status: number | undefined
}

export interface JsonServer {
  readonly url: string
  readonly port: number
  /** PID of the json-server child process. */
  readonly pid: number
  /** Writes (unsafe methods) the child has received so far, exact at the moment of the call. */
  writes(): number
  /** The requests json-server has logged so far (those whose response has finished). */
  requests(): JsonServerLogEntry[]
  close(): Promise<void>
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g
const MORGAN_DEV = /^([A-Z]+) (\S+) (\d{3}|-) (?:[\d.]+|-) ms - \S+$/

/** Returns the entry of one morgan 'dev' line, or undefined for any other output line. */
export function parseMorganLine (line: string): JsonServerLogEntry | undefined {
  const m = MORGAN_DEV.exec(line.replace(ANSI, '').trim())
  if (m === null) return undefined
  return { method: m[1], url: m[2], status: m[3] === '-' ? undefined : Number(m[3]) }
}

function exited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

async function stop (child: ChildProcess): Promise<void> {
  if (exited(child) || child.pid === undefined) return
  const done = once(child, 'exit')
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => { if (!exited(child) && child.pid !== undefined) process.kill(child.pid, 'SIGKILL') }, STOP_TIMEOUT_MS)
  await done
  clearTimeout(timer)
}

async function answers (url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline && !exited(child)) {
    try {
      // `/db` is json-server's own route: it proves that this port is ours and the db is loaded.
      const res = await request(`${url}/db`)
      if (res.status === 200 && res.headers['x-powered-by'] === 'Express') return true
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  return false
}

/**
 * Returns a running json-server@0.17.4, the real third-party package, as a child process on
 * 127.0.0.1 serving a temporary copy of `db` (json-server rewrites its file on every write).
 * It resolves once the server answers; it rejects, with the child's stderr, when it does not
 * within 10 s on any of 3 free ports. `close()` stops the child by PID (SIGTERM, then SIGKILL
 * after 5 s), waits for it to exit and removes the temporary files.
 */
export async function startJsonServer (db: object): Promise<JsonServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ifgate-json-server-'))
  writeFileSync(join(dir, 'db.json'), JSON.stringify(db, null, 2))
  writeFileSync(join(dir, 'count-writes.cjs'), MIDDLEWARE)
  const logFile = join(dir, 'stdout.log')
  let stderr = ''

  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort()
    const out = openSync(logFile, 'w')
    // NODE_ENV removed: NODE_ENV=test silences json-server's request log.
    const child = spawn(process.execPath, [
      BIN, 'db.json', '--host', '127.0.0.1', '--port', String(port), '--middlewares', 'count-writes.cjs'
    ], { cwd: dir, env: childEnv({ NO_COLOR: '1', NODE_ENV: undefined }), stdio: ['ignore', out, 'pipe'] })
    closeSync(out) // the child holds its own descriptor
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (text: string) => { stderr += text })
    const url = `http://127.0.0.1:${port}`
    if (!(await answers(url, child)) || child.pid === undefined) {
      await stop(child)
      continue
    }
    const pid = child.pid
    const output = (): string[] => readFileSync(logFile, 'utf8').split('\n')
    let closing: Promise<void> | undefined
    return {
      url,
      port,
      pid,
      writes: () => output().filter((line) => line.startsWith(`${WRITE_MARK} `)).length,
      requests: () => output().map(parseMorganLine).filter((e) => e !== undefined),
      close: () => {
        closing ??= stop(child).then(() => rmSync(dir, { recursive: true, force: true }))
        return closing
      }
    }
  }
  rmSync(dir, { recursive: true, force: true })
  throw new Error(`json-server did not answer on 127.0.0.1 after ${PORT_ATTEMPTS} attempts; stderr: ${stderr.trim() || '(empty)'}`)
}
