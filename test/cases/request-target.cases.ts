import type { TargetOptions } from '../../src/http/request-target.ts'

/**
 * Rows of SPEC §2 "One resource, one key": a request target and the one spelling ifgate routes,
 * keys, locks and forwards (RFC 3986 §6.2.2 normalisation, §5.2.4 dot-segment removal), or an error.
 */
export interface RequestTargetCase {
  readonly name: string
  readonly input: {
    readonly target: string | undefined
    /** Default STRICT: slashes merged, encoded slashes refused (the shipped defaults). */
    readonly options?: TargetOptions
  }
  readonly want: TargetWant
}

export type TargetWant =
  /** The normalised path plus the query as sent; `authority` only for an absolute-form target. */
  | { readonly pathAndQuery: string; readonly authority?: string }
  /** An error whose reason matches. */
  | { readonly error: RegExp }

/** Merge slashes, refuse encoded slashes and backslashes. */
export const STRICT: TargetOptions = { mergeSlashes: true, escapedSlashes: 'reject' }
/** Keep slashes as sent, keep encoded slashes and backslashes. */
export const LOOSE: TargetOptions = { mergeSlashes: false, escapedSlashes: 'keep' }
/** Merge slashes, keep encoded slashes and backslashes. */
export const MERGE_KEEP: TargetOptions = { mergeSlashes: true, escapedSlashes: 'keep' }
/** Keep slashes as sent, refuse encoded slashes and backslashes. */
export const NOMERGE_REJECT: TargetOptions = { mergeSlashes: false, escapedSlashes: 'reject' }

const MALFORMED = { error: /malformed percent-encoding/ }
const ESCAPED = { error: /encoded slash or backslash/ }
const BACKSLASH = { error: /backslash/ }
const NOT_A_PATH = { error: /is not a path/ }
const EMPTY = { error: /empty/ }
const NO_AUTHORITY = { error: /no usable authority/ }

