import type { Duplex } from 'node:stream'
import type { Dispatcher } from 'undici'
import { IfgateError } from '../errors.ts'

export interface UpgradeRequest {
  readonly path: string
  readonly method: string
  readonly headers: Record<string, string | string[]>
  /** The protocols the client offered (its Upgrade field). */
  readonly protocol: string
}

/**
 * Resolves to the origin's side of an upgraded connection (WebSocket and the like) and its 101's
 * fields, opened with undici's `upgrade`. Rejects with a 502 IfgateError when the origin refuses
 * or fails it.
 */
export async function openUpgrade (dispatcher: Dispatcher, request: UpgradeRequest): Promise<{ socket: Duplex; headers: Record<string, string | string[] | undefined> }> {
  try {
    const data = await dispatcher.upgrade({ path: request.path, method: request.method, headers: request.headers, protocol: request.protocol })
    return { socket: data.socket, headers: data.headers }
  } catch (err) {
    throw new IfgateError('IFG_ERR_ORIGIN_BROKEN', `the origin refused or failed the upgrade: ${(err as Error).message}`, { cause: err })
  }
}
