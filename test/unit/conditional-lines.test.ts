import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import fc from 'fast-check'
import { CONDITIONAL_HEADERS, conditionalLines } from '../../src/http/conditionals.ts'

const cases: { name: string; raw: string[]; want: Record<string, string[]> }[] = [
  { name: 'no fields', raw: [], want: {} },
  { name: 'no conditional among them', raw: ['Host', 'a', 'Content-Type', 'application/json', 'Accept', '*/*'], want: {} },
  { name: 'each conditional, any case', raw: ['IF-MATCH', '"a"', 'if-none-match', '*', 'If-Modified-Since', 'd1', 'iF-uNmOdIfIeD-sInCe', 'd2', 'If-Range', '"r"'], want: { 'if-match': ['"a"'], 'if-none-match': ['*'], 'if-modified-since': ['d1'], 'if-unmodified-since': ['d2'], 'if-range': ['"r"'] } },
  { name: 'every line of a repeated field, in order, whatever the case of each', raw: ['If-Match', '"a"', 'Host', 'h', 'if-match', '"b"', 'IF-MATCH', '"c"'], want: { 'if-match': ['"a"', '"b"', '"c"'] } },
  { name: 'a second If-Unmodified-Since (req.headers keeps only the first)', raw: ['If-Unmodified-Since', 'Sun, 06 Nov 1994 08:49:37 GMT', 'If-Unmodified-Since', 'soon'], want: { 'if-unmodified-since': ['Sun, 06 Nov 1994 08:49:37 GMT', 'soon'] } },
  { name: 'names of a conditional length that are none', raw: ['Ig-Match', 'x', 'If-Matcx', 'y', 'X-Request-Id', 'z', 'if-none-matc', 'w', 'Accept-Encoding', 'gzip'], want: {} },
  { name: 'empty values are lines too', raw: ['If-None-Match', '', 'If-None-Match', '"x"'], want: { 'if-none-match': ['', '"x"'] } }
]

for (const c of cases) {
  test(`conditionalLines: ${c.name}`, () => {
    assert.deepEqual(conditionalLines(c.raw), c.want)
  })
}

const NAMES = ['If-Match', 'if-match', 'IF-MATCH', 'If-None-Match', 'if-none-match', 'If-Modified-Since', 'IF-MODIFIED-SINCE', 'If-Unmodified-Since', 'if-unmodified-since', 'If-Range', 'Host', 'Accept', 'X-Custom', 'Ig-Match', 'Content-Type']
const VALUE = fc.string({ unit: fc.constantFrom('a', 'Z', '"', '*', ',', 'W', '/', '0', '-'), maxLength: 12 })

test('conditionalLines reads what Node puts in req.headersDistinct for the conditional fields', async () => {
  const seen: IncomingMessage[] = []
  const server = createServer((req, res) => {
    seen.push(req)
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
  await once(socket, 'connect')
  try {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...NAMES), VALUE), { maxLength: 10 }), async (fields) => {
      const lines = fields.filter(([name]) => name.toLowerCase() !== 'host').map(([name, value]) => `${name}: ${value}\r\n`).join('')
      const before = seen.length
      socket.write(`GET / HTTP/1.1\r\nHost: t\r\n${lines}\r\n`)
      // The response is a small one; waiting for its bytes means the request was parsed.
      await once(socket, 'data')
      const req = seen[before]
      const want: Record<string, string[]> = {}
      for (const name of CONDITIONAL_HEADERS) {
        const got = req.headersDistinct[name]
        if (got !== undefined) want[name] = got
      }
      assert.deepEqual(conditionalLines(req.rawHeaders), want)
    }), { numRuns: 100 })
  } finally {
    socket.destroy()
    server.close()
  }
})
