import { parseEntityTagList, type EntityTagList } from './entity-tag.ts'
import { parseHttpDate } from './http-date.ts'

/** A date precondition as received. `seconds` is undefined when the value is invalid or a list (the field is then ignored). */
export interface DateCondition { readonly raw: string; readonly seconds: number | undefined }

/** The conditional request fields of one request, parsed; a field that was not sent is absent. */
export interface Conditionals {
  readonly ifMatch?: EntityTagList
  readonly ifNoneMatch?: EntityTagList
  readonly ifModifiedSince?: DateCondition
  readonly ifUnmodifiedSince?: DateCondition
  /** Raw value; RFC 9110 §13.2.2 step 5 evaluation is left to the origin. */
  readonly ifRange?: string
}

/** The request fields RFC 9110 §13.1 defines as preconditions, lower-case as Node delivers them. */
export const CONDITIONAL_HEADERS: readonly string[] = Object.freeze(['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'])

function readDate (lines: readonly string[] | undefined, nowSeconds: number | undefined): DateCondition | undefined {
  if (lines === undefined || lines.length === 0) return undefined
  // RFC 9110 §13.1.3 / §13.1.4: a value that has more than one member (several field lines) is not a valid HTTP-date
  if (lines.length > 1) return { raw: lines.join(', '), seconds: undefined }
  return { raw: lines[0], seconds: parseHttpDate(lines[0], nowSeconds) }
}

/**
 * Returns the parsed conditional fields of a request. `headers` has the shape of Node's
 * `req.headersDistinct` (every value an array of field lines; `conditionalLines` reads them);
 * `nowSeconds` anchors two-digit rfc850 years.
 * Never throws on wire input.
 */
export function readConditionals (headers: Readonly<Record<string, readonly string[] | undefined>>, nowSeconds?: number): Conditionals {
  const ifMatch = parseEntityTagList(headers['if-match'])
  const ifNoneMatch = parseEntityTagList(headers['if-none-match'])
  const ifModifiedSince = readDate(headers['if-modified-since'], nowSeconds)
  const ifUnmodifiedSince = readDate(headers['if-unmodified-since'], nowSeconds)
  const range = headers['if-range']
  const c: {
    ifMatch?: EntityTagList; ifNoneMatch?: EntityTagList; ifModifiedSince?: DateCondition; ifUnmodifiedSince?: DateCondition; ifRange?: string
  } = {}
  if (ifMatch !== undefined) c.ifMatch = ifMatch
  if (ifNoneMatch !== undefined) c.ifNoneMatch = ifNoneMatch
  if (ifModifiedSince !== undefined) c.ifModifiedSince = ifModifiedSince
  if (ifUnmodifiedSince !== undefined) c.ifUnmodifiedSince = ifUnmodifiedSince
  if (range !== undefined && range.length > 0) c.ifRange = range.join(', ')
  return c
}

/** Returns true when any of If-Match, If-None-Match, If-Modified-Since or If-Unmodified-Since is present (If-Range is not a precondition ifgate evaluates). */
export function hasConditionals (c: Conditionals): boolean {
  return c.ifMatch !== undefined || c.ifNoneMatch !== undefined || c.ifModifiedSince !== undefined || c.ifUnmodifiedSince !== undefined
}
