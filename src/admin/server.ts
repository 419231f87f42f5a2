import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Gateway } from '../pipeline/gateway.ts'
import { sendJson, sendProblem } from './respond.ts'
import { authorize, describe, keyOfUrl } from './validators.ts'

const DEFAULT_DIAGNOSES = 50

async function validators (gw: Gateway, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, head: boolean): Promise<void> {
  const url = query.get('url')
  if (req.method === 'DELETE') {
    const auth = authorize(req, gw.config.admin.token)
    if (!auth.ok) return sendProblem(res, auth.status, auth.status === 401 ? 'Unauthorized' : 'Forbidden', auth.detail, head, auth.status === 401 ? { 'www-authenticate': 'Bearer' } : {})
    if (url === null) {
      const entries = await gw.store.clear()
      gw.logger.warn({ purged: entries }, 'validator cache purged')
      return sendJson(res, 200, { purged: entries }, head)
    }
    const target = keyOfUrl(gw, url, query.get('host'))
    if ('error' in target) return sendProblem(res, 400, 'Bad Request', target.error, head)
    const purged = await gw.store.delete(target.key) ? 1 : 0
    gw.logger.warn({ purged, key: target.key }, 'validators purged')
    return sendJson(res, 200, { purged, key: target.key }, head)
  }
  const target = keyOfUrl(gw, url, query.get('host'))
  if ('error' in target) return sendProblem(res, 400, 'Bad Request', target.error, head)
  const view = await describe(gw, target.key, target.route, Date.now())
  if (view === undefined) return sendProblem(res, 404, 'Not Found', `no validators are cached for ${target.key}`, head)
  sendJson(res, 200, view, head)
}

async function answer (gw: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = new URL(req.url ?? '/', 'http://admin.invalid')
  const path = parsed.pathname
  const method = req.method ?? 'GET'
  const head = method === 'HEAD'
  const read = method === 'GET' || head
  if (path === '/validators') {
    if (!read && method !== 'DELETE') return sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed on ${path}`, head, { allow: 'GET, HEAD, DELETE' })
    return validators(gw, req, res, parsed.searchParams, head)
  }
  if (!read) return sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed on ${path}`, head, { allow: 'GET, HEAD' })
  switch (path) {
    case '/healthz':
      return sendJson(res, 200, { status: 'ok', store: gw.storeUp() ? 'up' : 'down' }, head)
    case '/readyz':
      return gw.draining
        ? sendProblem(res, 503, 'Service Unavailable', 'draining: shutting down', head, { 'retry-after': '1' })
        : sendJson(res, 200, { status: 'ready', routes: gw.routes.routes.length }, head)
    case '/metrics': {
      const text = await gw.metrics.registry.metrics()
      res.writeHead(200, { 'content-type': gw.metrics.registry.contentType, 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' })
      return void res.end(head ? undefined : text)
    }
    case '/diagnoses': {
      const raw = parsed.searchParams.get('limit')
      const limit = raw === null ? DEFAULT_DIAGNOSES : Number(raw)
      if (!Number.isInteger(limit) || limit < 1) return sendProblem(res, 400, 'Bad Request', 'limit= must be a positive integer', head)
      return sendJson(res, 200, { diagnoses: gw.diagnoses.recent(limit) }, head)
    }
    default:
      return sendProblem(res, 404, 'Not Found', `no admin endpoint ${path}`, head)
  }
}

/**
 * Returns the admin listener (SPEC §7): /healthz, /readyz (503 while draining), /metrics,
 * /validators?url= (GET inspects, DELETE purges with admin.token) and /diagnoses?limit=.
 */
export function createAdminServer (gw: Gateway): Server {
  return createServer((req, res) => {
    answer(gw, req, res).catch((err: unknown) => {
      gw.logger.error({ err }, 'admin request failed')
      if (!res.headersSent) sendProblem(res, 500, 'Internal Server Error', 'the admin request failed; see the log', req.method === 'HEAD')
      else res.destroy()
    })
  })
}
