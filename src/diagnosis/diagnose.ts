import type { Conditionals } from '../http/conditionals.ts'
import type { EntityTagList } from '../http/entity-tag.ts'
import type { CurrentValidators, Decision, PreconditionHeader } from '../http/preconditions.ts'
import type { HistoryItem } from '../validators/entry.ts'
import { sameDigest } from '../validators/packed.ts'
import type { Cause } from './causes.ts'
import { classifyList, type KnownEtags, type TokenClass } from './classify.ts'
import type { IntermediaryEvidence } from './intermediaries.ts'

/** One current variant as diagnosis sees it. */
export interface KnownVariant {
  readonly etag: string | undefined
  readonly digest: string | undefined
  readonly encoding: string | undefined
}

/** What ifgate knows of a resource: its current variants (empty when unknown) and earlier ETags, newest first. */
export interface ResourceFacts {
  readonly current: readonly KnownVariant[]
  readonly history: readonly HistoryItem[]
}

export interface DiagnosisInput {
  readonly decision: Decision
  readonly conditionals: Conditionals
  /** The evaluator's view; undefined: no current representation. */
  readonly current: CurrentValidators | undefined
  readonly facts: ResourceFacts
  readonly intermediary: IntermediaryEvidence
  /** ifgate's clock, epoch seconds (diagnosis reads no clock itself). */
  readonly nowSeconds: number
}

export interface Diagnosis {
  readonly cause: Cause
  /** The header that failed. */
  readonly header: PreconditionHeader | undefined
  /** Every member of the failed entity-tag header, labelled against the history. */
  readonly labels: readonly TokenClass[]
  readonly intermediary: IntermediaryEvidence
  /** modified-since only: the date is within 1 s of Last-Modified, or Last-Modified is in ifgate's future. */
  readonly clockSkewSuspected?: boolean
}

/** Returns the ETags of the facts, split into current and earlier, for classification. */
export function knownEtags (facts: ResourceFacts): KnownEtags {
  const current: string[] = []
  for (const v of facts.current) if (v.etag !== undefined) current.push(v.etag)
  return { current, earlier: facts.history.map((h) => h.etag) }
}

/** The last list labelled and the facts it was labelled against: a refusal asks twice (needsCurrentDigest, then diagnose). */
let labelled: { list: EntityTagList; facts: ResourceFacts; labels: readonly TokenClass[] } | undefined

/** Returns the labels of the members of `list` against `facts` (classifyList), the last answer remembered. */
function labelsOf (list: EntityTagList, facts: ResourceFacts): readonly TokenClass[] {
  if (labelled !== undefined && labelled.list === list && labelled.facts === facts) return labelled.labels
  const labels = classifyList(list, knownEtags(facts))
  labelled = { list, facts, labels }
  return labels
}

/** Returns the history item of an earlier ETag and whether a forwarded write came at or after it. */
function earlierItem (facts: ResourceFacts, etag: string): { item: HistoryItem; writeSince: boolean } | undefined {
  let writeSince = false
  for (const item of facts.history) {
    writeSince ||= item.byWrite
    if (item.etag === etag) return { item, writeSince }
  }
  return undefined
}

/** Returns true when an earlier ETag was superseded, with no write, by a current one for the same bytes. */
function unstable (facts: ResourceFacts, label: TokenClass): boolean {
  if (label.label !== 'exact-earlier' || label.etag === undefined) return false
  const earlier = earlierItem(facts, label.etag)
  if (earlier === undefined || earlier.writeSince || earlier.item.digest === undefined) return false
  const { digest, encoding } = earlier.item
  return facts.current.some((v) => v.digest !== undefined && sameDigest(v.digest, digest) && (v.encoding ?? '') === (encoding ?? ''))
}

/**
 * Returns true when an If-Match tag is an earlier ETag whose body digest is known, no write came
 * since, and no current variant has a digest yet: the current body's digest would tell an
 * unstable origin from a stale tag, so it is worth fetching before diagnosing.
 */
export function needsCurrentDigest (c: Conditionals, facts: ResourceFacts): boolean {
  if (c.ifMatch === undefined || facts.current.length === 0 || facts.current.some((v) => v.digest !== undefined)) return false
  return labelsOf(c.ifMatch, facts).some((l) => {
    if (l.label !== 'exact-earlier' || l.etag === undefined) return false
    const earlier = earlierItem(facts, l.etag)
    return earlier !== undefined && !earlier.writeSince && earlier.item.digest !== undefined
  })
}

const MANGLED_CAUSES = ['weakened-etag', 'encoding-suffix-etag', 'unquoted-etag'] as const

/** SPEC §5 rows for a failed If-Match, in order, first match wins. */
function ifMatchCause (input: DiagnosisInput, labels: readonly TokenClass[]): Cause {
  if (input.current === undefined) return 'resource-missing'
  if (labels.every((l) => l.label === 'placeholder')) return 'placeholder-etag'
  // A mangled spelling of the current strong ETag: the first mangling in SPEC §5 order names the
  // cause. A mangled weak ETag could not match even unmangled: that is origin-weak-etag below.
  for (const cause of MANGLED_CAUSES) {
    if (labels.some((l) => l.names === 'current' && l.manglings?.[0] === cause && l.etag?.startsWith('W/') === false)) return cause
  }
  if (input.current.etags.length > 0 && input.current.etags.every((t) => t.weak)) return 'origin-weak-etag'
  if (labels.some((l) => unstable(input.facts, l))) return 'unstable-origin-etag'
  const earlier = labels.filter((l) => l.names === 'earlier')
  if (earlier.some((l) => l.label !== 'exact-earlier') || (earlier.length > 0 && input.intermediary.signals.length > 0)) return 'cdn-stale-etag'
  if (earlier.length > 0) return 'stale-etag'
  return 'unknown-etag'
}

/**
 * Returns why a precondition failed: a cause from SPEC §5's vocabulary, checked in its order,
 * with the labelled members and the intermediary evidence behind it. Pure: no I/O, no clock.
 */
export function diagnose (input: DiagnosisInput): Diagnosis {
  const { decision, conditionals: c, intermediary } = input
  const header = decision.header
  switch (header) {
    case 'if-match': {
      const labels = c.ifMatch === undefined ? [] : labelsOf(c.ifMatch, input.facts)
      return { cause: ifMatchCause(input, labels), header, labels, intermediary }
    }
    case 'if-none-match': {
      const labels = c.ifNoneMatch === undefined ? [] : labelsOf(c.ifNoneMatch, input.facts)
      // SPEC §5: `*` on an existing resource; specific current tags on a write look like a cache revalidation.
      return { cause: c.ifNoneMatch?.any === true ? 'resource-exists' : 'injected-conditional', header, labels, intermediary }
    }
    case 'if-unmodified-since': {
      const date = c.ifUnmodifiedSince?.seconds
      const lastModified = input.current?.lastModified
      const clockSkewSuspected = date !== undefined && lastModified !== undefined &&
        (lastModified - date <= 1 || lastModified > input.nowSeconds)
      return { cause: 'modified-since', header, labels: [], intermediary, clockSkewSuspected }
    }
    default:
      return { cause: 'unknown-etag', header, labels: [], intermediary }
  }
}
