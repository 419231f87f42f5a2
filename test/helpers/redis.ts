import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './http.ts'

/** Where Debian's redis-server package puts the binary; REDIS_SERVER_BIN overrides it. */
const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server'
/** What to do when redis-server is missing; scripts/test-deps.sh (`npm test`'s pretest) does it when root. */
const INSTALL = 'sudo apt-get install redis-server, or set REDIS_SERVER_BIN to a redis-server'
const START_TIMEOUT_MS = 5000
const STOP_TIMEOUT_MS = 5000
const COMMAND_TIMEOUT_MS = 2000
const PORT_ATTEMPTS = 3
/** Most bytes of the server's output kept for an error message. */
const OUTPUT_BYTES = 8192

export interface RedisOptions {
  /** The port to listen on; default a free one (another is tried when it is taken meanwhile). */
  readonly port?: number
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** PID of the running redis-server (a new one after `restart()`). */
  readonly pid: number
  /** Ends the server by PID: SIGTERM, SIGKILL when it has not exited after 5 s; removes its directory. Calling it again is harmless. */
  stop(): Promise<void>
  /** Sends SIGKILL by PID and resolves once the process has exited (its directory stays, for `restart()`). */
  kill(): Promise<void>
  /** Starts a new redis-server on the same port, once the previous one has ended (it is stopped first when it still runs). */
  restart(): Promise<void>
  /** Sends one command over a fresh TCP connection; resolves with the raw RESP reply (an error reply `-ERR …` included). */
  command(...args: string[]): Promise<string>
  /** Resolves with the sum of `calls=` over `INFO commandstats`: the commands the server has executed. */
  commandCalls(): Promise<number>
}

/** A RESP2 reply as data: a simple or bulk string, an integer, null, an array, or an error reply. */
export type RespValue = string | number | null | RespError | RespValue[]

/** An error reply (`-ERR …`), kept as data so a test can assert on it. */
export class RespError {
  readonly message: string
  constructor (message: string) {
    this.message = message
  }
}

/** Returns the RESP encoding of one command: an array of bulk strings. */
export function encodeCommand (args: readonly string[]): string {
  let out = `*${args.length}\r\n`
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`
  return out
}

/**
 * Returns the value of the RESP2 reply at the start of `text` and the offset just past it, or
 * undefined when the reply is not complete yet. Lengths are in bytes: `text` is latin1 (one
 * character per byte), as `command()` reads it.
 */
export function scanReply (text: string, at = 0): { value: RespValue, end: number } | undefined {
  const nl = text.indexOf('\r\n', at)
  if (nl === -1) return undefined
  const type = text[at]
  const line = text.slice(at + 1, nl)
  const next = nl + 2
  switch (type) {
    case '+': return { value: line, end: next }
    case '-': return { value: new RespError(line), end: next }
    case ':': return { value: Number(line), end: next }
    case '$': {
      const length = Number(line)
      if (length < 0) return { value: null, end: next }
      if (text.length < next + length + 2) return undefined
      return { value: Buffer.from(text.slice(next, next + length), 'latin1').toString('utf8'), end: next + length + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { value: null, end: next }
      const items: RespValue[] = []
      let end = next
      for (let i = 0; i < count; i++) {
        const item = scanReply(text, end)
        if (item === undefined) return undefined
        items.push(item.value)
        end = item.end
      }
      return { value: items, end }
    }
    default:
      throw new Error(`not a RESP2 reply: ${JSON.stringify(text.slice(at, at + 80))}`)
  }
}

/** Returns the value of a complete raw reply, as `command()` resolves it. */
export function parseReply (raw: string): RespValue {
  const scanned = scanReply(Buffer.from(raw, 'utf8').toString('latin1'))
  if (scanned === undefined) throw new Error(`incomplete RESP reply: ${JSON.stringify(raw.slice(0, 80))}`)
  return scanned.value
}

/** Returns the sum of `calls=` over the lines of an `INFO commandstats` text. */
export function sumCommandCalls (info: string): number {
  let sum = 0
  for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) sum += Number(m[1])
  return sum
}

/**
 * Writes `bytes` to 127.0.0.1:`port` on a fresh connection and resolves with the raw reply (UTF-8)
 * once one complete RESP reply has arrived. Rejects on a connection error, when the server closes
 * first, or after `timeoutMs`.
 */
function exchange (port: number, bytes: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    let done = false
    const finish = (err: Error | undefined, reply?: string): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      if (err !== undefined) reject(err)
      else resolve(reply ?? '')
    }
    const timer = setTimeout(() => finish(new Error(`redis 127.0.0.1:${port}: no complete reply within ${timeoutMs} ms: ${JSON.stringify(text.slice(0, 200))}`)), timeoutMs)
    socket.on('error', (err) => finish(err))
    socket.on('close', () => finish(new Error(`redis 127.0.0.1:${port} closed the connection before a complete reply: ${JSON.stringify(text.slice(0, 200))}`)))
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      let scanned: ReturnType<typeof scanReply>
      try {
        scanned = scanReply(text)
      } catch (err) {
        return finish(err as Error)
      }
      if (scanned !== undefined) finish(undefined, Buffer.from(text.slice(0, scanned.end), 'latin1').toString('utf8'))
    })
    socket.write(bytes)
  })
}

function exited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves once `child` has exited (at once when it already has). */
async function ended (child: ChildProcess): Promise<void> {
  if (!exited(child)) await once(child, 'exit')
}

interface Spawned {
  readonly child: ChildProcess
  readonly pid: number
  /** What the server wrote to stdout and stderr so far (the last OUTPUT_BYTES). */
  output(): string
}

/** Spawns redis-server on 127.0.0.1:`port` and resolves once it answers PING as the process just started; rejects (nothing left running) otherwise. */
async function spawnRedis (port: number, dir: string): Promise<Spawned> {
  const child = spawn(REDIS_SERVER, [
    '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--dir', dir,
    '--save', '', '--appendonly', 'no'
  ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-OUTPUT_BYTES) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const failed = new Promise<Error>((resolve) => {
    child.once('error', (err) => resolve(new Error(`cannot run ${REDIS_SERVER} (${INSTALL}): ${err.message}`)))
    child.once('exit', (code, signal) => resolve(new Error(`redis-server on port ${port} exited (${code ?? signal}) before it answered: ${output.trim() || '(no output)'}`)))
  })
  const deadline = Date.now() + START_TIMEOUT_MS
  try {
    for (;;) {
      const outcome = await Promise.race([failed, exchange(port, 'PING\r\n', 500).catch(() => '')])
      if (outcome instanceof Error) throw outcome
      if (outcome.startsWith('+PONG') && child.pid !== undefined) {
        // Another server may hold the port: only the process just started counts.
        const info = await exchange(port, encodeCommand(['INFO', 'server']), COMMAND_TIMEOUT_MS)
        if (new RegExp(`^process_id:${child.pid}\\r?$`, 'm').test(info)) break
        throw new Error(`port ${port} is answered by another redis-server than PID ${child.pid}`)
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms: ${output.trim() || '(no output)'}`)
      await sleep(20)
    }
  } catch (err) {
    if (!exited(child) && child.pid !== undefined) {
      const gone = ended(child)
      process.kill(child.pid, 'SIGKILL')
      await gone
    }
    throw err
  }
  const pid = child.pid as number
  return { child, pid, output: () => output }
}

