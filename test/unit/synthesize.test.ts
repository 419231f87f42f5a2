import { test } from 'node:test'
import assert from 'node:assert/strict'
import { digestBody, synthesizedEtag } from '../../src/validators/synthesize.ts'

// Known answers: SHA-256, base64url without padding (computed independently with openssl).
const cases = [
  { name: 'empty body', input: [''], want: '"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"' },
  { name: 'hello', input: ['hello'], want: '"LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"' },
  { name: 'hello in two chunks hashes like one', input: ['hel', 'lo'], want: '"LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"' },
  { name: 'a JSON document', input: ['{"id":1,"title":"a"}'], want: '"t5YrETAyS9ELWyYtOXV1fLJKKiFrybXdh6KrWg_kMv0"' }
]

for (const c of cases) {
  test(c.name, () => {
    assert.equal(synthesizedEtag(digestBody(c.input.map((s) => Buffer.from(s)))), c.want)
  })
}

test('a synthesized tag carries at least 128 bits and only etagc characters', () => {
  const tag = synthesizedEtag(digestBody([Buffer.from('x')]))
  assert.ok(tag.length - 2 >= Math.ceil(128 / 6))
  assert.match(tag, /^"[A-Za-z0-9_-]+"$/)
})
