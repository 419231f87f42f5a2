import type { Conditionals } from '../http/conditionals.ts'
import { parseEntityTag } from '../http/entity-tag.ts'
import type { Repair } from '../config/types.ts'
import { classifyList, type KnownEtags } from './classify.ts'

export interface Repaired {
  /** The conditionals with If-Match naming the current ETag it was mangled from. */
  readonly conditionals: Conditionals
  /** The first mangling undone, in SPEC §5 order: the repair logged and counted. */
  readonly kind: Repair
  /** The mangled member as received. */
  readonly from: string
  /** The current ETag, spelled as the origin (or ifgate) sent it: the If-Match value to forward. */
  readonly to: string
}

/**
 * Returns the conditionals with a mangled If-Match member normalised, or undefined when no
 * repair applies (SPEC §5). A repair applies only when every mangling of the member is enabled on
 * the route and the member, once normalised, names a *current* strong ETag exactly; the classification
 * already guarantees the origin never sent the member's own spelling. Earlier (stale) tags are
 * never repaired, and If-Range is never touched. Pure.
 */
export function repairIfMatch (c: Conditionals, known: KnownEtags, enabled: readonly Repair[]): Repaired | undefined {
  if (enabled.length === 0 || c.ifMatch === undefined || c.ifMatch.any) return undefined
  for (const label of classifyList(c.ifMatch, known)) {
    if (label.names !== 'current' || label.manglings === undefined || label.etag === undefined) continue
    if (!label.manglings.every((m) => enabled.includes(m))) continue
    const tag = parseEntityTag(label.etag)
    // RFC 9110 §13.1.1: If-Match uses the strong comparison, so only a strong ETag can be a repair's target.
    if (tag === undefined || tag.weak) continue
    return {
      conditionals: { ...c, ifMatch: { any: false, tags: [tag], malformed: [] } },
      kind: label.manglings[0],
      from: label.token,
      to: label.etag
    }
  }
  return undefined
}
