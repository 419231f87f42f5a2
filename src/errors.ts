/**
 * The table of ifgate's error codes. Each code has a stable status and title; `toProblem()` in
 * edge/problem.ts is the only mapping to the wire. Edge 412/304/428 are decisions, not errors.
 * The README documents every code (a unit test keeps the two in sync).
 */
export const ERROR_CODES = {
  IFG_ERR_NO_ROUTE: { status: 404, title: 'No route for this request' },
  IFG_ERR_BAD_REQUEST: { status: 400, title: 'Bad request' },
  IFG_ERR_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed through this proxy' },
  IFG_ERR_REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  IFG_ERR_HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  IFG_ERR_ORIGIN_UNREACHABLE: { status: 502, title: 'Origin unreachable' },
  IFG_ERR_ORIGIN_BROKEN: { status: 502, title: 'Invalid response from the origin' },
  IFG_ERR_ORIGIN_TIMEOUT: { status: 504, title: 'Origin timeout' },
  IFG_ERR_LOOKUP_FAILED: { status: 502, title: 'Validator lookup failed' },
  IFG_ERR_LOOKUP_TIMEOUT: { status: 504, title: 'Validator lookup timed out' },
  IFG_ERR_LOCK_TIMEOUT: { status: 503, title: 'Resource busy: lock wait exceeded' },
  IFG_ERR_LOCK_QUEUE_FULL: { status: 503, title: 'Resource busy: too many waiting writes' },
  IFG_ERR_STORE_UNAVAILABLE: { status: 503, title: 'Shared store unavailable' },
  IFG_ERR_DRAINING: { status: 503, title: 'Shutting down' },
  IFG_ERR_INTERNAL: { status: 500, title: 'Internal error' },
  IFG_ERR_CONFIG_INVALID: { status: 500, title: 'Invalid configuration' },
  IFG_ERR_LISTEN: { status: 500, title: 'Cannot listen' }
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof ERROR_CODES

const TYPE_BASE = 'https://ifgate.dev/problems/'

/** Returns the problem `type` URI of an error code (`IFG_ERR_LOCK_TIMEOUT` → `…/lock-timeout`). */
export function problemType (code: ErrorCode): string {
  return TYPE_BASE + code.slice('IFG_ERR_'.length).toLowerCase().replaceAll('_', '-')
}

/** An error with a stable code and an HTTP status. Expected errors skip stack capture (hot paths). */
export class IfgateError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly retryAfterSeconds: number | undefined

  constructor (code: ErrorCode, message: string, options: { cause?: unknown; retryAfterSeconds?: number; stack?: boolean } = {}) {
    const limit = Error.stackTraceLimit
    if (options.stack !== true) Error.stackTraceLimit = 0
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    Error.stackTraceLimit = limit
    this.name = 'IfgateError'
    this.code = code
    this.status = ERROR_CODES[code].status
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/** Timeouts raised by undici while talking to an origin. */
const UNDICI_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
/** Failures that mean the origin could not be reached at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED'])

/**
 * Returns the IfgateError for an error thrown while talking to the origin: the one place where
 * undici's and the socket layer's codes become 502 or 504.
 */
export function fromOriginError (err: unknown, phase: 'forward' | 'lookup'): IfgateError {
  if (err instanceof IfgateError) return err
  const code = (err as { code?: string } | null)?.code ?? ''
  const message = (err as Error | null)?.message ?? String(err)
  if (UNDICI_TIMEOUTS.has(code) || code === 'ETIMEDOUT') {
    return new IfgateError(phase === 'lookup' ? 'IFG_ERR_LOOKUP_TIMEOUT' : 'IFG_ERR_ORIGIN_TIMEOUT', `origin timed out (${code}): ${message}`, { cause: err })
  }
  if (phase === 'lookup') return new IfgateError('IFG_ERR_LOOKUP_FAILED', `validator lookup failed (${code || 'error'}): ${message}`, { cause: err })
  if (UNREACHABLE.has(code)) return new IfgateError('IFG_ERR_ORIGIN_UNREACHABLE', `origin unreachable (${code}): ${message}`, { cause: err })
  return new IfgateError('IFG_ERR_ORIGIN_BROKEN', `origin request failed (${code || 'error'}): ${message}`, { cause: err })
}