export const REQUEST_TARGET_CASES: readonly RequestTargetCase[] = [
  // already normal: left exactly as sent
  { name: 'root', input: { target: '/' }, want: { pathAndQuery: '/' } },
  { name: 'a plain path', input: { target: '/doc' }, want: { pathAndQuery: '/doc' } },
  { name: 'a plain path with a trailing slash keeps it', input: { target: '/a/b/' }, want: { pathAndQuery: '/a/b/' } },
  { name: 'dots inside a segment are no dot-segment', input: { target: '/a.b/c..d/.e/..f' }, want: { pathAndQuery: '/a.b/c..d/.e/..f' } },
  { name: 'a plain path with a query', input: { target: '/doc?x=1&y=2' }, want: { pathAndQuery: '/doc?x=1&y=2' } },
  { name: 'an empty query keeps its ?', input: { target: '/doc?' }, want: { pathAndQuery: '/doc?' } },
  { name: 'sub-delims and : @ in the path are left alone', input: { target: "/a:b@c!$&'()*+,;=" }, want: { pathAndQuery: "/a:b@c!$&'()*+,;=" } },

  // percent-encoding normalisation (RFC 3986 §6.2.2.1, §6.2.2.2)
  { name: 'attack: /%64oc is /doc (encoded unreserved ALPHA decoded)', input: { target: '/%64oc' }, want: { pathAndQuery: '/doc' } },
  { name: 'encoded upper-case ALPHA decoded', input: { target: '/%44OC' }, want: { pathAndQuery: '/DOC' } },
  { name: 'encoded DIGIT decoded', input: { target: '/v%31' }, want: { pathAndQuery: '/v1' } },
  { name: 'encoded - . _ ~ decoded', input: { target: '/a%2Db%2ec%5Fd%7e' }, want: { pathAndQuery: '/a-b.c_d~' } },
  { name: 'lower-case hex of an unreserved character decoded too', input: { target: '/%7e%41' }, want: { pathAndQuery: '/~A' } },
  { name: 'reserved %3a upper-cased to %3A, not decoded', input: { target: '/a%3ab' }, want: { pathAndQuery: '/a%3Ab' } },
  { name: 'already upper-case reserved encoding kept', input: { target: '/a%3Ab' }, want: { pathAndQuery: '/a%3Ab' } },
  { name: 'UTF-8 octets upper-cased, not decoded', input: { target: '/caf%c3%a9' }, want: { pathAndQuery: '/caf%C3%A9' } },
  { name: 'mixed-case hex digits upper-cased', input: { target: '/%c3%A9%e2%82%Ac' }, want: { pathAndQuery: '/%C3%A9%E2%82%AC' } },
  { name: 'an encoded % stays encoded (no double decoding)', input: { target: '/%2564oc' }, want: { pathAndQuery: '/%2564oc' } },
  { name: 'an encoded space stays encoded', input: { target: '/a%20b' }, want: { pathAndQuery: '/a%20b' } },
  { name: 'an encoded ? stays encoded and is no query', input: { target: '/a%3fb' }, want: { pathAndQuery: '/a%3Fb' } },
  { name: 'an encoded # stays encoded and is no fragment', input: { target: '/a%23b' }, want: { pathAndQuery: '/a%23b' } },
  { name: 'a NUL octet stays encoded', input: { target: '/a%00b' }, want: { pathAndQuery: '/a%00b' } },

  // malformed percent-encodings
  { name: 'invalid: a lone % at the end', input: { target: '/%' }, want: MALFORMED },
  { name: 'invalid: % with one hex digit at the end', input: { target: '/%2' }, want: MALFORMED },
  { name: 'invalid: % followed by non-hex', input: { target: '/%zz' }, want: MALFORMED },
  { name: 'invalid: % with one hex digit then a non-hex', input: { target: '/%2g' }, want: MALFORMED },
  { name: 'invalid: % in the middle of a segment', input: { target: '/a%/b' }, want: MALFORMED },
  { name: 'invalid: malformed even when escaped slashes are kept', input: { target: '/%zz', options: LOOSE }, want: MALFORMED },
  { name: 'invalid: a malformed encoding after a valid one', input: { target: '/%41%4' }, want: MALFORMED },

  // dot-segments (RFC 3986 §5.2.4)
  { name: 'attack: /./doc is /doc', input: { target: '/./doc' }, want: { pathAndQuery: '/doc' } },
  { name: 'attack: /public/../private/x is /private/x', input: { target: '/public/../private/x' }, want: { pathAndQuery: '/private/x' } },
  { name: 'attack: /public/%2e%2e/private/x is /private/x (encoded dots decoded first)', input: { target: '/public/%2e%2e/private/x' }, want: { pathAndQuery: '/private/x' } },
  { name: 'attack: /public/%2E%2E/private/x is /private/x', input: { target: '/public/%2E%2E/private/x' }, want: { pathAndQuery: '/private/x' } },
  { name: 'attack: /public/.%2e/private/x (half-encoded) is /private/x', input: { target: '/public/.%2e/private/x' }, want: { pathAndQuery: '/private/x' } },
  { name: 'attack: /./private/x is /private/x', input: { target: '/./private/x' }, want: { pathAndQuery: '/private/x' } },
  { name: 'attack: /svc/../../secret stays at the root: /secret', input: { target: '/svc/../../secret' }, want: { pathAndQuery: '/secret' } },
  { name: 'attack: /a/%2e/b is /a/b', input: { target: '/a/%2e/b' }, want: { pathAndQuery: '/a/b' } },
  { name: 'attack: /%2e%2e/%2e%2e/etc stays at the root: /etc', input: { target: '/%2e%2e/%2e%2e/etc' }, want: { pathAndQuery: '/etc' } },
  { name: '.. above the root stays at the root', input: { target: '/../../../x' }, want: { pathAndQuery: '/x' } },
  { name: '/.. alone is the root', input: { target: '/..' }, want: { pathAndQuery: '/' } },
  { name: '/. alone is the root', input: { target: '/.' }, want: { pathAndQuery: '/' } },
  { name: 'a trailing .. leaves a trailing slash: /a/b/.. is /a/', input: { target: '/a/b/..' }, want: { pathAndQuery: '/a/' } },
  { name: 'a trailing . leaves a trailing slash: /a/. is /a/', input: { target: '/a/.' }, want: { pathAndQuery: '/a/' } },
  { name: 'a trailing ../ is /a/', input: { target: '/a/b/../' }, want: { pathAndQuery: '/a/' } },
  { name: 'RFC 3986 §5.2.4 example: /a/b/c/./../../g is /a/g', input: { target: '/a/b/c/./../../g' }, want: { pathAndQuery: '/a/g' } },
  { name: 'dot-segments in the query are not touched', input: { target: '/a/./b?x=/../y' }, want: { pathAndQuery: '/a/b?x=/../y' } },
  { name: 'a plain path with dot-segments only in the query is left as sent', input: { target: '/a?b/../c' }, want: { pathAndQuery: '/a?b/../c' } },

  // repeated slashes
  { name: 'attack: //doc is /doc when slashes are merged', input: { target: '//doc' }, want: { pathAndQuery: '/doc' } },
  { name: '//doc stays //doc when slashes are kept', input: { target: '//doc', options: LOOSE }, want: { pathAndQuery: '//doc' } },
  { name: 'attack: //private/x is /private/x when slashes are merged', input: { target: '//private/x' }, want: { pathAndQuery: '/private/x' } },
  { name: '//private/x stays when slashes are kept', input: { target: '//private/x', options: NOMERGE_REJECT }, want: { pathAndQuery: '//private/x' } },
  { name: 'a run of slashes in the middle merged', input: { target: '/a///b' }, want: { pathAndQuery: '/a/b' } },
  { name: 'a run of slashes in the middle kept', input: { target: '/a///b', options: LOOSE }, want: { pathAndQuery: '/a///b' } },
  { name: 'a trailing double slash merged', input: { target: '/a//' }, want: { pathAndQuery: '/a/' } },
  { name: '// alone is the root when merged', input: { target: '//' }, want: { pathAndQuery: '/' } },
  { name: 'merging happens before dot removal: /a//../b is /b', input: { target: '/a//../b' }, want: { pathAndQuery: '/b' } },
  { name: 'without merging, .. removes the empty segment: /a//../b is /a/b', input: { target: '/a//../b', options: LOOSE }, want: { pathAndQuery: '/a/b' } },
  { name: 'slashes in the query are not merged', input: { target: '/a?x=//y' }, want: { pathAndQuery: '/a?x=//y' } },

  // encoded slashes and backslashes
  { name: 'invalid: attack /a/..%2Fb refused (escapedSlashes reject)', input: { target: '/a/..%2Fb' }, want: ESCAPED },
  { name: 'invalid: lower-case %2f refused', input: { target: '/a%2fb' }, want: ESCAPED },
  { name: 'invalid: attack /a%5Cb refused (encoded backslash)', input: { target: '/a%5Cb' }, want: ESCAPED },
  { name: 'invalid: lower-case %5c refused', input: { target: '/a%5cb' }, want: ESCAPED },
  { name: 'invalid: attack /a\\b refused (a literal backslash)', input: { target: '/a\\b' }, want: BACKSLASH },
  { name: 'invalid: a literal backslash refused even without merging', input: { target: '/a\\b', options: NOMERGE_REJECT }, want: BACKSLASH },
  { name: 'invalid: an encoded slash refused when slashes are not merged', input: { target: '/a%2Fb', options: NOMERGE_REJECT }, want: ESCAPED },
  { name: '/a/..%2Fb kept as is when kept (one segment, no dot-segment)', input: { target: '/a/..%2Fb', options: LOOSE }, want: { pathAndQuery: '/a/..%2Fb' } },
  { name: 'a lower-case %2f is kept with its hex upper-cased', input: { target: '/a%2fb', options: LOOSE }, want: { pathAndQuery: '/a%2Fb' } },
  { name: '/a%5Cb kept when kept', input: { target: '/a%5Cb', options: LOOSE }, want: { pathAndQuery: '/a%5Cb' } },
  { name: 'a lower-case %5c is kept upper-cased', input: { target: '/a%5cb', options: MERGE_KEEP }, want: { pathAndQuery: '/a%5Cb' } },
  { name: 'a literal backslash kept when kept', input: { target: '/a\\b', options: LOOSE }, want: { pathAndQuery: '/a\\b' } },
  { name: 'an encoded slash is not merged with a real one', input: { target: '/a/%2F/b', options: MERGE_KEEP }, want: { pathAndQuery: '/a/%2F/b' } },
  { name: 'an encoded slash in the query is no path slash (not refused)', input: { target: '/a?x=%2F' }, want: { pathAndQuery: '/a?x=%2F' } },
  { name: 'a backslash in the query is not refused', input: { target: '/a?x=\\' }, want: { pathAndQuery: '/a?x=\\' } },

  // the query, exactly as sent
  { name: 'the query is not percent-normalised', input: { target: '/%64oc?q=%64%2e%zz%' }, want: { pathAndQuery: '/doc?q=%64%2e%zz%' } },
  { name: 'a second ? belongs to the query', input: { target: '/a?b?c' }, want: { pathAndQuery: '/a?b?c' } },
  { name: 'a query on the root', input: { target: '/?x' }, want: { pathAndQuery: '/?x' } },

  // the fragment, dropped
  { name: 'a fragment is dropped', input: { target: '/doc#top' }, want: { pathAndQuery: '/doc' } },
  { name: 'a fragment after a query is dropped, the query kept', input: { target: '/doc?x=1#top' }, want: { pathAndQuery: '/doc?x=1' } },
  { name: 'a ? after # is part of the fragment', input: { target: '/a#b?c' }, want: { pathAndQuery: '/a' } },
  { name: 'dot-segments inside the fragment do not count', input: { target: '/a/b#/../..' }, want: { pathAndQuery: '/a/b' } },
  { name: 'a malformed encoding inside the fragment does not count', input: { target: '/a#%zz' }, want: { pathAndQuery: '/a' } },
  { name: 'a path with a fragment is normalised too', input: { target: '/x/../%64oc#f' }, want: { pathAndQuery: '/doc' } },

  // absolute-form (RFC 9112 §3.2.2)
  { name: 'absolute-form: authority apart, path kept', input: { target: 'http://example.com:8080/doc?q' }, want: { pathAndQuery: '/doc?q', authority: 'example.com:8080' } },
  { name: 'absolute-form https', input: { target: 'https://example.com/doc' }, want: { pathAndQuery: '/doc', authority: 'example.com' } },
  { name: 'absolute-form: the scheme is case-insensitive', input: { target: 'HTTP://Example.com/doc' }, want: { pathAndQuery: '/doc', authority: 'Example.com' } },
  { name: 'absolute-form: mixed-case HTTPS', input: { target: 'HtTpS://h/doc' }, want: { pathAndQuery: '/doc', authority: 'h' } },
  { name: 'absolute-form without a path is the root', input: { target: 'http://example.com' }, want: { pathAndQuery: '/', authority: 'example.com' } },
  { name: 'absolute-form with only a query gets the root path', input: { target: 'http://example.com?x=1' }, want: { pathAndQuery: '/?x=1', authority: 'example.com' } },
  { name: 'absolute-form: the path is normalised', input: { target: 'http://h/public/%2e%2e/private//%64oc?q=%2e' }, want: { pathAndQuery: '/private/doc?q=%2e', authority: 'h' } },
  { name: 'absolute-form: .. stays at the root', input: { target: 'http://h/../../etc' }, want: { pathAndQuery: '/etc', authority: 'h' } },
  { name: 'absolute-form: a fragment dropped', input: { target: 'http://h/a#f' }, want: { pathAndQuery: '/a', authority: 'h' } },
  { name: 'absolute-form: a fragment right after the authority', input: { target: 'http://h#f' }, want: { pathAndQuery: '/', authority: 'h' } },
  { name: 'absolute-form: an IPv6 literal authority', input: { target: 'http://[::1]:8080/a' }, want: { pathAndQuery: '/a', authority: '[::1]:8080' } },
  { name: 'invalid: absolute-form with userinfo', input: { target: 'http://u@h/' }, want: NO_AUTHORITY },
  { name: 'invalid: absolute-form with user and password', input: { target: 'http://u:p@h/doc' }, want: NO_AUTHORITY },
  { name: 'invalid: absolute-form userinfo that looks like a host', input: { target: 'http://good.example@evil.example/' }, want: NO_AUTHORITY },
  { name: 'invalid: a backslash in the authority (another parser reads host `host`, path `/evil/x`)', input: { target: 'http://host\\evil/x' }, want: NO_AUTHORITY },
  { name: 'invalid: a space in the authority', input: { target: 'http://ho st/x' }, want: NO_AUTHORITY },
  { name: 'invalid: absolute-form with an empty authority', input: { target: 'http:///doc' }, want: NO_AUTHORITY },
  { name: 'invalid: absolute-form with an empty authority and no path', input: { target: 'http://' }, want: NO_AUTHORITY },
  { name: 'invalid: absolute-form with a malformed path encoding', input: { target: 'http://h/%zz' }, want: MALFORMED },
  { name: 'invalid: absolute-form with an encoded slash', input: { target: 'http://h/a%2Fb' }, want: ESCAPED },
  { name: 'invalid: another scheme is no target', input: { target: 'ftp://h/doc' }, want: NOT_A_PATH },
  { name: 'invalid: http: without // is no target', input: { target: 'http:/doc' }, want: NOT_A_PATH },

  // not a path at all
  { name: 'invalid: asterisk-form', input: { target: '*' }, want: NOT_A_PATH },
  { name: 'invalid: authority-form', input: { target: 'example.com:443' }, want: NOT_A_PATH },
  { name: 'invalid: a relative path', input: { target: 'doc' }, want: NOT_A_PATH },
  { name: 'invalid: a leading backslash', input: { target: '\\doc' }, want: NOT_A_PATH },
  { name: 'invalid: a query without a path', input: { target: '?x' }, want: NOT_A_PATH },
  { name: 'invalid: a fragment without a path', input: { target: '#x' }, want: NOT_A_PATH },
  { name: 'invalid: empty target', input: { target: '' }, want: EMPTY },
  { name: 'invalid: undefined target', input: { target: undefined }, want: EMPTY }
]

