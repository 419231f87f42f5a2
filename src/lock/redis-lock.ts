import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { AbortWatch } from '../abort.ts'
import { IfgateError } from '../errors.ts'
import { script, type StoreConnection } from '../store/connection.ts'
import type { RedisValidatorStore } from '../validators/redis-store.ts'
import { createMemoryLock, type KeyLock, type Release } from './key-lock.ts'

/**
 * The per-resource write lock shared by replicas (SPEC §9): a lease in the store (`SET NX PX`)
 * with a random token, renewed while held, released by a script that deletes it only while it
 * still holds that token, and a fencing number per acquisition. Within one process, writers to a
 * resource queue in memory first, so only one of them at a time asks the store. A waiter is woken
 * by the release's pub/sub message, with a poll of the lease's remaining time as the backstop.
 */

const ACQUIRE = script('ifgate-acquire', `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local fence = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], 86400000)
  return {1, fence, redis.call('GET', KEYS[3])}
end
return {0, redis.call('PTTL', KEYS[1])}
`)

const RELEASE = script('ifgate-release', `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
`)

const RENEW = script('ifgate-renew', `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

/** Counts the writers waiting for a resource across replicas; -1 when the queue is full. */
const ENQUEUE = script('ifgate-enqueue', `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return -1
end
return n
`)

const DEQUEUE = script('ifgate-dequeue', `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1
`)

/** Longest sleep between two attempts of a waiter nobody woke (the backstop of pub/sub). */
const MAX_POLL_MS = 250

export interface RedisLockOptions {
  readonly leaseMs: number
}


/** Returns the shared KeyLock; acquisitions also prime `store` with the entry they read. */
export function createRedisLock (conn: StoreConnection, store: RedisValidatorStore, options: RedisLockOptions, logger: Logger): KeyLock {
  const local = createMemoryLock()
  const lease = options.leaseMs
  let held = 0

  /** Resolves after `ms`, or as soon as the resource is released or `signal` aborts. */
  function pause (resource: string, ms: number, signal: AbortWatch | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        stop()
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      const stop = conn.onRelease(resource, done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  /** Returns the release of an acquisition: renewal while held, the lease's fate, the entry read with it. */
  function holding (resource: string, token: string, fence: number, raw: string | null, releaseLocal: Release): Release {
    const lockKey = conn.key(resource, 'l')
    let lastRenewed = Date.now()
    let lost = false
    let released = false
    const renew = setInterval(() => {
      // A renewal later than the lease (the process was frozen, the store slow) finds the lease gone.
      const late = Date.now() - lastRenewed > lease
      conn.run(RENEW, [lockKey], [token, String(lease)]).then((ok) => {
        if (ok === 1 && !late) lastRenewed = Date.now()
        else lost = true
      }, () => {
        if (Date.now() - lastRenewed > lease) lost = true
      })
    }, Math.max(10, Math.floor(lease / 3)))
    renew.unref()
    held++
    let releasedRemotely = false
    const holder = {
      fence,
      token,
      channel: conn.releases,
      resource,
      released: () => {
        releasedRemotely = true
        clearInterval(renew)
      }
    }
    const release = (): void => {
      if (released) return
      released = true
      held--
      clearInterval(renew)
      if (!releasedRemotely) {
        conn.run(RELEASE, [lockKey], [token, conn.releases, resource]).catch((err: unknown) => {
          logger.debug({ err: (err as Error).message }, 'lock release not confirmed: the lease runs out on its own')
        })
      }
      releaseLocal()
    }
    return Object.assign(release, {
      holder,
      lost: () => lost || Date.now() - lastRenewed > lease,
      entry: store.remember(resource, raw) ?? null
    })
  }

  return {
    async acquire (resource, opts, signal) {
      const deadline = Date.now() + opts.waitMs
      const queueKey = conn.key(resource, 'q')
      let queued = false
      const enqueue = async (): Promise<void> => {
        if (queued) return
        const n = await conn.run(ENQUEUE, [queueKey], [String(opts.maxQueue), String(opts.waitMs + lease)])
        if (n === -1) throw new IfgateError('IFG_ERR_LOCK_QUEUE_FULL', `${opts.maxQueue} writes are already waiting for this resource across replicas (lock.maxQueue)`, { retryAfterSeconds: Math.max(1, Math.ceil(opts.waitMs / 1000)) })
        queued = true
      }
      const dequeue = (): void => {
        if (!queued) return
        queued = false
        conn.run(DEQUEUE, [queueKey], []).catch(() => { /* the count expires with its key */ })
      }
      let releaseLocal = local.tryAcquire(resource)
      try {
        if (releaseLocal === undefined) {
          await enqueue()
          releaseLocal = await local.acquire(resource, { waitMs: opts.waitMs, maxQueue: opts.maxQueue }, signal)
        }
        const token = randomUUID()
        for (;;) {
          if (signal?.aborted === true) throw signal.reason
          const reply = await conn.run(ACQUIRE, [conn.key(resource, 'l'), conn.key(resource, 'f'), conn.key(resource, 'v')], [token, String(lease)]) as [number, number, (string | null)?]
          if (reply[0] === 1) {
            dequeue()
            return holding(resource, token, reply[1], reply[2] ?? null, releaseLocal)
          }
          const left = deadline - Date.now()
          if (left <= 0) throw new IfgateError('IFG_ERR_LOCK_TIMEOUT', `waited ${opts.waitMs} ms for the write lock of this resource (lock.waitMs)`, { retryAfterSeconds: 1 })
          await enqueue()
          const ttl = reply[1] > 0 ? reply[1] : MAX_POLL_MS
          await pause(resource, Math.min(ttl, MAX_POLL_MS, left), signal)
        }
      } catch (err) {
        releaseLocal?.()
        dequeue()
        throw err
      }
    },
    waiting (resource) {
      return local.waiting(resource)
    },
    held () {
      return held
    }
  }
}
