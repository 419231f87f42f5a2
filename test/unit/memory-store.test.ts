import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryStore } from '../../src/validators/memory-store.ts'
import { afterWrite } from '../../src/validators/entry.ts'

test('getNow answers what get resolves to, and counts as the same read (hits and misses)', async () => {
  const store = createMemoryStore({ maxEntries: 10, maxBytes: 1 << 20 })
  const getNow = store.getNow as NonNullable<typeof store.getNow>
  assert.equal(getNow('/a'), undefined)
  assert.equal(await store.get('/a'), undefined)
  const entry = await store.update('/a', (old) => afterWrite(old, 1_000, 4))
  assert.equal(getNow('/a'), entry)
  assert.equal(await store.get('/a'), entry)
  const { hits, misses } = store.stats()
  assert.deepEqual({ hits, misses }, { hits: 2, misses: 2 })
})
