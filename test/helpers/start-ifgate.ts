import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.ts'
import { startGateway, type RunningGateway, type StartOptions } from '../../src/main.ts'
import { logSink } from './log-sink.ts'

export interface TestGateway extends RunningGateway {
  readonly logs: ReturnType<typeof logSink>
}

/**
 * Starts ifgate in this process on 127.0.0.1 port 0 in front of `origin`, with `config` merged in
 * (any part of the YAML shape; JSON is YAML). Logs go to a sink the test can read.
 */
export async function startIfgate (origin: string, config: Record<string, unknown> = {}, options: Omit<StartOptions, 'logDestination'> = {}): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'ifgate-test-'))
  const file = join(dir, 'ifgate.yaml')
  const full = {
    listen: '127.0.0.1:0',
    admin: { listen: '127.0.0.1:0' },
    log: { level: 'info' },
    routes: [{ path: '/', origin }],
    ...config
  }
  writeFileSync(file, JSON.stringify(full, null, 2))
  const logs = logSink()
  let running: RunningGateway
  try {
    running = await startGateway(loadConfig({ config: file }, {}), { ...options, logDestination: logs.stream })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return Object.assign(running, { logs })
}
