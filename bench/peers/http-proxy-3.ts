// http-proxy-3 (the maintained rewrite of http-proxy) with a keep-alive agent, as its README
// recommends for a reverse proxy.
import { createServer, Agent } from 'node:http'
import { createProxyServer } from 'http-proxy-3'

const proxy = createProxyServer({ target: process.env.ORIGIN as string, agent: new Agent({ keepAlive: true, maxSockets: 128 }), xfwd: true })
proxy.on('error', (_err, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502)
  res.end()
})
const server = createServer((req, res) => proxy.web(req, res))
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
