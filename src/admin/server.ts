import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Gateway } from '../pipeline/gateway.ts'
import { sendJson, sendProblem } from './respond.ts'
import { authorize, describe, keyOfUrl } from './validators.ts'
import { readTokenField, sendLogin, serveAsset, statsDocument } from './dashboard.ts'
import { authenticated, OPEN_PATHS, sessionCookie, tokenMatches } from './session.ts'
import { packageVersion } from '../version.ts'

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

/** Answers POST /login: the right token sets the session cookie and goes to the page; a wrong one gets the form again. */
async function login (gw: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = gw.config.admin.token
  const sent = await readTokenField(req)
  if (token === null || (sent !== undefined && tokenMatches(sent, token))) {
    res.writeHead(303, { location: '/', 'cache-control': 'no-store', ...(token === null ? {} : { 'set-cookie': sessionCookie(token) }) })
    return void res.end()
  }
  gw.logger.warn('admin login refused: wrong token')
  sendLogin(res, false, true)
}

async function answer (gw: Gateway, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = new URL(req.url ?? '/', 'http://admin.invalid')
  const path = parsed.pathname
  const method = req.method ?? 'GET'
  const head = method === 'HEAD'
  const read = method === 'GET' || head
  const token = gw.config.admin.token
  const dashboard = gw.window !== undefined
  if (path === '/login' && method === 'POST' && dashboard) return login(gw, req, res)
  // SPEC §11: with a token, everything but the probes and the scrape target needs it; the login
  // form's own stylesheet is open so the form can be shown.
  if (token !== null && !OPEN_PATHS.has(path) && path !== '/assets/dashboard.css' && !authenticated(req, token)) {
    if (path === '/' && read && dashboard) return sendLogin(res, head)
    return sendProblem(res, 401, 'Unauthorized', 'this admin endpoint needs Authorization: Bearer <admin.token>, or a session from the login form at /', head, { 'www-authenticate': 'Bearer' })
  }
  if (read && dashboard && (path === '/' || path.startsWith('/assets/')) && serveAsset(res, path, head)) return
  if (path === '/validators') {
    if (!read && method !== 'DELETE') return sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed on ${path}`, head, { allow: 'GET, HEAD, DELETE' })
    return validators(gw, req, res, parsed.searchParams, head)
  }
  if (!read) return sendProblem(res, 405, 'Method Not Allowed', `${method} is not allowed on ${path}`, head, { allow: 'GET, HEAD' })
  // The requests that closed before this one are all counted in what it reads.
  if (path === '/metrics' || path === '/stats' || path === '/diagnoses') gw.ledger.flush()
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
    case '/stats': {
      if (gw.window === undefined) return sendProblem(res, 404, 'Not Found', 'the dashboard is off (admin.dashboard: false)', head)
      const now = Date.now()
      return sendJson(res, 200, statsDocument(gw.window.snapshot(now), { config: gw.config, version: packageVersion(), startedAt: gw.startedAt, storeUp: gw.storeUp(), workers: gw.config.workers }, now, gw.routes.routes), head)
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
