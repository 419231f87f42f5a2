import { createHash, hash } from 'node:crypto'

/** Returns the base64url SHA-256 digest of a body given as chunks (256 bits, SPEC §3 asks ≥ 128). */
export function digestBody (chunks: readonly Buffer[]): string {
  // One-shot hashing is about twice as fast as a Hash object for the common single-chunk body.
  if (chunks.length <= 1) return hash('sha256', chunks[0] ?? Buffer.alloc(0), 'base64url')
  const h = createHash('sha256')
  for (const chunk of chunks) h.update(chunk)
  return h.digest('base64url')
}

/** Returns the strong ETag ifgate synthesizes for a body digest: `"<digest>"`. */
export function synthesizedEtag (digest: string): string {
  return `"${digest}"`
}

/**
 * Returns a tap that hashes a body while it streams elsewhere, without buffering it, and calls
 * `done` with the digest when it ends, or with undefined once it passes `limit` bytes. A body that
 * errors or is cut off never calls `done`: its validators describe nothing that was delivered.
 */
export function digestTap (limit: number, done: (digest: string | undefined) => void): { data (chunk: Buffer): void; end (): void } {
  let first: Buffer | undefined
  let h: ReturnType<typeof createHash> | undefined
  let length = 0
  let over = false
  return {
    data (chunk) {
      if (over) return
      length += chunk.length
      if (length > limit) {
        over = true
        first = undefined
        h = undefined
        done(undefined)
        return
      }
      if (h === undefined && first === undefined) {
        first = chunk
        return
      }
      if (h === undefined) {
        h = createHash('sha256')
        h.update(first as Buffer)
        first = undefined
      }
      h.update(chunk)
    },
    end () {
      if (over) return
      done(h === undefined ? digestBody(first === undefined ? [] : [first]) : h.digest('base64url'))
    }
  }
}
