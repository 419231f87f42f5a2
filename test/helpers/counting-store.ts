import { createMemoryStore } from '../../src/validators/memory-store.ts'
import type { ValidatorStore } from '../../src/validators/store.ts'

export interface Calls {
  get: number
  update: number
}

export interface CountingStore extends ValidatorStore {
  /** Calls since the last reset, by kind: each is one round trip to a remote store. */
  readonly calls: Calls
  /** Reads of the local tier since the last reset: no round trip. */
  readonly peeks: number
  reset (): void
}

/** Returns a real memory store that counts the calls made to it (the store contract's round trips). */
export function countingStore (): CountingStore {
  const inner = createMemoryStore({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 })
  const calls: Calls = { get: 0, update: 0 }
  let peeks = 0
  return {
    calls,
    get peeks () { return peeks },
    reset () {
      calls.get = 0
      calls.update = 0
      peeks = 0
    },
    peek (key) {
      peeks++
      return inner.peek(key)
    },
    peekIsStore: inner.peekIsStore,
    get (key) {
      calls.get++
      return inner.get(key)
    },
    // The same read as get, answered with no promise: a store in this process offers both.
    getNow (key) {
      calls.get++
      return (inner.getNow as (key: string) => ReturnType<ValidatorStore['peek']>)(key)
    },
    update (key, update, related) {
      calls.update++
      return inner.update(key, update, related)
    },
    // The same update, done with no promise.
    updateNow (key, update, related) {
      calls.update++
      return (inner.updateNow as NonNullable<ValidatorStore['updateNow']>)(key, update, related)
    },
    delete: (key) => inner.delete(key),
    clear: () => inner.clear(),
    stats: () => inner.stats()
  }
}
