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

/** A pure change of one entry: the old one (or undefined) in, the new one (or undefined: delete) out. */
export type EntryUpdate = (old: ValidatorEntry | undefined) => ValidatorEntry | undefined

/** Other keys changed by the same call as the main one: the unit of one store round trip. */
export interface RelatedUpdate {
  readonly keys: readonly string[]
  readonly update: EntryUpdate
}

/**
 * Where validators live. The contract a remote store meets too: a write reads its entry once
 * (`get`) and changes it with one atomic `update` (its related keys in the same call); a read
 * that learned nothing new calls nothing. Async on purpose: a shared store (Redis / Valkey) for several ifgate
 * replicas implements the same interface, so nothing above it may assume memory.
 */
export interface ValidatorStore {
  /** Resolves to the entry of a key, or undefined. */
  get (key: string): Promise<ValidatorEntry | undefined>
  /**
   * Returns what this process holds of a key now, with no round trip (the local tier: SPEC §9).
   * Possibly stale, so used only to reject a write, never to accept one (SPEC §3: trust is asymmetric).
   */
  peek (key: string): ValidatorEntry | undefined
  /**
   * Replaces the entry of a key with `update(old)` atomically; undefined deletes it. `related`
   * keys are changed in the same call (each atomically on its own). Resolves to the new entry.
   */
  update (key: string, update: EntryUpdate, related?: RelatedUpdate): Promise<ValidatorEntry | undefined>
  /** Resolves to true when the key had an entry. */
  delete (key: string): Promise<boolean>
  /** Removes every entry. */
  clear (): Promise<void>
  stats (): StoreStats
}
