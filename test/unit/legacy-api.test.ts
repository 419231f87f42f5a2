import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createLegacyApi, MAX_BODY_BYTES, type LegacyApi } from '../../examples/legacy-api/server.ts'
import { listenLocal, request, type LocalServer } from '../helpers/http.ts'

const SEED = {
  todos: [
    { id: 1, title: 'one', done: false },
    { id: 2, title: 'two', done: true }
  ],
  users: [{ id: 1, name: 'Ada' }]
}
const json = { 'content-type': 'application/json' }
const PAST = 'Sun, 06 Nov 1994 08:49:37 GMT'
const FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT'

interface Case {
  name: string
  input: { method?: string, path: string, headers?: Record<string, string>, body?: string | Buffer }
  want: { status: number, body?: unknown, problem?: RegExp, location?: string, writes: number, lastModified: boolean }
}

// Each row runs against the seed (reset() before each), so rows do not depend on each other.
const cases: Case[] = [
  { name: 'GET / lists the collections', input: { path: '/' }, want: { status: 200, body: { todos: { href: '/todos', count: 2 }, users: { href: '/users', count: 1 } }, writes: 0, lastModified: true } },
  { name: 'GET a collection', input: { path: '/todos' }, want: { status: 200, body: SEED.todos, writes: 0, lastModified: true } },
  { name: 'GET a record', input: { path: '/todos/1' }, want: { status: 200, body: SEED.todos[0], writes: 0, lastModified: true } },
  { name: 'GET a record ignores the query', input: { path: '/users/1?fields=name' }, want: { status: 200, body: SEED.users[0], writes: 0, lastModified: true } },
  { name: 'HEAD a record: headers, no body', input: { method: 'HEAD', path: '/todos/2' }, want: { status: 200, body: '', writes: 0, lastModified: true } },
  { name: 'GET a missing record → 404', input: { path: '/todos/99' }, want: { status: 404, problem: /no record "99"/, writes: 0, lastModified: false } },
  { name: 'GET a missing collection → 404', input: { path: '/nope' }, want: { status: 404, problem: /no collection "nope"/, writes: 0, lastModified: false } },
  { name: 'GET too deep a path → 404', input: { path: '/todos/1/owner' }, want: { status: 404, problem: /no such resource/, writes: 0, lastModified: false } },
  { name: 'If-None-Match: * is ignored, never 304', input: { path: '/todos/1', headers: { 'if-none-match': '*' } }, want: { status: 200, body: SEED.todos[0], writes: 0, lastModified: true } },
  { name: 'If-Modified-Since in the future is ignored, never 304', input: { path: '/todos/1', headers: { 'if-modified-since': FUTURE } }, want: { status: 200, body: SEED.todos[0], writes: 0, lastModified: true } },
  { name: 'POST creates with the next id → 201 + Location', input: { method: 'POST', path: '/todos', headers: json, body: '{"id":7,"title":"three"}' }, want: { status: 201, body: { id: 3, title: 'three' }, location: '/todos/3', writes: 1, lastModified: true } },
  { name: 'PUT replaces → 200', input: { method: 'PUT', path: '/todos/1', headers: json, body: '{"title":"uno"}' }, want: { status: 200, body: { id: 1, title: 'uno' }, writes: 1, lastModified: true } },
  { name: 'PUT with a wrong If-Match is applied anyway (never 412)', input: { method: 'PUT', path: '/todos/1', headers: { ...json, 'if-match': '"bogus"' }, body: '{"title":"forced"}' }, want: { status: 200, body: { id: 1, title: 'forced' }, writes: 1, lastModified: true } },
  { name: 'PUT with a past If-Unmodified-Since is applied anyway', input: { method: 'PUT', path: '/todos/1', headers: { ...json, 'if-unmodified-since': PAST }, body: '{"title":"old"}' }, want: { status: 200, body: { id: 1, title: 'old' }, writes: 1, lastModified: true } },
  { name: 'PUT If-None-Match: * on an existing record replaces it', input: { method: 'PUT', path: '/todos/2', headers: { ...json, 'if-none-match': '*' }, body: '{"title":"again"}' }, want: { status: 200, body: { id: 2, title: 'again' }, writes: 1, lastModified: true } },
  { name: 'PUT of a new id creates → 201 + Location', input: { method: 'PUT', path: '/todos/10', headers: json, body: '{"title":"ten"}' }, want: { status: 201, body: { id: 10, title: 'ten' }, location: '/todos/10', writes: 1, lastModified: true } },
  { name: 'PUT keeps a non-numeric id a string', input: { method: 'PUT', path: '/users/ada', headers: json, body: '{"name":"Ada"}' }, want: { status: 201, body: { id: 'ada', name: 'Ada' }, location: '/users/ada', writes: 1, lastModified: true } },
  { name: 'PUT /todos/01 is another record than /todos/1', input: { method: 'PUT', path: '/todos/01', headers: json, body: '{"title":"zero-one"}' }, want: { status: 201, body: { id: '01', title: 'zero-one' }, location: '/todos/01', writes: 1, lastModified: true } },
  { name: 'PATCH merges → 200', input: { method: 'PATCH', path: '/todos/2', headers: json, body: '{"done":false,"id":99}' }, want: { status: 200, body: { id: 2, title: 'two', done: false }, writes: 1, lastModified: true } },
  { name: 'PATCH a missing record → 404', input: { method: 'PATCH', path: '/todos/99', headers: json, body: '{}' }, want: { status: 404, problem: /no record/, writes: 1, lastModified: false } },
  { name: 'DELETE → 204', input: { method: 'DELETE', path: '/todos/2' }, want: { status: 204, body: '', writes: 1, lastModified: false } },
  { name: 'DELETE a missing record → 404', input: { method: 'DELETE', path: '/todos/99' }, want: { status: 404, problem: /no record/, writes: 1, lastModified: false } },
  { name: 'invalid JSON → 400', input: { method: 'PUT', path: '/todos/1', headers: json, body: '{"title":' }, want: { status: 400, problem: /not valid JSON/, writes: 1, lastModified: false } },
  { name: 'a JSON array is no record → 400', input: { method: 'POST', path: '/todos', headers: json, body: '[1]' }, want: { status: 400, problem: /must be a JSON object/, writes: 1, lastModified: false } },
  { name: 'a body over 1 MiB (Content-Length) → 413', input: { method: 'PUT', path: '/todos/1', headers: json, body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20) }, want: { status: 413, problem: /over 1048576 bytes/, writes: 1, lastModified: false } },
  { name: 'a body over 1 MiB (chunked) → 413', input: { method: 'POST', path: '/todos', headers: { ...json, 'transfer-encoding': 'chunked' }, body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20) }, want: { status: 413, problem: /over 1048576 bytes/, writes: 1, lastModified: false } },
  { name: 'a body of exactly 1 MiB is accepted', input: { method: 'PUT', path: '/todos/1', headers: json, body: `{"t":"${'x'.repeat(MAX_BODY_BYTES - 8)}"}` }, want: { status: 200, writes: 1, lastModified: true } },
  { name: 'PUT on a collection → 405 with Allow', input: { method: 'PUT', path: '/todos', body: '{}' }, want: { status: 405, problem: /allowed: GET, HEAD, POST/, writes: 1, lastModified: false } },
  { name: 'DELETE / → 405', input: { method: 'DELETE', path: '/' }, want: { status: 405, problem: /allowed: GET, HEAD/, writes: 1, lastModified: false } }
]

