# ifgate: a reverse proxy that enforces HTTP preconditions in front of an origin.
#   docker build -t ifgate .
#   docker run -p 8080:8080 -v ./ifgate.yaml:/etc/ifgate/ifgate.yaml:ro ifgate
# The same commands run natively in test/integration/container.test.ts (no Docker engine needed).

# Stage 1: production dependencies only. The `node` devDependency (a Node binary for npm scripts
# on older hosts) is not needed: this image's own Node 24 runs ifgate's TypeScript directly.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# Stage 2: the runtime.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY config ./config
# The bundled example API, so docker/compose.yaml can run it from this image.
COPY examples ./examples
COPY docker/ifgate.yaml /etc/ifgate/ifgate.yaml
# Run as the unprivileged user the node image provides.
USER node
# 8080: the proxy. 9090: the admin listener (/healthz, /readyz, /metrics, …), bound to 0.0.0.0 by
# /etc/ifgate/ifgate.yaml only because the container network isolates it; publish it to trusted
# networks only.
EXPOSE 8080 9090
# Node itself checks the admin endpoint: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9090/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM/SIGINT itself (drain, then exit): exec form, no shell in
# between to swallow the signal. ifgate starts no child processes, so there is nothing to reap;
# `docker run --init` adds tini if you want it anyway.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/ifgate.js"]
CMD ["--config", "/etc/ifgate/ifgate.yaml"]
