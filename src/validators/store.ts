import type { ValidatorEntry } from './entry.ts'

export interface StoreStats {
  readonly entries: number
  readonly bytes: number
  readonly hits: number
  readonly misses: number
  readonly evictions: number
}

/**
 * Returns the store key of a resource: its route's origin + path + query, method-independent
 * (SPEC §2.2), and the digest of its keyBy header values when there is one. Built with Array#join
 * so the cache holds one flat string, not a rope.
 */
export function resourceKey (origin: string, pathAndQuery: string, keyBy?: string): string {
  return keyBy === undefined ? [origin, pathAndQuery].join('') : [origin, pathAndQuery, ' ', keyBy].join('')
}

/**
 * Where validators live. Async on purpose: a shared store (Redis / Valkey) for several ifgate
 * replicas implements the same interface, so nothing above it may assume memory.
 */
export interface ValidatorStore {
  /** Resolves to the entry of a key, or undefined. */
  get (key: string): Promise<ValidatorEntry | undefined>
  /** Replaces the entry of a key with `update(old)` atomically; undefined deletes it. Resolves to the new entry. */
  update (key: string, update: (old: ValidatorEntry | undefined) => ValidatorEntry | undefined): Promise<ValidatorEntry | undefined>
  /** Resolves to true when the key had an entry. */
  delete (key: string): Promise<boolean>
  /** Removes every entry. */
  clear (): Promise<void>
  stats (): StoreStats
}
