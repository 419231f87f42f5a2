/**
 * What a wait or an origin request listens to for being called off. An AbortSignal has this
 * shape, and so has the lighter OneShotAbort that every request carries.
 */
export interface AbortWatch {
  readonly aborted: boolean
  /** Why it aborted; undefined while it has not. */
  readonly reason: unknown
  /** `listener` runs once, when it aborts; never when it already has (check `aborted` first). */
  addEventListener (type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener (type: 'abort', listener: () => void): void
}

/**
 * An AbortWatch that aborts at most once, with none of EventTarget's cost: one per request, so
 * the request path pays for a few fields, and listeners only where something waits on it.
 */
export class OneShotAbort implements AbortWatch {
  aborted = false
  reason: unknown = undefined
  #first: (() => void) | undefined = undefined
  #more: Array<() => void> | undefined = undefined

  addEventListener (_type: 'abort', listener: () => void): void {
    if (this.aborted) return
    if (this.#first === undefined) this.#first = listener
    else (this.#more ??= []).push(listener)
  }

  removeEventListener (_type: 'abort', listener: () => void): void {
    if (this.#first === listener) {
      this.#first = this.#more?.shift()
      return
    }
    const more = this.#more
    const at = more === undefined ? -1 : more.indexOf(listener)
    if (at !== -1) (more as Array<() => void>).splice(at, 1)
  }

  /** Aborts with `reason` and runs the listeners, in the order they came; again, does nothing. */
  abort (reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const first = this.#first
    const more = this.#more
    this.#first = undefined
    this.#more = undefined
    first?.()
    if (more !== undefined) for (const listener of more) listener()
  }
}
