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

test('updateNow makes the change update makes, related keys included, and returns the new entry', async () => {
  const now = createMemoryStore({ maxEntries: 10, maxBytes: 1 << 20 })
  const later = createMemoryStore({ maxEntries: 10, maxBytes: 1 << 20 })
  const updateNow = now.updateNow as NonNullable<typeof now.updateNow>
  const write = (old: Parameters<typeof afterWrite>[0]): ReturnType<typeof afterWrite> => afterWrite(old, 1_000, 4)
  for (const store of [now, later]) await store.update('/items', write)
  const related = { keys: ['/items', '/a'], update: () => undefined }
  const returned = updateNow('/a', write, related)
  const resolved = await later.update('/a', write, related)
  assert.deepEqual(returned, resolved)
  assert.deepEqual(now.getNow?.('/a'), later.getNow?.('/a'))
  assert.equal(now.peek('/items'), undefined, 'the related key was dropped in the same call')
  assert.equal(later.peek('/items'), undefined)
  assert.equal(updateNow('/a', () => undefined), undefined)
  assert.equal(now.peek('/a'), undefined, 'undefined deletes the entry')
})
