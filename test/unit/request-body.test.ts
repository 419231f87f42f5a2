import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import { originBody, receiveBody, type WriteBody } from '../../src/pipeline/request-body.ts'
import { startServer, type LocalServer } from '../helpers/http.ts'

/** Longest a body may take to arrive, or a client that left to be noticed. */
const BOUND_MS = 2000

/** Rejects when `promise` has not settled within `ms`. */
function within<T> (ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Returns every byte of what originBody hands to undici. */
async function readAll (body: Buffer | Readable | undefined): Promise<Buffer | undefined> {
  if (body === undefined || Buffer.isBuffer(body)) return body
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

interface Seen {
  readonly result: WriteBody | undefined
  /** The body as originBody yields it, read fully (undefined for none or a client that left). */
  readonly forwarded: Buffer | undefined
}

/** A server whose every request goes through receiveBody(req, limit) and then originBody. */
async function bodyServer (limit: number): Promise<{ local: LocalServer; seen: Promise<Seen>; arrived: Promise<IncomingMessage> }> {
  const seen = Promise.withResolvers<Seen>()
  const arrived = Promise.withResolvers<IncomingMessage>()
  const local = await startServer((req, res) => {
    arrived.resolve(req)
    receiveBody(req, limit).then(async (result) => {
      const forwarded = result === undefined ? undefined : await readAll(originBody(result))
      seen.resolve({ result, forwarded })
      res.writeHead(204).end()
    }).catch((err: unknown) => {
      seen.reject(err)
      res.destroy()
    })
  })
  return { local, seen: seen.promise, arrived: arrived.promise }
}

/** Sends one request, `chunks` written one by one; resolves with the response status. */
function send (url: string, method: string, headers: OutgoingHttpHeaders, chunks: readonly Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

interface BodyCase {
  readonly name: string
  readonly input: {
    readonly method?: string
    /** Content-Length: the byte count of the chunks; chunked: Transfer-Encoding chunked; none: neither. */
    readonly framing: 'content-length' | 'chunked' | 'none'
    readonly chunks: readonly Buffer[]
    readonly limit: number
  }
  readonly want: WriteBody['kind']
}

const bytes = (n: number): Buffer => randomBytes(n)

const cases: BodyCase[] = [
  { name: 'a GET without a body: none', input: { method: 'GET', framing: 'none', chunks: [], limit: 100 }, want: 'none' },
  { name: 'a DELETE without a body: none', input: { method: 'DELETE', framing: 'none', chunks: [], limit: 100 }, want: 'none' },
  { name: 'Content-Length: 0: none', input: { framing: 'content-length', chunks: [], limit: 100 }, want: 'none' },
  { name: 'a small Content-Length body: buffered', input: { framing: 'content-length', chunks: [Buffer.from('{"a":1}')], limit: 100 }, want: 'buffered' },
  { name: 'a body of exactly the limit: buffered', input: { framing: 'content-length', chunks: [bytes(100)], limit: 100 }, want: 'buffered' },
  { name: 'a Content-Length body written in pieces: buffered whole', input: { framing: 'content-length', chunks: [bytes(10), bytes(20), bytes(30)], limit: 100 }, want: 'buffered' },
  { name: 'a chunked body: buffered', input: { framing: 'chunked', chunks: [bytes(10), bytes(1), bytes(40)], limit: 100 }, want: 'buffered' },
  { name: 'a chunked body of exactly the limit: buffered', input: { framing: 'chunked', chunks: [bytes(60), bytes(40)], limit: 100 }, want: 'buffered' },
  { name: 'a chunked body without chunks: buffered, empty', input: { framing: 'chunked', chunks: [], limit: 100 }, want: 'buffered' },
  { name: 'limit 0 with a body: partial', input: { framing: 'content-length', chunks: [bytes(5)], limit: 0 }, want: 'partial' },
  { name: 'one byte over the limit: partial', input: { framing: 'content-length', chunks: [bytes(101)], limit: 100 }, want: 'partial' },
  { name: 'a large Content-Length body: partial, the rest streamed', input: { framing: 'content-length', chunks: [bytes(64 * 1024), bytes(64 * 1024), bytes(128 * 1024)], limit: 1000 }, want: 'partial' },
  { name: 'a large chunked body: partial, the rest streamed', input: { framing: 'chunked', chunks: [bytes(500), bytes(700), bytes(200 * 1024)], limit: 1000 }, want: 'partial' }
]

for (const c of cases) {
  test(`receiveBody: ${c.name}`, async () => {
    const { local, seen } = await bodyServer(c.input.limit)
    try {
      const sent = Buffer.concat(c.input.chunks)
      const headers: OutgoingHttpHeaders = {}
      if (c.input.framing === 'content-length') headers['content-length'] = String(sent.length)
      if (c.input.framing === 'chunked') headers['transfer-encoding'] = 'chunked'
      const status = await within(BOUND_MS * 2, 'the exchange', send(local.url, c.input.method ?? 'PUT', headers, c.input.chunks))
      assert.equal(status, 204)
      const { result, forwarded } = await within(BOUND_MS, 'receiveBody', seen)
      assert.ok(result !== undefined)
      assert.equal(result.kind, c.want)
      if (result.kind === 'none') {
        assert.equal(originBody(result), undefined)
        assert.equal(sent.length, 0)
        return
      }
      if (result.kind === 'buffered') {
        assert.ok(result.body.equals(sent), 'the buffered body is the bytes sent')
        assert.ok(result.body.length <= c.input.limit)
        assert.equal(originBody(result), result.body)
      } else {
        const prefixLength = result.prefix.reduce((n, b) => n + b.length, 0)
        assert.ok(prefixLength > c.input.limit, `the prefix (${prefixLength} bytes) goes past the limit ${c.input.limit}`)
        assert.ok(Buffer.concat(result.prefix).equals(sent.subarray(0, prefixLength)), 'the prefix is the start of the bytes sent')
      }
      assert.ok(forwarded !== undefined && forwarded.equals(sent), `originBody yields the ${sent.length} bytes sent, got ${forwarded?.length}`)
    } finally {
      await local.close()
    }
  })
}

/** Opens a PUT announcing `length` bytes, writes `first` and resolves once the server has the request. */
async function startUpload (url: string, arrived: Promise<IncomingMessage>, length: number, first: Buffer): Promise<ClientRequest> {
  const req = httpRequest(url, { method: 'PUT', headers: { 'content-length': String(length) }, agent: false })
  req.on('error', () => {})
  req.write(first)
  await within(BOUND_MS, 'the request to arrive', arrived)
  return req
}

test('receiveBody: a client that leaves mid-body resolves undefined, within the bound', async () => {
  const { local, seen, arrived } = await bodyServer(1_000_000)
  try {
    const req = await startUpload(local.url, arrived, 10_000, bytes(100))
    // Let the first bytes reach the server, then leave.
    await new Promise((resolve) => setTimeout(resolve, 50))
    req.destroy()
    const { result } = await within(BOUND_MS, 'receiveBody after the client left', seen)
    assert.equal(result, undefined)
  } finally {
    await local.close()
  }
})

test('receiveBody: a client that leaves before any body byte resolves undefined, within the bound', async () => {
  const { local, seen, arrived } = await bodyServer(1000)
  try {
    const req = await startUpload(local.url, arrived, 500, Buffer.alloc(0))
    req.destroy()
    const { result } = await within(BOUND_MS, 'receiveBody after the client left', seen)
    assert.equal(result, undefined)
  } finally {
    await local.close()
  }
})

test('originBody: a client that leaves during the rest of a partial body ends the stream with an error, within the bound', async () => {
  const got = Promise.withResolvers<WriteBody | undefined>()
  const local = await startServer((req) => {
    receiveBody(req, 100).then(got.resolve, got.reject)
  })
  try {
    const arrived = new Promise<IncomingMessage>((resolve) => local.server.once('request', resolve))
    const first = bytes(500)
    const req = await startUpload(local.url, arrived, 100_000, first)
    const result = await within(BOUND_MS, 'receiveBody', got.promise)
    assert.equal(result?.kind, 'partial')
    req.destroy()
    // The body must not hang: undici would wait for it forever.
    await within(BOUND_MS, 'reading the rest', assert.rejects(readAll(originBody(result as WriteBody))))
  } finally {
    await local.close()
  }
})
