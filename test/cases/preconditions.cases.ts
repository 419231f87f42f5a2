import type { CurrentValidators, DecisionResult, PreconditionHeader } from '../../src/http/preconditions.ts'
import { AFTER_LM, AT_LM, BEFORE_LM, LM, S, W } from '../helpers/tags.ts'

/** One row of the RFC 9110 §13.2.2 table: the request, the resource's current validators and the decision. */
export interface PreconditionCase {
  readonly name: string
  /** One method; when absent, `kind` selects the methods the row runs for. */
  readonly method?: string
  /** `read`: GET and HEAD; `write` (default): PUT, DELETE, PATCH and POST. */
  readonly kind?: 'read' | 'write'
  readonly headers: Readonly<Record<string, string | readonly string[]>>
  readonly current: CurrentValidators | undefined
  readonly want: { readonly result: DecisionResult; readonly header?: PreconditionHeader }
}

export const READ_METHODS: readonly string[] = ['GET', 'HEAD']
export const WRITE_METHODS: readonly string[] = ['PUT', 'DELETE', 'PATCH', 'POST']

/** Returns the methods a case runs for. */
export function methodsOf (c: PreconditionCase): readonly string[] {
  if (c.method !== undefined) return [c.method]
  return c.kind === 'read' ? READ_METHODS : WRITE_METHODS
}

/** Returns a case's headers in Node's `req.headersDistinct` shape (lower-case names, arrays of field lines). */
export function toHeadersDistinct (headers: PreconditionCase['headers']): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = typeof value === 'string' ? [value] : [...value]
  return out
}

const RFC850_AT_LM = 'Sunday, 06-Nov-94 08:49:37 GMT'
const RFC850_BEFORE_LM = 'Sunday, 06-Nov-94 08:49:36 GMT'
const ASCTIME_AT_LM = 'Sun Nov  6 08:49:37 1994'
const ASCTIME_BEFORE_LM = 'Sun Nov  6 08:49:36 1994'

const CUR: CurrentValidators = { etags: [S('v1')], lastModified: LM }
const CUR_WEAK: CurrentValidators = { etags: [W('v1')], lastModified: LM }
const CUR_NO_LM: CurrentValidators = { etags: [S('v1')] }
const CUR_NO_ETAG: CurrentValidators = { etags: [], lastModified: LM }
const CUR_NOTHING: CurrentValidators = { etags: [] }
const CUR_VARIANTS: CurrentValidators = { etags: [S('v1-json'), S('v1-xml')], lastModified: LM }
const CUR_COMMA: CurrentValidators = { etags: [S('a,b')], lastModified: LM }
const CUR_SUBSECOND: CurrentValidators = { etags: [S('v1')], lastModified: LM + 0.75 }
const ABSENT = undefined

const PROCEED = { result: 'proceed' } as const
const FAIL_IM = { result: 'precondition-failed', header: 'if-match' } as const
const FAIL_IUS = { result: 'precondition-failed', header: 'if-unmodified-since' } as const
const FAIL_INM = { result: 'precondition-failed', header: 'if-none-match' } as const
const NM_INM = { result: 'not-modified', header: 'if-none-match' } as const
const NM_IMS = { result: 'not-modified', header: 'if-modified-since' } as const

