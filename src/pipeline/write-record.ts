import { principalOf } from '../http/credentials.ts'
import { afterWrite, observe, variantKeyOf, type ValidatorEntry, type Validators, type Written } from '../validators/entry.ts'
import { FencedError, type EntryUpdate, type RelatedUpdate } from '../validators/store.ts'
import type { Release } from '../lock/key-lock.ts'
import type { RequestContext } from './context.ts'
import type { Gateway } from './gateway.ts'

/** What became of a write, for its resource's validators (SPEC §2.5). */
export type WriteOutcome =
  /** Refused at the edge, or answered non-2xx by the origin: the validators stay. */
  | { readonly kind: 'unchanged' }
  /** A 2xx: the response's own validators become current when usable, else the current ones are dropped. */
  | { readonly kind: 'written'; readonly written: Written | undefined }
  /** No answer (timeout, cut, lease lost): the write may have been applied; the validators are dropped. */
  | { readonly kind: 'unknown' }

/**
 * The store contract of one write: the entry is read once under the lock (`read`), what lookups
 * teach is applied to a working copy (`learn`), and everything goes back in one atomic update
 * (`commit`), the related resources' validators dropped in the same call.
 */
export class WriteRecord {
  /** The entry as the store held it, with what this write learned since applied to it. */
  entry: ValidatorEntry | undefined
  /** The entry as read, before what this write learned. */
  readonly #read: ValidatorEntry | undefined
  readonly #learned: EntryUpdate[] = []
  readonly #gw: Gateway
  readonly #ctx: RequestContext

  readonly #lease: Release | undefined

  private constructor (gw: Gateway, ctx: RequestContext, entry: ValidatorEntry | undefined, lease: Release | undefined) {
    this.#gw = gw
    this.#ctx = ctx
    this.entry = entry
    this.#read = entry
    this.#lease = lease
  }

  /**
   * Resolves to the record of a write, its entry read from the store (the one read of the write):
   * a shared lock read it in the same round trip as its acquisition (SPEC §9), else the store.
   */
  static async read (gw: Gateway, ctx: RequestContext, lease?: Release): Promise<WriteRecord> {
    return WriteRecord.readNow(gw, ctx, lease) ?? new WriteRecord(gw, ctx, await gw.store.get(ctx.key!), lease)
  }

  /** Returns the record as `read` would, where that needs no round trip (the lease carried the entry, or a store of this process); else undefined. */
  static readNow (gw: Gateway, ctx: RequestContext, lease?: Release): WriteRecord | undefined {
    if (lease?.entry !== undefined) return new WriteRecord(gw, ctx, lease.entry ?? undefined, lease)
    const { getNow } = gw.store
    return getNow === undefined ? undefined : new WriteRecord(gw, ctx, getNow(ctx.key!), lease)
  }

  /** Returns the record of a write on what this process holds of the entry (store.peek): to reject with, never committed. */
  static local (gw: Gateway, ctx: RequestContext, entry: ValidatorEntry): WriteRecord {
    return new WriteRecord(gw, ctx, entry, undefined)
  }

  /** True once the write's shared lock lease ran out or passed to another holder (SPEC §9). */
  leaseLost (): boolean {
    return this.#lease?.lost?.() === true
  }

  /** Applies validators a lookup showed for the request's variant to the working copy; committed later. */
  learn (validators: Validators, vary: readonly string[]): void {
    const headers = this.#ctx.req.headers
    const variantKey = variantKeyOf(vary, headers)
    const principal = principalOf(headers)
    const depth = this.#ctx.settings!.historyDepth
    const now = Date.now()
    const step: EntryUpdate = (old) => observe(old, variantKey, vary, validators, now, depth, principal)
    this.#learned.push(step)
    this.entry = step(this.entry)
  }

  /** The Vary names the origin last showed for this resource. */
  vary (): readonly string[] {
    return this.entry?.vary ?? []
  }

  /**
   * Puts what the write learned and its outcome in the store: one atomic update of the resource,
   * with the current validators of `related` (Location, Content-Location, the parent collection)
   * dropped in the same call. Nothing is written when there is nothing to write. A store of this
   * process takes it at once and nothing is returned; otherwise the promise resolves once it is in.
   */
  commit (outcome: WriteOutcome, related: readonly string[] = []): Promise<void> | undefined {
    const learned = this.#learned
    if (outcome.kind === 'unchanged' && learned.length === 0) return undefined
    const depth = this.#ctx.settings!.historyDepth
    const now = Date.now()
    const drop: EntryUpdate = (old) => afterWrite(old, now, depth, undefined)
    const read = this.#read
    const working = this.entry
    const writesRead = read?.writes ?? 0
    const update: EntryUpdate = (old) => {
      // The steps are pure: on the entry it read (the store in this process, under the lock)
      // the working copy is what they make of it, so they are not run again. A write recorded
      // since the read (possible only outside the lock: the check before the body, SPEC §6) makes
      // what the lookups showed older than the entry: it is not learned, as on a read.
      let entry = old
      if (old === read) entry = working
      else if ((old?.writes ?? 0) === writesRead) for (const step of learned) entry = step(entry)
      if (outcome.kind === 'unchanged') return entry
      return afterWrite(entry, now, depth, outcome.kind === 'written' ? outcome.written : undefined)
    }
    const alsoDrop = outcome.kind === 'unchanged' || related.length === 0 ? undefined : { keys: related, update: drop }
    const { updateNow } = this.#gw.store
    if (updateNow !== undefined && this.#lease?.holder === undefined) {
      updateNow(this.#ctx.key!, update, alsoDrop)
      return undefined
    }
    return this.#commitRemote(update, alsoDrop, drop, outcome.kind === 'unchanged')
  }

  /** commit() on a store that must be asked: fencing refusals and failures handled. */
  async #commitRemote (update: EntryUpdate, alsoDrop: RelatedUpdate | undefined, drop: EntryUpdate, unchanged: boolean): Promise<void> {
    const gw = this.#gw
    const ctx = this.#ctx
    const key = ctx.key!
    try {
      await gw.store.update(key, update, alsoDrop, this.#lease?.holder)
    } catch (err) {
      if (err instanceof FencedError) {
        // A newer holder of the lock exists: what it learned stands, this write's update is refused.
        ctx.leaseLost = true
        gw.logger.warn({ requestId: ctx.requestId }, 'validator update refused: the lock lease passed to another holder (fencing)')
        return
      }
      // The store failed after the origin answered: the client still gets that answer. A write
      // that may have changed the resource must not leave its old validators current, so their
      // drop is retried until the store takes it or they are too old to be trusted anyway.
      if (unchanged) {
        gw.logger.warn({ requestId: ctx.requestId, err: (err as Error).message }, 'validators not recorded')
        return
      }
      gw.logger.error({ requestId: ctx.requestId, err: (err as Error).message }, 'the validators of a forwarded write could not be dropped; retrying')
      retryDrop(gw, key, ctx.route!.policy.validatorTtlMs, drop)
    }
  }
}

/** How often a drop the store refused is tried again. */
const RETRY_DROP_MS = 500

/** Tries to drop a resource's validators until the store takes it, for at most `ttlMs` (after that they are stale anyway). */
function retryDrop (gw: Gateway, key: string, ttlMs: number, drop: EntryUpdate): void {
  const until = Date.now() + ttlMs
  const attempt = (): void => {
    if (Date.now() > until) return
    gw.store.update(key, drop).catch(() => { setTimeout(attempt, RETRY_DROP_MS).unref() })
  }
  setTimeout(attempt, RETRY_DROP_MS).unref()
}
