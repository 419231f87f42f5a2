import type { ServerResponse } from 'node:http'

/** Writes a JSON answer of the admin API (problem+json for a status of 400 and above). */
export function sendJson (res: ServerResponse, status: number, body: unknown, head: boolean, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, status >= 400 ? 0 : 2)
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...extra
  })
  res.end(head ? undefined : text)
}

/** Writes an RFC 9457 problem of the admin API. */
export function sendProblem (res: ServerResponse, status: number, title: string, detail: string, head: boolean, extra: Record<string, string> = {}): void {
  sendJson(res, status, { type: 'about:blank', title, status, detail }, head, extra)
}
