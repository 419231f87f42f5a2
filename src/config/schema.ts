import { DEFAULTS } from './defaults.ts'
import { ESCAPED_SLASHES, ETAG_MODES, LOG_LEVELS, LOOKUP_ERROR_POLICIES, MODES, OWNERSHIPS, REPAIRS, type Policy } from './types.ts'

/** setTimeout's largest delay: longer values fire at once, so no `…Ms` setting may exceed it. */
const MAX_MS = 2_147_483_647

/** HOST:PORT with a host name, an IPv4 address or a bracketed IPv6 address, and a port 0–65535. */
export const LISTEN_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$'
/** An http: or https: URL: no credentials (`@`), query or fragment. */
export const ORIGIN_PATTERN = '^https?://[^/?#@\\s]+(/[^?#\\s]*)?$'
/** `memory`, or a redis:// / rediss:// URL with a host. */
const STORE_URL_PATTERN = '^(memory|rediss?://[^\\s/]+(/[0-9]+)?)$'
/** Key prefixes: printable ASCII without spaces or braces (braces are the Cluster hash tag). */
const KEY_PREFIX_PATTERN = '^[\\x21-\\x7a|~]*$'
/** A path prefix: starts with `/`; no query, fragment or whitespace. */
export const PATH_PATTERN = '^/[^?#\\s]*$'
/** A host name or address, optionally with a port (ignored when matching). */
export const HOST_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_.])?)(:[0-9]{1,5})?$'
/** An HTTP field name (RFC 9110 §5.1 token), lower case. */
export const FIELD_NAME_PATTERN = '^[!#$%&\'*+.^_`|~0-9a-z-]+$'
/** A bearer token: visible ASCII, no spaces. */
export const TOKEN_PATTERN = '^[\\x21-\\x7E]+$'

/** The problem reported when a value does not match one of the patterns above. */
export const PATTERN_PROBLEMS: Readonly<Record<string, string>> = {
  [LISTEN_PATTERN]: 'must be HOST:PORT with a port 0-65535 (IPv6 as [::1]:8080)',
  [ORIGIN_PATTERN]: 'must be an http:// or https:// URL without credentials, query or fragment',
  [PATH_PATTERN]: 'must start with / and contain no query, fragment or whitespace',
  [HOST_PATTERN]: 'must be a host name or address, optionally with :port',
  [TOKEN_PATTERN]: 'must be visible ASCII characters without spaces',
  [FIELD_NAME_PATTERN]: 'must be an HTTP field name in lower case (e.g. authorization)'
}

type Schema = Record<string, unknown>

