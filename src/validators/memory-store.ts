import { LRUCache } from 'lru-cache'
import { entrySize, type ValidatorEntry } from './entry.ts'
import type { StoreStats, ValidatorStore } from './store.ts'

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

  return {
    get (key) {
      const entry = lru.get(key)
      if (entry === undefined) misses++
      else hits++
      return Promise.resolve(entry)
    },
    update (key, update) {
      const old = lru.get(key)
      const next = update(old)
      if (next === undefined) lru.delete(key)
      // An unchanged entry is not written again (lru.get above already made it the most recent).
      else if (next !== old) lru.set(key, next)
      return Promise.resolve(next)
    },
    delete (key) {
      return Promise.resolve(lru.delete(key))
    },
    clear () {
      lru.clear()
      return Promise.resolve()
    },
    stats (): StoreStats {
      return { entries: lru.size, bytes: lru.calculatedSize, hits, misses, evictions }
    }
  }
}
