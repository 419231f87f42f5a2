import { LRUCache } from 'lru-cache'
import type { Logger } from 'pino'
import { IfgateError } from '../errors.ts'
import { script, type StoreConnection } from '../store/connection.ts'
import type { ValidatorEntry } from './entry.ts'
import type { LockHolder } from '../lock/key-lock.ts'
import { FencedError, type EntryUpdate, type RelatedUpdate, type StoreStats, type ValidatorStore } from './store.ts'

/**
 * The validator store shared by replicas (SPEC §9): each resource's entry (current variants,
 * history, write counter) is one value in Redis / Valkey, expiring with `validatorTtlMs`. Updates
 * are compare-and-set by script (a lock holder's also fenced), so a read that learns concurrently
 * with a write never overwrites it. The local tier keeps what this process last read or wrote:
 * it lets an update skip its read, and `peek` reject a write with no round trip, never accept one.
 */

/** `-` stands for "no entry" in the scripts: a stored entry is JSON and never that. */
const NONE = '-'

const NO_VARY: readonly string[] = Object.freeze([])

const CAS = script('ifgate-cas', `
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[4] then return {-1} end
local cur = redis.call('GET', KEYS[1])
if not cur then cur = '-' end
if cur ~= ARGV[1] then return {0, cur} end
if ARGV[2] == '-' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
if ARGV[5] ~= '' and redis.call('GET', KEYS[3]) == ARGV[5] then
  redis.call('DEL', KEYS[3])
  redis.call('PUBLISH', ARGV[6], ARGV[7])
end
return {1}
`)

/**
 * Drops the current validators of a related resource (a written resource's collection, its
 * Location) without reading it first: sent with the write's own update, in the same round trip.
 * The write counter moves on, so a read that began before cannot teach the old state back. Its
 * current tags are not moved to its history (only its own writes do that).
 */
const DROP = script('ifgate-drop', `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, e = pcall(cjson.decode, raw)
if not ok or type(e) ~= 'table' or type(e[4]) ~= 'number' then
  redis.call('DEL', KEYS[1])
  return 1
end
e[1] = cjson.null
e[4] = e[4] + 1
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then ttl = tonumber(ARGV[1]) end
redis.call('SET', KEYS[1], cjson.encode(e), 'PX', ttl)
return 1
`)

/** Most compare-and-set attempts of one update before it counts as a store failure. */
const MAX_ATTEMPTS = 8

/** Returns an entry as the store keeps it: `[current, vary (names joined by commas), history, writes]`. */
export function encodeEntry (entry: ValidatorEntry): string {
  return JSON.stringify([entry.current ?? null, entry.vary.join(','), entry.history, entry.writes])
}

/** Returns the entry a stored value holds, or undefined for none or a value that is not one (never trusted blindly). */
export function decodeEntry (raw: string | null | undefined): ValidatorEntry | undefined {
  if (raw === null || raw === undefined || raw === NONE) return undefined
  try {
    const v = JSON.parse(raw) as unknown
    if (!Array.isArray(v) || v.length !== 4) return undefined
    const [current, vary, history, writes] = v as unknown[]
    if ((current !== null && typeof current !== 'string') || typeof vary !== 'string' || typeof history !== 'string' || typeof writes !== 'number' || !Number.isInteger(writes)) return undefined
    return { current: current ?? undefined, vary: vary === '' ? NO_VARY : vary.split(','), history, writes }
  } catch {
    return undefined
  }
}

export interface RedisStoreOptions {
  /** Expiry of an entry: the longest validatorTtlMs of any route. */
  readonly ttlMs: number
  /** Entries of the local tier. */
  readonly localEntries: number
}

interface Local {
  /** The value as the store held it (NONE for no entry): what the next compare-and-set expects. */
  readonly raw: string
  readonly entry: ValidatorEntry | undefined
}

