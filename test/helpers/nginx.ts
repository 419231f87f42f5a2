import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './http.ts'

/** Where Debian's nginx package puts the binary; NGINX_BIN overrides it. */
const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx'
const START_TIMEOUT_MS = 5000
/** What to do when nginx is missing; scripts/test-deps.sh (`npm test`'s pretest) does it when root. */
const INSTALL = 'sudo apt-get install nginx-light, or set NGINX_BIN to an nginx'

export interface NginxCdn {
  readonly url: string
  /** The error log so far (for a failing test's message). */
  errors(): string
  close(): Promise<void>
}

/**
 * Returns the nginx configuration of a compressing "CDN" in front of `upstream`: gzip on JSON, an
 * upstream keep-alive pool, X-Forwarded-For added as CDNs do, and no proxy_cache (so nginx never
 * evaluates conditionals itself: its not-modified filter is off for uncacheable upstream responses).
 */
export function cdnConfig (dir: string, port: number, upstream: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  gzip on;
  gzip_types application/json;
  gzip_min_length 0;
  gzip_proxied any;
  upstream ifgate { server ${upstream}; keepalive 8; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://ifgate;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`
}

function accepts (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(1000, () => { socket.destroy(); resolve(false) })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/**
 * Starts Debian's nginx (its own config, prefix and logs in a temp dir, one process, on a free
 * 127.0.0.1 port) as a gzip CDN in front of `upstream` (`host:port`). Rejects, naming what to
 * install, when nginx is missing: the tests that use it must run, not skip.
 */
export async function startNginxCdn (upstream: string): Promise<NginxCdn> {
  const dir = mkdtempSync(join(tmpdir(), 'ifgate-nginx-'))
  const port = await freePort()
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, cdnConfig(dir, port, upstream))
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
  const failed = new Promise<Error>((resolve) => {
    child.once('error', (err) => resolve(new Error(`cannot run ${NGINX} (${INSTALL}): ${err.message}`)))
    child.once('exit', (code) => resolve(new Error(`nginx exited with ${code}: ${stderr.trim()}`)))
  })
  const errors = (): string => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8')
    } catch {
      return ''
    }
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  try {
    for (;;) {
      const outcome = await Promise.race([failed, accepts(port)])
      if (outcome instanceof Error) throw outcome
      if (outcome) break
      if (Date.now() > deadline) throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms: ${errors()}`)
      await sleep(20)
    }
  } catch (err) {
    // Nothing outlives a failed start: no nginx process, no temp dir.
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  let closing: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    close: () => {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit')
          child.kill('SIGTERM')
          await exited
        }
        rmSync(dir, { recursive: true, force: true })
      })()
      return closing
    }
  }
}
