import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'

/**
 * A write's body as ifgate forwards it: received whole when it fits `server.maxBufferBytes`, else
 * its first part received and the rest still to stream from the client.
 */
export type WriteBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'buffered'; readonly body: Buffer }
  | { readonly kind: 'partial'; readonly prefix: readonly Buffer[]; readonly rest: IncomingMessage }

const NONE: WriteBody = { kind: 'none' }

/** Returns true when the client request carries a body (RFC 9112 §6.3: Transfer-Encoding or a non-zero Content-Length). */
export function hasRequestBody (req: IncomingMessage): boolean {
  const h = req.headers
  if (h['transfer-encoding'] !== undefined) return true
  const length = h['content-length']
  return length !== undefined && length !== '0'
}

/**
 * Resolves to the request body received up to `limit` bytes (SPEC §2 "A slow uploader holds no
 * lock": this runs before the lock is taken), or to undefined when the client went away first.
 * The client's own time limit (server.requestTimeoutMs) bounds the wait.
 */
export function receiveBody (req: IncomingMessage, limit: number): Promise<WriteBody | undefined> {
  if (!hasRequestBody(req)) return Promise.resolve(NONE)
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let length = 0
    const done = (result: WriteBody | undefined): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onClose)
      req.off('error', onClose)
      resolve(result)
    }
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      length += chunk.length
      if (length > limit) {
        req.pause()
        done({ kind: 'partial', prefix: chunks, rest: req })
      }
    }
    const onEnd = (): void => done({ kind: 'buffered', body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length) })
    const onClose = (): void => { if (!req.complete) done(undefined) }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('close', onClose)
    req.on('error', onClose)
  })
}

/** Returns the body to hand to undici: the buffer, or the received part followed by the rest as it comes. */
export function originBody (body: WriteBody): Buffer | Readable | undefined {
  if (body.kind === 'none') return undefined
  if (body.kind === 'buffered') return body.body
  const { prefix, rest } = body
  return Readable.from((async function * () {
    yield * prefix
    for await (const chunk of rest) yield chunk as Buffer
  })(), { objectMode: false })
}
