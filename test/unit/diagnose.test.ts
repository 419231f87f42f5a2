import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readConditionals } from '../../src/http/conditionals.ts'
import { evaluatePreconditions } from '../../src/http/preconditions.ts'
import { CAUSES } from '../../src/diagnosis/causes.ts'
import { diagnose, needsCurrentDigest } from '../../src/diagnosis/diagnose.ts'
import { intermediaryEvidence } from '../../src/diagnosis/intermediaries.ts'
import { currentOf } from '../../src/pipeline/validators.ts'
import { DIAGNOSE_CASES, NOW_SECONDS, h, v, type DiagnoseCase } from '../cases/diagnose.cases.ts'

const CONDITIONALS = new Set(['if-match', 'if-none-match', 'if-unmodified-since', 'if-modified-since'])

function run (c: DiagnoseCase): ReturnType<typeof diagnose> {
  const method = c.method ?? 'PUT'
  const distinct: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(c.headers)) if (CONDITIONALS.has(name)) distinct[name] = [value]
  const conditionals = readConditionals(distinct)
  const current = c.current === undefined ? undefined : currentOf(c.current)
  const decision = evaluatePreconditions(method, conditionals, current)
  assert.equal(decision.result, 'precondition-failed', 'the row describes a refused request')
  return diagnose({
    decision,
    conditionals,
    current,
    facts: { current: c.current ?? [], history: c.history ?? [] },
    intermediary: intermediaryEvidence(c.headers),
    nowSeconds: NOW_SECONDS
  })
}

for (const c of DIAGNOSE_CASES) {
  test(`diagnose: ${c.name} → ${c.want.cause}`, () => {
    const d = run(c)
    assert.equal(d.cause, c.want.cause)
    if (c.want.clockSkewSuspected !== undefined) assert.equal(d.clockSkewSuspected, c.want.clockSkewSuspected)
  })
}

test('every cause of the vocabulary is reached by a row of the table', () => {
  const reached = new Set(DIAGNOSE_CASES.map((c) => c.want.cause))
  assert.deepEqual(CAUSES.filter((cause) => !reached.has(cause)), [])
})

test('diagnose reports the labels of the failed header and the intermediary it saw', () => {
  const d = run({ name: 'weakened through Cloudflare', headers: { 'if-match': 'W/"v3", "v0"', 'cf-ray': '1-AMS' }, current: [v('"v3"')], want: { cause: 'weakened-etag' } })
  assert.equal(d.header, 'if-match')
  assert.deepEqual(d.labels.map((l) => l.label), ['weakened', 'unknown'])
  assert.deepEqual(d.intermediary, { signals: ['cf-ray'], name: 'cloudflare' })
})

const digestCases: { name: string; input: { ifMatch: string; current: ReturnType<typeof v>[]; history: ReturnType<typeof h>[] }; want: boolean }[] = [
  { name: 'earlier tag with a digest, current never hashed (HEAD lookup)', input: { ifMatch: '"a"', current: [v('"b"')], history: [h('"a"', { digest: 'D', byWrite: false })] }, want: true },
  { name: 'current already hashed', input: { ifMatch: '"a"', current: [v('"b"', { digest: 'D' })], history: [h('"a"', { digest: 'D', byWrite: false })] }, want: false },
  { name: 'a write came since: stale whatever the bytes', input: { ifMatch: '"a"', current: [v('"b"')], history: [h('"a"', { digest: 'D', byWrite: true })] }, want: false },
  { name: 'the earlier tag was never hashed', input: { ifMatch: '"a"', current: [v('"b"')], history: [h('"a"', { byWrite: false })] }, want: false },
  { name: 'an unknown tag', input: { ifMatch: '"z"', current: [v('"b"')], history: [h('"a"', { digest: 'D', byWrite: false })] }, want: false }
]

for (const c of digestCases) {
  test(`needsCurrentDigest: ${c.name}`, () => {
    const conditionals = readConditionals({ 'if-match': [c.input.ifMatch] })
    assert.equal(needsCurrentDigest(conditionals, { current: c.input.current, history: c.input.history }), c.want)
  })
}
