import cluster, { type Worker } from 'node:cluster'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { AggregatorRegistry } from 'prom-client'
import type { AddressInfo } from 'node:net'
import { parseHostPort } from './config/load.ts'
import { readSmallBody } from './admin/body.ts'
import { sendJson, sendProblem } from './admin/respond.ts'
import type { Config } from './config/types.ts'
import { createLogger } from './observability/logger.ts'
import { mergeSnapshots, type WindowSnapshot } from './observability/window.ts'

/**
 * SPEC §9 `--workers N`: N worker processes (node:cluster) serve the one proxy port and share
 * the store; this primary replaces a worker that dies, drains them all on SIGTERM, and serves the
 * admin port: /metrics adds up every worker's (prom-client's AggregatorRegistry), /diagnoses
 * merges theirs, the rest is asked of one live worker (the store they share answers the same).
 */

/** What a worker tells the primary once its listeners are up. */
export interface WorkerReady {
  readonly type: 'ifgate:ready'
  readonly url: string
  readonly adminUrl: string
}

/** Shortest time between two replacements of dead workers: a worker that dies at start cannot spin the primary. */
const RESPAWN_MS = 500
/** Time the admin port waits for a worker's answer. */
const ASK_WORKER_MS = 5_000

function isReady (message: unknown): message is WorkerReady {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ifgate:ready'
}

/** Resolves to one worker's admin answer (status, fields, body), or rejects. */
/** Request fields passed to the worker, and response fields passed back. */
const ASKED_FIELDS = ['authorization', 'cookie', 'content-type', 'content-length'] as const
const ANSWERED_FIELDS = ['content-type', 'www-authenticate', 'allow', 'retry-after', 'cache-control', 'location', 'set-cookie', 'content-security-policy', 'x-content-type-options', 'referrer-policy'] as const

function ask (adminUrl: string, req: IncomingMessage, body?: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {}
    for (const name of ASKED_FIELDS) {
      const v = req.headers[name]
      if (typeof v === 'string') headers[name] = v
    }
    const out = httpRequest(new URL(req.url ?? '/', adminUrl), { method: req.method, headers, timeout: ASK_WORKER_MS }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const fields: Record<string, string | string[]> = {}
        for (const name of ANSWERED_FIELDS) {
          const v = res.headers[name]
          if (v !== undefined) fields[name] = v
        }
        resolve({ status: res.statusCode ?? 502, headers: fields, body: Buffer.concat(chunks) })
      })
      res.on('error', reject)
    })
    out.on('timeout', () => out.destroy(new Error('the worker did not answer in time')))
    out.on('error', reject)
    out.end(body)
  })
}

/** Most bytes of an admin request body the primary passes on (a login form, a purge). */
const MAX_ADMIN_BODY = 16 * 1024

/** Admin documents the primary makes from every worker's own (each parsed from its JSON). */
const MERGED: Readonly<Record<string, (docs: unknown[], query: URLSearchParams, workers: number) => unknown>> = {
  // The latest diagnoses of all workers, newest first.
  '/diagnoses': (docs, query) => {
    const all = docs.flatMap((d) => (d as { diagnoses: Array<{ time: string }> }).diagnoses)
    all.sort((a, b) => b.time.localeCompare(a.time))
    return { diagnoses: all.slice(0, Number(query.get('limit') ?? 50)) }
  },
  // One window of all workers; the store is up when every worker finds it up.
  '/stats': (docs, _query, workers) => {
    const stats = docs as Array<WindowSnapshot & { store: { kind: string; up: boolean } }>
    return { ...stats[0], ...mergeSnapshots(stats), store: { kind: stats[0].store.kind, up: stats.every((d) => d.store.up) }, workers }
  }
}