/** Rows for unsafe methods (PUT, DELETE, PATCH, POST). */
const writeCases: PreconditionCase[] = [
  { name: 'no preconditions', headers: {}, current: CUR, want: PROCEED },
  { name: 'no preconditions on an absent resource', headers: {}, current: ABSENT, want: PROCEED },
  { name: 'If-Range alone is left to the origin', headers: { 'if-range': '"v0"' }, current: CUR, want: PROCEED },
  // If-Match (RFC 9110 §13.1.1)
  { name: 'If-Match current strong tag', headers: { 'if-match': '"v1"' }, current: CUR, want: PROCEED },
  { name: 'If-Match stale tag', headers: { 'if-match': '"v0"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match weak tag never strongly matches a strong ETag', headers: { 'if-match': 'W/"v1"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match weak tag never strongly matches a weak ETag', headers: { 'if-match': 'W/"v1"' }, current: CUR_WEAK, want: FAIL_IM },
  { name: 'If-Match strong tag against a weak current ETag', headers: { 'if-match': '"v1"' }, current: CUR_WEAK, want: FAIL_IM },
  { name: 'If-Match * on an existing resource', headers: { 'if-match': '*' }, current: CUR, want: PROCEED },
  { name: 'If-Match * on an existing resource with no validators', headers: { 'if-match': '*' }, current: CUR_NOTHING, want: PROCEED },
  { name: 'If-Match * on an absent resource', headers: { 'if-match': '*' }, current: ABSENT, want: FAIL_IM },
  { name: 'If-Match tag on an absent resource', headers: { 'if-match': '"v1"' }, current: ABSENT, want: FAIL_IM },
  { name: 'If-Match tag on a resource without ETags', headers: { 'if-match': '"v1"' }, current: CUR_NO_ETAG, want: FAIL_IM },
  { name: 'If-Match list with the current tag last', headers: { 'if-match': '"v0", "v1"' }, current: CUR, want: PROCEED },
  { name: 'If-Match list without the current tag', headers: { 'if-match': '"v0", "v2"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match on several field lines, current tag on the second', headers: { 'if-match': ['"v0"', '"v1"'] }, current: CUR, want: PROCEED },
  { name: 'If-Match empty list elements and OWS', headers: { 'if-match': ' , "v1" ,' }, current: CUR, want: PROCEED },
  { name: 'If-Match "v1,v2" is one tag (comma inside quotes), not "v1"', headers: { 'if-match': '"v1,v2"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match "a,b" matches the current "a,b"', headers: { 'if-match': '"a,b"' }, current: CUR_COMMA, want: PROCEED },
  { name: 'If-Match "a" does not match the current "a,b"', headers: { 'if-match': '"a"' }, current: CUR_COMMA, want: FAIL_IM },
  { name: 'If-Match lower-case w/ is malformed and never matches', headers: { 'if-match': 'w/"v1"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match * mixed with a tag is malformed', headers: { 'if-match': '*, "v1"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match * twice is malformed', headers: { 'if-match': '*, *' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match * on two field lines is malformed', headers: { 'if-match': ['*', '*'] }, current: CUR, want: FAIL_IM },
  { name: 'If-Match empty value (zero members) is false', headers: { 'if-match': '' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match: null (placeholder) fails', headers: { 'if-match': 'null' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match: "" (empty tag) fails', headers: { 'if-match': '""' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match unquoted tag is malformed', headers: { 'if-match': 'v1' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match "W/v1" is a different strong tag', headers: { 'if-match': '"W/v1"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match malformed member beside the current tag', headers: { 'if-match': 'null, "v1"' }, current: CUR, want: PROCEED },
  { name: 'If-Match unterminated quote swallows the current tag', headers: { 'if-match': '"v0, "v1"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match naming any current variant passes', headers: { 'if-match': '"v1-xml"' }, current: CUR_VARIANTS, want: PROCEED },
  { name: 'If-Match naming no current variant fails', headers: { 'if-match': '"v1"' }, current: CUR_VARIANTS, want: FAIL_IM },
  // If-Unmodified-Since (RFC 9110 §13.1.4)
  { name: 'IUS equal to Last-Modified', headers: { 'if-unmodified-since': AT_LM }, current: CUR, want: PROCEED },
  { name: 'IUS later than Last-Modified', headers: { 'if-unmodified-since': AFTER_LM }, current: CUR, want: PROCEED },
  { name: 'IUS earlier than Last-Modified', headers: { 'if-unmodified-since': BEFORE_LM }, current: CUR, want: FAIL_IUS },
  { name: 'IUS equal to a sub-second Last-Modified (whole seconds)', headers: { 'if-unmodified-since': AT_LM }, current: CUR_SUBSECOND, want: PROCEED },
  { name: 'IUS rfc850 equal', headers: { 'if-unmodified-since': RFC850_AT_LM }, current: CUR, want: PROCEED },
  { name: 'IUS rfc850 earlier', headers: { 'if-unmodified-since': RFC850_BEFORE_LM }, current: CUR, want: FAIL_IUS },
  { name: 'IUS asctime equal', headers: { 'if-unmodified-since': ASCTIME_AT_LM }, current: CUR, want: PROCEED },
  { name: 'IUS asctime earlier', headers: { 'if-unmodified-since': ASCTIME_BEFORE_LM }, current: CUR, want: FAIL_IUS },
  { name: 'IUS ISO-8601 earlier is invalid, so ignored', headers: { 'if-unmodified-since': '1994-11-06T08:49:36Z' }, current: CUR, want: PROCEED },
  { name: 'IUS numeric timestamp is invalid, so ignored', headers: { 'if-unmodified-since': '784111776' }, current: CUR, want: PROCEED },
  { name: 'IUS in UTC is invalid, so ignored', headers: { 'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:36 UTC' }, current: CUR, want: PROCEED },
  { name: 'IUS with a wrong weekday is invalid, so ignored', headers: { 'if-unmodified-since': 'Mon, 06 Nov 1994 08:49:36 GMT' }, current: CUR, want: PROCEED },
  { name: 'IUS on two field lines is a list, so ignored', headers: { 'if-unmodified-since': [BEFORE_LM, BEFORE_LM] }, current: CUR, want: PROCEED },
  { name: 'IUS with two dates in one line is a list, so ignored', headers: { 'if-unmodified-since': `${BEFORE_LM}, ${BEFORE_LM}` }, current: CUR, want: PROCEED },
  { name: 'IUS without a Last-Modified is ignored', headers: { 'if-unmodified-since': BEFORE_LM }, current: CUR_NO_LM, want: PROCEED },
  { name: 'IUS on an absent resource is ignored', headers: { 'if-unmodified-since': BEFORE_LM }, current: ABSENT, want: PROCEED },
  { name: 'IUS earlier is ignored beside a passing If-Match', headers: { 'if-match': '"v1"', 'if-unmodified-since': BEFORE_LM }, current: CUR, want: PROCEED },
  { name: 'IUS later does not rescue a failing If-Match', headers: { 'if-match': '"v0"', 'if-unmodified-since': AFTER_LM }, current: CUR, want: FAIL_IM },
  { name: 'IUS later does not rescue an empty If-Match (zero members)', headers: { 'if-match': '', 'if-unmodified-since': AFTER_LM }, current: CUR, want: FAIL_IM },
  // If-None-Match on writes (RFC 9110 §13.1.2): false → 412
  { name: 'If-None-Match * on an absent resource (create-only)', headers: { 'if-none-match': '*' }, current: ABSENT, want: PROCEED },
  { name: 'If-None-Match * on an existing resource', headers: { 'if-none-match': '*' }, current: CUR, want: FAIL_INM },
  { name: 'If-None-Match * on an existing resource with no validators', headers: { 'if-none-match': '*' }, current: CUR_NOTHING, want: FAIL_INM },
  { name: 'If-None-Match current tag', headers: { 'if-none-match': '"v1"' }, current: CUR, want: FAIL_INM },
  { name: 'If-None-Match weak tag matches a strong ETag (weak comparison)', headers: { 'if-none-match': 'W/"v1"' }, current: CUR, want: FAIL_INM },
  { name: 'If-None-Match strong tag matches a weak ETag (weak comparison)', headers: { 'if-none-match': '"v1"' }, current: CUR_WEAK, want: FAIL_INM },
  { name: 'If-None-Match other tag', headers: { 'if-none-match': '"v2"' }, current: CUR, want: PROCEED },
  { name: 'If-None-Match tag on an absent resource', headers: { 'if-none-match': '"v1"' }, current: ABSENT, want: PROCEED },
  { name: 'If-None-Match malformed never matches', headers: { 'if-none-match': 'v1' }, current: CUR, want: PROCEED },
  { name: 'If-None-Match * mixed is malformed and never matches', headers: { 'if-none-match': '*, "v2"' }, current: CUR, want: PROCEED },
  { name: 'If-None-Match empty value matches nothing', headers: { 'if-none-match': '' }, current: CUR, want: PROCEED },
  { name: 'If-None-Match after a passing If-Match still decides', headers: { 'if-match': '"v1"', 'if-none-match': '"v1"' }, current: CUR, want: FAIL_INM },
  { name: 'If-Match decides before If-None-Match', headers: { 'if-match': '"v0"', 'if-none-match': '"v1"' }, current: CUR, want: FAIL_IM },
  { name: 'IUS decides before If-None-Match', headers: { 'if-unmodified-since': BEFORE_LM, 'if-none-match': '*' }, current: CUR, want: FAIL_IUS },
  { name: 'passing IUS then If-None-Match *', headers: { 'if-unmodified-since': AT_LM, 'if-none-match': '*' }, current: CUR, want: FAIL_INM },
  // If-Modified-Since on writes is ignored (RFC 9110 §13.1.3)
  { name: 'IMS equal to Last-Modified is ignored on a write', headers: { 'if-modified-since': AT_LM }, current: CUR, want: PROCEED },
  { name: 'IMS later than Last-Modified is ignored on a write', headers: { 'if-modified-since': AFTER_LM }, current: CUR, want: PROCEED }
]

/** Rows for safe methods (GET, HEAD): If-None-Match / If-Modified-Since false → 304. */
const readCases: PreconditionCase[] = [
  { name: 'no preconditions', headers: {}, current: CUR, want: PROCEED },
  { name: 'If-None-Match current tag', headers: { 'if-none-match': '"v1"' }, current: CUR, want: NM_INM },
  { name: 'If-None-Match weak tag against a strong ETag', headers: { 'if-none-match': 'W/"v1"' }, current: CUR, want: NM_INM },
  { name: 'If-None-Match weak tag against a weak ETag', headers: { 'if-none-match': 'W/"v1"' }, current: CUR_WEAK, want: NM_INM },
  { name: 'If-None-Match other tag', headers: { 'if-none-match': '"v2"' }, current: CUR, want: PROCEED },
  { name: 'If-None-Match * on an existing resource', headers: { 'if-none-match': '*' }, current: CUR, want: NM_INM },
  { name: 'If-None-Match * on an absent resource', headers: { 'if-none-match': '*' }, current: ABSENT, want: PROCEED },
  { name: 'If-None-Match list with the current tag', headers: { 'if-none-match': '"v0", "v1"' }, current: CUR, want: NM_INM },
  { name: 'If-None-Match on several field lines', headers: { 'if-none-match': ['"v0"', 'W/"v1"'] }, current: CUR, want: NM_INM },
  { name: 'If-None-Match "a,b" is one tag and does not name "a"', headers: { 'if-none-match': '"a,b"' }, current: { etags: [S('a')], lastModified: LM }, want: PROCEED },
  { name: 'If-None-Match naming any current variant', headers: { 'if-none-match': '"v1-json"' }, current: CUR_VARIANTS, want: NM_INM },
  { name: 'If-None-Match with OWS between W/ and the quote is malformed', headers: { 'if-none-match': 'W/ "v1"' }, current: CUR, want: PROCEED },
  { name: 'If-None-Match lower-case w/ is malformed', headers: { 'if-none-match': 'w/"v1"' }, current: CUR, want: PROCEED },
  { name: 'IMS equal to Last-Modified', headers: { 'if-modified-since': AT_LM }, current: CUR, want: NM_IMS },
  { name: 'IMS later than Last-Modified', headers: { 'if-modified-since': AFTER_LM }, current: CUR, want: NM_IMS },
  { name: 'IMS earlier than Last-Modified', headers: { 'if-modified-since': BEFORE_LM }, current: CUR, want: PROCEED },
  { name: 'IMS equal to a sub-second Last-Modified (whole seconds)', headers: { 'if-modified-since': AT_LM }, current: CUR_SUBSECOND, want: NM_IMS },
  { name: 'IMS rfc850 equal', headers: { 'if-modified-since': RFC850_AT_LM }, current: CUR, want: NM_IMS },
  { name: 'IMS rfc850 earlier', headers: { 'if-modified-since': RFC850_BEFORE_LM }, current: CUR, want: PROCEED },
  { name: 'IMS asctime equal', headers: { 'if-modified-since': ASCTIME_AT_LM }, current: CUR, want: NM_IMS },
  { name: 'IMS asctime earlier', headers: { 'if-modified-since': ASCTIME_BEFORE_LM }, current: CUR, want: PROCEED },
  { name: 'IMS invalid (ISO-8601) is ignored', headers: { 'if-modified-since': '1994-11-06T08:49:37Z' }, current: CUR, want: PROCEED },
  { name: 'IMS with a day lacking its leading zero is ignored', headers: { 'if-modified-since': 'Sun, 6 Nov 1994 08:49:37 GMT' }, current: CUR, want: PROCEED },
  { name: 'IMS on two field lines is a list, so ignored', headers: { 'if-modified-since': [AT_LM, AT_LM] }, current: CUR, want: PROCEED },
  { name: 'IMS without a Last-Modified is ignored', headers: { 'if-modified-since': AT_LM }, current: CUR_NO_LM, want: PROCEED },
  { name: 'IMS on an absent resource is ignored', headers: { 'if-modified-since': AT_LM }, current: ABSENT, want: PROCEED },
  { name: 'IMS beside a non-matching If-None-Match is ignored', headers: { 'if-none-match': '"v2"', 'if-modified-since': AT_LM }, current: CUR, want: PROCEED },
  { name: 'IMS beside a malformed If-None-Match is ignored', headers: { 'if-none-match': 'null', 'if-modified-since': AT_LM }, current: CUR, want: PROCEED },
  { name: 'If-None-Match decides beside IMS', headers: { 'if-none-match': '"v1"', 'if-modified-since': BEFORE_LM }, current: CUR, want: NM_INM },
  { name: 'If-Match stale tag on a read', headers: { 'if-match': '"v0"' }, current: CUR, want: FAIL_IM },
  { name: 'If-Match current tag on a read', headers: { 'if-match': '"v1"' }, current: CUR, want: PROCEED },
  { name: 'If-Match * on an absent resource on a read', headers: { 'if-match': '*' }, current: ABSENT, want: FAIL_IM },
  { name: 'IUS earlier on a read', headers: { 'if-unmodified-since': BEFORE_LM }, current: CUR, want: FAIL_IUS },
  { name: 'passing If-Match then matching If-None-Match', headers: { 'if-match': '"v1"', 'if-none-match': '"v1"' }, current: CUR, want: NM_INM },
  { name: 'failing If-Match beats a matching IMS', headers: { 'if-match': '"v0"', 'if-modified-since': AT_LM }, current: CUR, want: FAIL_IM },
  { name: 'If-Range does not turn a read into a 304', headers: { 'if-range': '"v1"' }, current: CUR, want: PROCEED }
]

/** Rows for one method each: methods without preconditions and case-sensitive method names. */
const methodCases: PreconditionCase[] = [
  { name: 'OPTIONS ignores a failing If-Match', method: 'OPTIONS', headers: { 'if-match': '"v0"' }, current: CUR, want: PROCEED },
  { name: 'TRACE ignores If-None-Match *', method: 'TRACE', headers: { 'if-none-match': '*' }, current: CUR, want: PROCEED },
  { name: 'CONNECT ignores a failing IUS', method: 'CONNECT', headers: { 'if-unmodified-since': BEFORE_LM }, current: CUR, want: PROCEED },
  { name: 'OPTIONS ignores If-Match * on an absent resource', method: 'OPTIONS', headers: { 'if-match': '*' }, current: ABSENT, want: PROCEED },
  { name: '"get" is not GET: a matching If-None-Match gives 412', method: 'get', headers: { 'if-none-match': '"v1"' }, current: CUR, want: FAIL_INM },
  { name: '"head" is not HEAD: IMS is ignored', method: 'head', headers: { 'if-modified-since': AT_LM }, current: CUR, want: PROCEED },
  { name: '"options" is not OPTIONS: a failing If-Match counts', method: 'options', headers: { 'if-match': '"v0"' }, current: CUR, want: FAIL_IM },
  { name: 'an extension method is a write', method: 'PROPPATCH', headers: { 'if-none-match': '*' }, current: CUR, want: FAIL_INM }
]

export const PRECONDITION_CASES: readonly PreconditionCase[] = [
  ...writeCases.map((c) => ({ ...c, kind: 'write' as const })),
  ...readCases.map((c) => ({ ...c, kind: 'read' as const })),
  ...methodCases
]
