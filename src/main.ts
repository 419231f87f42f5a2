import cluster from 'node:cluster'
import type { Server } from 'node:http'
import { AggregatorRegistry } from 'prom-client'
import type { AddressInfo } from 'node:net'
import type { DestinationStream, Logger } from 'pino'
import { createAdminServer } from './admin/server.ts'
import { parseHostPort } from './config/load.ts'
import { compileRoutes } from './config/routes.ts'
import type { Config, Route } from './config/types.ts'
import { IfgateError } from './errors.ts'
import { createMemoryLock, type KeyLock } from './lock/key-lock.ts'
import { createRedisLock } from './lock/redis-lock.ts'
import { connectStore, type StoreConnection } from './store/connection.ts'
import { createRedisStore } from './validators/redis-store.ts'
import { DiagnosesRing } from './observability/diagnoses.ts'
import { RollingWindow } from './observability/window.ts'
import { createLogger, prettyDestination } from './observability/logger.ts'
import { RequestLedger } from './observability/ledger.ts'
import { createMetrics } from './observability/metrics.ts'
import { OriginPools } from './origin/pools.ts'
import type { Gateway } from './pipeline/gateway.ts'
import { createProxyServer } from './server.ts'
import { compileAll } from './pipeline/compile.ts'
import { createMemoryStore } from './validators/memory-store.ts'
import type { ValidatorStore } from './validators/store.ts'

export interface StartOptions {
  /** Where log lines go (default stdout). */
  readonly logDestination?: DestinationStream
  /** A worker of `--workers N` (cluster.ts): its admin listener is the primary's to reach, on loopback. */
  readonly worker?: boolean
  /** The validator store to use instead of the configured one (tests count its calls). */
  readonly store?: ValidatorStore
}

export interface RunningGateway {
  /** `http://host:port` of the proxy listener. */
  readonly url: string
  /** `http://host:port` of the admin listener. */
  readonly adminUrl: string
  readonly gateway: Gateway
  readonly logger: Logger
  /** Stops accepting, lets in-flight requests finish (at most shutdownTimeoutMs), then closes everything. Resolves to true when nothing had to be cut. */
  close (): Promise<boolean>
}

