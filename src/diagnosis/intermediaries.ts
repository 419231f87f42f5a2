/**
 * Signs that a request crossed a proxy, cache or CDN before ifgate (research §3). Hints only:
 * every request header is spoofable, so they change a diagnosis, never a decision.
 */
export interface IntermediaryEvidence {
  /** Lower-case names of the request headers that show an intermediary, in a fixed order. */
  readonly signals: readonly string[]
  /** Best guess at which intermediary, or undefined when nothing names one. */
  readonly name: string | undefined
}

type Headers = Readonly<Record<string, string | string[] | undefined>>

/** Exact header names that only intermediaries set. */
const SIGNAL_HEADERS = [
  'via', 'cdn-loop', 'forwarded', 'x-forwarded-for', 'cf-ray', 'cf-connecting-ip', 'x-amz-cf-id',
  'true-client-ip', 'x-azure-ref', 'x-azure-requestchain', 'cdn-serverid', 'eo-connecting-ip'
] as const

/** Header name prefixes that only intermediaries set (Fastly-FF, Fastly-Client, Akamai-Origin-Hop, …). */
const SIGNAL_PREFIXES = ['fastly-', 'akamai-', 'x-akamai-'] as const
/** The first characters of those prefixes: a name that starts with none of them is not compared. */
const PREFIX_STARTS: ReadonlySet<number> = new Set(SIGNAL_PREFIXES.map((p) => p.charCodeAt(0)))

/** Guesses, first match wins: a header that names one CDN, or a token in Via / CDN-Loop. */
const NAMES: ReadonlyArray<readonly [string, (h: Headers, text: string) => boolean]> = [
  ['cloudflare', (h, text) => h['cf-ray'] !== undefined || text.includes('cloudflare')],
  ['cloudfront', (h, text) => h['x-amz-cf-id'] !== undefined || text.includes('cloudfront')],
  ['fastly', (h, text) => text.includes('fastly') || Object.keys(h).some((k) => k.startsWith('fastly-'))],
  ['akamai', (h, text) => text.includes('akamai') || Object.keys(h).some((k) => k.startsWith('akamai-') || k.startsWith('x-akamai-'))],
  ['azure-front-door', (h, text) => h['x-azure-ref'] !== undefined || text.includes('azure')],
  ['bunnycdn', (h, text) => h['cdn-serverid'] !== undefined || text.includes('bunnycdn')],
  ['edgeone', (h) => h['eo-connecting-ip'] !== undefined],
  ['varnish', (_h, text) => text.includes('varnish')]
]

function text (value: string | string[] | undefined): string {
  if (value === undefined) return ''
  return (Array.isArray(value) ? value.join(', ') : value).toLowerCase()
}

/** Returns the intermediary signals present in a request's headers (Node's lower-case header object). Pure. */
export function intermediaryEvidence (headers: Headers): IntermediaryEvidence {
  const signals: string[] = []
  for (const name of SIGNAL_HEADERS) if (headers[name] !== undefined) signals.push(name)
  for (const name of Object.keys(headers)) {
    if (PREFIX_STARTS.has(name.charCodeAt(0)) && headers[name] !== undefined && SIGNAL_PREFIXES.some((p) => name.startsWith(p))) signals.push(name)
  }
  if (signals.length === 0) return { signals, name: undefined }
  const hints = `${text(headers.via)} ${text(headers['cdn-loop'])}`
  let name: string | undefined
  for (const [candidate, test] of NAMES) {
    if (test(headers, hints)) {
      name = candidate
      break
    }
  }
  return { signals, name: name ?? (signals.includes('via') ? 'proxy' : undefined) }
}
