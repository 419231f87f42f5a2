import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * The responses under way on each connection, or queued behind a pipelined one: a client error
 * on a connection gets an answer only while none has begun (SPEC §2), as Node's own handler does.
 */
export class ResponsesInFlight {
  readonly #open = new WeakMap<Duplex, Set<ServerResponse>>()

  /** Returns the set of `socket`'s responses under way, to add one to and delete it when it closes. */
  of (socket: Duplex): Set<ServerResponse> {
    let set = this.#open.get(socket)
    if (set === undefined) this.#open.set(socket, set = new Set())
    return set
  }

  /** Whether a response has begun on `socket`, or waits behind another. */
  busy (socket: Duplex): boolean {
    const set = this.#open.get(socket)
    if (set === undefined || set.size === 0) return false
    if (set.size > 1) return true
    for (const res of set) return res.headersSent
    return false
  }
}
