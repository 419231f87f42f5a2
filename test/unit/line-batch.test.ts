import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { lineBatch } from '../../src/observability/line-batch.ts'

function collector (): { chunks: string[]; write: (chunk: string) => void } {
  const chunks: string[] = []
  return { chunks, write: (chunk) => { chunks.push(chunk) } }
}

test('lines wait until the batch is full, then go as one write, in order', () => {
  const target = collector()
  const batch = lineBatch(target, 10, 60_000)
  batch.write('abcd\n')
  batch.write('efgh\n')
  assert.deepEqual(target.chunks, ['abcd\nefgh\n'])
  batch.write('ij\n')
  assert.deepEqual(target.chunks, ['abcd\nefgh\n'])
  batch.close()
  assert.deepEqual(target.chunks, ['abcd\nefgh\n', 'ij\n'])
})

test('a line longer than the batch goes at once, alone', () => {
  const target = collector()
  const batch = lineBatch(target, 4, 60_000)
  batch.write('a much longer line\n')
  assert.deepEqual(target.chunks, ['a much longer line\n'])
  batch.close()
  assert.equal(target.chunks.length, 1, 'nothing was waiting: close writes nothing')
})

test('a waiting line is written within the flush interval, with no further line', async () => {
  const target = collector()
  const batch = lineBatch(target, 4096, 20)
  batch.write('{"msg":"quiet"}\n')
  assert.deepEqual(target.chunks, [])
  await sleep(80)
  assert.deepEqual(target.chunks, ['{"msg":"quiet"}\n'])
  batch.close()
})

test('every line written comes out once, whatever the batch boundaries', () => {
  const target = collector()
  const batch = lineBatch(target, 37, 60_000)
  const lines = Array.from({ length: 200 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 13)}"}\n`)
  for (const line of lines) batch.write(line)
  batch.close()
  assert.equal(target.chunks.join(''), lines.join(''))
  assert.ok(target.chunks.every((c, i) => i === target.chunks.length - 1 || c.length >= 37), 'every batch but the last is full')
})

test('flush hands over what waits, then calls back (pino logger.flush)', () => {
  const target = collector()
  const batch = lineBatch(target, 4096, 60_000)
  batch.write('one\n')
  let seen: string[] | undefined
  batch.flush(() => { seen = [...target.chunks] })
  assert.deepEqual(seen, ['one\n'], 'the line was written before the callback ran')
  batch.close()
})
