import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { joinTunnel, rejectUpgrade } from '../edge/tunnel.ts'
import { IfgateError } from '../errors.ts'
import { methodToDecide } from '../http/methods.ts'
import { originRequestHeaders } from '../origin/headers.ts'
import { openUpgrade } from '../origin/upgrade.ts'
import type { Gateway } from './gateway.ts'
import { resolveTarget } from './target.ts'

/**
 * Protocols never tunnelled: each would carry HTTP requests (h2c: HTTP/2 in clear text) or TLS
 * straight to the origin, past the lock and the evaluation.
 */
const HTTP_PROTOCOLS = /^(?:h2c?|https?|tls)(?:\/|$)/i

/**
 * Returns true for the upgrades ifgate passes through (SPEC §2 "Upgrade is for GET"): a GET
 * offering a protocol other than HTTP itself (WebSocket and the like).
 */
export function tunnels (req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false
  const offer = req.headers.upgrade
  if (offer === undefined) return false
  const protocols = offer.split(',').map((p) => p.trim()).filter((p) => p !== '')
  return protocols.length > 0 && !protocols.some((p) => HTTP_PROTOCOLS.test(p))
}

/** Passes an upgrade request through to its route's origin, or refuses it with a problem. */
export async function passUpgrade (gw: Gateway, req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string): Promise<void> {
  try {
    if (gw.draining) throw new IfgateError('IFG_ERR_DRAINING', 'ifgate is shutting down; retry on another instance', { retryAfterSeconds: 1 })
    // shouldUpgradeCallback hands only these here; a Node without it must still never tunnel a write.
    if (!tunnels(req)) throw new IfgateError('IFG_ERR_BAD_REQUEST', 'only a GET may upgrade, and never to HTTP itself')
    // A tunnel is a GET: one an origin would carry out as a write is refused, as on the read path.
    const decided = methodToDecide('GET', req.headers)
    if (!decided.ok) throw new IfgateError('IFG_ERR_BAD_REQUEST', decided.reason)
    const { route, path, host } = resolveTarget(gw.routes, gw.targetOptions, req)
    const settings = gw.compiled.get(route.id)!
    const headers = originRequestHeaders(req, { requestId, trustForwarded: settings.trustForwarded, host })
    const upstream = await openUpgrade(settings.pool, { path, method: 'GET', headers, protocol: req.headers.upgrade ?? 'websocket' })
    joinTunnel(socket, head, upstream.socket, upstream.headers, requestId)
  } catch (err) {
    if (!(err instanceof IfgateError)) throw err
    rejectUpgrade(socket, err, requestId)
  }
}
