import type { Cause } from '../../src/diagnosis/causes.ts'
import type { HistoryItem, Validators } from '../../src/validators/entry.ts'
import { AT_LM } from '../helpers/tags.ts'

/** One row of the SPEC §5 table: a refused request, what ifgate knows of the resource, the cause. */
export interface DiagnoseCase {
  readonly name: string
  readonly method?: string
  /** Request headers: the conditionals and any intermediary signals. */
  readonly headers: Readonly<Record<string, string>>
  /** Current variants; undefined: the resource has no current representation. */
  readonly current: readonly Validators[] | undefined
  readonly history?: readonly HistoryItem[]
  readonly want: { readonly cause: Cause; readonly clockSkewSuspected?: boolean }
}

/** The Last-Modified of every variant and history item, as an HTTP-date (test/helpers/tags.ts: AT_LM). */
export const LM = AT_LM
export const NOW_SECONDS = 1_800_000_000

/** Returns a current variant. */
export function v (etag: string | undefined, extra: Partial<Validators> = {}): Validators {
  return { etag, lastModified: LM, source: 'origin', digest: undefined, encoding: undefined, ...extra }
}

/** Returns an earlier ETag; `byWrite`: a write forwarded by ifgate superseded it. */
export function h (etag: string, extra: Partial<HistoryItem> = {}): HistoryItem {
  return { etag, lastModified: LM, digest: undefined, encoding: undefined, source: 'origin', firstSeen: 0, supersededAt: 1, byWrite: true, ...extra }
}

const CUR = [v('"v3"', { digest: 'D3' })]
const HIST = [h('"v2"', { digest: 'D2' }), h('"v1"', { digest: 'D1' })]
const VIA = { via: '1.1 cdn.example' }

