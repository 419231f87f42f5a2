import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HINTS } from '../diagnosis/causes.ts'
import type { Config } from '../config/types.ts'
import type { WindowSnapshot } from '../observability/window.ts'
import { readSmallBody } from './body.ts'

/**
 * The operators' page of the admin port (SPEC §11): one HTML page, its script and styles, and
 * uPlot (a small, maintained canvas charting library, served from node_modules: no CDN, no build
 * step), plus the `/stats` document the page reads and the login form that protects it.
 */

const require = createRequire(import.meta.url)
const ASSETS = new URL('./assets/', import.meta.url)

interface Asset { readonly type: string; readonly body: Buffer }

/** Every asset, read once at start. */
function loadAssets (): Map<string, Asset> {
  const own = (name: string): Buffer => readFileSync(new URL(name, ASSETS))
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: own('dashboard.html') }],
    ['/assets/dashboard.js', { type: 'text/javascript; charset=utf-8', body: own('dashboard.js') }],
    ['/assets/dashboard.css', { type: 'text/css; charset=utf-8', body: own('dashboard.css') }],
    ['/assets/uPlot.iife.min.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')) }],
    ['/assets/uPlot.min.css', { type: 'text/css; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')) }]
  ])
}

let assets: Map<string, Asset> | undefined

/** Same-origin everything, no inline script: what the page needs and nothing more. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const SECURITY_FIELDS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store'
}

/** Answers a GET of the page or one of its assets; returns false when `path` is none of them. */
export function serveAsset (res: ServerResponse, path: string, head: boolean): boolean {
  assets ??= loadAssets()
  const asset = assets.get(path)
  if (asset === undefined) return false
  res.writeHead(200, { 'content-type': asset.type, 'content-length': String(asset.body.length), ...SECURITY_FIELDS })
  res.end(head ? undefined : asset.body)
  return true
}

const LOGIN_PAGE = (failed: boolean): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ifgate admin: sign in</title>
<link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><main><section>
<h2>ifgate admin</h2>
<p>This admin port is protected by <code>admin.token</code>.${failed ? ' <b>That token is not the right one.</b>' : ''}</p>
<form id="login" method="post" action="/login">
<label>token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
</section></main></body></html>
`

/** Sends the login form (401: the page needs the token). */
export function sendLogin (res: ServerResponse, head: boolean, failed = false): void {
  const body = LOGIN_PAGE(failed)
  res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...SECURITY_FIELDS })
  res.end(head ? undefined : body)
}

/** Most bytes of a login form accepted. */
const MAX_FORM_BYTES = 4096

/** Resolves to the `token` field of a form-encoded body, or undefined when there is none or the body is too large. */
export async function readTokenField (req: IncomingMessage): Promise<string | undefined> {
  const body = await readSmallBody(req, MAX_FORM_BYTES)
  return body === undefined ? undefined : new URLSearchParams(body.toString('utf8')).get('token') ?? undefined
}

/** What `/stats` says of this gateway besides its window. */
export interface StatsContext {
  readonly config: Config
  readonly version: string
  readonly startedAt: number
  readonly storeUp: boolean
  readonly workers: number
}

/** Returns the `/stats` document: the window, the causes' hints, the store, uptime, version and a summary of the config. */
export function statsDocument (window: WindowSnapshot, c: StatsContext, now: number, routes: ReadonlyArray<{ id: string; origin: string; policy: { mode: string; ownership: string; etags: string } }>): Record<string, unknown> {
  return {
    now,
    ...window,
    hints: HINTS,
    store: { kind: c.config.store.url === 'memory' ? 'memory' : 'redis', up: c.storeUp },
    uptimeSeconds: Math.floor((now - c.startedAt) / 1000),
    version: c.version,
    workers: c.workers,
    config: {
      listen: c.config.listen,
      routes: routes.map((r) => ({ id: r.id, origin: r.origin, mode: r.policy.mode, ownership: r.policy.ownership, etags: r.policy.etags }))
    }
  }
}
