import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { startServer } from './http.ts'

/** How the scripted origin labels its representations. */
export const ETAG_MODES = ['none', 'strong', 'weak', 'suffix-gzip', 'per-call'] as const
export type EtagMode = typeof ETAG_MODES[number]

export interface LegacyOriginOptions {
  /**
   * 'strong' → `"v<version>"`, changing on each write; 'weak' → `W/"v<version>"`;
   * 'suffix-gzip' → like Apache mod_deflate: to a request that accepts gzip, a gzip-encoded body
   * tagged `"v<version>-gzip"`; to any other, the identity body tagged `"v<version>"` (both with
   * `Vary: Accept-Encoding`);
   * 'per-call' → a new tag on every response, even for an unchanged body (per-node ETags behind
   * a load balancer); 'none' → no ETag. Default 'strong'.
   */
  readonly etag?: EtagMode
  /** Send Last-Modified (whole seconds) of the last change. Default true. */
  readonly lastModified?: boolean
  /** Milliseconds between reading a write's body and applying and answering it. Default 0. */
  readonly delayMs?: number
  /** false → HEAD answers 405, as some frameworks do. Default true. */
  readonly headOk?: boolean
}

export interface RecordedRequest {
  readonly method: string
  /** The request target as sent: path and query. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** The body as UTF-8; '' until it has been read completely. */
  body: string
}

export interface LegacyOrigin {
  readonly url: string
  readonly port: number
  /** Requests with an unsafe method (anything but GET, HEAD, OPTIONS, TRACE) received so far. */
  readonly writes: number
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[]
  /** Creates or replaces the document at `path` behind everyone's back (not counted as a write). */
  set(path: string, body: unknown): void
  /** Returns the document at `path`, or undefined when there is none. */
  get(path: string): unknown
  close(): Promise<void>
}

interface Doc {
  body: unknown
  version: number
  modifiedMs: number
}

// RFC 9110 §9.2.1: GET, HEAD, OPTIONS and TRACE are the safe methods; everything else is a write.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Returns a started scripted origin on 127.0.0.1 (port 0): a last-write-wins JSON document store
 * that never evaluates If-* fields, never answers 304 or 412, counts the writes it receives and
 * records every request, so a test can assert what reached the origin.
 * GET/HEAD serve a document (404 JSON when absent); PUT replaces (200) or creates (201); PATCH
 * merges (404 when absent); DELETE answers 204 (404 when absent); POST to `/coll` creates
 * `/coll/<n>` (201 + Location). Versions only grow, also across delete and re-create, so a strong
 * ETag is never reissued for different content.
 */
export async function startLegacyOrigin (opts: LegacyOriginOptions = {}): Promise<LegacyOrigin> {
  const mode: EtagMode = opts.etag ?? 'strong'
  const sendLastModified = opts.lastModified ?? true
  const delayMs = opts.delayMs ?? 0
  const headOk = opts.headOk ?? true

  const docs = new Map<string, Doc>()
  const versions = new Map<string, number>()
  const requests: RecordedRequest[] = []
  let writes = 0
  let calls = 0

  function put (path: string, body: unknown): Doc {
    const version = (versions.get(path) ?? 0) + 1
    versions.set(path, version)
    const doc = { body: structuredClone(body), version, modifiedMs: Date.now() }
    docs.set(path, doc)
    return doc
  }

  function remove (path: string): void {
    docs.delete(path)
    // The version survives the delete, so a re-created document gets a tag never used before.
  }

  function etagOf (doc: Doc, gzip: boolean): string | undefined {
    switch (mode) {
      case 'none': return undefined
      case 'strong': return `"v${doc.version}"`
      case 'weak': return `W/"v${doc.version}"`
      case 'suffix-gzip': return gzip ? `"v${doc.version}-gzip"` : `"v${doc.version}"`
      case 'per-call': return `"c${++calls}"`
    }
  }

  function send (res: ServerResponse, status: number, body: unknown, doc?: Doc, extra: Record<string, string> = {}, gzip = false): void {
    const headers: Record<string, string | number> = { ...extra }
    if (mode === 'suffix-gzip') headers.vary = 'Accept-Encoding'
    if (doc !== undefined) {
      const tag = etagOf(doc, gzip)
      if (tag !== undefined) headers.etag = tag
      if (sendLastModified) headers['last-modified'] = new Date(doc.modifiedMs).toUTCString()
    }
    if (body === undefined) {
      res.writeHead(status, headers)
      res.end()
      return
    }
    const text = JSON.stringify(body)
    const bytes = gzip ? gzipSync(text) : Buffer.from(text)
    headers['content-type'] = 'application/json; charset=utf-8'
    if (gzip) headers['content-encoding'] = 'gzip'
    headers['content-length'] = bytes.length
    res.writeHead(status, headers)
    res.end(bytes)
  }

  function notFound (res: ServerResponse, path: string): void {
    send(res, 404, { error: 'not found', path })
  }

  function nextChild (collection: string): string {
    let n = 1
    while (docs.has(`${collection}/${n}`) || versions.has(`${collection}/${n}`)) n++
    return `${collection}/${n}`
  }

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    const record: RecordedRequest = { method, url: req.url ?? '/', headers: req.headers, body: '' }
    requests.push(record)
    if (!SAFE_METHODS.has(method)) writes++
    const path = new URL(record.url, 'http://origin.invalid').pathname
    record.body = await readBody(req)

    if (method === 'GET' || (method === 'HEAD' && headOk)) {
      const doc = docs.get(path)
      if (doc === undefined) return notFound(res, path)
      return send(res, 200, doc.body, doc, {}, mode === 'suffix-gzip' && /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? '')))
    }
    if (method === 'HEAD') return send(res, 405, undefined, undefined, { allow: 'GET, PUT, PATCH, DELETE, POST' })
    if (!['PUT', 'PATCH', 'DELETE', 'POST'].includes(method)) {
      return send(res, 405, { error: 'method not allowed', method }, undefined, { allow: 'GET, HEAD, PUT, PATCH, DELETE, POST' })
    }

    let input: unknown
    if (method !== 'DELETE') {
      try {
        input = record.body === '' ? {} : JSON.parse(record.body)
      } catch {
        return send(res, 400, { error: 'invalid JSON body' })
      }
    }
    if (delayMs > 0) await sleep(delayMs)

    // Last write wins: whatever state the write finds after the delay is overwritten.
    const existing = docs.get(path)
    switch (method) {
      case 'PUT': {
        const doc = put(path, input)
        return send(res, existing === undefined ? 201 : 200, doc.body, doc)
      }
      case 'PATCH': {
        if (existing === undefined) return notFound(res, path)
        const merged = isPlainObject(existing.body) && isPlainObject(input) ? { ...existing.body, ...input } : input
        const doc = put(path, merged)
        return send(res, 200, doc.body, doc)
      }
      case 'DELETE': {
        if (existing === undefined) return notFound(res, path)
        remove(path)
        return send(res, 204, undefined)
      }
      default: {
        const collection = path.endsWith('/') ? path.slice(0, -1) : path
        const child = nextChild(collection)
        const doc = put(child, input)
        return send(res, 201, doc.body, doc, { location: child })
      }
    }
  }

  const local = await startServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) })
      else res.destroy()
    })
  })

  return {
    url: local.url,
    port: local.port,
    get writes () { return writes },
    requests,
    set: (path, body) => { put(path, body) },
    get: (path) => {
      const doc = docs.get(path)
      return doc === undefined ? undefined : structuredClone(doc.body)
    },
    close: local.close
  }
}
