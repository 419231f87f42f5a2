import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { AddressInfo } from 'node:net'

type Json = Record<string, unknown>

interface Row { value: Json, modifiedMs: number }
interface Collection { rows: Map<string, Row>, modifiedMs: number, nextId: number }

export interface LegacyApi {
  readonly server: Server
  /** Requests with an unsafe method received since start or reset(), whatever their outcome. */
  writes(): number
  /** Restores the seed data and sets the write counter to 0. */
  reset(): void
}

/** Bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024

// RFC 9110 §9.2.1: GET, HEAD, OPTIONS and TRACE are safe; everything else counts as a write.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

class HttpError extends Error {
  readonly status: number
  constructor (status: number, detail: string) {
    super(detail)
    this.status = status
  }
}

function isObject (value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function load (seed: object, now: number): Map<string, Collection> {
  const collections = new Map<string, Collection>()
  for (const [name, records] of Object.entries(seed)) {
    if (!Array.isArray(records)) throw new TypeError(`seed: "${name}" must be an array of objects`)
    const c: Collection = { rows: new Map(), modifiedMs: now, nextId: 1 }
    for (const record of records) {
      if (!isObject(record)) throw new TypeError(`seed: every record of "${name}" must be an object`)
      const id = record.id ?? c.nextId
      if (typeof id === 'number' && id >= c.nextId) c.nextId = id + 1
      c.rows.set(String(id), { value: structuredClone({ ...record, id }), modifiedMs: now })
    }
    collections.set(name, c)
  }
  return collections
}

function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, modifiedMs?: number): void {
  const text = JSON.stringify(body, null, 2) + '\n'
  // Whole seconds, as HTTP-date can carry no more (RFC 9110 §5.6.7); no ETag, on purpose.
  if (modifiedMs !== undefined) headers['last-modified'] = new Date(modifiedMs).toUTCString()
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers
  })
  res.end(text)
}

function sendError (res: ServerResponse, err: HttpError, headers: Record<string, string> = {}): void {
  const { status, message: detail } = err
  sendJson(res, status, { type: 'about:blank', title: STATUS_CODES[status], status, detail }, headers)
}

/**
 * Resolves to the request body as text; rejects with 413 as soon as it is known to exceed
 * MAX_BODY_BYTES. The rest of a refused body is still read and discarded: closing a socket with
 * unread data would reset it and lose the 413 on the way.
 */
function readText (req: IncomingMessage): Promise<string> {
  const tooLarge = new HttpError(413, `the body is over ${MAX_BODY_BYTES} bytes`)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES ? Infinity : 0
    if (size > MAX_BODY_BYTES) reject(tooLarge)
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) reject(tooLarge)
      else chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

