import type { Conditionals } from '../http/conditionals.ts'
import type { EntityTagList } from '../http/entity-tag.ts'
import type { CurrentValidators, Decision } from '../http/preconditions.ts'
import type { Cause } from './causes.ts'

/** Values clients send when they never received an ETag (SPEC §5 `placeholder-etag`). */
const PLACEHOLDERS = new Set(['null', 'undefined', '""', '"null"', '"undefined"', ''])

/** Returns true when an If-Match field holds only placeholders: the client never had an ETag. */
export function isPlaceholder (list: EntityTagList): boolean {
  if (list.any) return false
  if (list.tags.length === 0 && list.malformed.length === 0) return true
  for (const tag of list.tags) if (tag.weak || !PLACEHOLDERS.has(`"${tag.opaque}"`)) return false
  for (const raw of list.malformed) if (!PLACEHOLDERS.has(raw.trim())) return false
  return true
}

/**
 * Returns the cause of a failed precondition, checked in SPEC §5 order. This version knows the
 * causes that need no validator history.
 */
export function diagnose (decision: Decision, c: Conditionals, current: CurrentValidators | undefined): Cause {
  switch (decision.header) {
    case 'if-match': {
      if (current === undefined) return 'resource-missing'
      if (c.ifMatch !== undefined && isPlaceholder(c.ifMatch)) return 'placeholder-etag'
      if (current.etags.length > 0 && current.etags.every((t) => t.weak)) return 'origin-weak-etag'
      return 'stale-etag'
    }
    case 'if-none-match':
      return c.ifNoneMatch?.any === true ? 'resource-exists' : 'injected-conditional'
    case 'if-unmodified-since':
      return 'modified-since'
    default:
      return 'unknown-etag'
  }
}
