import type { Policy } from '../config/types.ts'
import { parseEntityTag } from '../http/entity-tag.ts'
import { firstValue } from '../http/fields.ts'
import type { Validators } from './entry.ts'
import { synthesizedEtag } from './synthesize.ts'

type Headers = Readonly<Record<string, string | string[] | undefined>>

/**
 * The one place where validators are learned from a response's fields (SPEC §3): reads, lookups
 * and write responses all take them from here.
 */

/**
 * Returns the validators to use for a 2xx response under an `etags` policy, or undefined when the
 * response carries none that the policy accepts. `digest` is the identity body's digest, if hashed.
 */
export function usableValidators (headers: Headers, policy: Pick<Policy, 'etags'>, digest: string | undefined): Validators | undefined {
  const etagField = firstValue(headers.etag)
  const lastModified = firstValue(headers['last-modified'])
  const encoding = firstValue(headers['content-encoding'])
  const tag = etagField === undefined ? undefined : parseEntityTag(etagField)
  if (policy.etags !== 'synthesize' && tag !== undefined && (!tag.weak || policy.etags === 'origin')) {
    return { etag: etagField?.trim(), lastModified, source: 'origin', digest, encoding }
  }
  if (policy.etags !== 'origin' && digest !== undefined) {
    return { etag: synthesizedEtag(digest), lastModified, source: 'synthesized', digest, encoding }
  }
  if (policy.etags === 'origin' && lastModified !== undefined) return { etag: undefined, lastModified, source: 'origin', digest, encoding }
  return undefined
}

