import type { Registry } from 'prom-client'

interface Series {
  readonly labels: Readonly<Record<string, string>>
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array
  sum: number
  count: number
}

interface Sample {
  readonly metricName: string
  readonly labels: Record<string, string | number>
  readonly value: number
}

/**
 * A Prometheus histogram with one label, `route`, registered in a prom-client Registry and
 * exported in the same text form as prom-client's Histogram. An observation is a bucket search
 * and three additions: no label hashing or validation on the request path, which prom-client's
 * Histogram does on every observe.
 */
export class RouteHistogram {
  readonly name: string
  readonly help: string
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly #bounds: readonly number[]
  readonly #series = new Map<string, Series>()

  constructor (options: { name: string; help: string; buckets: readonly number[]; registers: readonly Registry[] }) {
    this.name = options.name
    this.help = options.help
    this.#bounds = [...options.buckets].sort((a, b) => a - b)
    for (const registry of options.registers) registry.registerMetric(this as never)
  }

  /** Records one value (seconds) for a route. */
  observe (route: string, value: number): void {
    let s = this.#series.get(route)
    if (s === undefined) {
      s = { labels: { route }, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 }
      this.#series.set(route, s)
    }
    const bounds = this.#bounds
    let i = 0
    while (i < bounds.length && value > bounds[i]) i++
    s.counts[i]++
    s.sum += value
    s.count++
  }

  /** Returns the metric for the registry: cumulative buckets, `+Inf`, sum and count per route. */
  get (): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = []
    const bucket = `${this.name}_bucket`
    for (const s of this.#series.values()) {
      let acc = 0
      for (let i = 0; i < this.#bounds.length; i++) {
        acc += s.counts[i]
        values.push({ metricName: bucket, labels: { le: this.#bounds[i], ...s.labels }, value: acc })
      }
      values.push({ metricName: bucket, labels: { le: '+Inf', ...s.labels }, value: s.count })
      values.push({ metricName: `${this.name}_sum`, labels: { ...s.labels }, value: s.sum })
      values.push({ metricName: `${this.name}_count`, labels: { ...s.labels }, value: s.count })
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values })
  }

  /** Forgets every observation (Registry#resetMetrics). */
  reset (): void {
    this.#series.clear()
  }
}
