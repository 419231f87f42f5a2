import type { Dispatcher } from 'undici'
import type { Policy } from '../config/types.ts'
import { fromOriginError, IfgateError } from '../errors.ts'
import type { Validators } from '../validators/entry.ts'
import { digestBody } from '../validators/synthesize.ts'
import { startExchange, type OriginExchange, type OriginResponse } from './exchange.ts'
import { firstValue, isIdentityCoding, parseVary } from '../http/fields.ts'
import { usableValidators } from '../validators/learn.ts'

export type LookupResult =
  | { readonly kind: 'absent'; readonly status: number }
  /** The origin refused to show the resource to this client (401, 403, 407): its answer is the client's (SPEC §2). */
  | { readonly kind: 'denied'; readonly status: number; readonly headers: Headers }
  | {
    readonly kind: 'present'
    readonly validators: Validators
    readonly vary: string[]
    /** The identity body, when the lookup used GET and it fitted in maxHashBytes. */
    readonly body: Buffer | undefined
    readonly contentType: string | undefined
  }

type Headers = Record<string, string | string[] | undefined>

/** Statuses by which the origin says who may read: relayed to the client, never turned into a 502. */
const DENIED = new Set([401, 403, 407])


export interface LookupOptions {
  readonly path: string
  /** Request fields to send (no conditionals, no body fields). */
  readonly headers: Record<string, string | string[]>
  readonly policy: Policy
  /** Use GET even when HEAD would do, to get the current representation. */
  readonly wantBody: boolean
}

/**
 * Resolves to the current validators of a resource as the origin reports them (SPEC §3 "Lookup on
 * a miss"): HEAD first, GET when HEAD is refused, carries no validators, or tags are synthesized.
 * 404/410 mean absent; any other failure rejects with IFG_ERR_LOOKUP_FAILED or _TIMEOUT.
 */
export async function lookupValidators (dispatcher: Dispatcher, options: LookupOptions): Promise<LookupResult> {
  const { policy } = options
  const timeoutMs = policy.timeouts.lookupMs
  // A body is hashed only in the identity coding: asked for here unless the caller's fields already do.
  const headers = options.headers['accept-encoding'] === 'identity' ? options.headers : { ...options.headers, 'accept-encoding': 'identity' }
  let timedOut: IfgateError | undefined
  /** The exchange under way (the HEAD, then the GET): the one the timeout aborts. */
  let current: OriginExchange | undefined
  const timer = setTimeout(() => {
    timedOut = new IfgateError('IFG_ERR_LOOKUP_TIMEOUT', `the origin did not answer the validator lookup within ${timeoutMs} ms (timeouts.lookupMs)`)
    current?.abort(timedOut)
  }, timeoutMs)
  const ask = (method: 'HEAD' | 'GET'): Promise<OriginResponse> => {
    // undici closes the connection after every HEAD, in case a broken server sends a body with it
    // (undici issue 258): each lookup would then pay a new TCP connection to the origin, which
    // halves write throughput. We deviate: the HEAD's connection is kept (RFC 9110 §9.3.2: a HEAD
    // response has no content), so a server that sends one anyway fails the next exchange on that
    // connection with a parse error (a 502), never with a wrong answer read from a JSON body.
    current = startExchange(dispatcher, { path: options.path, method, headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, reset: method === 'HEAD' ? false : undefined })
    return current.response
  }
  try {
    if (policy.etags !== 'synthesize' && !options.wantBody) {
      const head = await ask('HEAD')
      // A HEAD's (empty) body has nearly always ended by now: nothing to wait for then.
      if (!head.body.done) await head.body.dump()
      if (head.statusCode === 404 || head.statusCode === 410) return { kind: 'absent', status: head.statusCode }
      if (DENIED.has(head.statusCode)) return { kind: 'denied', status: head.statusCode, headers: head.headers }
      if (head.statusCode >= 200 && head.statusCode < 300 && head.statusCode !== 206) {
        const validators = usableValidators(head.headers, policy, undefined)
        if (validators !== undefined && (validators.source === 'origin')) {
          return { kind: 'present', validators, vary: parseVary(head.headers.vary), body: undefined, contentType: firstValue(head.headers['content-type']) }
        }
      } else if (head.statusCode !== 405 && head.statusCode !== 501 && head.statusCode !== 206) {
        throw new IfgateError('IFG_ERR_LOOKUP_FAILED', `the origin answered ${head.statusCode} to the validator lookup (HEAD ${options.path})`)
      }
    }
    const get = await ask('GET')
    if (get.statusCode === 404 || get.statusCode === 410) {
      await get.body.dump()
      return { kind: 'absent', status: get.statusCode }
    }
    if (DENIED.has(get.statusCode)) {
      await get.body.dump()
      return { kind: 'denied', status: get.statusCode, headers: get.headers }
    }
    // A lookup asks for no range: a 206 is a part, not the representation (SPEC §2).
    if (get.statusCode < 200 || get.statusCode >= 300 || get.statusCode === 206) {
      await get.body.dump()
      throw new IfgateError('IFG_ERR_LOOKUP_FAILED', `the origin answered ${get.statusCode} to the validator lookup (GET ${options.path})`)
    }
    const read = await get.body.read(policy.maxHashBytes)
    if (read.truncated) get.body.abort(new Error('the representation is larger than maxHashBytes'))
    const hashable = !read.truncated && isIdentityCoding(get.headers)
    const body = hashable ? Buffer.concat(read.chunks, read.length) : undefined
    const digest = body === undefined ? undefined : digestBody([body])
    // A representation without a usable validator exists all the same: If-Match cannot match it.
    const validators: Validators = usableValidators(get.headers, policy, digest) ??
      { etag: undefined, lastModified: firstValue(get.headers['last-modified']), source: 'origin', digest, encoding: firstValue(get.headers['content-encoding']) }
    return { kind: 'present', validators, vary: parseVary(get.headers.vary), body, contentType: firstValue(get.headers['content-type']) }
  } catch (err) {
    if (timedOut !== undefined) throw timedOut
    throw fromOriginError(err, 'lookup')
  } finally {
    clearTimeout(timer)
  }
}
