import type { Readable } from 'node:stream'

export interface BoundedBody {
  /** The chunks read, in order. */
  readonly chunks: Buffer[]
  readonly length: number
  /** True when the body went past the limit: `chunks` then hold only a prefix. */
  readonly truncated: boolean
}

/**
 * Resolves to at most `limit` bytes of a body stream. Past the limit it stops reading and leaves
 * the stream paused with the rest unread (`truncated`), so the caller can still pass it on.
 */
export function readBounded (body: Readable, limit: number): Promise<BoundedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    const done = (truncated: boolean): void => {
      body.off('data', onData)
      body.off('end', onEnd)
      body.off('error', onError)
      resolve({ chunks, length, truncated })
    }
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      length += chunk.length
      if (length > limit) {
        body.pause()
        done(true)
      }
    }
    const onEnd = (): void => done(false)
    const onError = (err: Error): void => {
      body.off('data', onData)
      body.off('end', onEnd)
      reject(err)
    }
    body.on('data', onData)
    body.once('end', onEnd)
    body.once('error', onError)
  })
}
