import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Dispatcher } from 'undici'
import { originRequestHeaders } from './headers.ts'

/** Returns the raw HTTP/1.1 response head for a status and header object. */
function rawHead (status: number, reason: string, headers: Record<string, string | string[] | undefined>): string {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`
  }
  return head + '\r\n'
}

/** Writes a small JSON problem on a raw socket and closes it (the upgrade path has no ServerResponse). */
export function rejectUpgrade (socket: Duplex, status: number, reason: string, detail: string, requestId: string): void {
  const body = JSON.stringify({ type: 'about:blank', title: reason, status, detail, requestId })
  if (socket.writable) {
    socket.end(rawHead(status, reason, { 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', 'x-request-id': requestId }) + body)
  }
  socket.destroy()
}

/**
 * Passes an `Upgrade` request (WebSocket and the like) through to the origin: undici's `upgrade`
 * opens the tunnel, then bytes flow both ways untouched until either side closes (SPEC §2.6).
 */
export async function passUpgrade (dispatcher: Dispatcher, req: IncomingMessage, socket: Duplex, head: Buffer, path: string, requestId: string, forwarded: { trustForwarded: boolean; host: string | undefined }): Promise<void> {
  const headers = originRequestHeaders(req, { requestId, ...forwarded })
  delete headers.upgrade
  let upstream: Duplex
  let responseHeaders: Record<string, string | string[] | undefined>
  try {
    const data = await dispatcher.upgrade({ path, method: req.method ?? 'GET', headers, protocol: req.headers.upgrade ?? 'websocket' })
    upstream = data.socket
    responseHeaders = data.headers
  } catch (err) {
    const message = (err as Error).message
    rejectUpgrade(socket, 502, 'Bad Gateway', `the origin refused or failed the upgrade: ${message}`, requestId)
    return
  }
  if (!socket.writable) {
    upstream.destroy()
    return
  }
  socket.write(rawHead(101, 'Switching Protocols', { ...responseHeaders, 'x-request-id': requestId }))
  if (head.length > 0) upstream.write(head)
  const close = (): void => {
    upstream.destroy()
    socket.destroy()
  }
  // Either side ending ends the tunnel: a half-open tunnel would hold the sockets (and a drain) forever.
  for (const side of [upstream, socket]) {
    side.on('error', close)
    side.on('end', close)
    side.on('close', close)
  }
  upstream.pipe(socket)
  socket.pipe(upstream)
}
