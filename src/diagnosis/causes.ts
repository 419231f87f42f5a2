/**
 * Why a precondition failed: SPEC §5's fixed vocabulary, in the order causes are checked. The same
 * strings appear in the problem body, the access log and the metric labels.
 */
export const CAUSES = [
  'resource-missing',
  'placeholder-etag',
  'resource-exists',
  'weakened-etag',
  'encoding-suffix-etag',
  'unquoted-etag',
  'origin-weak-etag',
  'unstable-origin-etag',
  'cdn-stale-etag',
  'stale-etag',
  'injected-conditional',
  'modified-since',
  'unknown-etag'
] as const
export type Cause = typeof CAUSES[number]

/** One line per cause telling the client or operator what to do. */
export const HINTS: Readonly<Record<Cause, string>> = {
  'resource-missing': 'The resource does not exist (any more): If-Match cannot match. Re-read the collection, or create it with If-None-Match: *.',
  'placeholder-etag': 'The client sent a placeholder instead of an ETag: it never received one. Check that nothing between the origin and the client removes the ETag header.',
  'resource-exists': 'If-None-Match: * asks to create only, and the resource already exists. Re-read it and send If-Match with its ETag to update it.',
  'weakened-etag': 'An intermediary (typically a compressing proxy or CDN) weakened the ETag to W/. Configure it to keep strong ETags, or enable repair: [weakened-etag] on this route.',
  'encoding-suffix-etag': 'A compressing server or CDN appended an encoding suffix to the ETag. Turn that rewriting off, or enable repair: [encoding-suffix-etag] on this route.',
  'unquoted-etag': 'The ETag lost its double quotes on the way (client or intermediary). Send it exactly as received, or enable repair: [unquoted-etag] on this route.',
  'origin-weak-etag': 'The origin only sends weak ETags, and If-Match uses the strong comparison. Set etags: auto or synthesize on this route so ifgate issues strong ETags.',
  'unstable-origin-etag': 'The origin served a different ETag for an unchanged body (e.g. per-server ETags behind a load balancer). Set etags: synthesize on this route.',
  'cdn-stale-etag': 'The ETag is an earlier one served through a cache or CDN. Re-read the resource bypassing the cache (Cache-Control: no-cache) and retry with the new ETag.',
  'stale-etag': 'Someone else changed the resource since you read it. Re-read it (the current ETag is in this response), merge, and retry.',
  'injected-conditional': 'A cache revalidation header (If-None-Match with the current ETag) reached a write. Check the client or intermediary that adds it.',
  'modified-since': 'The resource changed after the If-Unmodified-Since date. Re-read it (Last-Modified is in this response) and retry.',
  'unknown-etag': 'ifgate never saw this ETag for this resource. Re-read the resource through ifgate and retry with the ETag it returns.'
}