/** Rows for removeDotSegments alone: an absolute path (already percent-normalised), with or without merging. */
export interface DotSegmentsCase {
  readonly name: string
  readonly input: { readonly path: string; readonly mergeSlashes: boolean }
  readonly want: string
}

export const DOT_SEGMENTS_CASES: readonly DotSegmentsCase[] = [
  { name: 'root', input: { path: '/', mergeSlashes: true }, want: '/' },
  { name: 'no dot-segments', input: { path: '/a/b/c', mergeSlashes: true }, want: '/a/b/c' },
  { name: 'a . segment removed', input: { path: '/a/./b', mergeSlashes: true }, want: '/a/b' },
  { name: 'a .. segment removes its parent', input: { path: '/a/b/../c', mergeSlashes: true }, want: '/a/c' },
  { name: 'RFC 3986 §5.2.4 example', input: { path: '/a/b/c/./../../g', mergeSlashes: false }, want: '/a/g' },
  { name: '.. above the root stays at the root', input: { path: '/../a', mergeSlashes: true }, want: '/a' },
  { name: 'many .. above the root', input: { path: '/a/../../../b', mergeSlashes: false }, want: '/b' },
  { name: 'a trailing .. leaves a trailing slash', input: { path: '/a/b/..', mergeSlashes: true }, want: '/a/' },
  { name: 'a trailing . leaves a trailing slash', input: { path: '/a/b/.', mergeSlashes: true }, want: '/a/b/' },
  { name: '/.. is the root', input: { path: '/..', mergeSlashes: false }, want: '/' },
  { name: '/. is the root', input: { path: '/.', mergeSlashes: false }, want: '/' },
  { name: '/./ is the root', input: { path: '/./', mergeSlashes: false }, want: '/' },
  { name: 'a trailing slash kept', input: { path: '/a/b/', mergeSlashes: true }, want: '/a/b/' },
  { name: 'dots inside segments are not dot-segments', input: { path: '/.a/a./.../b', mergeSlashes: true }, want: '/.a/a./.../b' },
  { name: 'slashes merged when asked', input: { path: '//a///b//', mergeSlashes: true }, want: '/a/b/' },
  { name: 'slashes kept when not asked', input: { path: '//a///b//', mergeSlashes: false }, want: '//a///b//' },
  { name: 'merged before .. is applied', input: { path: '/a//..', mergeSlashes: true }, want: '/' },
  { name: 'without merging, .. removes an empty segment', input: { path: '/a//..', mergeSlashes: false }, want: '/a/' },
  { name: 'without merging, /.//x is //x (RFC 3986 rule B)', input: { path: '/.//x', mergeSlashes: false }, want: '//x' }
]
