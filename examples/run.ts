// `npm run example`: the bundled legacy API on 127.0.0.1:3000 and ifgate in front of it on
// 127.0.0.1:8080 (admin on 127.0.0.1:9090), both as child processes whose output is shown here
// with a prefix. LEGACY_PORT and IFGATE_PORT move the two ports; arguments after `--` (or all
// arguments, when there is no `--`) are passed on to ifgate, e.g.
// `npm run example -- --require-precondition`.
// Ctrl-C (SIGINT) or SIGTERM stops both and exits 0. If either child exits on its own, the other
// is stopped and this process exits with the child's code.
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { constants } from 'node:os'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const HOST = '127.0.0.1'
const ADMIN = `${HOST}:9090`
const STOP_GRACE_MS = 10_000
const READY_TIMEOUT_MS = 20_000

function portFrom (name: string, fallback: number): number {
  const text = process.env[name]
  if (text === undefined || text === '') return fallback
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`example: ${name}=${text} is not a port number`)
    process.exit(2)
  }
  return port
}

const legacyPort = portFrom('LEGACY_PORT', 3000)
const ifgatePort = portFrom('IFGATE_PORT', 8080)
const dashdash = process.argv.indexOf('--', 2)
const passThrough = dashdash === -1 ? process.argv.slice(2) : process.argv.slice(dashdash + 1)

const children = new Map<string, ChildProcess>()
/** Settles when a child has exited and its output has been read to the end. */
const closed: Array<Promise<void>> = []
let stopping = false

const announced = new Map<string, (line: string) => void>()

function show (name: string, stream: Readable | null): void {
  if (stream === null) return
  const prefix = `${name.padEnd(10)} | `
  createInterface({ input: stream }).on('line', (line) => {
    console.log(prefix + line)
    announced.get(name)?.(line)
  })
}

/** Resolves to true once the child prints a line that matches, false if it exits first. */
async function announces (name: string, child: ChildProcess, pattern: RegExp): Promise<boolean> {
  if (!alive(child)) return false
  return await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(false)
    })
    announced.set(name, (line) => {
      if (!pattern.test(line)) return
      clearTimeout(timer)
      announced.delete(name)
      resolve(true)
    })
  })
}

function exitCodeOf (code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  return signal === null ? 1 : 128 + (constants.signals[signal] ?? 0)
}

function alive (child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

function signalAll (signal: NodeJS.Signals): void {
  for (const child of children.values()) {
    if (alive(child) && child.pid !== undefined) {
      try {
        process.kill(child.pid, signal)
      } catch {
        // already gone
      }
    }
  }
}

/** Stops every child by PID (SIGTERM, SIGKILL after the grace period), then exits with `code`. */
async function stopAll (code: number): Promise<never> {
  stopping = true
  signalAll('SIGTERM')
  const force = setTimeout(() => signalAll('SIGKILL'), STOP_GRACE_MS)
  await Promise.all(closed)
  clearTimeout(force)
  process.exit(code)
}

function start (name: string, args: string[]): ChildProcess {
  // Own process group: a terminal's Ctrl-C reaches only this process, which then stops the
  // children itself, in order and by PID.
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  children.set(name, child)
  closed.push(new Promise((resolve) => {
    child.once('close', () => resolve())
    child.once('error', () => resolve())
  }))
  show(name, child.stdout)
  show(name, child.stderr)
  child.on('error', (err) => {
    console.log(`example: could not start ${name}: ${err.message}`)
    if (!stopping) void stopAll(1)
  })
  child.on('exit', (code, signal) => {
    if (stopping) return
    const status = exitCodeOf(code, signal)
    console.log(`example: ${name} exited (${signal ?? `code ${code}`}); stopping the rest`)
    void stopAll(status)
  })
  return child
}

async function listening (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, HOST)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function waitForPort (child: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline && alive(child)) {
    if (await listening(port)) return true
    await sleep(100)
  }
  return false
}

function banner (): string {
  const url = `http://${HOST}:${ifgatePort}/todos/1`
  const json = "-H 'Content-Type: application/json'"
  return [
    '',
    `ifgate on http://${HOST}:${ifgatePort} → legacy API on http://${HOST}:${legacyPort} (no ETags, last write wins)`,
    `admin: http://${ADMIN}/metrics   stop: Ctrl-C`,
    '',
    'Try this:',
    '  # 1. read through ifgate and keep the ETag it adds',
    `  ETAG=$(curl -s -D - -o /dev/null ${url} | tr -d '\\r' | awk 'tolower($1)=="etag:" {print $2}'); echo "$ETAG"`,
    '  # 2. write with If-Match: 200, the write reaches the origin',
    `  curl -i -X PUT ${url} -H "If-Match: $ETAG" ${json} -d '{"title":"write the docs","done":true}'`,
    '  # 3. the same ETag is now stale: 412 at the edge with a cause, the origin never sees it',
    `  curl -i -X PUT ${url} -H "If-Match: $ETAG" ${json} -d '{"title":"a lost update","done":false}'`,
    '  # 4. read, then write asking for the result: 200 with the record as written and the ETag this write produced',
    `  ETAG=$(curl -s -D - -o /dev/null ${url} | tr -d '\\r' | awk 'tolower($1)=="etag:" {print $2}')`,
    `  NEXT=$(curl -si -X PUT ${url} -H "If-Match: $ETAG" -H 'Prefer: return=representation' ${json} -d '{"title":"ship it","done":true}' | tee /dev/stderr | tr -d '\\r' | awk 'tolower($1)=="etag:" {print $2}')`,
    '  # 5. write again with the ETag step 4 returned, no GET in between: 200',
    `  curl -i -X PUT ${url} -H "If-Match: $NEXT" ${json} -d '{"title":"ship it twice","done":true}'`,
    ''
  ].join('\n')
}

async function main (): Promise<void> {
  process.once('SIGINT', () => { void stopAll(0) })
  process.once('SIGTERM', () => { void stopAll(0) })
  // Last resort if this process dies another way: children must not outlive it.
  process.on('exit', () => signalAll('SIGTERM'))

  const legacy = start('legacy-api', ['examples/legacy-api/server.ts', '--host', HOST, '--port', String(legacyPort)])
  if (!(await announces('legacy-api', legacy, /^legacy-api listening on /))) {
    if (!stopping) {
      console.log(`example: the legacy API did not start within ${READY_TIMEOUT_MS} ms`)
      await stopAll(1)
    }
    return
  }
  const ifgate = start('ifgate', [
    'bin/ifgate.js', '--origin', `http://${HOST}:${legacyPort}`,
    '--listen', `${HOST}:${ifgatePort}`, '--admin-listen', ADMIN, ...passThrough
  ])
  if (await waitForPort(ifgate, ifgatePort)) console.log(banner())
  else if (!stopping) console.log(`example: ifgate is not listening on ${HOST}:${ifgatePort} after ${READY_TIMEOUT_MS} ms`)
}

await main()
