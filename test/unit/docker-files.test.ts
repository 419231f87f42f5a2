import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, parseAllDocuments } from 'yaml'
import { loadConfig } from '../../src/config/load.ts'
import { execForm, readDockerfile } from '../helpers/dockerfile.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DOCKER = join(ROOT, 'docker')
const steps = readDockerfile(join(ROOT, 'Dockerfile'))
const exposed = (steps.find((s) => s.keyword === 'EXPOSE')?.args ?? '').split(/\s+/).map(Number)
const configPath = execForm(steps.find((s) => s.keyword === 'CMD')?.args ?? '[]')[1]

/** Returns a config text validated by ifgate itself (the same check as `ifgate check-config`). */
function validated (text: string): ReturnType<typeof loadConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'ifgate-docker-'))
  try {
    writeFileSync(join(dir, 'ifgate.yaml'), text)
    return loadConfig({ config: join(dir, 'ifgate.yaml') }, {})
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1))
const image = validated(readFileSync(join(DOCKER, 'ifgate.yaml'), 'utf8'))

test('docker/ifgate.yaml is valid and listens on the ports the Dockerfile exposes', () => {
  assert.deepEqual([portOf(image.listen), portOf(image.admin.listen)], exposed)
  assert.equal(configPath, '/etc/ifgate/ifgate.yaml')
  assert.ok(steps.some((s) => s.keyword === 'COPY' && s.args === `docker/ifgate.yaml ${configPath}`))
})

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const compose: any = parse(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8'))

test('compose: every service has an image or a build, and every file it mounts exists', () => {
  for (const [name, service] of Object.entries<Record<string, unknown>>(compose.services)) {
    assert.ok(service.image !== undefined || service.build !== undefined, name)
    for (const volume of (service.volumes as string[] | undefined) ?? []) {
      const source = volume.split(':')[0]
      assert.ok(existsSync(join(DOCKER, source)), `${name}: ${source}`)
    }
  }
  const build = compose.services.ifgate.build
  assert.ok(existsSync(join(DOCKER, build.context, build.dockerfile)))
})

test('compose: ifgate publishes the exposed ports, mounts its config where CMD reads it, and checks /healthz on the admin port', () => {
  const ifgate = compose.services.ifgate
  const containerPorts = (ifgate.ports as string[]).map((p) => Number(p.split(':').at(-1)))
  assert.deepEqual(containerPorts, exposed)
  assert.ok((ifgate.volumes as string[]).includes(`./ifgate.yaml:${configPath}:ro`))
  assert.match(ifgate.healthcheck.test.join(' '), new RegExp(`127\\.0\\.0\\.1:${portOf(image.admin.listen)}/healthz`))
})

test('compose: ifgate routes to the services that exist, on the ports they listen on', () => {
  const services = compose.services
  for (const route of image.routes) {
    const { hostname, port } = new URL(route.origin)
    assert.ok(services[hostname] !== undefined, `route ${route.path} → ${hostname}`)
    assert.ok(JSON.stringify(services[hostname].command).includes(`"${port}"`), `${hostname} listens on ${port}`)
  }
  assert.ok(existsSync(join(ROOT, services['legacy-api'].entrypoint[1])))
  assert.ok(services['json-server'].command.includes('json-server@0.17.4'))
})

test('compose: the nginx CDN proxies to ifgate\'s port with gzip on JSON', () => {
  const conf = readFileSync(join(DOCKER, 'nginx-cdn.conf'), 'utf8')
  assert.match(conf, new RegExp(`server ifgate:${portOf(image.listen)};`))
  assert.match(conf, /gzip on;/)
  assert.match(conf, /gzip_types application\/json;/)
  assert.equal(compose.services.cdn.depends_on.ifgate.condition, 'service_healthy')
})

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const manifests: any[] = parseAllDocuments(readFileSync(join(DOCKER, 'k8s-sidecar.yaml'), 'utf8')).map((d) => d.toJS())
const kind = (k: string): any => manifests.find((m) => m.kind === k) // eslint-disable-line @typescript-eslint/no-explicit-any

test('k8s sidecar: the ConfigMap holds a valid ifgate config routing to the app on the pod\'s loopback', () => {
  const config = validated(kind('ConfigMap').data['ifgate.yaml'])
  assert.deepEqual([portOf(config.listen), portOf(config.admin.listen)], exposed)
  assert.equal(config.routes[0].origin, 'http://127.0.0.1:3000')
  const app = kind('Deployment').spec.template.spec.containers.find((c: { name: string }) => c.name === 'app')
  assert.deepEqual(app.args, ['--listen', '127.0.0.1:3000'], 'the app is reachable only inside the pod')
  assert.equal(app.ports, undefined)
})

test('k8s sidecar: probes on the admin port, config mounted where ifgate reads it, the Service targets ifgate only', () => {
  const spec = kind('Deployment').spec.template.spec
  const ifgate = spec.containers.find((c: { name: string }) => c.name === 'ifgate')
  const ports = Object.fromEntries(ifgate.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]))
  assert.deepEqual([ports.http, ports.admin], exposed)
  assert.deepEqual([ifgate.readinessProbe.httpGet.path, ifgate.readinessProbe.httpGet.port], ['/readyz', 'admin'])
  assert.deepEqual([ifgate.livenessProbe.httpGet.path, ifgate.livenessProbe.httpGet.port], ['/healthz', 'admin'])
  assert.deepEqual(ifgate.args, ['--config', configPath])
  assert.equal(ifgate.volumeMounts[0].mountPath, '/etc/ifgate')
  assert.equal(ifgate.securityContext.runAsNonRoot, true)
  const service = kind('Service')
  assert.deepEqual(service.spec.ports.map((p: { targetPort: string }) => p.targetPort), ['http'])
  assert.ok(spec.terminationGracePeriodSeconds * 1000 > image.shutdownTimeoutMs, 'Kubernetes waits longer than ifgate drains')
})

