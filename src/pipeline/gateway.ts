import type { Logger } from 'pino'
import type { Config } from '../config/types.ts'
import type { RouteTable } from '../config/routes.ts'
import type { KeyLock } from '../lock/key-lock.ts'
import type { OriginPools } from '../origin/pools.ts'
import type { DiagnosesRing } from '../observability/diagnoses.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { ValidatorStore } from '../validators/store.ts'
import type { TargetOptions } from '../http/request-target.ts'
import type { CompiledRoute } from './chain.ts'
import type { RollingWindow } from '../observability/window.ts'
import type { RequestLedger } from '../observability/ledger.ts'

/** What the request pipeline works with: built once at start from the frozen config. */
export interface Gateway {
  readonly config: Config
  readonly routes: RouteTable
  readonly store: ValidatorStore
  readonly lock: KeyLock
  readonly pools: OriginPools
  readonly logger: Logger
  readonly metrics: Metrics
  /** The most recent failed preconditions, for GET /diagnoses. */
  readonly diagnoses: DiagnosesRing
  /** Ids of `etags: auto` routes whose origin was last seen sending no strong ETag. */
  readonly weakOrigins: Set<string>
  /** The normalisation of request targets (server.mergeSlashes, server.escapedSlashes). */
  readonly targetOptions: TargetOptions
  /** Every route compiled into its handlers at start, by route id. */
  readonly compiled: Map<string, CompiledRoute>
  /** SPEC §11: the rolling window behind the dashboard (undefined with admin.dashboard: false). */
  readonly window: RollingWindow | undefined
  /** Every finished request's log line, metrics, window entry and diagnosis, recorded in batches. */
  readonly ledger: RequestLedger
  /** Date.now() at start. */
  readonly startedAt: number
  /** SPEC §9: whether the shared store answers (always true with the memory store). */
  storeUp (): boolean
  /** True once shutdown began: new requests get 503. */
  draining: boolean
}
