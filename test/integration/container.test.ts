import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { childEnv } from '../helpers/child-env.ts'
import { request } from '../helpers/http.ts'
import { execForm, readDockerfile } from '../helpers/dockerfile.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const run = promisify(execFile)
const INSTALL_TIMEOUT_MS = 180_000

/**
 * The Dockerfile's own steps, run natively where no Docker engine runs: its COPY sources into a
 * fresh directory, its `npm ci` there, then its ENTRYPOINT and CMD with this Node 24 (the image's
 * Node), its HEALTHCHECK command, and a proxied request through the production install.
 */
describe('the Dockerfile, run natively', () => {
  const steps = readDockerfile(join(ROOT, 'Dockerfile'))
  const runtime = Math.max(...steps.map((s) => s.stage))
  const app = mkdtempSync(join(tmpdir(), 'ifgate-image-'))
  const children: Array<ReturnType<typeof spawn>> = []
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    rmSync(app, { recursive: true, force: true })
  })

  test('the image is built as documented: node:24 base, production install, non-root, both ports, health check', () => {
    assert.ok(steps.filter((s) => s.keyword === 'FROM').every((s) => /^node:24[-\w.]*( AS \w+)?$/i.test(s.args)))
    assert.match(steps.find((s) => s.keyword === 'RUN')?.args ?? '', /^npm ci --omit=dev\b/)
    assert.equal(steps.find((s) => s.keyword === 'USER' && s.stage === runtime)?.args, 'node')
    assert.equal(steps.find((s) => s.keyword === 'EXPOSE')?.args, '8080 9090')
    assert.match(steps.find((s) => s.keyword === 'HEALTHCHECK')?.args ?? '', /http:\/\/127\.0\.0\.1:9090\/healthz/)
    assert.deepEqual(execForm(steps.find((s) => s.keyword === 'ENTRYPOINT')?.args ?? ''), ['node', 'bin/ifgate.js'])
    assert.deepEqual(execForm(steps.find((s) => s.keyword === 'CMD')?.args ?? ''), ['--config', '/etc/ifgate/ifgate.yaml'])
  })

  test('COPY, npm ci --omit=dev, ENTRYPOINT + CMD, HEALTHCHECK and a proxied request work natively', async () => {
    // COPY: every source the two stages copy, from this checkout; absolute targets under app/root.
    for (const step of steps.filter((s) => s.keyword === 'COPY' && !s.args.startsWith('--from'))) {
      const parts = step.args.split(/\s+/)
      const target = parts.pop() as string
      for (const source of parts) {
        const dest = target.startsWith('/') ? join(app, 'root', target) : join(app, target, target.endsWith('/') ? source : '')
        mkdirSync(join(dest, '..'), { recursive: true })
        cpSync(join(ROOT, source), target.endsWith('/') ? join(app, source) : dest, { recursive: true })
      }
    }
    // RUN: the install exactly as the image runs it (offline first: the npm cache of this machine).
    const install = steps.find((s) => s.keyword === 'RUN')?.args ?? ''
    const [cmd, ...args] = install.split(/\s+/)
    await run(cmd, args, { cwd: app, timeout: INSTALL_TIMEOUT_MS, env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' } })
    assert.ok(existsSync(join(app, 'node_modules', 'undici')), 'production dependencies installed')
    for (const dev of ['typescript', 'eslint', 'fast-check', 'json-server', 'node']) assert.ok(!existsSync(join(app, 'node_modules', dev)), `no devDependency ${dev}`)

    // The example API from the image (as docker/compose.yaml runs it), then ifgate with the image's config.
    const api = spawn(process.execPath, ['examples/legacy-api/server.ts', '--host', '127.0.0.1', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(api)
    const [line] = await once(api.stdout, 'data') as [Buffer]
    const apiUrl = /http:\/\/[\d.:]+/.exec(line.toString())?.[0] as string
    const entry = [...execForm(steps.find((s) => s.keyword === 'ENTRYPOINT')?.args ?? ''), ...execForm(steps.find((s) => s.keyword === 'CMD')?.args ?? '')]
    // The config path of CMD, inside the copied root; the compose-network origin becomes the local API.
    const argv = entry.slice(1).map((a) => (a.startsWith('/etc/') ? join(app, 'root', a) : a))
    const gw = spawn(process.execPath, [...argv, '--origin', apiUrl, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv({ NODE_ENV: 'production' }) })
    children.push(gw)
    let stderr = ''
    gw.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s })
    let out = ''
    const listening = await new Promise<Record<string, string>>((resolve, reject) => {
      gw.stdout?.setEncoding('utf8').on('data', (s: string) => {
        out += s
        const hit = out.split('\n').map((l) => { try { return JSON.parse(l) as Record<string, string> } catch { return undefined } }).find((l) => l?.msg === 'ifgate listening')
        if (hit !== undefined) resolve(hit)
      })
      gw.once('exit', (code) => reject(new Error(`ifgate exited ${code}: ${stderr}`)))
    })
    // HEALTHCHECK: the image's command, pointed at this run's admin port.
    const check = execForm((steps.find((s) => s.keyword === 'HEALTHCHECK')?.args ?? '').replace(/^.*CMD\s+/, ''))
    const adminPort = new URL(listening.admin).port
    const healthy = await run(process.execPath, check.slice(1).map((a) => a.replace('127.0.0.1:9090', `127.0.0.1:${adminPort}`)), { timeout: 10_000 }).then(() => 0, (err: { code?: number }) => err.code ?? 1)
    assert.equal(healthy, 0, 'HEALTHCHECK passes')
    const res = await request(`${listening.listen}/todos/1`)
    assert.equal(res.status, 200)
    assert.match(res.headers.etag as string, /^"[\w-]{43}"$/)
    assert.equal(stderr, '', 'no warnings (deprecations included) on stderr')
    gw.kill('SIGTERM')
    assert.equal((await once(gw, 'exit'))[0], 0)
    api.kill('SIGTERM')
    // The production install has no pino-pretty: asking for it is a one-line configuration error.
    const pretty = await run(process.execPath, [...argv, '--origin', apiUrl, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--log-pretty'], { cwd: app, timeout: 10_000, env: childEnv() })
      .then(() => ({ code: 0, stderr: '' }), (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }))
    assert.equal(pretty.code, 2)
    assert.match(pretty.stderr, /^ifgate: invalid config: log\.pretty .*pino-pretty.*\n$/)
  })
})
