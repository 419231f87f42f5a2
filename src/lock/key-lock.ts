import type { AbortWatch } from '../abort.ts'
import { IfgateError } from '../errors.ts'
import type { ValidatorEntry } from '../validators/entry.ts'

export interface LockOptions {
  /** Longest time a request waits for the lock, in ms. */
  readonly waitMs: number
  /** Most requests that may wait for one key, not counting the holder. */
  readonly maxQueue: number
}

/**
 * The holder of one acquisition of a shared lock (SPEC §9): a validator update made with it is
 * refused once a newer holder exists (fencing), and releases the lock in the same round trip.
 */
export interface LockHolder {
  /** The fencing number of this acquisition. */
  readonly fence: number
  /** The lease's token; the release message goes to `channel` naming `resource`. */
  readonly token: string
  readonly channel: string
  readonly resource: string
  /** Called by the store once an update released the lock: the release then only frees this process's queue. */
  released (): void
}

/**
 * Releases a held lock; calling it more than once is harmless. A shared lock's release also
 * carries its acquisition's fencing number, whether its lease was lost, and the resource's entry
 * as the acquisition read it (SPEC §9).
 */
export type Release = (() => void) & {
  /** The holder of a shared lock: its fencing number, and the token a store update may release it with. */
  readonly holder?: LockHolder
  /** True once the lease ran out or passed to another holder (shared locks only). */
  readonly lost?: () => boolean
  /** The resource's entry read with the lock, in the same round trip (shared locks only; null: none). */
  readonly entry?: ValidatorEntry | null
}

/**
 * A per-key mutual exclusion lock (SPEC §2): all unsafe requests to one key run one at a time.
 * Async so that a distributed implementation can stand behind it.
 */
export interface KeyLock {
  /**
   * Resolves once the caller holds the lock of `key`; rejects with IFG_ERR_LOCK_TIMEOUT or
   * IFG_ERR_LOCK_QUEUE_FULL, or with `signal.reason` as soon as `signal` aborts (the waiter leaves
   * the queue at once: SPEC §2, a client that left is not written for).
   */
  acquire (key: string, options: LockOptions, signal?: AbortWatch): Promise<Release>
  /**
   * Returns the lock of `key` when it can be taken at once with no round trip (a lock of this
   * process that nobody holds), else undefined: then `acquire` waits for it. Absent on a lock that
   * must always ask a shared store.
   */
  readonly tryAcquire?: (key: string) => Release | undefined
  /** Returns the number of requests waiting for `key`, or for every key when omitted. */
  waiting (key?: string): number
  /** Returns the number of keys currently held. */
  held (): number
}

interface Waiter {
  grant: () => void
  timer: NodeJS.Timeout
  /** Stops listening to the waiter's abort signal. */
  forget: () => void
}

/** A KeyLock for one process, which can also be taken only when it is free at once. */
export interface MemoryLock extends KeyLock {
  /** Returns the lock of `key` when nobody holds it, else undefined (no waiting). */
  readonly tryAcquire: (key: string) => Release | undefined
}

/** Returns a KeyLock for one process: a FIFO queue per held key, with bounded wait and length. */
export function createMemoryLock (): MemoryLock {
  const queues = new Map<string, Waiter[]>()
  let totalWaiting = 0

  function releaser (key: string): Release {
    let released = false
    return () => {
      if (released) return
      released = true
      const queue = queues.get(key)
      if (queue === undefined) return
      const next = queue.shift()
      if (next === undefined) {
        queues.delete(key)
        return
      }
      totalWaiting--
      clearTimeout(next.timer)
      next.grant()
    }
  }

  const tryAcquire = (key: string): Release | undefined => {
    if (queues.has(key)) return undefined
    queues.set(key, [])
    return releaser(key)
  }

  return {
    tryAcquire,
    acquire (key, options, signal) {
      if (signal?.aborted === true) return Promise.reject(signal.reason)
      const free = tryAcquire(key)
      if (free !== undefined) return Promise.resolve(free)
      const queue = queues.get(key) as Waiter[]
      if (queue.length >= options.maxQueue) {
        const retry = Math.max(1, Math.ceil(options.waitMs / 1000))
        return Promise.reject(new IfgateError('IFG_ERR_LOCK_QUEUE_FULL', `${queue.length} writes are already waiting for this resource (lock.maxQueue ${options.maxQueue})`, { retryAfterSeconds: retry }))
      }
      return new Promise<Release>((resolve, reject) => {
        const leave = (): void => {
          clearTimeout(waiter.timer)
          waiter.forget()
          const index = queue.indexOf(waiter)
          if (index !== -1) {
            queue.splice(index, 1)
            totalWaiting--
          }
        }
        const onAbort = (): void => {
          leave()
          reject(signal?.reason)
        }
        const waiter: Waiter = {
          grant: () => {
            waiter.forget()
            resolve(releaser(key))
          },
          timer: setTimeout(() => {
            leave()
            reject(new IfgateError('IFG_ERR_LOCK_TIMEOUT', `waited ${options.waitMs} ms for the write lock of this resource (lock.waitMs)`, { retryAfterSeconds: 1 }))
          }, options.waitMs),
          forget: () => signal?.removeEventListener('abort', onAbort)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        queue.push(waiter)
        totalWaiting++
      })
    },
    waiting (key) {
      if (key === undefined) return totalWaiting
      return queues.get(key)?.length ?? 0
    },
    held () {
      return queues.size
    }
  }
}
