import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OneShotAbort, type AbortWatch } from '../../src/abort.ts'

test('OneShotAbort: listeners run once, in the order they came, with the reason set before', () => {
  const a = new OneShotAbort()
  const seen: string[] = []
  for (const name of ['one', 'two', 'three']) a.addEventListener('abort', () => seen.push(`${name}:${String(a.reason)}`))
  assert.equal(a.aborted, false)
  assert.equal(a.reason, undefined)
  a.abort('left')
  a.abort('again')
  assert.equal(a.aborted, true)
  assert.equal(a.reason, 'left')
  assert.deepEqual(seen, ['one:left', 'two:left', 'three:left'])
})

test('OneShotAbort: a removed listener does not run, whichever place it held', () => {
  for (const removed of [0, 1, 2]) {
    const a = new OneShotAbort()
    const seen: number[] = []
    const listeners = [0, 1, 2].map((i) => () => { seen.push(i) })
    for (const l of listeners) a.addEventListener('abort', l)
    a.removeEventListener('abort', listeners[removed] as () => void)
    a.removeEventListener('abort', () => {})
    a.abort(new Error('gone'))
    assert.deepEqual(seen, [0, 1, 2].filter((i) => i !== removed), `removed #${removed}`)
  }
})

test('OneShotAbort: a listener added once it aborted never runs, as on an AbortSignal', () => {
  const watches: Array<[string, AbortWatch]> = []
  const mine = new OneShotAbort()
  mine.abort('x')
  watches.push(['OneShotAbort', mine])
  const controller = new AbortController()
  controller.abort('x')
  watches.push(['AbortSignal', controller.signal])
  for (const [name, watch] of watches) {
    let ran = 0
    watch.addEventListener('abort', () => { ran++ }, { once: true })
    assert.equal(ran, 0, name)
    assert.equal(watch.aborted, true, name)
    assert.equal(watch.reason, 'x', name)
  }
})
