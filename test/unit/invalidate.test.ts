import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parentPath, sameOriginPath } from '../../src/pipeline/invalidate.ts'

const parents = [
  { name: 'item → collection', input: '/docs/7', want: '/docs' },
  { name: 'query dropped', input: '/docs/7?x=1', want: '/docs' },
  { name: 'trailing slash', input: '/docs/7/', want: '/docs' },
  { name: 'top-level collection → root', input: '/docs', want: '/' },
  { name: 'root has no parent', input: '/', want: undefined },
  { name: 'deep', input: '/a/b/c', want: '/a/b' }
]
for (const c of parents) test(`parentPath: ${c.name}`, () => assert.equal(parentPath(c.input), c.want))

const origin = 'http://127.0.0.1:3000'
const locations = [
  { name: 'absolute path', input: '/todos/5', want: '/todos/5' },
  { name: 'relative reference', input: '5', request: '/todos/', want: '/todos/5' },
  { name: 'absolute URL on the origin', input: 'http://127.0.0.1:3000/todos/5?a=1', want: '/todos/5?a=1' },
  { name: 'absolute URL on the client-facing host', input: 'http://api.example:8080/todos/5', want: '/todos/5' },
  { name: 'another host is not ours', input: 'http://elsewhere.example/todos/5', want: undefined },
  { name: 'garbage', input: 'http://[', want: undefined }
]
for (const c of locations) {
  test(`sameOriginPath: ${c.name}`, () => assert.equal(sameOriginPath(c.input, c.request ?? '/todos', origin, 'api.example:8080'), c.want))
}
