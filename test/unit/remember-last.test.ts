import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rememberLast } from '../../src/remember-last.ts'

test('rememberLast: the same argument again is answered without a call; another one calls again', () => {
  const calls: unknown[] = []
  const f = rememberLast((x: string): string | undefined => { calls.push(x); return x === '' ? undefined : x.toUpperCase() })
  const cases: Array<{ arg: string; want: string | undefined; calls: number }> = [
    { arg: '', want: undefined, calls: 1 }, // the first call is made even for a "default-looking" argument
    { arg: '', want: undefined, calls: 1 }, // an undefined answer is remembered too
    { arg: 'a', want: 'A', calls: 2 },
    { arg: 'a', want: 'A', calls: 2 },
    { arg: 'b', want: 'B', calls: 3 },
    { arg: 'a', want: 'A', calls: 4 } // one slot: the earlier answer is gone
  ]
  for (const c of cases) {
    assert.equal(f(c.arg), c.want, `f(${JSON.stringify(c.arg)})`)
    assert.equal(calls.length, c.calls, `calls after f(${JSON.stringify(c.arg)})`)
  }
})
