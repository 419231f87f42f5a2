// fastify + @fastify/http-proxy (undici underneath), as its README sets it up; logging off, as
// for the other peers.
import Fastify from 'fastify'
import proxy from '@fastify/http-proxy'

const app = Fastify({ logger: false })
await app.register(proxy, { upstream: process.env.ORIGIN as string, http2: false })
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.on('SIGTERM', () => { void app.close() })
