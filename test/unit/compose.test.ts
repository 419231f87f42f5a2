import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compose, type Step } from '../../src/pipeline/chain.ts'
import type { RequestContext } from '../../src/pipeline/context.ts'

const ctx = {} as RequestContext
type Trace = string[]
const step = (name: string, answers: boolean): Step<Trace> => async (_ctx, trace) => { trace.push(name); return answers }

const cases: Array<{ name: string; steps: Array<Step<Trace> | false>; want: { answered: boolean; ran: string[] } }> = [
  { name: 'runs every step in order when none answers', steps: [step('a', false), step('b', false), step('c', false)], want: { answered: false, ran: ['a', 'b', 'c'] } },
  { name: 'stops at the first step that answers', steps: [step('a', false), step('b', true), step('c', false)], want: { answered: true, ran: ['a', 'b'] } },
  { name: 'a step left out by the policy (false) is not part of the chain', steps: [false, step('b', false), false, step('d', true)], want: { answered: true, ran: ['b', 'd'] } },
  { name: 'an empty chain answers nothing', steps: [false], want: { answered: false, ran: [] } },
  { name: 'a synchronous step counts like an asynchronous one', steps: [(_c, t) => { t.push('sync'); return true }, step('never', false)], want: { answered: true, ran: ['sync'] } }
]

for (const c of cases) {
  test(`compose: ${c.name}`, async () => {
    const trace: Trace = []
    assert.equal(await compose(c.steps)(ctx, trace), c.want.answered)
    assert.deepEqual(trace, c.want.ran)
  })
}

test('compose: a stage that is not a function fails at start, not per request', () => {
  assert.throws(() => compose([step('a', false), 'oops' as unknown as Step<Trace>]), /stage 1 is not a function/)
})

test('compose: a step that rejects rejects the chain, and later steps do not run', async () => {
  const trace: Trace = []
  const chain = compose<Trace>([async () => { throw new Error('boom') }, step('after', false)])
  await assert.rejects(Promise.resolve(chain(ctx, trace)), /boom/)
  assert.deepEqual(trace, [])
})

test('compose: steps that all decide synchronously return the answer itself, with no promise', () => {
  const sync = (name: string, answers: boolean): Step<Trace> => (_c, t) => { t.push(name); return answers }
  const trace: Trace = []
  assert.equal(compose<Trace>([sync('a', false), sync('b', true), step('never', false)])(ctx, trace), true)
  assert.equal(compose<Trace>([sync('a', false)])(ctx, trace), false)
  assert.deepEqual(trace, ['a', 'b', 'a'])
})

test('compose: a step that throws synchronously throws from the chain, and later steps do not run', () => {
  const trace: Trace = []
  assert.throws(() => compose<Trace>([() => { throw new Error('sync boom') }, step('after', false)])(ctx, trace), /sync boom/)
  assert.deepEqual(trace, [])
})

test('compose: after a step that returned a promise, the rest runs in order once it resolves', async () => {
  const trace: Trace = []
  const chain = compose<Trace>([(_c, t) => { t.push('sync'); return false }, step('async', false), (_c, t) => { t.push('then'); return true }])
  const answered = chain(ctx, trace)
  assert.ok(answered instanceof Promise)
  assert.deepEqual(trace, ['sync', 'async'])
  assert.equal(await answered, true)
  assert.deepEqual(trace, ['sync', 'async', 'then'])
})
