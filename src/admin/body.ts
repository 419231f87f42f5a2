import type { IncomingMessage } from 'node:http'

/** Resolves to a small request body (a login form, a purge passed to a worker), or undefined when it exceeds `maxBytes` or fails. */
export function readSmallBody (req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) chunks.push(chunk)
      else {
        resolve(undefined)
        req.destroy()
      }
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', () => resolve(undefined))
  })
}
