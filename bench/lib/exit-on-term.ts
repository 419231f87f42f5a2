// Preloaded (`--import`) into a peer profiled by bench/profile.ts: on SIGTERM the process exits
// once the peer's own handler has closed its server, so that node writes the CPU profile even
// when a timer (pino's periodic flush, a pool's keep-alive) would keep it alive.
process.once('SIGTERM', () => { setTimeout(() => process.exit(0), 100) })
