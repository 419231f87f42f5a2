import pino, { type DestinationStream, type Logger } from 'pino'
import { IfgateError } from '../errors.ts'
import { lineBatch } from './line-batch.ts'
import { finalDecision, type RequestContext } from '../pipeline/context.ts'

/**
 * Resolves to a pino-pretty destination on stdout, for `log.pretty`. pino-pretty is a
 * devDependency, loaded only when asked for: a production install has none, and says so.
 */
export async function prettyDestination (): Promise<DestinationStream> {
  let pretty: (options: Record<string, unknown>) => DestinationStream
  try {
    pretty = (await import('pino-pretty')).default as unknown as typeof pretty
  } catch {
    throw new IfgateError('IFG_ERR_CONFIG_INVALID', 'log.pretty (--log-pretty, LOG_PRETTY) needs the pino-pretty package, a devDependency that production installs leave out; log JSON there instead')
  }
  return pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' })
}

/** The three digits of every millisecond, made once. */
const MILLIS = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0'))

let isoSecond = -1
/** The field up to the second's dot: `,"time":"2026-01-02T03:04:05.` */
let isoPrefix = ''
let isoMs = -1
let isoField = ''

/**
 * Returns pino's `time` field as an ISO-8601 string, like pino.stdTimeFunctions.isoTime: the date
 * formatted once per second (Date#toISOString is slow), its milliseconds appended, the field
 * itself made once per millisecond (a busy proxy writes many lines within one).
 */
function isoTime (): string {
  const now = Date.now()
  if (now === isoMs) return isoField
  isoMs = now
  const ms = now % 1000
  if (now - ms !== isoSecond) {
    isoSecond = now - ms
    const iso = new Date(isoSecond).toISOString()
    isoPrefix = `,"time":"${iso.slice(0, iso.length - 4)}`
  }
  isoField = isoPrefix + MILLIS[ms] + 'Z"'
  return isoField
}

/** Most milliseconds a log line waits in the buffer before it is written. */
export const LOG_FLUSH_MS = 100

/**
 * Returns stdout as a buffered pino destination: lines are written in batches of about 4 KiB (one
 * write syscall per batch instead of one per request, the largest single cost of a request's log
 * line), and at the latest every LOG_FLUSH_MS; what is left is written when the process exits.
 * The batches are made in front of sonic-boom (line-batch.ts), which writes each one at once.
 */
function stdoutDestination (): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: true })
  const batch = lineBatch(stream, 4096, LOG_FLUSH_MS)
  process.once('exit', () => {
    batch.close()
    stream.flushSync()
  })
  return batch
}

/** Returns the process logger: pino JSON, to stdout unless a destination is given. */
export function createLogger (level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { name: 'ifgate' }, timestamp: isoTime }
  return pino(options, destination ?? stdoutDestination())
}

function round (ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 1000) / 1000
}

/** Returns the one access-log line of a request (SPEC §7). */
export function requestLogLine (ctx: RequestContext): Record<string, unknown> {
  const line: Record<string, unknown> = {
    requestId: ctx.requestId,
    route: ctx.route?.id ?? null,
    method: ctx.req.method,
    path: ctx.path,
    status: ctx.res.statusCode,
    decision: finalDecision(ctx),
    cache: ctx.cache,
    durationMs: round(performance.now() - ctx.startedAt)
  }
  if (ctx.cause !== undefined) line.cause = ctx.cause
  if (ctx.wouldDecide !== undefined) line.wouldDecide = ctx.wouldDecide
  if (ctx.lookupMs !== undefined) line.lookupMs = round(ctx.lookupMs)
  if (ctx.originMs !== undefined) line.originMs = round(ctx.originMs)
  if (ctx.lockWaitMs !== undefined) line.lockWaitMs = round(ctx.lockWaitMs)
  if (ctx.repaired !== undefined) line.repaired = ctx.repaired
  if (ctx.wouldRepair !== undefined) line.wouldRepair = ctx.wouldRepair
  if (ctx.injectedConditional !== undefined) line.injectedConditional = ctx.injectedConditional
  if (ctx.writeEcho !== undefined) line.writeEcho = ctx.writeEcho
  if (ctx.leaseLost === true) line.leaseLost = true
  const d = ctx.diagnosis
  if (d !== undefined) {
    line.diagnosis = { header: d.header, labels: d.labels.map((l) => l.label), intermediary: d.intermediary.name ?? null, signals: d.intermediary.signals }
    if (d.clockSkewSuspected === true) line.clockSkewSuspected = true
  }
  if (ctx.error !== undefined) line.error = { code: ctx.error.code, message: ctx.error.message }
  if (!ctx.res.writableFinished) line.aborted = true
  return line
}