export interface RedisValidatorStore extends ValidatorStore {
  /** Records a value read with the lock (the lock script reads the entry in the same round trip). */
  remember (key: string, raw: string | null): ValidatorEntry | undefined
}

/** Returns the ValidatorStore on a shared store connection. */
export function createRedisStore (conn: StoreConnection, options: RedisStoreOptions, logger: Logger): RedisValidatorStore {
  const local = new LRUCache<string, Local>({ max: Math.max(1, options.localEntries) })
  let hits = 0
  let misses = 0
  const ttl = String(Math.max(1, options.ttlMs))

  function remember (key: string, raw: string | null): ValidatorEntry | undefined {
    const value = raw ?? NONE
    const known = local.get(key)
    if (known?.raw === value) return known.entry
    const entry = decodeEntry(value)
    local.set(key, { raw: value, entry })
    return entry
  }

  async function read (key: string): Promise<Local> {
    const raw = await conn.command(['GET', conn.key(key, 'v')]) as string | null
    remember(key, raw)
    return local.get(key) as Local
  }

  async function apply (key: string, update: EntryUpdate, holder: LockHolder | undefined): Promise<ValidatorEntry | undefined> {
    let known = local.get(key) ?? await read(key)
    // A holder's update also releases its lock: the write's last round trip is this one.
    const release = holder === undefined ? ['', '', '', ''] : [String(holder.fence), holder.token, holder.channel, holder.resource]
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const next = update(known.entry)
      if (next === known.entry) return next
      const raw = next === undefined ? NONE : encodeEntry(next)
      const reply = await conn.run(CAS, [conn.key(key, 'v'), conn.key(key, 'f'), conn.key(key, 'l')], [known.raw, raw, ttl, ...release]) as [number, string?]
      if (reply[0] === 1) {
        local.set(key, { raw, entry: next })
        holder?.released()
        return next
      }
      if (reply[0] === -1) throw new FencedError(key)
      // Someone changed it since: the update is applied again to what the store holds now.
      remember(key, reply[1] ?? NONE)
      known = local.get(key) as Local
    }
    throw new IfgateError('IFG_ERR_STORE_UNAVAILABLE', `the entry of ${key} kept changing under ${MAX_ATTEMPTS} updates`, { retryAfterSeconds: 1 })
  }

  return {
    remember,
    async get (key) {
      const { entry } = await read(key)
      if (entry === undefined) misses++
      else hits++
      return entry
    },
    peek (key) {
      return local.peek(key)?.entry
    },
    peekIsStore: false,
    async update (key: string, update: EntryUpdate, related?: RelatedUpdate, holder?: LockHolder) {
      // Related resources are only ever dropped (RelatedUpdate's contract): blindly, by script.
      const others = related === undefined ? [] : related.keys.filter((k) => k !== key).map((k) => {
        local.delete(k)
        return conn.run(DROP, [conn.key(k, 'v')], [ttl])
      })
      const [main] = await Promise.all([apply(key, update, holder), ...others])
      return main
    },
    async delete (key) {
      local.delete(key)
      const removed = await conn.command(['DEL', conn.key(key, 'v')])
      return removed === 1
    },
    async clear () {
      local.clear()
      let cursor = '0'
      let removed = 0
      // Bounded: a SCAN pass visits every key once; each batch is deleted as it comes.
      for (let pass = 0; pass < 1_000_000; pass++) {
        const [next, keys] = await conn.command(['SCAN', cursor, 'MATCH', `${conn.keyPrefix}{*}:v`, 'COUNT', '500']) as [string, string[]]
        if (keys.length > 0) removed += await conn.command(['UNLINK', ...keys]) as number
        cursor = next
        if (cursor === '0') return removed
      }
      logger.warn('DELETE /validators: the store scan did not end')
      return removed
    },
    stats (): StoreStats {
      return { entries: local.size, bytes: 0, hits, misses, evictions: 0 }
    }
  }
}
