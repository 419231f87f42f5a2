import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ABLATIONS, applyEdits, chosen } from '../../bench/lib/ablate.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

test('ablate: every cut of the ablation benchmark still finds its line in src/, once', () => {
  for (const a of ABLATIONS) {
    for (const e of a.edits) {
      const source = readFileSync(`${ROOT}src/${e.file}`, 'utf8')
      const out = applyEdits(e.file, source, [e])
      assert.equal(out.split(e.find).length - 1, e.replace.includes(e.find) ? 1 : 0, `${a.name}: src/${e.file} after the cut`)
      assert.ok(out.includes(e.replace), `${a.name}: src/${e.file} holds the replacement`)
    }
  }
})

test('ablate: an edit whose text is missing, or there twice, refuses to apply', () => {
  assert.throws(() => applyEdits('x.ts', 'a b', [{ file: 'x.ts', find: 'c', replace: '' }]), /src\/x\.ts must hold "c" exactly once/)
  assert.throws(() => applyEdits('x.ts', 'a a', [{ file: 'x.ts', find: 'a', replace: '' }]), /exactly once/)
  assert.equal(applyEdits('x.ts', 'a b', [{ file: 'x.ts', find: 'b', replace: 'c' }]), 'a c')
})

test('ablate: cuts are chosen by name; all is every one; an unknown name is refused', () => {
  assert.deepEqual(chosen('log, metrics').map((a) => a.name), ['log', 'metrics'])
  assert.equal(chosen('all').length, ABLATIONS.length)
  assert.deepEqual(chosen(''), [])
  assert.throws(() => chosen('logs'), /no ablation named "logs"/)
})

test('ablate: a module loaded under the hook carries the cut, and only the modules named', () => {
  const probe = "const t = await import('./src/pipeline/target.ts'); const l = await import('./src/observability/ledger.ts'); process.stdout.write(JSON.stringify([t.resolveTarget.toString().includes('normalizeTarget(req.url'), String(l.RequestLedger).includes('recordRequest')]))"
  const run = (ablate: string): unknown => JSON.parse(execFileSync(process.execPath, ['--import', './bench/lib/ablate.ts', '--input-type=module', '-e', probe], { cwd: ROOT, env: { ...process.env, ABLATE: ablate }, encoding: 'utf8' }))
  assert.deepEqual(run(''), [true, true])
  assert.deepEqual(run('target'), [false, true])
  assert.deepEqual(run('metrics'), [true, false])
})