describe('example legacy API: routes', () => {
  let api: LegacyApi
  let local: LocalServer
  let base: string
  before(async () => {
    api = createLegacyApi({ seed: SEED })
    local = await listenLocal(api.server)
    base = local.url
  })
  after(() => local.close())

  for (const c of cases) {
    test(c.name, async () => {
      api.reset()
      const res = await request(`${base}${c.input.path}`, c.input)
      assert.equal(res.status, c.want.status)
      assert.equal(res.headers.etag, undefined, 'never an ETag')
      assert.equal(api.writes(), c.want.writes)
      if (c.want.lastModified) {
        assert.match(String(res.headers['last-modified']), /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/)
      } else {
        assert.equal(res.headers['last-modified'], undefined)
      }
      if (c.want.body === '') assert.equal(res.body, '')
      else if (c.want.body !== undefined) assert.deepEqual(res.json(), c.want.body)
      if (c.want.location !== undefined) assert.equal(res.headers.location, c.want.location)
      if (c.want.problem !== undefined) {
        assert.equal(res.headers['content-type'], 'application/problem+json')
        assert.equal(res.json().status, c.want.status)
        assert.match(res.json().detail, c.want.problem)
      }
      if (c.want.status === 405) assert.ok(res.headers.allow)
    })
  }

  test('last write wins: two writers with the same If-Match both succeed', async () => {
    api.reset()
    const read = await request(`${base}/todos/1`)
    const since = read.headers['last-modified'] as string
    const writers = ['alice', 'bob'].map((who) => request(`${base}/todos/1`, {
      method: 'PUT', headers: { ...json, 'if-match': '"v1"', 'if-unmodified-since': since }, body: JSON.stringify({ title: who })
    }))
    assert.deepEqual((await Promise.all(writers)).map((r) => r.status), [200, 200])
    assert.equal(api.writes(), 2)
    assert.equal((await request(`${base}/todos/1`)).json().title, 'bob', 'the later write overwrote the earlier one')
  })

  test('Last-Modified is whole seconds and does not go back after a write', async () => {
    api.reset()
    const before = Date.parse((await request(`${base}/todos/1`)).headers['last-modified'] as string)
    await request(`${base}/todos/1`, { method: 'PATCH', body: '{"done":true}' })
    const record = Date.parse((await request(`${base}/todos/1`)).headers['last-modified'] as string)
    const list = Date.parse((await request(`${base}/todos`)).headers['last-modified'] as string)
    assert.equal(record % 1000, 0)
    assert.ok(record >= before && record <= Date.now())
    assert.equal(list, record, 'a write to a record changes its collection')
  })

  test('reset() restores the seed and zeroes the write counter', async () => {
    await request(`${base}/todos/1`, { method: 'DELETE' })
    assert.ok(api.writes() > 0)
    api.reset()
    assert.equal(api.writes(), 0)
    assert.deepEqual((await request(`${base}/todos/1`)).json(), SEED.todos[0])
  })

})

describe('example legacy API: bundled seed', () => {
  const bundled = createLegacyApi()
  let local: LocalServer
  before(async () => { local = await listenLocal(bundled.server) })
  after(() => local.close())

  test('without a seed it serves examples/legacy-api/seed.json', async () => {
    const res = await request(`${local.url}/`)
    assert.deepEqual(Object.keys(res.json()).sort(), ['todos', 'users'])
    assert.ok(res.json().todos.count >= 2)
  })
})

describe('example legacy API: run as a script', () => {
  const script = fileURLToPath(new URL('../../examples/legacy-api/server.ts', import.meta.url))
  let child: ChildProcess
  let firstLine: string
  before(async () => {
    child = spawn(process.execPath, [script, '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const lines = createInterface({ input: child.stdout! })
    ;[firstLine] = await once(lines, 'line') as [string]
  })
  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await once(child, 'exit')
    }
  })

  test('prints where it listens, serves, and exits 0 on SIGTERM', async () => {
    const m = /^legacy-api listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(firstLine)
    assert.ok(m, firstLine)
    const res = await request(`${m[1]}/todos/1`)
    assert.equal(res.status, 200)
    assert.equal(res.json().id, 1)
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    assert.deepEqual(await exited, [0, null])
  })
})
