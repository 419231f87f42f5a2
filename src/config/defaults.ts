import type { Config } from './types.ts'

/** Returns `value` with every nested object and array frozen. */
export function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/**
 * Every default of SPEC §1, in one frozen object. Units are in the names (`…Ms`, `…Bytes`).
 * config/ifgate.yaml writes each of them out, and a unit test keeps the two equal.
 */
export const DEFAULTS: Config = deepFreeze({
  listen: '0.0.0.0:8080',
  admin: {
    listen: '127.0.0.1:9090',
    token: null,
    diagnosesRingSize: 256,
    dashboard: true
  },
  log: {
    level: 'info',
    pretty: false
  },
  defaults: {
    mode: 'enforce',
    etags: 'auto',
    ownership: 'shared',
    requirePrecondition: false,
    repair: [],
    onLookupError: 'reject',
    validatorTtlMs: 60_000,
    maxHashBytes: 1_048_576,
    timeouts: {
      originConnectMs: 5_000,
      originHeadersMs: 30_000,
      originBodyMs: 30_000,
      lookupMs: 5_000
    },
    lock: {
      waitMs: 10_000,
      maxQueue: 1_000
    },
    keyBy: []
  },
  cache: {
    maxEntries: 100_000,
    maxBytes: 67_108_864,
    historyDepth: 8
  },
  server: {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 60_000,
    keepAliveTimeoutMs: 5_000,
    maxHeaderBytes: 16_384,
    maxBufferBytes: 1_048_576,
    mergeSlashes: true,
    escapedSlashes: 'reject',
    trustForwarded: false
  },
  shutdownTimeoutMs: 10_000,
  store: {
    url: 'memory',
    keyPrefix: 'ifgate:',
    lockLeaseMs: 10_000,
    commandTimeoutMs: 1_000
  },
  workers: 1,
  routes: [],
  source: null
})
