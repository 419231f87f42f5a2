import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startLegacyOrigin } from '../helpers/legacy-origin.ts'
import { request } from '../helpers/http.ts'
import { startChildIfgate, type ChildIfgate } from '../helpers/child-ifgate.ts'

const dir = mkdtempSync(join(tmpdir(), 'ifgate-shutdown-'))
const children: ChildIfgate[] = []
after(() => {
  for (const c of children) c.kill()
  rmSync(dir, { recursive: true, force: true })
})

/** Polls until `check` holds, at most `ms`. */
async function until (check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(10)
  }
  return false
}

describe('graceful shutdown of the ifgate process', () => {
  test('SIGTERM during a slow write: readiness 503, new connections refused, the write completes, exit 0', async () => {
    const origin = await startLegacyOrigin({ etag: 'strong', delayMs: 600 })
    try {
      origin.set('/slow', { v: 1 })
      const gw = await startChildIfgate(['--origin', origin.url])
      children.push(gw)
      const tag = (await request(`${gw.url}/slow`)).headers.etag as string
      const write = request(`${gw.url}/slow`, { method: 'PUT', headers: { 'if-match': tag, 'content-type': 'application/json' }, body: '{"v":2}' })
      assert.ok(await until(async () => origin.requests.some((r) => r.method === 'PUT'), 2000), 'the write reached the origin')
      gw.child.kill('SIGTERM')
      assert.ok(await until(async () => (await request(`${gw.adminUrl}/readyz`).catch(() => ({ status: 0 }))).status === 503, 500), 'readiness flips to 503 while draining')
      await assert.rejects(request(`${gw.url}/slow`), /ECONNREFUSED|ECONNRESET|socket hang up/, 'the listener no longer accepts')
      const res = await write
      assert.equal(res.status, 200, 'the in-flight write got its response')
      assert.deepEqual(origin.get('/slow'), { v: 2 })
      assert.deepEqual(await gw.exited, { code: 0, signal: null })
      const stopped = gw.lines.find((l) => l.msg === 'ifgate stopped')
      assert.equal(stopped?.cut, false)
      assert.ok(gw.lines.some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM'))
    } finally {
      await origin.close()
    }
  })

  test('past shutdownTimeoutMs the remaining connections are cut, the log says so, exit 1', async () => {
    const origin = await startLegacyOrigin({ etag: 'strong', delayMs: 3000 })
    try {
      origin.set('/stuck', { v: 1 })
      const config = join(dir, 'short.yaml')
      writeFileSync(config, `shutdownTimeoutMs: 200\nroutes:\n  - path: /\n    origin: ${origin.url}\n`)
      const gw = await startChildIfgate(['--config', config])
      children.push(gw)
      const write = request(`${gw.url}/stuck`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"v":2}' }).then((r) => r.status, (err: Error) => err.message)
      assert.ok(await until(async () => origin.requests.some((r) => r.method === 'PUT'), 2000))
      const started = Date.now()
      gw.child.kill('SIGTERM')
      assert.deepEqual(await gw.exited, { code: 1, signal: null })
      assert.ok(Date.now() - started < 2500, 'it did not wait for the origin')
      assert.match(String(await write), /socket hang up|ECONNRESET/)
      assert.equal(gw.lines.find((l) => l.msg?.toString().startsWith('ifgate stopped'))?.cut, true)
    } finally {
      await origin.close()
    }
  })
})
