import { writeProblem } from '../edge/problem-wire.ts'
import type { ServerResponse } from 'node:http'

/** Writes a JSON answer of the admin API (problems go through sendProblem). */
export function sendJson (res: ServerResponse, status: number, body: unknown, head: boolean, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...extra
  })
  res.end(head ? undefined : text)
}

/** Writes an RFC 9457 problem of the admin API. */
export function sendProblem (res: ServerResponse, status: number, title: string, detail: string, head: boolean, extra: Record<string, string> = {}): void {
  writeProblem(res, { type: 'about:blank', title, status, detail }, extra, head)
}
