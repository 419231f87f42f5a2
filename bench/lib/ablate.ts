// `ABLATE=log,metrics node --import ./bench/lib/ablate.ts bin/ifgate.js …`: ifgate with some of its
// per-request features cut out of its source as the modules load, to measure in place what each
// one costs (bench/ablation.ts). Each cut is a literal edit of one line of src/; an edit whose text
// is no longer in its file fails the start (and test/unit/ablate.test.ts), so a cut cannot quietly
// stop cutting. An ablated ifgate breaks the SPEC: it is for measurement only.
import { registerHooks } from 'node:module'

export interface Edit {
  /** The file under src/. */
  readonly file: string
  readonly find: string
  readonly replace: string
}

export interface Ablation {
  readonly name: string
  /** What goes, in SPEC terms. */
  readonly what: string
  readonly edits: readonly Edit[]
}

/** A client-gone flag that never aborts, made once: what every context carries when it is cut. */
const NEVER_GONE = '((globalThis as { neverGone?: OneShotAbort }).neverGone ??= new OneShotAbort())'

export const ABLATIONS: readonly Ablation[] = [
  {
    name: 'log',
    what: 'the access-log line (SPEC §7): built and written',
    edits: [
      { file: 'observability/ledger.ts', find: 'const line = requestLogLine(ctx)', replace: "const line = { decision: ctx.decision ?? (ctx.res.writableFinished ? 'forwarded' : 'error') }" },
      { file: 'observability/ledger.ts', find: 'for (const c of batch) try { logger.info(c.line) } catch (err) { fail(\'log\', err) }', replace: '' }
    ]
  },
  {
    name: 'metrics',
    what: 'the request counters and latency histograms (SPEC §7)',
    edits: [{ file: 'observability/ledger.ts', find: 'for (const c of batch) try { metrics.recordRequest(c.ctx, c.decision) } catch (err) { fail(\'metrics\', err) }', replace: '' }]
  },
  {
    name: 'window',
    what: 'the dashboard\'s rolling window (SPEC §11)',
    edits: [{ file: 'observability/ledger.ts', find: 'if (window !== undefined) for (const c of batch) try { window.record(windowEntryOf(c.ctx, c.decision), c.nowMs) } catch (err) { fail(\'window\', err) }', replace: '' }]
  },
  {
    name: 'diagnoses',
    what: 'the /diagnoses ring of recent refusals (SPEC §7)',
    edits: [{ file: 'observability/ledger.ts', find: 'for (const c of batch) if (c.ctx.refusal !== undefined) try { diagnoses.record(c.ctx, c.nowMs) } catch (err) { fail(\'diagnoses\', err) }', replace: '' }]
  },
  {
    name: 'diagnose',
    what: 'the diagnosis of a failed precondition (SPEC §5): the first one is sent every time',
    edits: [{ file: 'pipeline/refuse.ts', find: 'return diagnose({', replace: 'return (globalThis as { lastDiagnosis?: Diagnosis }).lastDiagnosis ??= diagnose({' }]
  },
  {
    name: 'track',
    what: 'the responses under way per connection, which decide whether a client error gets an answer (SPEC §2)',
    edits: [
      { file: 'pipeline/handle.ts', find: 'const open = inFlight.of(req.socket)', replace: '' },
      { file: 'pipeline/handle.ts', find: 'open.add(res)', replace: '' },
      { file: 'pipeline/handle.ts', find: 'open.delete(res)', replace: '' }
    ]
  },
  {
    name: 'gone',
    what: 'the client-gone flag: an origin request aborted, a write not forwarded, once the client left (SPEC §2, §2.6)',
    edits: [
      { file: 'pipeline/context.ts', find: 'gone: new OneShotAbort()', replace: `gone: ${NEVER_GONE}` },
      { file: 'pipeline/handle.ts', find: "if (!res.writableFinished) ctx.gone.abort(new errors.RequestAbortedError('the client closed the connection'))", replace: '' },
      { file: 'pipeline/forward.ts', find: 'signal: ctx.gone', replace: 'signal: undefined' }
    ]
  },
  {
    name: 'target',
    what: 'the request target normalised and checked before routing (SPEC §2 "One resource, one key")',
    edits: [
      { file: 'pipeline/target.ts', find: 'const target = normalizeTarget(req.url, options)', replace: "const target = { ok: true, pathAndQuery: req.url ?? '/', authority: undefined, reason: '' }" },
      { file: 'pipeline/target.ts', find: 'if (severalHosts(req))', replace: 'if (options === undefined)' }
    ]
  }
]

/** Returns the ablations named in a comma-separated list (`all`: every one); throws on an unknown name. */
export function chosen (list: string): Ablation[] {
  const names = list.split(',').map((n) => n.trim()).filter((n) => n !== '')
  if (names.includes('all')) return [...ABLATIONS]
  return names.map((name) => {
    const a = ABLATIONS.find((x) => x.name === name)
    if (a === undefined) throw new Error(`ABLATE: no ablation named ${JSON.stringify(name)} (known: ${ABLATIONS.map((x) => x.name).join(', ')}, all)`)
    return a
  })
}

/** Returns `source` with every edit applied once; throws when an edit's text is not in it exactly once. */
export function applyEdits (file: string, source: string, edits: readonly Edit[]): string {
  let out = source
  for (const e of edits) {
    const at = out.indexOf(e.find)
    if (at === -1 || out.indexOf(e.find, at + 1) !== -1) throw new Error(`ablate: src/${file} must hold ${JSON.stringify(e.find)} exactly once`)
    out = out.slice(0, at) + e.replace + out.slice(at + e.find.length)
  }
  return out
}

const SRC = new URL('../../src/', import.meta.url).href
const active = chosen(process.env.ABLATE ?? '')
if (active.length > 0) {
  const byFile = new Map<string, Edit[]>()
  for (const a of active) for (const e of a.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e])
  registerHooks({
    load (url, context, next) {
      const loaded = next(url, context)
      const file = url.startsWith(SRC) ? url.slice(SRC.length) : undefined
      const edits = file === undefined ? undefined : byFile.get(file)
      if (edits === undefined) return loaded
      return { ...loaded, source: applyEdits(file as string, String(loaded.source), edits) }
    }
  })
}
