import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'

/** How long `request()` waits for a complete response before it rejects. */
export const REQUEST_TIMEOUT_MS = 10_000

export interface RequestOptions {
  readonly method?: string
  /** An array value is sent as several field lines of the same name. */
  readonly headers?: Record<string, string | string[]>
  readonly body?: string | Buffer
}

export interface Response {
  readonly status: number
  /** Node's parsed view: names lower-cased, repeated fields joined as Node joins them. */
  readonly headers: IncomingHttpHeaders
  /** Names and values exactly as they arrived, alternating: [name, value, name, value, …]. */
  readonly rawHeaders: string[]
  readonly body: string
  /** The body bytes as received (still content-coded). */
  readonly rawBody: Buffer
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any
}

/**
 * Returns the complete response to one HTTP/1.1 request sent with node:http (not fetch, so
 * hop-by-hop fields such as Connection and TE reach the wire as given and response fields are not
 * filtered). Each request uses a fresh connection (`agent: false`), so a test never races a
 * keep-alive socket that the server is closing. Rejects on a network error, or after
 * REQUEST_TIMEOUT_MS without a complete response.
 */
export function request (url: string, opts: RequestOptions = {}): Promise<Response> {
  const method = opts.method ?? 'GET'
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', fail)
      res.on('end', () => {
        clearTimeout(timer)
        const rawBody = Buffer.concat(chunks)
        const body = rawBody.toString('utf8')
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body,
          rawBody,
          json: () => {
            try {
              return JSON.parse(body)
            } catch {
              throw new Error(`${method} ${url} → ${res.statusCode}: body is not JSON: ${body.slice(0, 200)}`)
            }
          }
        })
      })
    })
    const timer = setTimeout(() => {
      req.destroy(new Error(`${method} ${url}: no complete response within ${REQUEST_TIMEOUT_MS} ms`))
    }, REQUEST_TIMEOUT_MS)
    function fail (err: Error): void {
      clearTimeout(timer)
      reject(err)
    }
    req.on('error', fail)
    req.end(opts.body)
  })
}

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago: the kernel picks it for a listener
 * on port 0, which is closed again before this resolves. Another process may take it in between,
 * so a caller that binds it should be ready to retry.
 */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}