/**
 * Returns a running redis-server (REDIS_SERVER_BIN, else Debian's /usr/bin/redis-server) as a
 * child process on 127.0.0.1 and a free port (or `opts.port`): no persistence, no daemon, its own
 * temporary directory. It resolves once the server answers PING; it rejects with the server's
 * output when it does not within 5 s (on any of 3 free ports when none was given). The helper
 * speaks RESP over raw sockets, so it depends on nothing the code under test uses.
 */
export async function startRedis (opts: RedisOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ifgate-redis-'))
  let current: Spawned | undefined
  let port = opts.port ?? 0
  let lastError: unknown
  for (let attempt = 1; attempt <= (opts.port === undefined ? PORT_ATTEMPTS : 1) && current === undefined; attempt++) {
    if (opts.port === undefined) port = await freePort()
    try {
      current = await spawnRedis(port, dir)
    } catch (err) {
      lastError = err
    }
  }
  if (current === undefined) {
    rmSync(dir, { recursive: true, force: true })
    throw lastError
  }
  let server: Spawned = current

  // A test process that dies leaves no redis-server behind.
  const onExit = (): void => {
    if (!exited(server.child)) {
      try {
        process.kill(server.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  process.on('exit', onExit)

  async function end (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = server.child
    if (exited(child)) return
    const gone = ended(child)
    process.kill(server.pid, signal)
    if (signal === 'SIGKILL') return gone
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS) })
    if (await Promise.race([gone, late]) === 'late' && !exited(child)) {
      process.kill(server.pid, 'SIGKILL')
      await gone
    }
    clearTimeout(timer)
  }

  let stopping: Promise<void> | undefined
  const command = (...args: string[]): Promise<string> => exchange(port, encodeCommand(args), COMMAND_TIMEOUT_MS)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid () { return server.pid },
    command,
    commandCalls: async () => sumCommandCalls(await command('INFO', 'commandstats')),
    kill: () => end('SIGKILL'),
    restart: async () => {
      if (stopping !== undefined) throw new Error('restart() after stop()')
      await end('SIGTERM')
      let lastSpawnError: unknown
      // The port was just released; a moment's retry covers a kernel that is slow to free it.
      for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
        try {
          server = await spawnRedis(port, dir)
          return
        } catch (err) {
          lastSpawnError = err
          await sleep(100)
        }
      }
      throw lastSpawnError
    },
    stop: () => {
      stopping ??= end('SIGTERM').then(() => {
        process.off('exit', onExit)
        rmSync(dir, { recursive: true, force: true })
      })
      return stopping
    }
  }
}