function object (description: string, properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', description: `${description} Unit: mapping. Default: each key's own default.`, additionalProperties: false, ...(required.length > 0 ? { required } : {}), properties }
}

/** `def` is the default in `defaults`; `inherited` names the key a route inherits it from. */
interface Default { readonly value: unknown; readonly inherited?: string }

function defaultText (d: Default): string {
  return d.inherited === undefined ? `Default: ${JSON.stringify(d.value)}.` : `Default: ${d.inherited} (${JSON.stringify(d.value)}).`
}

function withDefault (schema: Schema, d: Default): Schema {
  return d.inherited === undefined ? { ...schema, default: d.value } : schema
}

function integer (text: string, unit: string, minimum: number, maximum: number, d: Default): Schema {
  return withDefault({ type: 'integer', minimum, maximum, description: `${text} Unit: ${unit}. ${defaultText(d)}` }, d)
}

function ms (text: string, minimum: number, d: Default): Schema {
  return integer(text, 'milliseconds', minimum, MAX_MS, d)
}

function oneOf (text: string, values: readonly string[], d: Default): Schema {
  return withDefault({ type: 'string', enum: [...values], description: `${text} One of: ${values.join(', ')}. ${defaultText(d)}` }, d)
}

function listen (text: string, d: Default): Schema {
  return withDefault({ type: 'string', pattern: LISTEN_PATTERN, description: `${text} Unit: HOST:PORT (IPv6 as [::1]:8080; port 0 picks a free port). ${defaultText(d)}` }, d)
}

/** Returns the schema of a policy: `defaults` itself (inRoute false) or a route's overrides of it. */
function policyProperties (inRoute: boolean): Record<string, Schema> {
  const p: Policy = DEFAULTS.defaults
  const d = (key: string, value: unknown): Default => (inRoute ? { value, inherited: `defaults.${key}` } : { value })
  const t = p.timeouts
  const l = p.lock
  return {
    mode: oneOf('enforce: answer failed preconditions at the edge; observe: evaluate and diagnose, always forward.', MODES, d('mode', p.mode)),
    etags: oneOf('auto: the origin\'s strong ETag, else one synthesized from a SHA-256 of the body; origin: only the origin\'s; synthesize: always ifgate\'s.', ETAG_MODES, d('etags', p.etags)),
    ownership: oneOf('shared: a cached validator may reject but must be confirmed with the origin to accept; exclusive: ifgate is the only writer, the cache is authoritative until validatorTtlMs.', OWNERSHIPS, d('ownership', p.ownership)),
    requirePrecondition: withDefault({ type: 'boolean', description: `true: an unsafe request without If-Match or If-Unmodified-Since (or If-None-Match: * on PUT) gets 428. Unit: boolean. ${defaultText(d('requirePrecondition', p.requirePrecondition))}` }, d('requirePrecondition', p.requirePrecondition)),
    repair: withDefault({
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', enum: [...REPAIRS] },
      description: `Mangled If-Match tags normalised before the strong comparison when they then name the current ETag exactly. Unit: list, a subset of ${REPAIRS.join(', ')}. ${defaultText(d('repair', p.repair))}`
    }, d('repair', p.repair)),
    onLookupError: oneOf('What a write does when the validator lookup at the origin fails: reject (fail closed, 502/504) or forward it anyway.', LOOKUP_ERROR_POLICIES, d('onLookupError', p.onLookupError)),
    validatorTtlMs: ms('How long a cached validator stays authoritative with ownership: exclusive; 0 makes it never authoritative.', 0, d('validatorTtlMs', p.validatorTtlMs)),
    maxHashBytes: integer('Bodies larger than this are not hashed, so no ETag is synthesized for them.', 'bytes', 0, Number.MAX_SAFE_INTEGER, d('maxHashBytes', p.maxHashBytes)),
    timeouts: object(`Origin timeouts; ${inRoute ? 'each key overrides the same key of defaults.timeouts' : 'a route may override each key'}.`, {
      originConnectMs: ms('Time to establish a connection to the origin.', 1, d('timeouts.originConnectMs', t.originConnectMs)),
      originHeadersMs: ms('Time from sending a request until the origin\'s response headers arrive.', 1, d('timeouts.originHeadersMs', t.originHeadersMs)),
      originBodyMs: ms('Longest silence between chunks of the origin\'s response body.', 1, d('timeouts.originBodyMs', t.originBodyMs)),
      lookupMs: ms('Time for a whole validator lookup (HEAD, then GET when needed).', 1, d('timeouts.lookupMs', t.lookupMs))
    }),
    lock: object(`The per-resource write lock; ${inRoute ? 'each key overrides the same key of defaults.lock' : 'a route may override each key'}.`, {
      waitMs: ms('How long a write may wait for the lock before 503 with Retry-After.', 0, d('lock.waitMs', l.waitMs)),
      maxQueue: integer('Writes that may wait per resource, not counting the holder; past it, 503 with Retry-After.', 'requests', 0, 1_000_000, d('lock.maxQueue', l.maxQueue))
    }),
    keyBy: withDefault({
      type: 'array',
      uniqueItems: true,
      maxItems: 16,
      items: { type: 'string', pattern: FIELD_NAME_PATTERN },
      description: `Request headers whose values name different resources at one URL (a tenant or user header): the resource key includes a digest of their values, and where the origin's Vary names one, a tag is current only for requests with the same value. Unit: list of lower-case header names. ${defaultText(d('keyBy', p.keyBy))}`
    }, d('keyBy', p.keyBy))
  }
}

const D = DEFAULTS

