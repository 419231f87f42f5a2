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

// acquire(key, options, signal): a waiter whose client left leaves the queue at once (SPEC §2).

/** Resolves after every callback already queued has run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

test('an aborted waiter leaves the queue at once and rejects with the signal\'s reason', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  const controller = new AbortController()
  const waiter = lock.acquire('k', roomy, controller.signal)
  assert.equal(lock.waiting('k'), 1)
  assert.equal(lock.waiting(), 1)
  const reason = new Error('the client went away')
  controller.abort(reason)
  assert.equal(lock.waiting('k'), 0, 'the queue drops before any promise settles')
  assert.equal(lock.waiting(), 0)
  await assert.rejects(waiter, (err: unknown) => err === reason)
  assert.equal(lock.held(), 1, 'the holder still holds the lock')
  holder()
  assert.equal(lock.held(), 0)
})

test('a plain abort() rejects with the signal\'s own AbortError reason', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  const controller = new AbortController()
  const waiter = lock.acquire('k', roomy, controller.signal)
  controller.abort()
  await assert.rejects(waiter, (err: unknown) => {
    assert.equal(err, controller.signal.reason)
    assert.equal((err as Error).name, 'AbortError')
    return true
  })
  holder()
})

test('after an abort, the next waiter gets the lock when the holder releases, not after the aborted one', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  const controller = new AbortController()
  const order: string[] = []
  const aborted = lock.acquire('k', roomy, controller.signal).then(
    (release) => { order.push('aborted granted'); return release },
    () => { order.push('aborted rejected'); return undefined }
  )
  const next = lock.acquire('k', roomy).then((release) => { order.push('next granted'); return release })
  assert.equal(lock.waiting('k'), 2)
  controller.abort()
  assert.equal(lock.waiting('k'), 1)
  await settle()
  assert.deepEqual(order, ['aborted rejected'], 'nobody is granted while the holder holds')
  holder()
  await settle()
  assert.deepEqual(order, ['aborted rejected', 'next granted'])
  assert.equal(await aborted, undefined)
  const release = await next
  assert.equal(lock.held(), 1)
  assert.equal(lock.waiting(), 0)
  release()
  assert.equal(lock.held(), 0)
})

test('aborting a waiter in the middle of the queue keeps the others in arrival order', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  const order: string[] = []
  const controller = new AbortController()
  const first = lock.acquire('k', roomy).then((r) => { order.push('first'); return r })
  const middle = lock.acquire('k', roomy, controller.signal)
  const last = lock.acquire('k', roomy).then((r) => { order.push('last'); return r })
  controller.abort()
  await assert.rejects(middle)
  assert.equal(lock.waiting('k'), 2)
  holder()
  ;(await first)()
  ;(await last)()
  assert.deepEqual(order, ['first', 'last'])
  assert.equal(lock.held(), 0)
  assert.equal(lock.waiting(), 0)
})

test('an aborted waiter frees its place in a full queue', async () => {
  const lock = createMemoryLock()
  const tight = { waitMs: 1000, maxQueue: 1 }
  const holder = await lock.acquire('k', tight)
  const controller = new AbortController()
  const aborted = lock.acquire('k', tight, controller.signal)
  await assert.rejects(lock.acquire('k', tight), { code: 'IFG_ERR_LOCK_QUEUE_FULL' })
  controller.abort()
  await assert.rejects(aborted)
  const next = lock.acquire('k', tight)
  assert.equal(lock.waiting('k'), 1)
  holder()
  ;(await next)()
  assert.equal(lock.held(), 0)
})

test('an aborted waiter\'s own waitMs passing later takes nobody else out of the queue', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  const controller = new AbortController()
  const reason = new Error('gone')
  const waiter = lock.acquire('k', { waitMs: 30, maxQueue: 10 }, controller.signal)
  controller.abort(reason)
  await assert.rejects(waiter, (err: unknown) => err === reason)
  const next = lock.acquire('k', roomy)
  await new Promise((resolve) => setTimeout(resolve, 60))
  assert.equal(lock.waiting('k'), 1, 'the aborted waiter\'s timer took nobody else out of the queue')
  holder()
  ;(await next)()
  assert.equal(lock.held(), 0)
})

test('an already-aborted signal rejects at once, without queueing or taking the lock', async () => {
  const reason = new Error('left before asking')
  // A free key: the lock is not taken.
  const lock = createMemoryLock()
  await assert.rejects(lock.acquire('free', roomy, AbortSignal.abort(reason)), (err: unknown) => err === reason)
  assert.equal(lock.held(), 0)
  // A held key: the waiter does not queue, even with room.
  const holder = await lock.acquire('k', roomy)
  await assert.rejects(lock.acquire('k', roomy, AbortSignal.abort(reason)), (err: unknown) => err === reason)
  assert.equal(lock.waiting('k'), 0)
  // A full queue: the abort reason wins over IFG_ERR_LOCK_QUEUE_FULL.
  const tight = { waitMs: 1000, maxQueue: 0 }
  await assert.rejects(lock.acquire('k', tight, AbortSignal.abort(reason)), (err: unknown) => err === reason)
  holder()
  assert.equal(lock.held(), 0)
})

test('a lock granted at once is unaffected by a later abort', async () => {
  const lock = createMemoryLock()
  const controller = new AbortController()
  const release = await lock.acquire('k', roomy, controller.signal)
  controller.abort()
  assert.equal(lock.held(), 1)
  let granted = false
  const next = lock.acquire('k', roomy).then((r) => { granted = true; return r })
  await settle()
  assert.equal(granted, false, 'the abort did not release the lock')
  release()
  ;(await next)()
  assert.equal(lock.held(), 0)
})

test('a lock granted after waiting is unaffected by a later abort', async () => {
  const lock = createMemoryLock()
  const holder = await lock.acquire('k', roomy)
  const controller = new AbortController()
  const waiter = lock.acquire('k', roomy, controller.signal)
  holder()
  const release = await waiter
  const next = lock.acquire('k', roomy)
  controller.abort()
  assert.equal(lock.held(), 1)
  assert.equal(lock.waiting('k'), 1, 'the abort took no one out of the queue')
  let granted = false
  void next.then(() => { granted = true })
  await settle()
  assert.equal(granted, false, 'the abort did not release the lock')
  release()
  ;(await next)()
  assert.equal(lock.held(), 0)
})

test('aborting one key\'s waiter leaves other keys alone', async () => {
  const lock = createMemoryLock()
  const a = await lock.acquire('a', roomy)
  const b = await lock.acquire('b', roomy)
  const controller = new AbortController()
  const onA = lock.acquire('a', roomy, controller.signal)
  const onB = lock.acquire('b', roomy)
  controller.abort()
  await assert.rejects(onA)
  assert.equal(lock.waiting('a'), 0)
  assert.equal(lock.waiting('b'), 1)
  a()
  b()
  ;(await onB)()
  assert.equal(lock.held(), 0)
})

test('tryAcquire takes a free lock at once, refuses a held one, and a waiter queued behind it still comes first', async () => {
  const lock = createMemoryLock()
  const held = lock.tryAcquire('k')
  assert.ok(held !== undefined)
  assert.equal(lock.tryAcquire('k'), undefined, 'held: no second holder without waiting')
  const waiter = lock.acquire('k', roomy)
  held()
  const next = await waiter
  assert.equal(lock.tryAcquire('k'), undefined, 'handed to the waiter, not free for a newcomer')
  next()
  const again = lock.tryAcquire('k')
  assert.ok(again !== undefined, 'free once the waiter released it')
  again()
  assert.equal(lock.held(), 0)
})