function listen (server: Server, address: string, exclusive = false): Promise<string> {
  const { host, port } = parseHostPort(address)
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'address in use' : err.code === 'EACCES' ? 'permission denied' : err.message
      reject(new IfgateError('IFG_ERR_LISTEN', `cannot listen on ${address}: ${why}`, { cause: err }))
    }
    server.once('error', onError)
    // exclusive: a cluster worker's own port, not one shared by every worker.
    server.listen({ port, host, exclusive }, () => {
      server.off('error', onError)
      const a = server.address() as AddressInfo
      resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`)
    })
  })
}

/** Resolves to the shared store and lock of `store.url` (SPEC §9), connected or still connecting. */
async function sharedStore (config: Config, routes: readonly Route[], logger: Logger): Promise<{ connection: StoreConnection; store: ValidatorStore; lock: KeyLock }> {
  const { url, keyPrefix, commandTimeoutMs, lockLeaseMs } = config.store
  const connection = await connectStore({ url, keyPrefix, commandTimeoutMs }, logger)
  // An entry outlives the longest validatorTtlMs of any route, then the store forgets it.
  const ttlMs = Math.max(config.defaults.validatorTtlMs, ...routes.map((r) => r.policy.validatorTtlMs), 1_000)
  const store = createRedisStore(connection, { ttlMs, localEntries: config.cache.maxEntries }, logger)
  const lock = createRedisLock(connection, store, { leaseMs: lockLeaseMs }, logger)
  return { connection, store, lock }
}

/** Resolves once the proxy and admin listeners accept connections. */
export async function startGateway (config: Config, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = createLogger(config.log.level, options.logDestination)
  const routes = compileRoutes(config)
  const shared = config.store.url === 'memory' ? undefined : await sharedStore(config, routes.routes, logger)
  const store = options.store ?? shared?.store ?? createMemoryStore({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes })
  const lock = shared?.lock ?? createMemoryLock()
  const storeUp = (): boolean => shared?.connection.up ?? true
  // 90 buckets of 10 s: the dashboard's 15 minutes.
  const window = config.admin.dashboard ? new RollingWindow({ bucketMs: 10_000, buckets: 90 }) : undefined
  const metrics = createMetrics({ store, lock, storeUp, storeRoundTrips: shared === undefined ? undefined : () => shared.connection.roundTrips })
  const diagnoses = new DiagnosesRing(config.admin.diagnosesRingSize)
  const gateway: Gateway = {
    config,
    routes,
    store,
    lock,
    storeUp,
    window,
    startedAt: Date.now(),
    metrics,
    diagnoses,
    ledger: new RequestLedger({ logger, metrics, window, diagnoses }),
    pools: new OriginPools(routes.routes),
    logger,
    weakOrigins: new Set(),
    targetOptions: { mergeSlashes: config.server.mergeSlashes, escapedSlashes: config.server.escapedSlashes },
    compiled: new Map(),
    draining: false
  }
  compileAll(gateway)
  const server = createProxyServer(gateway, config)
  const admin = createAdminServer(gateway)
  let url: string
  let adminUrl: string
  try {
    url = await listen(server, config.listen)
    adminUrl = options.worker === true ? await listen(admin, '127.0.0.1:0', true) : await listen(admin, config.admin.listen)
  } catch (err) {
    server.close()
    admin.close()
    await gateway.pools.destroy()
    await shared?.connection.close()
    throw err
  }
  logger.info({ listen: url, admin: adminUrl, routes: gateway.routes.routes.map((r) => ({ id: r.id, origin: r.origin })) }, options.worker === true ? 'worker listening' : 'ifgate listening')

  let closing: Promise<boolean> | undefined
  async function close (): Promise<boolean> {
    gateway.draining = true
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), config.shutdownTimeoutMs) })
    const cut = await Promise.race([closed.then(() => false), timedOut])
    clearTimeout(timer)
    if (cut) {
      server.closeAllConnections()
      await gateway.pools.destroy()
    } else {
      await gateway.pools.close()
    }
    await new Promise<void>((resolve) => admin.close(() => resolve()))
    admin.closeAllConnections()
    await shared?.connection.close()
    gateway.ledger.flush()
    logger.info({ cut }, cut ? 'ifgate stopped: connections cut after shutdownTimeoutMs' : 'ifgate stopped')
    logger.flush()
    return !cut
  }
  return {
    url,
    adminUrl,
    gateway,
    logger,
    close: () => (closing ??= close())
  }
}

/** Starts ifgate for the CLI: resolves once listening; SIGTERM / SIGINT drain and exit (0, or 1 when connections had to be cut). */
export async function runGateway (config: Config): Promise<void> {
  const state: { running: RunningGateway | undefined; stopRequested: boolean } = { running: undefined, stopRequested: false }
  const stop = (signal: string): void => {
    const { running } = state
    if (running === undefined) {
      // A signal during start-up: stop as soon as the listeners are up.
      state.stopRequested = true
      return
    }
    running.logger.info({ signal }, 'shutting down')
    // A worker's IPC channel to its primary would keep it alive: it exits once drained.
    const done = (code: number): void => {
      process.exitCode = code
      if (cluster.isWorker) process.exit(code)
    }
    running.close().then((clean) => done(clean ? 0 : 1), () => done(1))
  }
  // Installed before listening, so that a signal right after start-up still drains gracefully;
  // close() is memoised, so a second signal does not cut the drain short.
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  const worker = cluster.isWorker
  state.running = await startGateway(config, { worker, ...(config.log.pretty ? { logDestination: await prettyDestination() } : {}) })
  if (worker) {
    // The primary adds this worker's metrics to the others' (an AggregatorRegistry made in a
    // worker answers the primary's requests) and reaches its admin listener.
    void new AggregatorRegistry()
    AggregatorRegistry.setRegistries([state.running.gateway.metrics.registry])
    process.send?.({ type: 'ifgate:ready', url: state.running.url, adminUrl: state.running.adminUrl })
    // A primary that is gone cannot replace or stop this worker: it drains and exits.
    process.once('disconnect', () => stop('disconnect'))
  }
  if (state.stopRequested) stop('SIGTERM')
}