/** ifgate's configuration schema (JSON Schema draft-07): the source of config/ifgate.schema.json. */
export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'ifgate configuration',
  ...object('ifgate configuration (YAML). Every key is optional except a route\'s origin; flags and environment variables override the file.', {
    listen: listen('Address of the proxy listener.', { value: D.listen }),
    admin: object('The admin listener: /healthz, /readyz, /metrics, /validators, /diagnoses.', {
      listen: listen('Address of the admin listener; keep it on loopback or a private network.', { value: D.admin.listen }),
      token: withDefault({ type: ['string', 'null'], minLength: 1, pattern: TOKEN_PATTERN, description: `Bearer token that DELETE /validators requires; null refuses every purge. Unit: string. ${defaultText({ value: D.admin.token })}` }, { value: D.admin.token }),
      diagnosesRingSize: integer('Most recent edge 412s kept for GET /diagnoses (a ring: older ones are dropped).', 'entries', 1, 100_000, { value: D.admin.diagnosesRingSize }),
      dashboard: withDefault({ type: 'boolean', description: `true: the operators' page at / and the 15-minute rolling window it reads (/stats); false: neither (no per-request cost). Unit: boolean. ${defaultText({ value: D.admin.dashboard })}` }, { value: D.admin.dashboard })
    }),
    log: object('Logging (pino JSON lines on stdout).', {
      level: oneOf('Least severe level written.', LOG_LEVELS, { value: D.log.level }),
      pretty: withDefault({ type: 'boolean', description: `true: human-readable lines for a terminal (needs the pino-pretty devDependency); false: one JSON object per line. Unit: boolean. ${defaultText({ value: D.log.pretty })}` }, { value: D.log.pretty })
    }),
    defaults: object('Policy for every route; each route may override any key (timeouts and lock merge key by key).', policyProperties(false)),
    cache: object('The validator store: an LRU bounded by entries and bytes.', {
      maxEntries: integer('Most resources whose validators are kept.', 'entries', 1, Number.MAX_SAFE_INTEGER, { value: D.cache.maxEntries }),
      maxBytes: integer('Most memory the stored validators may take.', 'bytes', 1, Number.MAX_SAFE_INTEGER, { value: D.cache.maxBytes }),
      historyDepth: integer('Earlier ETags kept per resource, used to diagnose stale and unstable tags.', 'ETags', 0, 1_000, { value: D.cache.historyDepth })
    }),
    server: object('Limits on client connections to the proxy listener.', {
      headersTimeoutMs: ms('Time a client has to send the request headers; at most requestTimeoutMs.', 1, { value: D.server.headersTimeoutMs }),
      requestTimeoutMs: ms('Time a client has to send the whole request.', 1, { value: D.server.requestTimeoutMs }),
      keepAliveTimeoutMs: ms('How long an idle client connection is kept open.', 1, { value: D.server.keepAliveTimeoutMs }),
      maxHeaderBytes: integer('Largest request header section accepted; larger gets 431.', 'bytes', 1_024, 1_048_576, { value: D.server.maxHeaderBytes }),
      maxBufferBytes: integer('Write bodies up to this size are received before the resource lock is taken, so a slow uploader holds no lock; larger bodies stream while it is held.', 'bytes', 0, 1_073_741_824, { value: D.server.maxBufferBytes }),
      mergeSlashes: withDefault({ type: 'boolean', description: `true: repeated slashes in a request path are merged (//a/b is /a/b) before routing, keying and forwarding. Unit: boolean. ${defaultText({ value: D.server.mergeSlashes })}` }, { value: D.server.mergeSlashes }),
      escapedSlashes: oneOf('An encoded slash or backslash (%2F, %5C) in a request path. reject: 400; keep: routed and forwarded as is (for origins that give it a meaning).', ESCAPED_SLASHES, { value: D.server.escapedSlashes }),
      trustForwarded: withDefault({ type: 'boolean', description: `true: the client's X-Forwarded-Proto, X-Forwarded-Host and Forwarded are passed on (ifgate behind a CDN or load balancer that sets them); false: ifgate sets X-Forwarded-Proto and -Host from what it saw and drops the client's Forwarded. Unit: boolean. ${defaultText({ value: D.server.trustForwarded })}` }, { value: D.server.trustForwarded })
    }),
    shutdownTimeoutMs: ms('On SIGTERM or SIGINT, how long in-flight requests may finish before connections are cut.', 0, { value: D.shutdownTimeoutMs }),
    store: object('Where validators and locks live (SPEC §9): memory is this process alone; a Redis or Valkey URL is shared by every replica naming it and the same keyPrefix.', {
      url: withDefault({ type: 'string', pattern: STORE_URL_PATTERN, description: `memory, or a redis:// or rediss:// URL (redis[s]://[user:password@]host[:port][/db]). Unit: URL. ${defaultText({ value: D.store.url })}` }, { value: D.store.url }),
      keyPrefix: withDefault({ type: 'string', maxLength: 100, pattern: KEY_PREFIX_PATTERN, description: `Prefix of every key ifgate writes to the store. Unit: string. ${defaultText({ value: D.store.keyPrefix })}` }, { value: D.store.keyPrefix }),
      lockLeaseMs: ms('A write lock holder\'s lease, renewed while it is alive: a replica that dies holds a resource for at most this long. Keep it above the longest forward.', 100, { value: D.store.lockLeaseMs }),
      commandTimeoutMs: ms('Longest wait for one store command; past it the store counts as unavailable (writes get 503).', 1, { value: D.store.commandTimeoutMs })
    }),
    workers: integer('Processes serving the one listening port (node:cluster); a worker that dies is replaced. More than 1 needs a shared store (store.url).', 'processes', 1, 256, { value: D.workers }),
    routes: {
      type: 'array',
      description: 'Routes: host (optional) and path prefix, longest prefix wins, a route with a matching host beats any without one. --origin replaces them with one route / to that URL. Unit: list of routes. Default: [] (then --origin is required).',
      default: [],
      items: object('One route and its policy overrides.', {
        path: { type: 'string', pattern: PATH_PATTERN, default: '/', description: 'Path prefix, matched on segment boundaries (/api matches /api, /api/x and /api?q, not /apix); not stripped from the forwarded path. Unit: path. Default: "/".' },
        host: { type: ['string', 'null'], pattern: HOST_PATTERN, default: null, description: 'Host to match, case-insensitive, port ignored; null matches any host. Unit: host name. Default: null.' },
        origin: { type: 'string', pattern: ORIGIN_PATTERN, description: 'Required. The origin: http:// or https:// URL; a path part is prepended to forwarded paths. Unit: URL. Default: none.' },
        name: { type: 'string', minLength: 1, maxLength: 100, description: 'Label in logs and metrics, unique among routes. Unit: string. Default: host (or *) followed by path.' },
        ...policyProperties(true)
      }, ['origin'])
    }
  })
} as const

/** Returns CONFIG_SCHEMA as the text of config/ifgate.schema.json. */
export function schemaJson (): string {
  return JSON.stringify(CONFIG_SCHEMA, null, 2) + '\n'
}