/** Returns the config a container runs: the file's, with the environment the manifest gives it (as ifgate reads them). */
function withEnv (text: string, env: Record<string, string>): ReturnType<typeof loadConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'ifgate-docker-'))
  try {
    writeFileSync(join(dir, 'ifgate.yaml'), text)
    return loadConfig({ config: join(dir, 'ifgate.yaml') }, env)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('compose: two ifgate replicas with the same config share one Valkey store, and the CDN balances over both', () => {
  const { services } = compose
  const replicas = ['ifgate', 'ifgate-2'].map((name) => services[name])
  for (const r of replicas) {
    const config = withEnv(readFileSync(join(DOCKER, 'ifgate.yaml'), 'utf8'), r.environment)
    const store = new URL(config.store.url)
    assert.equal(store.protocol, 'redis:')
    assert.ok(services[store.hostname] !== undefined, `the store host ${store.hostname} is a service`)
    assert.match(services[store.hostname].image, /^valkey\/valkey:8/)
    assert.equal(store.port, '6379')
    assert.equal(r.depends_on[store.hostname].condition, 'service_healthy')
    assert.ok((r.volumes as string[]).includes(`./ifgate.yaml:${configPath}:ro`))
  }
  assert.equal(replicas[0].environment.IFGATE_STORE, replicas[1].environment.IFGATE_STORE)
  const hostPorts = replicas.flatMap((r) => (r.ports as string[]).map((p) => p.split(':').slice(0, -1).join(':')))
  assert.equal(new Set(hostPorts).size, hostPorts.length, 'each replica publishes its own host ports')
  const conf = readFileSync(join(DOCKER, 'nginx-cdn.conf'), 'utf8')
  for (const name of ['ifgate', 'ifgate-2']) assert.match(conf, new RegExp(`server ${name}:${portOf(image.listen)};`))
})

test('k8s: several pods, each sidecar pointed at the one Valkey Service by IFGATE_STORE', () => {
  const deployments = manifests.filter((m) => m.kind === 'Deployment')
  const app = deployments.find((d) => d.metadata.name === 'orders')
  assert.ok(app.spec.replicas > 1)
  const ifgate = app.spec.template.spec.containers.find((c: { name: string }) => c.name === 'ifgate')
  const env = Object.fromEntries(ifgate.env.map((e: { name: string; value: string }) => [e.name, e.value]))
  const config = withEnv(kind('ConfigMap').data['ifgate.yaml'], env)
  const store = new URL(config.store.url)
  const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === store.hostname)
  assert.ok(service !== undefined, `a Service named ${store.hostname}`)
  assert.equal(String(service.spec.ports[0].port), store.port)
  const valkey = deployments.find((d) => d.spec.template.metadata.labels.app === service.spec.selector.app)
  assert.match(valkey.spec.template.spec.containers[0].image, /^valkey\/valkey:8/)
  assert.equal(valkey.spec.template.spec.containers[0].ports[0].name, service.spec.ports[0].targetPort)
})
