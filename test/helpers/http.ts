import { createServer, request as httpRequest, Server as HttpServer, type IncomingHttpHeaders, type RequestListener } from 'node:http'
import { once } from 'node:events'
import { connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'

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

/** A server listening on 127.0.0.1 on a port the kernel picked. */
export interface LocalServer<T extends NetServer = HttpServer> {
  readonly server: T
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string
  readonly port: number
  /**
   * Stops listening and ends every connection (idle or busy, for an HTTP server); resolves once the
   * server has closed. Calling it again returns the same promise.
   */
  close(): Promise<void>
}

/** Binds `server` (HTTP or plain TCP, not yet listening) to 127.0.0.1 port 0 and resolves once it listens. */
export async function listenLocal<T extends NetServer> (server: T): Promise<LocalServer<T>> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        if (server instanceof HttpServer) server.closeAllConnections()
      })
      return closing
    }
  }
}

/** Starts an HTTP server on 127.0.0.1 port 0 that answers with `handler` (without one, it never answers). */
export function startServer (handler?: RequestListener): Promise<LocalServer> {
  return listenLocal(createServer(handler))
}

/**
 * Returns a TCP port on 127.0.0.1 that was free a moment ago: the kernel picks it for a listener
 * on port 0, which is closed again before this resolves. Another process may take it in between,
 * so a caller that binds it should be ready to retry.
 */
export async function freePort (): Promise<number> {
  const local = await startServer()
  await local.close()
  return local.port
}

export interface RawExchangeOptions {
  /** How long to wait for the server to close the connection (or `until` to hold); default REQUEST_TIMEOUT_MS. */
  readonly timeoutMs?: number
  /** Half-close (send FIN) right after the bytes, as a client with nothing more to send. Default false. */
  readonly end?: boolean
  /**
   * Called after each chunk with everything received so far; returning true ends the exchange
   * there. It may write to `socket` to carry a conversation on (an upgraded protocol, say).
   */
  readonly until?: (received: string, socket: Socket) => boolean
}

export interface RawReply {
  /** Every byte received, one character per byte (latin1). */
  readonly text: string
  /** Milliseconds from connect until the server closed; undefined when it did not (timeout, or `until` held). */
  readonly closedAfterMs: number | undefined
}

/**
 * Opens a TCP connection to 127.0.0.1 (`target`: a port, or a URL whose port is used), writes
 * `bytes` exactly as given (no HTTP client in between, so malformed requests reach the server),
 * and resolves with everything received once the server closes the connection, `until` holds or
 * `timeoutMs` has passed; the socket is destroyed then. Rejects only when it cannot connect.
 */
export async function rawExchange (target: number | string, bytes: string | Buffer, opts: RawExchangeOptions = {}): Promise<RawReply> {
  const port = typeof target === 'number' ? target : Number(new URL(target).port)
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const started = Date.now()
  return new Promise<RawReply>((resolve) => {
    let text = ''
    let done = false
    const finish = (closedAfterMs: number | undefined): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, closedAfterMs })
    }
    const timer = setTimeout(() => finish(undefined), opts.timeoutMs ?? REQUEST_TIMEOUT_MS)
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      if (done) return
      text += chunk.toString('latin1')
      if (opts.until?.(text, socket) === true) finish(undefined)
    })
    socket.on('close', () => finish(Date.now() - started))
    if (opts.end === true) socket.end(bytes)
    else socket.write(bytes)
  })
}
