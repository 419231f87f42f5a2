import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseVary } from '../../src/http/fields.ts'
import { afterWrite, decoded, entrySize, freshVariants, historyOf, observe, variantKeyOf, variantsOf, type Validators } from '../../src/validators/entry.ts'
import { unpackCurrent } from '../../src/validators/packed.ts'
import { currentOf } from '../../src/pipeline/validators.ts'
import { createMemoryStore } from '../../src/validators/memory-store.ts'

const v = (etag: string): Validators => ({ etag, lastModified: undefined, source: 'origin', digest: undefined, encoding: undefined })

test('observing the same ETag only refreshes learnedAt', () => {
  const e1 = observe(undefined, '', [], v('"a"'), 1000, 8)
  const e2 = observe(e1, '', [], v('"a"'), 2000, 8)
  assert.equal(variantsOf(e2)[0].firstSeen, 1000)
  assert.equal(variantsOf(e2)[0].learnedAt, 2000)
  assert.equal(historyOf(e2).length, 0)
})

test('a new ETag for the same variant supersedes the old one into history', () => {
  const e1 = observe(undefined, '', [], v('"a"'), 1000, 8)
  const e2 = observe(e1, '', [], v('"b"'), 2000, 8)
  assert.equal(variantsOf(e2)[0].etag, '"b"')
  assert.deepEqual(historyOf(e2).map((h) => [h.etag, h.supersededAt, h.byWrite]), [['"a"', 2000, false]])
})

test('variants keep their own current ETag', () => {
  const e1 = observe(undefined, 'gzip\n', ['accept-encoding'], v('"a-gzip"'), 1000, 8)
  const e2 = observe(e1, '\n', ['accept-encoding'], v('"a"'), 1000, 8)
  assert.deepEqual(variantsOf(e2).map((x) => x.etag).sort(), ['"a"', '"a-gzip"'])
})

test('a write moves every current ETag into history, marked as a write, and counts it', () => {
  const e1 = observe(observe(undefined, 'x\n', ['accept'], v('"a"'), 1000, 8), 'y\n', ['accept'], v('"b"'), 1000, 8)
  const e2 = afterWrite(e1, 3000, 8)
  assert.equal(e2.current, undefined)
  assert.deepEqual(historyOf(e2).map((h) => h.etag).sort(), ['"a"', '"b"'])
  assert.ok(historyOf(e2).every((h) => h.byWrite && h.supersededAt === 3000))
  assert.equal(e2.writes, 1)
  const e3 = afterWrite(e2, 4000, 8, { variantKey: '', validators: v('"c"') })
  assert.equal(variantsOf(e3)[0].etag, '"c"')
  assert.equal(e3.writes, 2)
})

test('history is bounded by depth and keeps the newest', () => {
  let e = observe(undefined, '', [], v('"0"'), 0, 3)
  for (let i = 1; i <= 6; i++) e = observe(e, '', [], v(`"${i}"`), i, 3)
  assert.deepEqual(historyOf(e).map((h) => h.etag), ['"5"', '"4"', '"3"'])
})

test('freshVariants drops variants older than the TTL', () => {
  const e = observe(undefined, '', [], v('"a"'), 1000, 8)
  assert.equal(freshVariants(e, 1500, 1000)?.length, 1)
  assert.equal(freshVariants(e, 2000, 1000), undefined)
  assert.equal(freshVariants(afterWrite(e, 1200, 8), 1300, 1000), undefined)
})

const varyCases = [
  { name: 'absent', input: undefined, want: [] },
  { name: 'one name, case folded', input: 'Accept-Encoding', want: ['accept-encoding'] },
  { name: 'several, spaces, duplicates, sorted', input: 'Accept, accept-encoding ,ACCEPT', want: ['accept', 'accept-encoding'] },
  { name: 'several lines', input: ['Accept', 'Origin'], want: ['accept', 'origin'] },
  { name: 'star kept', input: '*', want: ['*'] }
]
for (const c of varyCases) test(`parseVary: ${c.name}`, () => assert.deepEqual(parseVary(c.input), c.want))

test('variantKeyOf joins the values of the Vary headers', () => {
  assert.equal(variantKeyOf([], { accept: 'x' }), '')
  assert.equal(variantKeyOf(['accept', 'accept-encoding'], { accept: 'application/json', 'accept-encoding': 'gzip' }), 'application/json\ngzip\n')
  assert.notEqual(variantKeyOf(['accept'], { accept: 'a' }), variantKeyOf(['accept'], {}))
})

test('entrySize grows with history', () => {
  const e1 = observe(undefined, '', [], v('"a"'), 0, 8)
  const e2 = observe(e1, '', [], v('"b"'), 1, 8)
  assert.ok(entrySize('k', e2) > entrySize('k', e1))
})

test('the memory store stays within maxEntries and counts evictions, hits and misses', async () => {
  const store = createMemoryStore({ maxEntries: 3, maxBytes: 1_000_000 })
  for (let i = 0; i < 5; i++) await store.update(`k${i}`, () => observe(undefined, '', [], v(`"${i}"`), 0, 8))
  assert.equal(store.stats().entries, 3)
  assert.equal(store.stats().evictions, 2)
  assert.equal(await store.get('k0'), undefined)
  assert.equal(variantsOf(await store.get('k4'))[0].etag, '"4"')
  assert.deepEqual([store.stats().hits, store.stats().misses], [1, 1])
})

