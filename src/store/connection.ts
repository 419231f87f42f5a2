import { createHash } from 'node:crypto'
import { createClient } from '@redis/client'
import type { Logger } from 'pino'
import { IfgateError } from '../errors.ts'

/**
 * The connection to a shared store (Redis or Valkey, SPEC §9): one command client and one
 * subscriber, both reconnecting on their own; every command bounded by `commandTimeoutMs`, and
 * any failure turned into IFG_ERR_STORE_UNAVAILABLE (503, fail closed). Scripts are loaded once
 * and called by SHA (EVALSHA), loaded again when the server lost them (a restart).
 */

export interface ConnectionOptions {
  readonly url: string
  readonly keyPrefix: string
  readonly commandTimeoutMs: number
}

/** A Lua script and its SHA-1, the name EVALSHA calls it by. */
export interface Script {
  readonly name: string
  readonly source: string
  readonly sha: string
}

/** Every script defined: each connection loads them all once it is ready. */
const SCRIPTS: Script[] = []

/** Returns a script with its SHA-1, loaded into the store on every (re)connection. */
export function script (name: string, source: string): Script {
  const s = { name, source, sha: createHash('sha1').update(source).digest('hex') }
  SCRIPTS.push(s)
  return s
}

/** Most time between two reconnection attempts. */
const MAX_RECONNECT_MS = 1_000

type Reply = string | number | null | Reply[]

export interface StoreConnection {
  /** True while the command connection is ready. */
  readonly up: boolean
  /** Commands sent so far (each one round trip; a script is one). */
  readonly roundTrips: number
  readonly keyPrefix: string
  /** Returns the store key of one part of a resource: every part shares one Cluster hash tag. */
  key (resource: string, part: string): string
  /** Resolves to a script's reply; rejects with IFG_ERR_STORE_UNAVAILABLE. */
  run (s: Script, keys: readonly string[], args: readonly string[]): Promise<Reply>
  /** Resolves to a plain command's reply; rejects with IFG_ERR_STORE_UNAVAILABLE. */
  command (args: readonly string[]): Promise<Reply>
  /** The channel lock releases are published on. */
  readonly releases: string
  /** Calls `wake` when a release of `resource` is published; returns the function that stops it. */
  onRelease (resource: string, wake: () => void): () => void
  close (): Promise<void>
}

function unavailable (what: string, cause?: unknown): IfgateError {
  const reason = cause instanceof Error ? `: ${cause.message}` : ''
  return new IfgateError('IFG_ERR_STORE_UNAVAILABLE', `the shared store did not answer ${what}${reason}`, { cause, retryAfterSeconds: 1 })
}

/** Resolves once both connections were tried (ready or not: they keep reconnecting on their own). */
export async function connectStore (options: ConnectionOptions, logger: Logger): Promise<StoreConnection> {
  const socket = {
    connectTimeout: options.commandTimeoutMs,
    reconnectStrategy: (retries: number): number => Math.min(50 * 2 ** retries, MAX_RECONNECT_MS)
  }
  // Commands fail at once while disconnected (no offline queue): a write is refused, not held.
  const client = createClient({ url: options.url, socket, disableOfflineQueue: true })
  const subscriber = client.duplicate()
  let up = false
  let closing = false
  let reported: boolean | undefined
  const report = (now: boolean): void => {
    up = now
    if (reported === now || closing) return
    reported = now
    if (now) logger.info({ store: redacted(options.url) }, 'shared store up')
    else logger.warn({ store: redacted(options.url) }, 'shared store down: writes are refused until it is back')
  }
  client.on('ready', () => {
    report(true)
    // Loaded once per connection, so that every call is an EVALSHA (NOSCRIPT is still handled).
    Promise.all(SCRIPTS.map((s) => client.sendCommand(['SCRIPT', 'LOAD', s.source]))).catch((err: unknown) => {
      logger.debug({ err: (err as Error).message }, 'store scripts not loaded yet')
    })
  })
  client.on('end', () => report(false))
  client.on('reconnecting', () => report(false))
  client.on('error', (err: Error) => {
    report(false)
    logger.debug({ err: err.message }, 'shared store connection error')
  })
  subscriber.on('error', (err: Error) => logger.debug({ err: err.message }, 'shared store subscriber error'))

  const releases = `${options.keyPrefix}released`
  const wakers = new Map<string, Set<() => void>>()
  const onMessage = (resource: string): void => {
    const set = wakers.get(resource)
    if (set !== undefined) for (const wake of [...set]) wake()
  }

  let roundTrips = 0
  const bounded = async <T> (what: string, run: () => Promise<T>): Promise<T> => {
    if (!client.isReady) throw unavailable(what)
    roundTrips++
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(unavailable(`${what} within ${options.commandTimeoutMs} ms (store.commandTimeoutMs)`)), options.commandTimeoutMs)
    })
    try {
      return await Promise.race([run(), timeout])
    } catch (err) {
      if (err instanceof IfgateError) throw err
      // A script error is a bug, not an outage; everything else (connection, server) is.
      if (err instanceof Error && /^(ERR|WRONGTYPE)/.test(err.message)) throw new IfgateError('IFG_ERR_INTERNAL', `store command failed: ${err.message}`, { cause: err, stack: true })
      throw unavailable(what, err)
    } finally {
      clearTimeout(timer)
    }
  }

  // connect() waits for the first success however long it takes: bounded here, the clients keep
  // trying in the background, and the subscription is renewed by the client on every reconnect.
  const connected = Promise.allSettled([
    client.connect(),
    subscriber.connect().then(() => subscriber.subscribe(releases, onMessage))
  ])
  let waited: NodeJS.Timeout | undefined
  await Promise.race([connected, new Promise((resolve) => { waited = setTimeout(resolve, options.commandTimeoutMs) })])
  clearTimeout(waited)
  if (!client.isReady) report(false)

  return {
    get up () { return up && client.isReady },
    get roundTrips () { return roundTrips },
    keyPrefix: options.keyPrefix,
    key: (resource, part) => `${options.keyPrefix}{${resource}}:${part}`,
    releases,
    run (s, keys, args) {
      return bounded(s.name, async () => {
        try {
          return await client.sendCommand(['EVALSHA', s.sha, String(keys.length), ...keys, ...args]) as Reply
        } catch (err) {
          if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
          // The server forgot the script (restart, SCRIPT FLUSH): load it and call it once more.
          await client.sendCommand(['SCRIPT', 'LOAD', s.source])
          return await client.sendCommand(['EVALSHA', s.sha, String(keys.length), ...keys, ...args]) as Reply
        }
      })
    },
    command (args) {
      return bounded(args[0], async () => await client.sendCommand([...args]) as Reply)
    },
    onRelease (resource, wake) {
      let set = wakers.get(resource)
      if (set === undefined) wakers.set(resource, set = new Set())
      set.add(wake)
      return () => {
        set.delete(wake)
        if (set.size === 0) wakers.delete(resource)
      }
    },
    async close () {
      closing = true
      await Promise.allSettled([client.close(), subscriber.close()])
    }
  }
}

/** Returns a store URL without its password, for logs. */
export function redacted (url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return 'redis://(unparsable URL)'
  }
}
