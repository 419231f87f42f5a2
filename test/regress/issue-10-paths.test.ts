import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rawExchange, request } from '../helpers/http.ts'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'

const JSON_BODY = { 'content-type': 'application/json' }

/** Sends a raw HTTP/1.1 request whose target reaches the server exactly as written; resolves to its status. */
async function rawStatus (url: string, method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<number> {
  const fields = Object.entries({ host: 'ifgate.test', ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  const { text } = await rawExchange(url, `${method} ${target} HTTP/1.1\r\n${fields}\r\n${body}`)
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
  assert.ok(m !== null, `no status line in ${JSON.stringify(text.slice(0, 80))}`)
  return Number(m[1])
}

/** Issue 10, holes 2, 3 and 10: one resource had several keys, and a path spelling escaped its route's policy. */
describe('regress issue 10: one resource, one key; no escape by spelling', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong', delayMs: 50 })
    gw = await startIfgate(origin.url, {
      routes: [
        { path: '/', origin: origin.url },
        { path: '/private', origin: origin.url, requirePrecondition: true }
      ]
    })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('/doc, /%64oc, /./doc and //doc are one resource: of four writes with one If-Match, one is applied', async () => {
    origin.set('/doc', { v: 0 })
    const etag = (await request(`${gw.url}/doc`)).headers.etag as string
    const before = origin.writes
    const statuses = await Promise.all(['/doc', '/%64oc', '/./doc', '//doc'].map((target, i) =>
      rawStatus(gw.url, 'PUT', target, { 'if-match': etag, ...JSON_BODY }, JSON.stringify({ v: i + 1 }))))
    assert.deepEqual(statuses.filter((s) => s === 200).length, 1, `statuses ${statuses.join(', ')}`)
    assert.deepEqual(statuses.filter((s) => s === 412).length, 3, `statuses ${statuses.join(', ')}`)
    assert.equal(origin.writes - before, 1)
    const put = origin.requests.filter((r) => r.method === 'PUT').map((r) => r.url)
    assert.equal(put.at(-1), '/doc', 'the origin receives the normalised path')
  })

  for (const target of ['/public/../private/x', '/public/%2e%2e/private/x', '/./private/x', '//private/x', '/%70rivate/x']) {
    test(`an unconditional PUT to ${target} meets /private's requirement: 428`, async () => {
      const before = origin.writes
      assert.equal(await rawStatus(gw.url, 'PUT', target, JSON_BODY, '{}'), 428)
      assert.equal(origin.writes, before)
    })
  }

  for (const target of ['/a%2Fb', '/a%2fb', '/a%5Cb', '/a\\b']) {
    test(`an encoded slash or backslash (${target}) is 400 by default`, async () => {
      const before = origin.requests.length
      assert.equal(await rawStatus(gw.url, 'GET', target), 400)
      assert.equal(origin.requests.length, before, 'nothing reached the origin')
    })
  }

  test('two Host fields are 400 (RFC 9112 §3.2)', async () => {
    const { text } = await rawExchange(gw.url, 'PUT /doc HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}')
    assert.match(text, /^HTTP\/1\.1 400 /)
  })
})

describe('regress issue 10: the origin path prefix cannot be climbed out of', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url, { routes: [{ path: '/svc', origin: `${origin.url}/v1` }] })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('/svc/../../secret is /secret: no route, nothing forwarded', async () => {
    const before = origin.requests.length
    assert.equal(await rawStatus(gw.url, 'GET', '/svc/../../secret'), 404)
    assert.equal(origin.requests.length, before)
  })

  test('/svc/a/../b reaches the origin as /v1/svc/b', async () => {
    origin.set('/v1/svc/b', { b: 1 })
    assert.equal(await rawStatus(gw.url, 'GET', '/svc/a/../b'), 200)
    assert.equal(origin.requests.at(-1)?.url, '/v1/svc/b')
  })
})

describe('regress issue 10: escapedSlashes: keep and an absolute-form target', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    gw = await startIfgate(origin.url, {
      server: { escapedSlashes: 'keep' },
      routes: [
        { path: '/', origin: origin.url },
        { path: '/', host: 'strict.test', origin: origin.url, requirePrecondition: true }
      ]
    })
  })
  after(async () => {
    await gw.close()
    await origin.close()
  })

  test('with escapedSlashes: keep, %2f is forwarded as %2F', async () => {
    await rawStatus(gw.url, 'GET', '/a%2fb')
    assert.equal(origin.requests.at(-1)?.url, '/a%2Fb')
  })

  test('an absolute-form target is routed by its authority, not by Host (RFC 9112 §3.2.2)', async () => {
    const before = origin.writes
    assert.equal(await rawStatus(gw.url, 'PUT', 'http://strict.test/x', { host: 'other.test', ...JSON_BODY }, '{}'), 428)
    assert.equal(origin.writes, before)
    origin.set('/y', { y: 1 })
    assert.equal(await rawStatus(gw.url, 'GET', 'http://other.test/./y', { host: 'strict.test' }), 200)
    assert.equal(origin.requests.at(-1)?.url, '/y')
    assert.equal(origin.requests.at(-1)?.headers['x-forwarded-host'], 'other.test')
  })
})
