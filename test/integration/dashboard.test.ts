import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core'
import { startLegacyOrigin, type LegacyOrigin } from '../helpers/legacy-origin.ts'
import { request } from '../helpers/http.ts'
import { startNginxCdn, type NginxCdn } from '../helpers/nginx.ts'
import { expect412 } from '../helpers/problems.ts'
import { startIfgate, type TestGateway } from '../helpers/start-ifgate.ts'
import { closeAll, type Closable } from '../helpers/lifecycle.ts'

/** Debian's headless Chromium; CHROMIUM_BIN overrides it. Puppeteer never downloads a browser here. */
const CHROMIUM = process.env.CHROMIUM_BIN !== undefined && process.env.CHROMIUM_BIN !== '' ? process.env.CHROMIUM_BIN : '/usr/bin/chromium'
const JSON_BODY = { 'content-type': 'application/json' }
/** The page refreshes every 2 s: what a request changed is on screen within this. */
const REFRESH_DEADLINE_MS = 5000
/** How long a navigation or the first render may take. */
const LOAD_TIMEOUT_MS = 10_000
const POLL_MS = 100
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])


/**
 * Returns the first value of `read()` that satisfies `ok`, polling every POLL_MS until `deadline`
 * (epoch ms); throws with the last value seen once the deadline has passed.
 */
async function pollUntil<T> (what: string, deadline: number, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  let last: T
  for (;;) {
    last = await read()
    if (ok(last)) return last
    if (Date.now() >= deadline) throw new Error(`${what}: not seen by the deadline; last seen: ${JSON.stringify(last)}`)
    await sleep(POLL_MS)
  }
}

/** One legend entry of a uPlot chart: the series label and the title it carries (on the label or inside it). */
interface LegendEntry { readonly label: string; readonly title: string | null }

interface Cell { readonly textContent: string | null; getAttribute (name: string): string | null; querySelector (selector: string): Cell | null; querySelectorAll (selector: string): ArrayLike<Cell> }

/** Returns the legend entries of the chart in `#id`. */
function legend (page: Page, id: string): Promise<LegendEntry[]> {
  return page.$$eval(`#${id} .u-legend .u-label`, (labels) => labels.map((el) => {
    const label = el as unknown as Cell
    const title = label.getAttribute('title') ?? label.querySelector('[title]')?.getAttribute('title') ?? null
    return { label: (label.textContent ?? '').trim(), title }
  }))
}

/** Returns the rows of `#id tbody`, each as its cells' text by class name. */
function rows (page: Page, id: string): Promise<Array<Record<string, string>>> {
  return page.$$eval(`#${id} tbody tr`, (trs) => trs.map((tr) => {
    const out: Record<string, string> = {}
    const cells = (tr as unknown as Cell).querySelectorAll('td')
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]
      const name = cell.getAttribute('class')
      if (name !== null) out[name] = (cell.textContent ?? '').trim()
    }
    return out
  }))
}

/** Returns the text of one element, or null when the page has none. */
function textOf (page: Page, selector: string): Promise<string | null> {
  return page.$$eval(selector, (els) => els.length === 0 ? null : (els[0] as unknown as Cell).textContent ?? '')
}

/** Waits for `body[data-ready="true"]`: the first refresh has been rendered. */
async function ready (page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready="true"]', { timeout: LOAD_TIMEOUT_MS })
}

let browser: Browser
before(async () => {
  const args = ['--no-proxy-server', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update']
  // Chromium refuses to run as root with its sandbox on.
  if (process.getuid?.() === 0) args.push('--no-sandbox')
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args, timeout: LOAD_TIMEOUT_MS })
})
after(async () => {
  const pid = browser?.process()?.pid
  await browser?.close()
  if (pid === undefined) return
  // Chromium's helpers share its process group and exit shortly after it; none may outlive this file.
  const deadline = Date.now() + LOAD_TIMEOUT_MS
  for (;;) {
    try {
      process.kill(-pid, 0)
    } catch {
      return
    }
    if (Date.now() >= deadline) throw new Error(`processes of Chromium's group ${pid} still run ${LOAD_TIMEOUT_MS} ms after it closed`)
    await sleep(POLL_MS)
  }
})