test('the memory store stays within maxBytes', async () => {
  const one = entrySize('k00', observe(undefined, '', [], v('"00"'), 0, 8))
  const store = createMemoryStore({ maxEntries: 1000, maxBytes: one * 4 })
  for (let i = 0; i < 50; i++) await store.update(`k${String(i).padStart(2, '0')}`, () => observe(undefined, '', [], v(`"${String(i).padStart(2, '0')}"`), 0, 8))
  assert.ok(store.stats().bytes <= one * 4)
  assert.ok(store.stats().entries <= 4)
})

test('update returning undefined deletes; clear empties', async () => {
  const store = createMemoryStore({ maxEntries: 10, maxBytes: 100000 })
  await store.update('a', () => observe(undefined, '', [], v('"a"'), 0, 8))
  await store.update('a', () => undefined)
  assert.equal(await store.get('a'), undefined)
  await store.update('b', () => observe(undefined, '', [], v('"b"'), 0, 8))
  await store.clear()
  assert.equal(store.stats().entries, 0)
})

test('a digest learned later for the same ETag keeps it current, its firstSeen, and out of history', () => {
  const e1 = observe(undefined, '', [], v('"a"'), 1000, 8)
  const e2 = observe(e1, '', [], { ...v('"a"'), digest: 'D' }, 2000, 8)
  assert.equal(variantsOf(e2)[0].digest, 'D')
  assert.equal(variantsOf(e2)[0].firstSeen, 1000)
  assert.equal(historyOf(e2).length, 0)
  const e3 = observe(e2, '', [], v('"a"'), 3000, 8)
  assert.equal(variantsOf(e3)[0].digest, 'D', 'a HEAD (no digest) keeps the digest a GET learned')
})

test('history after any run of reads and writes: newest first, one item per ETag, at most historyDepth (model check)', async () => {
  const { default: fc } = await import('fast-check')
  const step = fc.record({ write: fc.boolean(), tag: fc.constantFrom('"a"', '"b"', '"c"', '"d"', '"e"') })
  fc.assert(fc.property(fc.array(step, { maxLength: 30 }), fc.integer({ min: 0, max: 4 }), (steps, depth) => {
    let entry
    let model: string[] = []
    let current: string | undefined
    let now = 1000
    for (const { write, tag } of steps) {
      now += 10
      // What superseded ETags become: the model keeps the newest of each tag, newest first.
      const push = (old: string): void => { if (depth > 0) model = [old, ...model.filter((t) => t !== old)].slice(0, depth) }
      if (write) {
        if (current !== undefined) push(current)
        entry = afterWrite(entry, now, depth, { variantKey: '', validators: v(tag) })
        current = tag
      } else {
        if (current !== undefined && current !== tag) push(current)
        entry = observe(entry, '', [], v(tag), now, depth)
        current = tag
      }
      assert.deepEqual(historyOf(entry).map((h) => h.etag), model)
    }
  }), { numRuns: 500 })
})

test('decoded: a packed variant decodes as unpackCurrent does; one learned a second ago or more is frozen and kept, in a bounded memo', () => {
  const T = 1_800_000_000_000
  const packedOf = (i: number): string => observe(undefined, i % 2 === 0 ? '' : 'gzip\n', [], { etag: `"t${i}"`, lastModified: 'Sun, 22 Nov 2026 12:00:00 GMT', source: 'origin', digest: i % 3 === 0 ? 'abc' : undefined, encoding: undefined }, T + i, 8, i % 5 === 0 ? 'p' : '').current as string
  const later = T + 1_000_000
  for (let i = 0; i < 50; i++) {
    const packed = packedOf(i)
    const v = decoded(packed, later)
    assert.deepEqual(v, unpackCurrent(packed))
    assert.ok(Object.isFrozen(v))
    assert.equal(decoded(packed, later), v, 'the same packed string: the same decoded object')
  }
  // A mutation of a shared decoded variant would change every later request's view: it throws.
  assert.throws(() => { (decoded(packedOf(1), later) as { etag: string | undefined }).etag = '"x"' }, TypeError)
  // Learned within the last second (a resource under writes): decoded, not kept.
  const recent = packedOf(60)
  const r = decoded(recent, T + 60 + 999)
  assert.deepEqual(r, unpackCurrent(recent))
  assert.ok(!Object.isFrozen(r))
  assert.notEqual(decoded(recent, T + 60 + 999), r)
  // Bounded: past its size the memo starts again, so a variant decoded long ago is decoded anew.
  const first = decoded(packedOf(100_000), later + 100_000)
  for (let i = 0; i < 5000; i++) decoded(packedOf(200_000 + i), later + 300_000)
  assert.notEqual(decoded(packedOf(100_000), later + 100_000), first)
  assert.deepEqual(decoded(packedOf(100_000), later + 100_000), first)
})

test('currentOf: a decoded variant\'s view is made once and shared, equal to the view of its unfrozen copy', () => {
  const packed = observe(undefined, '', [], { etag: '"v9"', lastModified: 'Sun, 22 Nov 2026 12:00:00 GMT', source: 'origin', digest: undefined, encoding: undefined }, 1_800_000_000_000, 8, '').current as string
  const v = decoded(packed, 1_800_000_000_000 + 5000)
  const view = currentOf([v])
  assert.equal(currentOf([v]), view, 'the same decoded variant: the same view')
  assert.deepEqual(view, currentOf([{ ...v }]))
  assert.notEqual(currentOf([{ ...v }]), currentOf([{ ...v }]), 'a variant that is not the store\'s own is viewed afresh')
  assert.ok(Object.isFrozen(view) && Object.isFrozen(view.etags))
  assert.deepEqual(view.etags.map((t) => t.opaque), ['v9'])
})
