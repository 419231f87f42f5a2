import { ERROR_CODES, problemType, type IfgateError } from '../errors.ts'
import { HINTS, type Cause } from '../diagnosis/causes.ts'

const DECISION_TYPE_BASE = 'https://ifgate.dev/problems/'

/** An RFC 9457 problem details object, as ifgate sends it. */
export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly requestId: string
  readonly [extension: string]: unknown
}

/** Returns the problem body of an error: the only mapping from IfgateError to the wire. */
export function toProblem (err: IfgateError, requestId: string): Problem {
  return {
    type: problemType(err.code),
    title: ERROR_CODES[err.code].title,
    status: err.status,
    detail: err.message,
    code: err.code,
    requestId
  }
}

export interface PreconditionFailedFacts {
  readonly header: string
  readonly sent: string
  readonly cause: Cause
  readonly currentEtag: string | null
  readonly currentLastModified: string | null
  readonly requestId: string
  readonly current?: unknown
  readonly diagnosis?: unknown
}

const HEADER_NAMES: Readonly<Record<string, string>> = {
  'if-match': 'If-Match',
  'if-none-match': 'If-None-Match',
  'if-unmodified-since': 'If-Unmodified-Since',
  'if-modified-since': 'If-Modified-Since'
}

/** Returns the canonical spelling of a conditional header name. */
export function headerName (lower: string): string {
  return HEADER_NAMES[lower] ?? lower
}

/** Returns the problem body of an edge 412 (SPEC §6): names the header, the tag sent and the current tag. */
export function preconditionFailed (facts: PreconditionFailedFacts): Problem {
  const name = headerName(facts.header)
  const now = facts.header === 'if-unmodified-since' || facts.header === 'if-modified-since'
    ? `the resource was last modified ${facts.currentLastModified ?? '(unknown)'}`
    : facts.currentEtag === null
      ? (facts.cause === 'resource-missing' ? 'the resource has no current representation' : 'the resource has no current ETag')
      : `the current ETag is ${facts.currentEtag}`
  const problem: Record<string, unknown> = {
    type: DECISION_TYPE_BASE + facts.cause,
    title: 'Precondition Failed',
    status: 412,
    detail: `${name}: ${facts.sent} failed: ${now}`,
    cause: facts.cause,
    currentEtag: facts.currentEtag,
    currentLastModified: facts.currentLastModified,
    requestId: facts.requestId,
    hint: HINTS[facts.cause]
  }
  if (facts.diagnosis !== undefined) problem.diagnosis = facts.diagnosis
  if (facts.current !== undefined) problem.current = facts.current
  return problem as unknown as Problem
}

/** Returns the problem body of an edge 428 (SPEC §6): names the headers the route requires. */
export function preconditionRequired (method: string, requestId: string): Problem {
  const accepted = method === 'PUT' ? 'If-Match, If-Unmodified-Since or If-None-Match: *' : 'If-Match or If-Unmodified-Since'
  return {
    type: DECISION_TYPE_BASE + 'precondition-required',
    title: 'Precondition Required',
    status: 428,
    detail: `This route requires a conditional ${method}: send ${accepted}.`,
    required: method === 'PUT' ? ['If-Match', 'If-Unmodified-Since', 'If-None-Match: *'] : ['If-Match', 'If-Unmodified-Since'],
    requestId,
    hint: 'Read the resource first (GET returns its ETag), then send the write with If-Match: <that ETag>.'
  }
}

const DENIED_TITLES: Readonly<Record<number, string>> = { 401: 'Unauthorized', 403: 'Forbidden', 407: 'Proxy Authentication Required' }

/** Returns the problem body that relays the origin's 401/403/407 to a lookup made with the client's credentials. */
export function originDenied (status: number, requestId: string): Problem {
  return {
    type: DECISION_TYPE_BASE + 'origin-denied',
    title: DENIED_TITLES[status] ?? 'Denied',
    status,
    detail: `The origin answered ${status} when ifgate read the resource with this request's credentials, so the write was not forwarded.`,
    requestId
  }
}
