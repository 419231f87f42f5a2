import { LRUCache } from 'lru-cache'
import { entrySize, type ValidatorEntry } from './entry.ts'
import type { EntryUpdate, RelatedUpdate, StoreStats, ValidatorStore } from './store.ts'

export interface MemoryStoreOptions {
  readonly maxEntries: number
  readonly maxBytes: number
}

/** Returns a ValidatorStore held in this process: an LRU bounded by entries and bytes (SPEC §3). */
export function createMemoryStore (options: MemoryStoreOptions): ValidatorStore {
  let hits = 0
  let misses = 0
  let evictions = 0
  const lru = new LRUCache<string, ValidatorEntry>({
    max: Math.max(1, options.maxEntries),
    maxSize: Math.max(1, options.maxBytes),
    sizeCalculation: (entry, key) => Math.max(1, entrySize(key, entry)),
    dispose: (_value, _key, reason) => { if (reason === 'evict') evictions++ }
  })

  function apply (key: string, update: EntryUpdate): ValidatorEntry | undefined {
    const old = lru.get(key)
    const next = update(old)
    if (next === undefined) lru.delete(key)
    // An unchanged entry is not written again (lru.get above already made it the most recent).
    else if (next !== old) lru.set(key, next)
    return next
  }

  const getNow = (key: string): ValidatorEntry | undefined => {
    const entry = lru.get(key)
    if (entry === undefined) misses++
    else hits++
    return entry
  }

  const updateNow = (key: string, update: EntryUpdate, related?: RelatedUpdate): ValidatorEntry | undefined => {
    const next = apply(key, update)
    if (related !== undefined) for (const k of related.keys) if (k !== key) apply(k, related.update)
    return next
  }

  return {
    get (key) {
      return Promise.resolve(getNow(key))
    },
    getNow,
    peek (key) {
      return lru.peek(key)
    },
    peekIsStore: true,
    update (key, update, related) {
      return Promise.resolve(updateNow(key, update, related))
    },
    updateNow,
    delete (key) {
      return Promise.resolve(lru.delete(key))
    },
    clear () {
      const entries = lru.size
      lru.clear()
      return Promise.resolve(entries)
    },
    stats (): StoreStats {
      return { entries: lru.size, bytes: lru.calculatedSize, hits, misses, evictions }
    }
  }
}
