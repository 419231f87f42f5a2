import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryLock } from '../../src/lock/key-lock.ts'
import { IfgateError } from '../../src/errors.ts'

const roomy = { waitMs: 1000, maxQueue: 10 }

test('holders of one key run one at a time, in arrival order', async () => {
  const lock = createMemoryLock()
  const order: string[] = []
  const first = await lock.acquire('k', roomy)
  const second = lock.acquire('k', roomy).then((release) => { order.push('second'); return release })
  const third = lock.acquire('k', roomy).then((release) => { order.push('third'); return release })
  assert.equal(lock.waiting('k'), 2)
  order.push('first')
  first()
  ;(await second)()
  ;(await third)()
  assert.deepEqual(order, ['first', 'second', 'third'])
  assert.equal(lock.held(), 0)
  assert.equal(lock.waiting(), 0)
})

test('different keys never wait on each other', async () => {
  const lock = createMemoryLock()
  const a = await lock.acquire('a', roomy)
  const b = await lock.acquire('b', roomy)
  assert.equal(lock.held(), 2)
  a()
  b()
  assert.equal(lock.held(), 0)
})

test('a waiter past waitMs is refused with IFG_ERR_LOCK_TIMEOUT and leaves the queue', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  await assert.rejects(lock.acquire('k', { waitMs: 20, maxQueue: 10 }), (err: unknown) => {
    assert.ok(err instanceof IfgateError)
    assert.equal(err.code, 'IFG_ERR_LOCK_TIMEOUT')
    assert.equal(err.status, 503)
    assert.ok((err.retryAfterSeconds ?? 0) >= 1)
    return true
  })
  assert.equal(lock.waiting('k'), 0)
  holder()
  assert.equal(lock.held(), 0)
})

test('a full queue refuses at once with IFG_ERR_LOCK_QUEUE_FULL', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  const waiting = lock.acquire('k', { waitMs: 1000, maxQueue: 1 })
  await assert.rejects(lock.acquire('k', { waitMs: 1000, maxQueue: 1 }), { code: 'IFG_ERR_LOCK_QUEUE_FULL' })
  holder()
  ;(await waiting)()
  assert.equal(lock.held(), 0)
})

test('maxQueue 0 allows the holder only', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', { waitMs: 1000, maxQueue: 0 })
  await assert.rejects(lock.acquire('k', { waitMs: 1000, maxQueue: 0 }), { code: 'IFG_ERR_LOCK_QUEUE_FULL' })
  holder()
})

test('releasing twice does not hand the lock to two waiters', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  let granted = 0
  const w1 = lock.acquire('k', roomy).then((r) => { granted++; return r })
  const w2 = lock.acquire('k', roomy).then((r) => { granted++; return r })
  holder()
  holder()
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(granted, 1)
  ;(await w1)()
  ;(await w2)()
  assert.equal(granted, 2)
})
