import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Problem } from './problem.ts'

/**
 * The one writer of problem+json (RFC 9457) on the wire: the proxy's edge answers, the admin
 * port, refused upgrades and raw client errors all send their problems through here.
 */

type Fields = Record<string, string | string[]>

/** Returns the body and the fields of a problem response (`extra` added last). */
function problemMessage (problem: Problem | Readonly<Record<string, unknown>> & { readonly status: number }, extra: Readonly<Fields>): { body: string; fields: Fields } {
  const body = JSON.stringify(problem)
  const fields: Fields = {
    'content-type': 'application/problem+json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store'
  }
  // Copied one by one: a spread into a literal that has fields of its own takes V8's slow path.
  for (const name in extra) fields[name] = extra[name] as string | string[]
  return { body, fields }
}

/** Writes a problem as the whole response (no body for HEAD). */
export function writeProblem (res: ServerResponse, problem: Problem | Readonly<Record<string, unknown>> & { readonly status: number }, extra: Readonly<Fields>, head: boolean): void {
  const { body, fields } = problemMessage(problem, extra)
  res.writeHead(problem.status, fields)
  res.end(head ? undefined : body)
}

/** Returns the raw HTTP/1.1 response head for a status and header object. */
export function rawHead (status: number, reason: string, fields: Readonly<Record<string, string | string[] | undefined>>): string {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`
  for (const name in fields) {
    const value = fields[name]
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${v}\r\n`
  }
  return head + '\r\n'
}

/**
 * Writes a problem on a raw socket (a refused upgrade, a request Node could not parse) and closes
 * the connection: there is no ServerResponse to write it with.
 */
export function writeRawProblem (socket: Duplex, problem: Problem, extra: Readonly<Fields>): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const { body, fields } = problemMessage(problem, { ...extra, connection: 'close' })
  socket.end(rawHead(problem.status, problem.title, fields) + body, () => socket.destroy())
}
