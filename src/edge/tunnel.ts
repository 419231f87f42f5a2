import type { Duplex } from 'node:stream'
import type { IfgateError } from '../errors.ts'
import { toProblem } from './problem.ts'
import { rawHead, writeRawProblem } from './problem-wire.ts'

/** Answers an upgrade request that will not be tunnelled with its problem, and closes the connection. */
export function rejectUpgrade (socket: Duplex, err: IfgateError, requestId: string): void {
  writeRawProblem(socket, toProblem(err, requestId), { 'x-request-id': requestId })
}

/**
 * Joins the client's connection to the origin's upgraded one: the origin's 101 goes to the
 * client, then bytes flow both ways untouched until either side closes (SPEC §2.6).
 */
export function joinTunnel (client: Duplex, head: Buffer, upstream: Duplex, fields: Readonly<Record<string, string | string[] | undefined>>, requestId: string): void {
  if (!client.writable) {
    upstream.destroy()
    return
  }
  client.write(rawHead(101, 'Switching Protocols', { ...fields, 'x-request-id': requestId }))
  if (head.length > 0) upstream.write(head)
  const close = (): void => {
    upstream.destroy()
    client.destroy()
  }
  // Either side ending ends the tunnel: a half-open tunnel would hold the sockets (and a drain) forever.
  for (const side of [upstream, client]) {
    side.on('error', close)
    side.on('end', close)
    side.on('close', close)
  }
  upstream.pipe(client)
  client.pipe(upstream)
}
