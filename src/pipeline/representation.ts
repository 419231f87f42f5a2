import type { LookupResult } from '../origin/lookup.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'

/** Largest current representation embedded in a 412 (SPEC §6). */
const MAX_EMBEDDED_BYTES = 64 * 1024

function isJson (contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const type = contentType.split(';')[0].trim().toLowerCase()
  return type === 'application/json' || type.endsWith('+json')
}

/**
 * Resolves to the current representation as parsed JSON, for the `current` key of a 412, or
 * undefined when it is not JSON, larger than 64 KiB, or cannot be had.
 */
export async function currentRepresentation (gw: Gateway, ctx: RequestContext, known: LookupResult | undefined, fetchCurrent: (wantBody: boolean) => Promise<LookupResult | undefined>): Promise<unknown> {
  let result = known
  if (result?.kind !== 'present' || result.body === undefined) {
    try {
      result = await fetchCurrent(true)
    } catch (err) {
      gw.logger.debug({ requestId: ctx.requestId, err: (err as Error).message }, 'current representation unavailable for the 412')
      return undefined
    }
  }
  if (result?.kind !== 'present' || result.body === undefined) return undefined
  if (result.body.length > MAX_EMBEDDED_BYTES || !isJson(result.contentType)) return undefined
  try {
    return JSON.parse(result.body.toString('utf8'))
  } catch {
    return undefined
  }
}
