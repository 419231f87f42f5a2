import type { Route } from '../config/types.ts'
import { routeSettings, type CompiledRoute } from './chain.ts'
import type { Gateway } from './gateway.ts'
import { passHandler, readHandler } from './safe.ts'
import { writeHandler } from './unsafe.ts'

/** Returns a route compiled into its handlers (SPEC §1: chosen once from its policy, at start). */
export function compileRoute (gw: Gateway, route: Route): CompiledRoute {
  const settings = routeSettings(gw, route)
  return { ...settings, read: readHandler(gw, settings), pass: passHandler(settings), write: writeHandler(gw, settings) }
}

/** Compiles every route of the gateway into `gw.compiled`. */
export function compileAll (gw: Gateway): void {
  for (const route of gw.routes.routes) gw.compiled.set(route.id, compileRoute(gw, route))
}
