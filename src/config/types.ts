/**
 * The shapes of ifgate's configuration (SPEC §1). Vocabularies are `as const` arrays with derived
 * union types, so the schema, the validator and the code share one list of names.
 */

/** `enforce` answers failed preconditions at the edge; `observe` evaluates and diagnoses but always forwards. */
export const MODES = ['enforce', 'observe'] as const
export type Mode = typeof MODES[number]

/** Where a route's ETags come from (SPEC §3). */
export const ETAG_MODES = ['auto', 'origin', 'synthesize'] as const
export type EtagMode = typeof ETAG_MODES[number]

/** Whether ifgate is the only path that writes the origin (SPEC §3, "trust is asymmetric"). */
export const OWNERSHIPS = ['shared', 'exclusive'] as const
export type Ownership = typeof OWNERSHIPS[number]

/** Mangled If-Match tags a route may normalise before the strong comparison (SPEC §5). */
export const REPAIRS = ['weakened-etag', 'encoding-suffix-etag', 'unquoted-etag'] as const
export type Repair = typeof REPAIRS[number]

/** What a write does when the origin lookup fails (SPEC §3): fail closed or forward anyway. */
export const LOOKUP_ERROR_POLICIES = ['reject', 'forward'] as const
export type LookupErrorPolicy = typeof LOOKUP_ERROR_POLICIES[number]

/** What an encoded slash or backslash (`%2F`, `%5C`) in a request path gets (SPEC §2). */
export const ESCAPED_SLASHES = ['reject', 'keep'] as const
export type EscapedSlashes = typeof ESCAPED_SLASHES[number]

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

export interface Timeouts {
  /** Milliseconds to establish a connection to the origin. */
  readonly originConnectMs: number
  /** Milliseconds from sending a request until the origin's response headers arrive. */
  readonly originHeadersMs: number
  /** Milliseconds of silence allowed between chunks of the origin's response body. */
  readonly originBodyMs: number
  /** Milliseconds for a whole validator lookup (HEAD, and GET when needed). */
  readonly lookupMs: number
}

/** The per-resource write lock (SPEC §2). */
export interface LockPolicy {
  /** Milliseconds a write may wait for the lock before 503. */
  readonly waitMs: number
  /** Writes that may wait per resource, not counting the holder; past it, 503. */
  readonly maxQueue: number
}

/** The policy of a route: `defaults`, overridden key by key by the route. */
export interface Policy {
  readonly mode: Mode
  readonly etags: EtagMode
  readonly ownership: Ownership
  /** true: an unsafe request without a precondition gets 428 (SPEC §2). */
  readonly requirePrecondition: boolean
  readonly repair: readonly Repair[]
  readonly onLookupError: LookupErrorPolicy
  /** Milliseconds a cached validator stays authoritative (`ownership: exclusive`). */
  readonly validatorTtlMs: number
  /** Bodies larger than this are not hashed, so no ETag is synthesized for them. */
  readonly maxHashBytes: number
  readonly timeouts: Timeouts
  readonly lock: LockPolicy
  /** Lower-case request header names whose values name different resources at one URL (SPEC §2 keying). */
  readonly keyBy: readonly string[]
}

/** A route as written in the config file: where it matches, where it goes, and its policy overrides. */
export interface RouteConfig extends Partial<Omit<Policy, 'timeouts' | 'lock'>> {
  /** Path prefix, matched on segment boundaries; `/` matches everything. */
  readonly path: string
  /** Host to match (case-insensitive, port ignored), or null for any host. */
  readonly host?: string | null
  /** http: or https: URL of the origin; a path part is prepended to forwarded paths. */
  readonly origin: string
  /** Label for logs and metrics; default `${host ?? '*'}${path}`. */
  readonly name?: string
  readonly timeouts?: Partial<Timeouts>
  readonly lock?: Partial<LockPolicy>
}

/** The effective configuration: every key filled in, validated and deep-frozen. */
export interface Config {
  /** HOST:PORT of the proxy listener (IPv6 as `[::1]:8080`). */
  readonly listen: string
  /** The admin listener (HOST:PORT) and the bearer token `DELETE /validators` needs (null: refused). */
  readonly admin: {
    readonly listen: string
    readonly token: string | null
    /** Most recent edge 412s kept for GET /diagnoses. */
    readonly diagnosesRingSize: number
    /** SPEC §11: the page at `/` and the rolling window behind `/stats`. */
    readonly dashboard: boolean
  }
  /** fatal | error | warn | info | debug | trace | silent */
  readonly log: {
    readonly level: string
    /** Human-readable lines for a terminal (pino-pretty, a devDependency); JSON otherwise. */
    readonly pretty: boolean
  }
  readonly defaults: Policy
  readonly cache: { readonly maxEntries: number; readonly maxBytes: number; readonly historyDepth: number }
  readonly server: {
    readonly headersTimeoutMs: number
    readonly requestTimeoutMs: number
    readonly keepAliveTimeoutMs: number
    readonly maxHeaderBytes: number
    /** Write bodies up to this size are received before the lock is taken (SPEC §2: a slow uploader holds no lock). */
    readonly maxBufferBytes: number
    /** true: repeated slashes in a path are merged (`//a` is `/a`) before routing and keying. */
    readonly mergeSlashes: boolean
    /** reject: `%2F` / `%5C` in a path is 400; keep: forwarded as is. */
    readonly escapedSlashes: EscapedSlashes
    /** true: the client's X-Forwarded-Proto / -Host / Forwarded are kept (ifgate behind a trusted CDN or load balancer). */
    readonly trustForwarded: boolean
  }
  readonly shutdownTimeoutMs: number
  /** SPEC §9: where validators and locks live; `memory` is this process alone. */
  readonly store: {
    /** `memory`, or a `redis://` / `rediss://` URL (Redis or Valkey). */
    readonly url: string
    /** Prefix of every key ifgate writes; replicas that share it share locks and validators. */
    readonly keyPrefix: string
    /** A lock holder's lease, renewed while it is alive. */
    readonly lockLeaseMs: number
    /** Longest wait for one store command before the store counts as unavailable. */
    readonly commandTimeoutMs: number
  }
  /** SPEC §9: processes serving the one listening port (node:cluster); more than 1 needs a shared store. */
  readonly workers: number
  readonly routes: readonly RouteConfig[]
  /** The file the config came from, or null (flags and environment only). */
  readonly source: string | null
}

/** A compiled route: the policy is `defaults` merged with the route's overrides (nested timeouts/lock merged key by key). */
export interface Route {
  /** route.name if given, else `${host ?? '*'}${path}`: the route's metric and log label. */
  readonly id: string
  readonly path: string
  readonly host: string | null
  /** The normalised origin `scheme://host[:port]` (URL.origin); https allowed. */
  readonly origin: string
  /** The origin URL's path without a trailing slash ('' usually); prepended to forwarded paths. */
  readonly originPathPrefix: string
  readonly policy: Policy
}
