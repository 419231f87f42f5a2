import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { authenticated, OPEN_PATHS, sessionCookie, sessionValue, tokenMatches } from '../../src/admin/session.ts'

const TOKEN = 'admin-token-1'
const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage

const cases: Array<{ name: string; headers: Record<string, string>; want: boolean }> = [
  { name: 'no credentials', headers: {}, want: false },
  { name: 'the bearer token', headers: { authorization: `Bearer ${TOKEN}` }, want: true },
  { name: 'the scheme in any case (RFC 9110 §11.1)', headers: { authorization: `bEARER ${TOKEN}` }, want: true },
  { name: 'a wrong bearer token', headers: { authorization: 'Bearer admin-token-2' }, want: false },
  { name: 'a prefix of the token', headers: { authorization: 'Bearer admin-token' }, want: false },
  { name: 'another scheme', headers: { authorization: `Basic ${TOKEN}` }, want: false },
  { name: 'the session cookie', headers: { cookie: `ifgate_admin=${sessionValue(TOKEN)}` }, want: true },
  { name: 'the session cookie among others', headers: { cookie: `a=1; ifgate_admin=${sessionValue(TOKEN)}; b=2` }, want: true },
  { name: 'the token itself as the cookie', headers: { cookie: `ifgate_admin=${TOKEN}` }, want: false },
  { name: 'the session of another token', headers: { cookie: `ifgate_admin=${sessionValue('other')}` }, want: false },
  { name: 'a cookie of another name', headers: { cookie: `session=${sessionValue(TOKEN)}` }, want: false },
  { name: 'a wrong bearer beside a valid cookie (the bearer decides)', headers: { authorization: 'Bearer nope', cookie: `ifgate_admin=${sessionValue(TOKEN)}` }, want: false }
]

for (const c of cases) {
  test(`authenticated: ${c.name} → ${c.want}`, () => {
    assert.equal(authenticated(req(c.headers), TOKEN), c.want)
  })
}

test('tokenMatches: equal tokens only', () => {
  assert.equal(tokenMatches(TOKEN, TOKEN), true)
  assert.equal(tokenMatches(TOKEN + 'x', TOKEN), false)
  assert.equal(tokenMatches('', TOKEN), false)
})

test('the session cookie is HttpOnly, SameSite=Strict, for the whole admin port, and holds no token', () => {
  const cookie = sessionCookie(TOKEN)
  assert.match(cookie, /^ifgate_admin=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/)
  assert.ok(!cookie.includes(TOKEN))
  assert.notEqual(sessionValue(TOKEN), sessionValue('other'))
})

test('the open paths are the probes and the scrape target', () => {
  assert.deepEqual([...OPEN_PATHS].sort(), ['/healthz', '/metrics', '/readyz'])
})