/** Resolves to the request body parsed as a JSON object; rejects with 400 or 413. */
async function readObject (req: IncomingMessage): Promise<Json> {
  const text = await readText(req)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`)
  }
  if (!isObject(value)) throw new HttpError(400, 'the body must be a JSON object')
  return value
}

function notAllowed (res: ServerResponse, allow: string): void {
  sendError(res, new HttpError(405, `allowed: ${allow}`), { allow })
}

function parsePath (url: string): string[] {
  const { pathname } = new URL(url, 'http://legacy-api.invalid')
  try {
    return pathname.split('/').filter((s) => s !== '').map(decodeURIComponent)
  } catch {
    throw new HttpError(400, 'the path is not valid percent-encoding')
  }
}

/**
 * Returns the example legacy API: a node:http server (not yet listening) over in-memory
 * collections from `seed` (default: seed.json), its write counter, and a reset. It is the kind of
 * service ifgate is for: last write wins; it sends Last-Modified but no ETag, ignores every If-*
 * field and never answers 304 or 412.
 * Routes: GET / (index), GET|POST /:collection, GET|PUT|PATCH|DELETE /:collection/:id.
 */
export function createLegacyApi (opts: { seed?: object } = {}): LegacyApi {
  const seed: object = opts.seed ?? JSON.parse(readFileSync(new URL('./seed.json', import.meta.url), 'utf8'))
  let data = load(seed, Date.now())
  let writes = 0

  function row (c: Collection, name: string, id: string): Row {
    const r = c.rows.get(id)
    if (r === undefined) throw new HttpError(404, `no record "${id}" in "${name}"`)
    return r
  }

  function store (c: Collection, value: Json): Row {
    const now = Date.now()
    const r = { value, modifiedMs: now }
    c.rows.set(String(value.id), r)
    c.modifiedMs = now
    return r
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    if (!SAFE_METHODS.has(method)) writes++
    const read = method === 'GET' || method === 'HEAD'
    const [name, id, ...rest] = parsePath(req.url ?? '/')
    if (rest.length > 0) throw new HttpError(404, 'no such resource')

    if (name === undefined) {
      if (!read) return notAllowed(res, 'GET, HEAD')
      const index: Json = {}
      let latest = 0
      for (const [n, c] of data) {
        index[n] = { href: `/${n}`, count: c.rows.size }
        latest = Math.max(latest, c.modifiedMs)
      }
      return sendJson(res, 200, index, {}, latest)
    }

    const c = data.get(name)
    if (c === undefined) throw new HttpError(404, `no collection "${name}"`)
    if (id === undefined) {
      if (read) return sendJson(res, 200, [...c.rows.values()].map((r) => r.value), {}, c.modifiedMs)
      if (method !== 'POST') return notAllowed(res, 'GET, HEAD, POST')
      const body = await readObject(req)
      // The server assigns ids; an id in the body is overwritten.
      const r = store(c, { ...body, id: c.nextId++ })
      return sendJson(res, 201, r.value, { location: `/${name}/${String(r.value.id)}` }, r.modifiedMs)
    }

    if (read) {
      const r = row(c, name, id)
      return sendJson(res, 200, r.value, {}, r.modifiedMs)
    }
    // Last write wins: no field of the request is compared with the stored state.
    switch (method) {
      case 'PUT': {
        const body = await readObject(req)
        const existing = c.rows.get(id)
        // A canonical decimal id becomes a number, as in the seed; "01" or "ada" stays a string.
        const key = existing?.value.id ?? (String(Number(id)) === id && Number.isSafeInteger(Number(id)) ? Number(id) : id)
        if (typeof key === 'number' && key >= c.nextId) c.nextId = key + 1
        const r = store(c, { ...body, id: key })
        if (existing !== undefined) return sendJson(res, 200, r.value, {}, r.modifiedMs)
        return sendJson(res, 201, r.value, { location: `/${name}/${id}` }, r.modifiedMs)
      }
      case 'PATCH': {
        const existing = row(c, name, id)
        const body = await readObject(req)
        const r = store(c, { ...existing.value, ...body, id: existing.value.id })
        return sendJson(res, 200, r.value, {}, r.modifiedMs)
      }
      case 'DELETE':
        row(c, name, id)
        c.rows.delete(id)
        c.modifiedMs = Date.now()
        return void res.writeHead(204).end()
      default:
        return notAllowed(res, 'GET, HEAD, PUT, PATCH, DELETE')
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy()
      sendError(res, err instanceof HttpError ? err : new HttpError(500, 'unexpected error'))
    })
  })

  return {
    server,
    writes: () => writes,
    reset: () => {
      data = load(seed, Date.now())
      writes = 0
    }
  }
}

const USAGE = 'usage: node examples/legacy-api/server.ts [--port N] [--host H] (env PORT)'

function die (message: string, code: number): never {
  console.error(`legacy-api: ${message}`)
  process.exit(code)
}

function listenFromCommandLine (): void {
  let values: { port?: string, host?: string } = {}
  try {
    values = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } }).values
  } catch (err) {
    die(`${(err as Error).message}\n${USAGE}`, 2)
  }
  const port = Number(values.port ?? process.env.PORT ?? 3000)
  const host = values.host ?? '127.0.0.1'
  if (!Number.isInteger(port) || port < 0 || port > 65535) die(`invalid port "${values.port ?? process.env.PORT}"\n${USAGE}`, 2)
  const { server } = createLegacyApi()
  server.on('error', (err) => die(err.message, 1))
  server.listen(port, host, () => {
    const bound = (server.address() as AddressInfo).port
    console.log(`legacy-api listening on http://${host.includes(':') ? `[${host}]` : host}:${bound}`)
  })
  const stop = (): void => server.close().closeAllConnections()
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

if (import.meta.main) listenFromCommandLine()