describe('dashboard on an admin port without a token (SPEC §11)', () => {
  let origin: LegacyOrigin
  let gw: TestGateway
  let cdn: NginxCdn
  let context: BrowserContext
  let page: Page
  /** Every URL the page requested, and every load that failed or answered an error. */
  const requested: string[] = []
  const failed: string[] = []
  const started: Closable[] = []
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    started.push(origin)
    gw = await startIfgate(origin.url, { routes: [{ path: '/', origin: origin.url, name: 'api' }, { path: '/strict', origin: origin.url, name: 'strict', requirePrecondition: true }] })
    started.push(gw)
    cdn = await startNginxCdn(new URL(gw.url).host)
    started.push(cdn)
    context = await browser.createBrowserContext()
    started.push(context)
    page = await context.newPage()
    await page.setViewport({ width: 1280, height: 900 })
    page.on('request', (req) => { requested.push(req.url()) })
    page.on('requestfailed', (req) => { failed.push(`${req.url()}: ${req.failure()?.errorText ?? 'failed'}`) })
    page.on('response', (res) => {
      if (res.status() >= 400 && new URL(res.url()).pathname !== '/favicon.ico') failed.push(`${res.url()}: ${res.status()}`)
    })
  })
  after(() => closeAll(started))

  test('a stale write, a weakened ETag through nginx and a 428 show up in the charts and tables within 5 s', async () => {
    const res = await page.goto(`${gw.adminUrl}/`, { timeout: LOAD_TIMEOUT_MS })
    assert.equal(res?.status(), 200)
    assert.match(res?.headers()['content-type'] ?? '', /^text\/html/)
    await ready(page)
    assert.ok(await page.$('#decisions .u-legend'), 'the decisions chart is a uPlot chart with a legend')
    assert.ok(await page.$('#causes .u-legend'), 'the causes chart is a uPlot chart with a legend')

    // Someone else writes between this client's read and its write.
    origin.set('/items/stale', { id: 'stale', v: 1 })
    const old = (await request(`${gw.url}/items/stale`)).headers.etag as string
    assert.equal((await request(`${gw.url}/items/stale`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': old }, body: '{"id":"stale","v":2}' })).status, 200)
    expect412(await request(`${gw.url}/items/stale`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': old, 'x-request-id': 'dash-stale-1' }, body: '{"id":"stale","v":3}' }), 'stale-etag')

    // nginx compresses the read and weakens the strong ETag; the write sends the weakened one back.
    origin.set('/items/weak', { id: 'weak', v: 1 })
    const read = await request(`${cdn.url}/items/weak`, { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(read.status, 200, cdn.errors())
    assert.equal(read.headers['content-encoding'], 'gzip', 'nginx compressed the JSON')
    const weakened = read.headers.etag as string
    assert.match(weakened, /^W\/"/)
    expect412(await request(`${cdn.url}/items/weak`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': weakened, 'x-request-id': 'dash-weak-1' }, body: '{"id":"weak","v":2}' }), 'weakened-etag')

    const required = await request(`${gw.url}/strict/1`, { method: 'PUT', headers: { ...JSON_BODY, 'x-request-id': 'dash-428-1' }, body: '{}' })
    assert.equal(required.status, 428)
    const deadline = Date.now() + REFRESH_DEADLINE_MS

    const causes = await pollUntil('#causes legend with stale-etag and weakened-etag', deadline, () => legend(page, 'causes'),
      (entries) => ['stale-etag', 'weakened-etag'].every((c) => entries.some((e) => e.label === c)))
    const ids = await pollUntil('#diagnoses request ids of both 412s', deadline, async () => (await rows(page, 'diagnoses')).map((r) => r['request-id']),
      (seen) => seen.includes('dash-stale-1') && seen.includes('dash-weak-1'))
    assert.ok(!ids.includes('dash-428-1'), 'a 428 is not a failed precondition')
    const decisions = await pollUntil('#decisions legend with edge-412 and edge-428', deadline, () => legend(page, 'decisions'),
      (entries) => ['edge-412', 'edge-428'].every((d) => entries.some((e) => e.label === d)))
    assert.ok(decisions.some((e) => e.label === 'forwarded'), `the reads were forwarded: ${JSON.stringify(decisions)}`)

    const stats = await request(`${gw.adminUrl}/stats`)
    assert.equal(stats.status, 200)
    assert.match(String(stats.headers['content-type']), /^application\/json/)
    const body = stats.json()
    assert.equal(body.series.length, 90)
    assert.equal(body.bucketMs, 10_000)
    assert.ok(body.series.every((b: { start: number }, i: number, all: Array<{ start: number }>) => i === 0 || b.start > all[i - 1].start), 'oldest first')
    assert.equal(body.totals.edge412, 2)
    assert.equal(body.store.kind, 'memory')
    for (const cause of ['stale-etag', 'weakened-etag']) {
      assert.equal(typeof body.hints[cause], 'string', `/stats hints.${cause}`)
      assert.equal(causes.find((e) => e.label === cause)?.title, body.hints[cause], `the ${cause} legend label's title is its hint`)
    }

    const diagnoses = await rows(page, 'diagnoses')
    const stale = diagnoses.find((r) => r['request-id'] === 'dash-stale-1')
    assert.equal(stale?.method, 'PUT')
    assert.equal(stale?.path, '/items/stale')
    assert.equal(stale?.cause, 'stale-etag')
    assert.equal(stale?.sent, old)
    const weak = diagnoses.find((r) => r['request-id'] === 'dash-weak-1')
    assert.equal(weak?.cause, 'weakened-etag')
    assert.equal(weak?.sent, weakened)
    assert.equal(weak?.current, weakened.slice(2), 'the current ETag is the strong one nginx weakened')
    for (const row of diagnoses) for (const cell of ['time', 'method', 'path', 'cause', 'sent', 'current', 'intermediary', 'request-id']) assert.ok(cell in row, `#diagnoses row has td.${cell}: ${JSON.stringify(row)}`)

    const top = await rows(page, 'top-paths')
    assert.deepEqual(top.filter((r) => r.path === '/items/stale').map((r) => [r.count, r.cause]), [['1', 'stale-etag']])
    assert.deepEqual(top.filter((r) => r.path === '/items/weak').map((r) => [r.count, r.cause]), [['1', 'weakened-etag']])

    for (const id of ['store', 'uptime', 'version', 'lock-wait', 'repairs', 'observed', 'config']) {
      const text = await textOf(page, `#${id}`)
      assert.ok(text !== null && text.trim() !== '', `#${id} has a text summary: ${JSON.stringify(text)}`)
    }
    assert.match(await textOf(page, '#store') ?? '', /memory/)
    assert.ok((await textOf(page, '#version') ?? '').includes(body.version), `#version shows ${body.version}`)

    const admin = new URL(gw.adminUrl).origin
    const foreign = requested.filter((u) => new URL(u).origin !== admin)
    assert.deepEqual(foreign, [], 'the page loads only same-origin assets')
    const paths = requested.map((u) => new URL(u).pathname)
    for (const asset of ['/assets/uPlot.iife.min.js', '/assets/uPlot.min.css']) assert.ok(paths.includes(asset), `the page loaded ${asset}: ${paths.join(' ')}`)
    assert.ok(paths.filter((p) => p === '/stats').length >= 2, `the page refreshed from /stats: ${paths.join(' ')}`)
    assert.ok(paths.includes('/diagnoses'), `the page read /diagnoses: ${paths.join(' ')}`)
    assert.deepEqual(failed, [], 'no load failed')
  })

  test('a full-page PNG screenshot of the rendered dashboard', async () => {
    assert.ok(await page.$('body[data-ready="true"]'), 'the dashboard is rendered')
    const target = process.env.IFGATE_SCREENSHOT
    const dir = target === undefined || target === '' ? mkdtempSync(join(tmpdir(), 'ifgate-dashboard-')) : undefined
    const file = dir === undefined ? resolve(target as string) : join(dir, 'dashboard.png')
    try {
      mkdirSync(dirname(file), { recursive: true })
      const shot = Buffer.from(await page.screenshot({ type: 'png', fullPage: true }))
      writeFileSync(file, shot)
      const png = readFileSync(file)
      assert.ok(png.length > PNG_SIGNATURE.length, 'the PNG is not empty')
      assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE)
      assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR')
      assert.ok(png.readUInt32BE(16) >= 1280, `width ${png.readUInt32BE(16)}`)
      assert.ok(png.readUInt32BE(20) >= 900, `height ${png.readUInt32BE(20)}`)
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    }
  })

  test('markup in a path and in a request id is shown as text, never run', async () => {
    const markup = '/x/<img src=x onerror=window.__pwned=1>'
    const path = '/x/%3Cimg%20src=x%20onerror=window.__pwned=1%3E'
    const requestId = '<b>dash-xss-1</b>'
    origin.set(path, { v: 1 })
    const old = (await request(`${gw.url}${path}`)).headers.etag as string
    assert.equal((await request(`${gw.url}${path}`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': old }, body: '{"v":2}' })).status, 200)
    const refused = expect412(await request(`${gw.url}${path}`, { method: 'PUT', headers: { ...JSON_BODY, 'if-match': old, 'x-request-id': requestId }, body: '{"v":3}' }), 'stale-etag')
    assert.equal(refused.requestId, requestId, 'ifgate kept the request id')
    const deadline = Date.now() + REFRESH_DEADLINE_MS

    const decoded = (text: string): string => {
      try {
        return decodeURIComponent(text)
      } catch {
        return text
      }
    }
    const diagnoses = await pollUntil(`#diagnoses row with request id ${requestId}`, deadline, () => rows(page, 'diagnoses'),
      (all) => all.some((r) => r['request-id'] === requestId))
    const row = diagnoses.find((r) => r['request-id'] === requestId)
    assert.equal(row?.['request-id'], requestId, 'the request id is shown as text, tags and all')
    assert.equal(decoded(row?.path ?? ''), markup, `the diagnosis shows the path as text: ${JSON.stringify(row)}`)
    const paths = await pollUntil('#top-paths row of the path', deadline, () => rows(page, 'top-paths'),
      (all) => all.some((r) => decoded(r.path) === markup))
    const top = paths.find((r) => decoded(r.path) === markup)
    assert.deepEqual([top?.count, top?.cause], ['1', 'stale-etag'])
    assert.equal(await page.$$eval('#top-paths img, #diagnoses img', (els) => els.length), 0, 'no img element in the tables')
    assert.equal(await page.$$eval('#diagnoses b', (els) => els.length), 0, 'no b element in the tables')
    // One more refresh renders the same rows again; nothing they hold may run.
    await sleep(2500)
    assert.equal(await page.evaluate(() => typeof (globalThis as { __pwned?: unknown }).__pwned), 'undefined')
    assert.equal(await page.$$eval('img', (els) => els.length), 0, 'no img element anywhere')
    assert.ok(!requested.some((u) => new URL(u).pathname === '/x'), 'nothing loaded an image from src=x')
    assert.deepEqual(failed, [], 'no load failed')
  })
})

describe('dashboard on an admin port with admin.token (SPEC §11)', () => {
  const TOKEN = 'T0ken-for-the-dashboard!'
  let origin: LegacyOrigin
  let gw: TestGateway
  let context: BrowserContext
  let page: Page
  const started: Closable[] = []
  before(async () => {
    origin = await startLegacyOrigin({ etag: 'strong' })
    started.push(origin)
    gw = await startIfgate(origin.url, { admin: { listen: '127.0.0.1:0', token: TOKEN } })
    started.push(gw)
    context = await browser.createBrowserContext()
    started.push(context)
    page = await context.newPage()
  })
  after(() => closeAll(started))

  const SUBMIT = '#login button:not([type]), #login button[type="submit"], #login input[type="submit"]'

  /** Types `token` into the login form, submits it and returns the response the navigation ends on. */
  async function login (token: string): Promise<{ status: number | undefined; redirects: number[] }> {
    await page.$eval('#login input[name="token"]', (el) => { (el as unknown as { value: string }).value = '' })
    await page.type('#login input[name="token"]', token)
    const [res] = await Promise.all([page.waitForNavigation({ timeout: LOAD_TIMEOUT_MS }), page.click(SUBMIT)])
    return { status: res?.status(), redirects: (res?.request().redirectChain() ?? []).map((r) => r.response()?.status() ?? 0) }
  }

  test('without the token the page is a login form; a wrong token stays there, the right one opens the dashboard', async () => {
    const res = await page.goto(`${gw.adminUrl}/`, { timeout: LOAD_TIMEOUT_MS })
    assert.equal(res?.status(), 401)
    assert.ok(await page.$('#login'), 'the login form')
    assert.equal(await page.$('#decisions'), null, 'no dashboard without the token')
    const form = await page.$eval('#login', (el) => {
      const f = el as unknown as Cell
      return { method: (f.getAttribute('method') ?? '').toLowerCase(), action: f.getAttribute('action'), input: f.querySelector('input[name="token"]')?.getAttribute('type') }
    })
    assert.deepEqual(form, { method: 'post', action: '/login', input: 'password' })
    assert.ok(await page.$(SUBMIT), 'a submit button')

    const wrong = await login('not-the-token')
    assert.equal(wrong.status, 401)
    assert.deepEqual(wrong.redirects, [])
    assert.ok(await page.$('#login'), 'still the login form')
    assert.equal(await page.$('#decisions'), null)
    assert.equal((await context.cookies()).filter((c) => c.name === 'ifgate_admin').length, 0, 'no session for a wrong token')

    const right = await login(TOKEN)
    assert.deepEqual(right.redirects, [303])
    assert.equal(right.status, 200)
    assert.equal(new URL(page.url()).pathname, '/')
    await ready(page)
    assert.ok(await page.$('#decisions'), 'the dashboard')
    assert.equal(await page.$('#login'), null)
    const session = (await context.cookies()).find((c) => c.name === 'ifgate_admin')
    assert.ok(session !== undefined, 'the session cookie')
    assert.equal(session.httpOnly, true)
    assert.equal(session.sameSite, 'Strict')
    assert.equal(session.path, '/')
    assert.ok(!session.value.includes(TOKEN), 'the cookie is not the token')
  })

  test('POST /login answers 303 with the session cookie, or 401 with the form again', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const ok = await request(`${gw.adminUrl}/login`, { method: 'POST', headers: form, body: `token=${encodeURIComponent(TOKEN)}` })
    assert.equal(ok.status, 303)
    assert.equal(new URL(String(ok.headers.location), gw.adminUrl).href, `${gw.adminUrl}/`)
    const cookie = String(ok.headers['set-cookie']?.[0])
    assert.match(cookie, /^ifgate_admin=[^;]+;/)
    for (const attribute of ['HttpOnly', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.split(/;\s*/).includes(attribute), `${attribute} in ${cookie}`)
    assert.ok(!cookie.includes(TOKEN), 'the cookie value is not the token')
    const viaCookie = await request(`${gw.adminUrl}/stats`, { headers: { cookie: cookie.split(';')[0] } })
    assert.equal(viaCookie.status, 200, 'the cookie opens /stats')

    const bad = await request(`${gw.adminUrl}/login`, { method: 'POST', headers: form, body: 'token=wrong' })
    assert.equal(bad.status, 401)
    assert.equal(bad.headers['set-cookie'], undefined)
    assert.match(bad.body, /<form[^>]*id="login"/)
  })

  test('/stats needs the token; /healthz, /readyz and /metrics do not', async () => {
    const denied = await fetch(`${gw.adminUrl}/stats`)
    assert.equal(denied.status, 401)
    assert.match(denied.headers.get('content-type') ?? '', /^application\/problem\+json/)
    assert.equal((await denied.json() as { status: unknown }).status, 401)
    const wrong = await fetch(`${gw.adminUrl}/stats`, { headers: { authorization: 'Bearer not-the-token' } })
    assert.equal(wrong.status, 401)
    await wrong.body?.cancel()
    const allowed = await fetch(`${gw.adminUrl}/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(allowed.status, 200)
    const stats = await allowed.json() as { series: unknown[]; uptimeSeconds: unknown }
    assert.equal(stats.series.length, 90)
    assert.equal(typeof stats.uptimeSeconds, 'number')
    const diagnoses = await fetch(`${gw.adminUrl}/diagnoses`)
    assert.equal(diagnoses.status, 401)
    await diagnoses.body?.cancel()
    for (const open of ['/healthz', '/readyz', '/metrics']) {
      const res = await fetch(`${gw.adminUrl}${open}`)
      assert.equal(res.status, 200, open)
      await res.body?.cancel()
    }
  })
})
