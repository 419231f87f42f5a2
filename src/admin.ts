import { createServer, type Server } from 'node:http'
import type { Gateway } from './pipeline/gateway.ts'

function json (status: number, body: unknown): [number, Record<string, string>, string] {
  const text = JSON.stringify(body)
  return [status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' }, text]
}

/**
 * Returns the admin listener (SPEC §7): `/healthz` (the process is alive) and `/readyz`
 * (listening with a loaded config; 503 while draining).
 */
export function createAdminServer (gw: Gateway): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    let answer: [number, Record<string, string>, string]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer = json(405, { type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: `${req.method} is not allowed on ${path}` })
    } else if (path === '/healthz') {
      answer = json(200, { status: 'ok' })
    } else if (path === '/readyz') {
      answer = gw.draining
        ? json(503, { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'draining' })
        : json(200, { status: 'ready', routes: gw.routes.routes.length })
    } else {
      answer = json(404, { type: 'about:blank', title: 'Not Found', status: 404, detail: `no admin endpoint ${path}` })
    }
    res.writeHead(answer[0], answer[1])
    res.end(req.method === 'HEAD' ? undefined : answer[2])
  })
}
