import { Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'

export type LogLine = Record<string, unknown>
export type LogPredicate = (line: LogLine) => boolean

export interface LogSink {
  /** Give this to pino as its destination. */
  readonly stream: Writable
  /** Every complete line so far, parsed; a line that is not a JSON object is kept as `{ raw }`. */
  readonly lines: LogLine[]
  find(pred: LogPredicate): LogLine | undefined
  waitFor(pred: LogPredicate, timeoutMs?: number): Promise<LogLine>
}

interface Waiter {
  readonly pred: LogPredicate
  readonly resolve: (line: LogLine) => void
}

/** How long `waitFor()` waits unless told otherwise. */
export const WAIT_FOR_DEFAULT_MS = 2000

function parse (text: string): LogLine {
  try {
    const value: unknown = JSON.parse(text)
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as LogLine
  } catch {
    // A line that is not JSON is still evidence; keep it verbatim below.
  }
  return { raw: text }
}

/**
 * Returns an in-memory sink for newline-delimited JSON logs (pino's output): a Writable that
 * splits its input on "\n" (UTF-8 safe across chunk boundaries), parses each line and keeps it in
 * `lines`. `waitFor()` resolves with the first line, already written or still to come, that
 * matches, and rejects after `timeoutMs` (default 2 s) naming how many lines it saw.
 */
export function logSink (): LogSink {
  const lines: LogLine[] = []
  const waiters = new Set<Waiter>()
  const decoder = new StringDecoder('utf8')
  let partial = ''

  function accept (text: string): void {
    if (text.trim() === '') return
    const line = parse(text)
    lines.push(line)
    for (const w of waiters) {
      if (w.pred(line)) {
        waiters.delete(w)
        w.resolve(line)
      }
    }
  }

  const stream = new Writable({
    write (chunk: Buffer | string, _encoding, callback) {
      partial += typeof chunk === 'string' ? chunk : decoder.write(chunk)
      let nl = partial.indexOf('\n')
      while (nl !== -1) {
        accept(partial.slice(0, nl))
        partial = partial.slice(nl + 1)
        nl = partial.indexOf('\n')
      }
      callback()
    },
    final (callback) {
      accept(partial + decoder.end())
      partial = ''
      callback()
    }
  })

  function find (pred: LogPredicate): LogLine | undefined {
    return lines.find(pred)
  }

  function waitFor (pred: LogPredicate, timeoutMs = WAIT_FOR_DEFAULT_MS): Promise<LogLine> {
    const found = find(pred)
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pred,
        resolve: (line) => {
          clearTimeout(timer)
          resolve(line)
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new Error(`no log line matched within ${timeoutMs} ms (${lines.length} lines seen)`))
      }, timeoutMs)
      waiters.add(waiter)
    })
  }

  return { stream, lines, find, waitFor }
}
