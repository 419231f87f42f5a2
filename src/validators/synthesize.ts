import { createHash } from 'node:crypto'

/** Returns the base64url SHA-256 digest of a body given as chunks (256 bits, SPEC §3 asks ≥ 128). */
export function digestBody (chunks: readonly Buffer[]): string {
  const hash = createHash('sha256')
  for (const chunk of chunks) hash.update(chunk)
  return hash.digest('base64url')
}

/** Returns the strong ETag ifgate synthesizes for a body digest: `"<digest>"`. */
export function synthesizedEtag (digest: string): string {
  return `"${digest}"`
}
