import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv } from '../helpers/child-env.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const modes: Array<{ name: string; args: string[]; env: Record<string, string> }> = [
  { name: '--log-pretty', args: ['--log-pretty'], env: {} },
  { name: 'LOG_PRETTY=1', args: [], env: { LOG_PRETTY: '1' } }
]

for (const mode of modes) {
  test(`${mode.name}: human-readable lines instead of JSON, and SIGTERM still drains to exit 0`, async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'ifgate.js'), '--origin', 'http://127.0.0.1:9', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', ...mode.args], { env: childEnv(mode.env), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s
        if (out.includes('ifgate listening')) resolve()
      })
      child.once('exit', () => resolve())
    })
    const line = out.split('\n').find((l) => l.includes('ifgate listening')) ?? ''
    assert.match(line, /INFO/)
    assert.ok(!line.trimStart().startsWith('{'), `not JSON: ${line}`)
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    clearTimeout(timer)
    assert.equal(code, 0)
  })
}
