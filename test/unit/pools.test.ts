import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileRoutes } from '../../src/config/routes.ts'
import { loadConfig } from '../../src/config/load.ts'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OriginPools } from '../../src/origin/pools.ts'

function routesOf (routes: unknown[]): ReturnType<typeof compileRoutes>['routes'] {
  const dir = mkdtempSync(join(tmpdir(), 'ifgate-pools-'))
  try {
    const file = join(dir, 'ifgate.yaml')
    writeFileSync(file, JSON.stringify({ routes }))
    return compileRoutes(loadConfig({ config: file }, {})).routes
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const cases = [
  { name: 'two routes to one origin with the same timeouts share one pool', routes: [{ path: '/a', origin: 'http://127.0.0.1:3000' }, { path: '/b', origin: 'http://127.0.0.1:3000/v1' }], pools: 1, shared: true },
  { name: 'a second route with its own originConnectMs gets its own pool (it never inherits the first one\'s)', routes: [{ path: '/a', origin: 'http://127.0.0.1:3000' }, { path: '/b', origin: 'http://127.0.0.1:3000', timeouts: { originConnectMs: 50 } }], pools: 2, shared: false },
  { name: 'different origins get different pools', routes: [{ path: '/a', origin: 'http://127.0.0.1:3000' }, { path: '/b', origin: 'http://127.0.0.1:3001' }], pools: 2, shared: false },
  { name: 'a lookup timeout alone does not split a pool (lookups bound themselves)', routes: [{ path: '/a', origin: 'http://127.0.0.1:3000' }, { path: '/b', origin: 'http://127.0.0.1:3000', timeouts: { lookupMs: 50 } }], pools: 1, shared: true }
]

for (const c of cases) {
  test(`OriginPools: ${c.name}`, async () => {
    const routes = routesOf(c.routes)
    const pools = new OriginPools(routes)
    try {
      assert.equal(pools.size, c.pools)
      assert.equal(pools.for(routes[0]) === pools.for(routes[1]), c.shared)
    } finally {
      await pools.destroy()
    }
  })
}

test('OriginPools: every route has its pool from the start', async () => {
  const routes = routesOf([{ path: '/a', origin: 'http://127.0.0.1:3000' }])
  const pools = new OriginPools(routes)
  try {
    assert.ok(pools.for(routes[0]) !== undefined)
    const other = routesOf([{ path: '/z', origin: 'http://127.0.0.1:3009' }])[0]
    assert.throws(() => pools.for(other), /no origin pool for route \*\/z/)
  } finally {
    await pools.destroy()
  }
})
