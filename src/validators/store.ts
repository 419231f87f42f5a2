import type { ValidatorEntry } from './entry.ts'
import type { LockHolder } from '../lock/key-lock.ts'

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

/** An update refused because a newer holder of the resource's lock exists: this holder's lease was lost (SPEC §9 fencing). */
export class FencedError extends Error {
  constructor (key: string) {
    super(`the write lock of ${key} passed to another holder: this update is refused (fencing)`)
    this.name = 'FencedError'
  }
}

/** A pure change of one entry: the old one (or undefined) in, the new one (or undefined: delete) out. */
export type EntryUpdate = (old: ValidatorEntry | undefined) => ValidatorEntry | undefined

/**
 * Other keys changed by the same call as the main one: the unit of one store round trip. Their
 * update only ever drops their current validators (SPEC §2.5), so a remote store may apply it
 * without reading them first.
 */
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
   * Returns what `get` would resolve to, where the store can answer with no round trip (a store of
   * this process); absent on a store that must be asked over the network.
   */
  readonly getNow?: (key: string) => ValidatorEntry | undefined
  /**
   * Returns what this process holds of a key now, with no round trip (the local tier: SPEC §9).
   * Possibly stale, so used only to reject a write, never to accept one (SPEC §3: trust is asymmetric).
   */
  peek (key: string): ValidatorEntry | undefined
  /**
   * True when `peek` is the store itself (one process): any refusal it supports stands. A shared
   * store's local tier may lag writes through other replicas, so it only refuses a tag it saw
   * superseded, never one it does not know (which may be newer than its copy).
   */
  readonly peekIsStore: boolean
  /**
   * Replaces the entry of a key with `update(old)` atomically; undefined deletes it. `related`
   * keys are changed in the same call (each atomically on its own). Resolves to the new entry.
   * With `holder` (a shared lock's acquisition, SPEC §9) the update is refused when a newer
   * holder of the resource's lock exists (FencedError), and releases the lock in the same call.
   */
  update (key: string, update: EntryUpdate, related?: RelatedUpdate, holder?: LockHolder): Promise<ValidatorEntry | undefined>
  /**
   * Does what `update` does (without a holder) and returns the new entry, where the store can do it
   * with no round trip (a store of this process); absent on a store that must be asked over the network.
   */
  readonly updateNow?: (key: string, update: EntryUpdate, related?: RelatedUpdate) => ValidatorEntry | undefined
  /** Resolves to true when the key had an entry. */
  delete (key: string): Promise<boolean>
  /** Removes every entry; resolves to how many there were. */
  clear (): Promise<number>
  stats (): StoreStats
}