export const DIAGNOSE_CASES: readonly DiagnoseCase[] = [
  // resource-missing, and its precedence over everything
  { name: 'If-Match on an absent resource', headers: { 'if-match': '"v3"' }, current: undefined, history: HIST, want: { cause: 'resource-missing' } },
  { name: 'a placeholder on an absent resource is still resource-missing (first row wins)', headers: { 'if-match': 'null' }, current: undefined, want: { cause: 'resource-missing' } },
  { name: 'If-Match: * on an absent resource', headers: { 'if-match': '*' }, current: undefined, want: { cause: 'resource-missing' } },
  // placeholder-etag
  { name: 'If-Match: null', headers: { 'if-match': 'null' }, current: CUR, want: { cause: 'placeholder-etag' } },
  { name: 'If-Match: undefined', headers: { 'if-match': 'undefined' }, current: CUR, want: { cause: 'placeholder-etag' } },
  { name: 'If-Match: ""', headers: { 'if-match': '""' }, current: CUR, want: { cause: 'placeholder-etag' } },
  { name: 'If-Match: "null"', headers: { 'if-match': '"null"' }, current: CUR, want: { cause: 'placeholder-etag' } },
  { name: 'an empty If-Match', headers: { 'if-match': '' }, current: CUR, want: { cause: 'placeholder-etag' } },
  { name: 'a placeholder beside a stale tag is not only placeholders: stale', headers: { 'if-match': 'null, "v2"' }, current: CUR, history: HIST, want: { cause: 'stale-etag' } },
  // resource-exists
  { name: 'If-None-Match: * on an existing resource', method: 'PUT', headers: { 'if-none-match': '*' }, current: CUR, want: { cause: 'resource-exists' } },
  // weakened / suffixed / unquoted against the current ETag, with their precedence
  { name: 'W/ on the current strong ETag', headers: { 'if-match': 'W/"v3"' }, current: CUR, want: { cause: 'weakened-etag' } },
  { name: 'W/ on the current ETag through a CDN is still weakened (current beats stale)', headers: { 'if-match': 'W/"v3"', ...VIA }, current: CUR, history: HIST, want: { cause: 'weakened-etag' } },
  { name: '-gzip on the current ETag', headers: { 'if-match': '"v3-gzip"' }, current: CUR, want: { cause: 'encoding-suffix-etag' } },
  { name: '--br on the current ETag', headers: { 'if-match': '"v3--br"' }, current: CUR, want: { cause: 'encoding-suffix-etag' } },
  { name: 'W/ and -gzip together: weakened is checked first', headers: { 'if-match': 'W/"v3-gzip"' }, current: CUR, want: { cause: 'weakened-etag' } },
  { name: 'a suffixed tag beside a weakened one: weakened first', headers: { 'if-match': '"v3-gzip", W/"v3"' }, current: CUR, want: { cause: 'weakened-etag' } },
  { name: 'unquoted current ETag', headers: { 'if-match': 'v3' }, current: CUR, want: { cause: 'unquoted-etag' } },
  { name: 're-quoted "W/x"', headers: { 'if-match': '"W/v3"' }, current: CUR, want: { cause: 'unquoted-etag' } },
  // origin-weak-etag
  { name: 'the origin only has a weak ETag; the client echoes it', headers: { 'if-match': 'W/"w1"' }, current: [v('W/"w1"')], want: { cause: 'origin-weak-etag' } },
  { name: 'the origin only has a weak ETag; the client strips W/', headers: { 'if-match': '"w1"' }, current: [v('W/"w1"')], want: { cause: 'origin-weak-etag' } },
  { name: 're-quoted "W/x" of a weak current ETag: no repair could help, origin-weak-etag', headers: { 'if-match': '"W/w1"' }, current: [v('W/"w1"')], want: { cause: 'origin-weak-etag' } },
  // unstable-origin-etag
  {
    name: 'an earlier ETag for the same bytes, no write since',
    headers: { 'if-match': '"node-a"' },
    current: [v('"node-b"', { digest: 'SAME' })],
    history: [h('"node-a"', { digest: 'SAME', byWrite: false })],
    want: { cause: 'unstable-origin-etag' }
  },
  {
    name: 'same bytes but a write came since: stale, not unstable',
    headers: { 'if-match': '"node-a"' },
    current: [v('"node-c"', { digest: 'SAME' })],
    history: [h('"node-b"', { digest: 'OTHER', byWrite: true }), h('"node-a"', { digest: 'SAME', byWrite: false })],
    want: { cause: 'stale-etag' }
  },
  {
    name: 'different bytes, no write (changed behind ifgate): stale',
    headers: { 'if-match': '"node-a"' },
    current: [v('"node-b"', { digest: 'NEW' })],
    history: [h('"node-a"', { digest: 'OLD', byWrite: false })],
    want: { cause: 'stale-etag' }
  },
  {
    name: 'digests unknown: no claim of instability',
    headers: { 'if-match': '"node-a"' },
    current: [v('"node-b"')],
    history: [h('"node-a"', { byWrite: false })],
    want: { cause: 'stale-etag' }
  },
  {
    name: 'same bytes in another encoding are not the same representation',
    headers: { 'if-match': '"node-a"' },
    current: [v('"node-b"', { digest: 'SAME', encoding: 'gzip' })],
    history: [h('"node-a"', { digest: 'SAME', byWrite: false })],
    want: { cause: 'stale-etag' }
  },
  {
    name: 'unstable beats cdn-stale even through a CDN',
    headers: { 'if-match': '"node-a"', 'cf-ray': '1-AMS' },
    current: [v('"node-b"', { digest: 'SAME' })],
    history: [h('"node-a"', { digest: 'SAME', byWrite: false })],
    want: { cause: 'unstable-origin-etag' }
  },
  // cdn-stale-etag
  { name: 'an earlier ETag through Via', headers: { 'if-match': '"v2"', ...VIA }, current: CUR, history: HIST, want: { cause: 'cdn-stale-etag' } },
  { name: 'an earlier ETag with CDN-Loop', headers: { 'if-match': '"v1"', 'cdn-loop': 'cloudflare' }, current: CUR, history: HIST, want: { cause: 'cdn-stale-etag' } },
  { name: 'an earlier ETag with X-Forwarded-For', headers: { 'if-match': '"v1"', 'x-forwarded-for': '203.0.113.9' }, current: CUR, history: HIST, want: { cause: 'cdn-stale-etag' } },
  { name: 'a weakened earlier ETag proves an intermediary even without headers', headers: { 'if-match': 'W/"v2"' }, current: CUR, history: HIST, want: { cause: 'cdn-stale-etag' } },
  { name: 'a suffixed earlier ETag', headers: { 'if-match': '"v1-gzip"' }, current: CUR, history: HIST, want: { cause: 'cdn-stale-etag' } },
  // stale-etag
  { name: 'an earlier ETag, direct client', headers: { 'if-match': '"v2"' }, current: CUR, history: HIST, want: { cause: 'stale-etag' } },
  { name: 'several earlier ETags', headers: { 'if-match': '"v1", "v2"' }, current: CUR, history: HIST, want: { cause: 'stale-etag' } },
  // injected-conditional
  { name: 'If-None-Match with the current ETag on a write', method: 'PUT', headers: { 'if-none-match': '"v3"' }, current: CUR, want: { cause: 'injected-conditional' } },
  { name: 'If-None-Match with a weak current ETag on a POST', method: 'POST', headers: { 'if-none-match': 'W/"v3"' }, current: CUR, want: { cause: 'injected-conditional' } },
  // modified-since
  { name: 'If-Unmodified-Since an hour before Last-Modified', headers: { 'if-unmodified-since': 'Sun, 06 Nov 1994 07:49:37 GMT' }, current: CUR, want: { cause: 'modified-since', clockSkewSuspected: false } },
  { name: 'If-Unmodified-Since one second before Last-Modified: clock skew suspected', headers: { 'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:36 GMT' }, current: CUR, want: { cause: 'modified-since', clockSkewSuspected: true } },
  {
    name: 'Last-Modified in ifgate\'s future: clock skew suspected',
    headers: { 'if-unmodified-since': 'Sun, 06 Nov 2033 08:49:37 GMT' },
    current: [v('"v3"', { lastModified: 'Mon, 06 Nov 2034 08:49:37 GMT' })],
    want: { cause: 'modified-since', clockSkewSuspected: true }
  },
  // unknown-etag
  { name: 'a tag ifgate never saw', headers: { 'if-match': '"zz"' }, current: CUR, history: HIST, want: { cause: 'unknown-etag' } },
  { name: 'no history at all (after a restart)', headers: { 'if-match': '"v2"' }, current: CUR, want: { cause: 'unknown-etag' } },
  { name: 'a malformed member that names nothing', headers: { 'if-match': '"v3' }, current: CUR, want: { cause: 'unknown-etag' } },
  { name: 'an unknown tag through a CDN is unknown, not cdn-stale', headers: { 'if-match': '"zz"', ...VIA }, current: CUR, history: HIST, want: { cause: 'unknown-etag' } }
]
