import { test, mock } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { createLogger } from '../../src/observability/logger.ts'

/** Returns a logger whose lines are collected, parsed, in `lines`. */
function collected (): { logger: ReturnType<typeof createLogger>, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    }
  })
  return { logger: createLogger('info', sink), lines }
}

test('every line carries its time as ISO 8601, to the millisecond, across seconds, days and years', async (t) => {
  const times = [
    Date.UTC(2026, 11, 3, 7, 45, 12, 0),
    Date.UTC(2026, 11, 3, 7, 45, 12, 0),
    Date.UTC(2026, 11, 3, 7, 45, 12, 7),
    Date.UTC(2026, 11, 3, 7, 45, 12, 999),
    Date.UTC(2026, 11, 3, 7, 45, 13, 0),
    Date.UTC(2026, 11, 3, 7, 45, 12, 500),
    Date.UTC(2026, 11, 31, 23, 59, 59, 999),
    Date.UTC(2027, 0, 1, 0, 0, 0, 40),
    Date.UTC(2027, 0, 1, 0, 0, 1, 40)
  ]
  mock.timers.enable({ apis: ['Date'], now: times[0] })
  t.after(() => mock.timers.reset())
  const { logger, lines } = collected()
  for (const at of times) {
    mock.timers.setTime(at)
    logger.info({ at }, 'tick')
  }
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(lines.map((l) => l.time), times.map((at) => new Date(at).toISOString()))
  assert.deepEqual(lines.map((l) => l.at), times, 'each line is its own')
})
