import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { rawExchange, request } from '../helpers/http.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

describe('bad input never crashes ifgate and the next request is served', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    origin.set('/doc', { a: 1 })
    gw = await startIfgate(origin.url, { server: { maxHeaderBytes: 8192 } })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  async function stillServing (): Promise<void> {
    const res = await request(`${gw.url}/doc`)
    assert.equal(res.status, 200)
  }

  const writes: Array<{ name: string; headers: Record<string, string>; want: number }> = [
    { name: 'unbalanced quote in If-Match', headers: { 'if-match': '"abc' }, want: 412 },
    { name: 'W/ lower-case is malformed', headers: { 'if-match': 'w/"abc"' }, want: 412 },
    { name: 'star mixed with a tag', headers: { 'if-match': '*, "abc"' }, want: 412 },
    { name: 'empty If-Match', headers: { 'if-match': '' }, want: 412 },
    { name: 'only commas', headers: { 'if-match': ',,,' }, want: 412 },
    { name: 'control bytes outside quotes', headers: { 'if-match': 'abc\tdef' }, want: 412 },
    { name: '4 KiB of tags', headers: { 'if-match': Array.from({ length: 500 }, (_, i) => `"t${i}"`).join(',') }, want: 412 },
    { name: 'invalid If-Unmodified-Since is ignored (forwarded)', headers: { 'if-unmodified-since': 'yesterday' }, want: 200 },
    { name: 'ISO date in If-Unmodified-Since is ignored', headers: { 'if-unmodified-since': '2024-01-01T00:00:00Z' }, want: 200 },
    { name: 'two dates in If-Unmodified-Since are ignored', headers: { 'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT' }, want: 200 }
  ]
  for (const c of writes) {
    test(`PUT with ${c.name} → ${c.want}`, async () => {
      const res = await request(`${gw.url}/doc`, { method: 'PUT', headers: c.headers, body: '{"a":1}' })
      assert.equal(res.status, c.want)
      if (c.want === 412) assert.equal(res.headers['content-type'], 'application/problem+json')
      await stillServing()
    })
  }

  test('invalid If-Modified-Since on GET is ignored: 200', async () => {
    const res = await request(`${gw.url}/doc`, { headers: { 'if-modified-since': 'not a date' } })
    assert.equal(res.status, 200)
  })

  const rawCases = [
    { name: 'an unknown method', bytes: 'FROB /doc HTTP/1.1\r\nHost: x\r\n\r\n', want: /^HTTP\/1\.1 400 / },
    { name: 'garbage request line', bytes: '\x00\x01\x02 nonsense\r\n\r\n', want: /^HTTP\/1\.1 400 / },
    { name: 'a header over maxHeaderBytes', bytes: `GET /doc HTTP/1.1\r\nHost: x\r\nIf-None-Match: "${'a'.repeat(16000)}"\r\n\r\n`, want: /^HTTP\/1\.1 431 / },
    { name: 'CONNECT', bytes: 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', want: /^HTTP\/1\.1 (400|405) / },
    { name: 'asterisk-form target', bytes: 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', want: /^HTTP\/1\.1 400 / }
  ]
  for (const c of rawCases) {
    test(`${c.name} gets a clean error`, async () => {
      const { text } = await rawExchange(gw.url, c.bytes, { end: true, timeoutMs: 3000 })
      assert.match(text, c.want)
      assert.doesNotMatch(text, /\n\s+at /, 'no stack trace')
      await stillServing()
    })
  }

  test('WebDAV-style unsafe methods take the write path', async () => {
    const res = await request(`${gw.url}/doc`, { method: 'PROPPATCH', headers: { 'if-match': '"nope"' }, body: '' })
    assert.equal(res.status, 412)
    await stillServing()
  })
})