/** Runs the primary of `config.workers` workers; resolves once every worker listens. */
export async function runPrimary (config: Config): Promise<void> {
  const logger = createLogger(config.log.level)
  const aggregator = new AggregatorRegistry()
  const admins = new Map<number, string>()
  let url: string | undefined
  let stopping = false
  let lastSpawn = 0
  let next = 0

  let started = false
  const fork = (): Worker => {
    const worker = cluster.fork()
    logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker started')
    worker.on('message', (message: unknown) => {
      if (!isReady(message)) return
      admins.set(worker.id, message.adminUrl)
      url = message.url
    })
    return worker
  }
  const spawn = (): void => {
    const wait = Math.max(0, lastSpawn + RESPAWN_MS - Date.now())
    lastSpawn = Date.now() + wait
    setTimeout(() => { if (!stopping) fork() }, wait).unref()
  }

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    admins.delete(worker.id)
    if (stopping) return
    if (!started) {
      // A worker that cannot start (address in use, store URL refused, …) said why on stderr.
      logger.error({ worker: worker.id, code, signal }, 'a worker failed to start; stopping')
      stop('start-failure')
      process.exitCode = 1
      return
    }
    logger.error({ worker: worker.id, pid: worker.process.pid, code, signal }, 'worker died; starting another')
    spawn()
  })

  const live = (): string[] => [...admins.values()]
  const admin = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://admin.invalid').pathname
    const head = req.method === 'HEAD'
    void (async () => {
      if (path === '/metrics' && (req.method === 'GET' || head)) {
        const text = await aggregator.clusterMetrics()
        res.writeHead(200, { 'content-type': aggregator.contentType, 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' })
        return res.end(head ? undefined : text)
      }
      const workers = live()
      if (stopping) return sendProblem(res, 503, 'Service Unavailable', 'draining: shutting down', head, { 'retry-after': '1' })
      if (workers.length === 0) return sendProblem(res, 503, 'Service Unavailable', 'no worker is ready yet', head, { 'retry-after': '1' })
      const merge = MERGED[path]
      if (merge !== undefined && (req.method === 'GET' || head)) {
        const answers = await Promise.all(workers.map((w) => ask(w, req)))
        // A refusal (401, 400) is the same from every worker: the first one is passed on.
        const bad = answers.find((a) => a.status !== 200)
        if (bad !== undefined) {
          res.writeHead(bad.status, bad.headers)
          return res.end(head ? undefined : bad.body)
        }
        const query = new URL(req.url ?? '/', 'http://admin.invalid').searchParams
        return sendJson(res, 200, merge(answers.map((a) => JSON.parse(a.body.toString('utf8')) as unknown), query, workers.length), head)
      }
      const body = req.method === 'GET' || head ? undefined : await readSmallBody(req, MAX_ADMIN_BODY)
      if (req.method !== 'GET' && !head && body === undefined) return sendProblem(res, 413, 'Content Too Large', `admin request bodies are limited to ${MAX_ADMIN_BODY} bytes`, head)
      const answer = await ask(workers[next++ % workers.length], req, body)
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) })
      res.end(head ? undefined : answer.body)
    })().catch((err: unknown) => {
      logger.warn({ err: (err as Error).message }, 'admin request to a worker failed')
      if (!res.headersSent) sendProblem(res, 502, 'Bad Gateway', 'the worker did not answer the admin request', head)
      else res.destroy()
    })
  })

  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal, workers: Object.keys(cluster.workers ?? {}).length }, 'shutting down')
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
    let cut = false
    const killer = setTimeout(() => {
      cut = true
      for (const w of workers) w.process.kill('SIGKILL')
    }, config.shutdownTimeoutMs + 2_000)
    killer.unref()
    void Promise.all(workers.map((w) => new Promise<number>((resolve) => {
      if (w.isDead()) return resolve(0)
      w.once('exit', (code: number | null) => resolve(code ?? 1))
      w.process.kill('SIGTERM')
    }))).then((codes) => {
      clearTimeout(killer)
      admin.close()
      admin.closeAllConnections()
      const clean = !cut && codes.every((c) => c === 0)
      logger.info({ cut: !clean }, clean ? 'ifgate stopped' : 'ifgate stopped: some workers had to be cut')
      logger.flush()
      if (signal !== 'start-failure') process.exitCode = clean ? 0 : 1
    })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))

  const { host, port } = parseHostPort(config.admin.listen, 'admin.listen')
  await new Promise<void>((resolve, reject) => {
    admin.once('error', reject)
    admin.listen(port, host, () => resolve())
  })
  const address = admin.address() as AddressInfo
  const adminUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  for (let i = 0; i < config.workers; i++) fork()
  lastSpawn = Date.now()
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (admins.size >= config.workers || stopping) resolve()
      else setTimeout(check, 20)
    }
    check()
  })
  if (stopping) return
  started = true
  logger.info({ listen: url, admin: adminUrl, workers: config.workers, pid: process.pid }, 'ifgate listening')
}
