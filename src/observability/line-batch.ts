/** Where a batch of log lines goes: one write per batch (sonic-boom, or a test's collector). */
export interface BatchTarget {
  write (chunk: string): unknown
}

/** A pino destination that hands its target the lines in batches. */
export interface LineBatch {
  write (line: string): void
  /** Hands over whatever is waiting, now; then calls `done` (pino's `logger.flush(cb)`). */
  flush (done?: () => void): void
  /** Stops the periodic flush after handing over what is waiting. */
  close (): void
}

/**
 * Returns a destination that keeps lines until about `minChars` characters are waiting, then hands
 * them to `target` as one string; and at the latest every `flushMs`. Lines are counted in UTF-16
 * units, which bounds the batch's bytes to 3× that: the size only decides when to write.
 *
 * In front of sonic-boom, this keeps its per-write bookkeeping (a byte count of the whole pending
 * buffer on every line) to one per batch.
 */
export function lineBatch (target: BatchTarget, minChars: number, flushMs: number): LineBatch {
  let lines: string[] = []
  let chars = 0
  const handOver = (): void => {
    if (lines.length === 0) return
    const chunk = lines.length === 1 ? lines[0] : lines.join('')
    lines = []
    chars = 0
    target.write(chunk)
  }
  const timer = setInterval(handOver, flushMs)
  timer.unref()
  return {
    write (line) {
      lines.push(line)
      chars += line.length
      if (chars >= minChars) handOver()
    },
    flush (done) {
      handOver()
      done?.()
    },
    close () {
      clearInterval(timer)
      handOver()
    }
  }
}
