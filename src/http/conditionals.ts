import { parseEntityTagList, type EntityTagList } from './entity-tag.ts'
import { parseHttpDate } from './http-date.ts'
import { rememberLast } from '../remember-last.ts'

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

const CONDITIONAL_NAMES: ReadonlySet<string> = new Set(CONDITIONAL_HEADERS)
const CONDITIONAL_NAME_LENGTHS: ReadonlySet<number> = new Set(CONDITIONAL_HEADERS.map((name) => name.length))

/**
 * Returns the lines of a request's conditional fields as received, by lower-case name, in the
 * shape of Node's `headersDistinct` (every line kept: a second If-Unmodified-Since that
 * `req.headers` would drop is here), read from `rawHeaders` (name, value, name, value, …) with
 * no object built for the other fields. Read-only: a refusal asks twice for one request's lines
 * (the decision, then the 412's quote of the header), and the second time gets the same object.
 */
export const conditionalLines: (rawHeaders: readonly string[]) => Readonly<Record<string, readonly string[]>> = rememberLast(linesOf)

function linesOf (rawHeaders: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    // Only a name of a conditional's length that starts with i/I can be one: most are skipped unread.
    if (!CONDITIONAL_NAME_LENGTHS.has(name.length) || (name.charCodeAt(0) | 0x20) !== 0x69) continue
    const lower = name.toLowerCase()
    if (!CONDITIONAL_NAMES.has(lower)) continue
    const lines = out[lower]
    if (lines === undefined) out[lower] = [rawHeaders[i + 1]]
    else lines.push(rawHeaders[i + 1])
  }
  return out
}

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
