import type { Conditionals } from './conditionals.ts'
import { strongMatch, weakMatch, type EntityTag, type EntityTagList } from './entity-tag.ts'

/** The validators of the resource's current representations. */
export interface CurrentValidators {
  /** Current ETag of every known variant (may be empty: the origin sends none). */
  readonly etags: readonly EntityTag[]
  /** Epoch seconds (already truncated to whole seconds). */
  readonly lastModified?: number
}

export const DECISIONS = ['proceed', 'not-modified', 'precondition-failed'] as const
export type DecisionResult = typeof DECISIONS[number]

/** The headers that can decide, in RFC 9110 §13.2.2 evaluation order. */
export const PRECONDITION_HEADERS = ['if-match', 'if-unmodified-since', 'if-none-match', 'if-modified-since'] as const
export type PreconditionHeader = typeof PRECONDITION_HEADERS[number]

/** A checker's answer: `absent` also covers "present but must be ignored". */
export type CheckResult = 'absent' | 'pass' | 'fail'

export interface Decision {
  readonly result: DecisionResult
  /** The header that decided (absent when the result is `proceed`). */
  readonly header?: PreconditionHeader
  /** The request's tag that matched when If-None-Match is false (absent for `*`). */
  readonly tag?: EntityTag
}

const PROCEED: Decision = Object.freeze({ result: 'proceed' })

function isRead (method: string): boolean {
  // RFC 9110 §9.1: the method token is case-sensitive ("get" is not GET)
  return method === 'GET' || method === 'HEAD'
}

/** Returns the first member of `field` that matches a current ETag by `compare`, or undefined. */
function matchingTag (field: EntityTagList, current: CurrentValidators, compare: (a: EntityTag, b: EntityTag) => boolean): EntityTag | undefined {
  for (const tag of field.tags) {
    for (const etag of current.etags) if (compare(tag, etag)) return tag
  }
  return undefined
}

/** Returns the If-Match result (RFC 9110 §13.1.1); `current` undefined means no current representation. */
export function checkIfMatch (field: EntityTagList | undefined, current: CurrentValidators | undefined): CheckResult {
  if (field === undefined) return 'absent'
  // RFC 9110 §13.1.1: "*" is false if the origin server does not have a current representation
  if (current === undefined) return 'fail'
  if (field.any) return 'pass'
  // RFC 9110 §13.1.1: If-Match uses the strong comparison function; malformed members and an empty list match nothing
  return matchingTag(field, current, strongMatch) !== undefined ? 'pass' : 'fail'
}

/** Returns the If-Unmodified-Since result (RFC 9110 §13.1.4). */
export function checkIfUnmodifiedSince (c: Conditionals, current: CurrentValidators | undefined): CheckResult {
  const date = c.ifUnmodifiedSince
  if (date === undefined) return 'absent'
  // RFC 9110 §13.1.4: a recipient MUST ignore If-Unmodified-Since if the request contains an If-Match field
  if (c.ifMatch !== undefined) return 'absent'
  // RFC 9110 §13.1.4: MUST ignore it if the value is not a valid HTTP-date (including a list of dates)
  if (date.seconds === undefined) return 'absent'
  // RFC 9110 §13.1.4: MUST ignore it if the resource does not have a modification date available
  if (current?.lastModified === undefined) return 'absent'
  // RFC 9110 §13.1.4: true if the last modification date is earlier than or equal to the date; compared in whole seconds
  return Math.floor(current.lastModified) <= date.seconds ? 'pass' : 'fail'
}

/** Returns the If-None-Match result (RFC 9110 §13.1.2); `current` undefined means no current representation. */
export function checkIfNoneMatch (field: EntityTagList | undefined, current: CurrentValidators | undefined): CheckResult {
  if (field === undefined) return 'absent'
  // RFC 9110 §13.1.2: "*" is false if the origin server has a current representation
  if (field.any) return current === undefined ? 'pass' : 'fail'
  if (current === undefined) return 'pass'
  // RFC 9110 §13.1.2: If-None-Match uses the weak comparison function
  return matchingTag(field, current, weakMatch) !== undefined ? 'fail' : 'pass'
}

/** Returns the If-Modified-Since result (RFC 9110 §13.1.3); `fail` means "not modified". */
export function checkIfModifiedSince (method: string, c: Conditionals, current: CurrentValidators | undefined): CheckResult {
  const date = c.ifModifiedSince
  if (date === undefined) return 'absent'
  // RFC 9110 §13.1.3: MUST ignore If-Modified-Since if the request method is neither GET nor HEAD
  if (!isRead(method)) return 'absent'
  // RFC 9110 §13.1.3: MUST ignore If-Modified-Since if the request contains an If-None-Match field
  if (c.ifNoneMatch !== undefined) return 'absent'
  // RFC 9110 §13.1.3: MUST ignore it if the value is not a valid HTTP-date or has more than one member
  if (date.seconds === undefined) return 'absent'
  // RFC 9110 §13.1.3: ignore it when the resource has no modification date
  if (current?.lastModified === undefined) return 'absent'
  // RFC 9110 §13.1.3: false if the selected representation's last modification date is earlier or equal to the date
  return Math.floor(current.lastModified) <= date.seconds ? 'fail' : 'pass'
}

/**
 * Returns the RFC 9110 §13.2.2 decision. `current` undefined = the resource has no current
 * representation. Pure: no I/O, no clock.
 */
export function evaluatePreconditions (method: string, c: Conditionals, current: CurrentValidators | undefined): Decision {
  // RFC 9110 §13.2.1: a server MUST ignore the conditional fields with a method that does not select or modify a representation, such as CONNECT, OPTIONS or TRACE
  if (method === 'CONNECT' || method === 'OPTIONS' || method === 'TRACE') return PROCEED

  // RFC 9110 §13.2.2 step 1: If-Match false → 412
  const ifMatch = checkIfMatch(c.ifMatch, current)
  if (ifMatch === 'fail') return { result: 'precondition-failed', header: 'if-match' }

  // RFC 9110 §13.2.2 step 2: only when If-Match is absent, If-Unmodified-Since false → 412
  if (ifMatch === 'absent' && checkIfUnmodifiedSince(c, current) === 'fail') {
    return { result: 'precondition-failed', header: 'if-unmodified-since' }
  }

  // RFC 9110 §13.2.2 step 3: If-None-Match false → 304 for GET/HEAD, 412 for other methods
  const ifNoneMatch = checkIfNoneMatch(c.ifNoneMatch, current)
  if (ifNoneMatch === 'fail') {
    const result = isRead(method) ? 'not-modified' : 'precondition-failed'
    const tag = c.ifNoneMatch === undefined || current === undefined ? undefined : matchingTag(c.ifNoneMatch, current, weakMatch)
    return tag === undefined ? { result, header: 'if-none-match' } : { result, header: 'if-none-match', tag }
  }

  // RFC 9110 §13.2.2 step 4: only when If-None-Match is absent, for GET/HEAD, If-Modified-Since false → 304
  if (ifNoneMatch === 'absent' && checkIfModifiedSince(method, c, current) === 'fail') {
    return { result: 'not-modified', header: 'if-modified-since' }
  }

  // RFC 9110 §13.2.2 step 5: If-Range is left to the origin; step 6: perform the method
  return PROCEED
}
