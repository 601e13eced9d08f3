# The Stackwarden image: `stackwarden operator` by default, `server` for the control plane.
# CI builds and runs it with podman (src/deploy/image.integration.test.ts); there, BASE is a
# Debian image built locally with Node.js 24, since no base image can be pulled. Everyone else
# gets the official one.
ARG BASE=node:24-slim

# Build stage: the web UI (vite) and the bundle of the command (scripts/bundle.ts), with the
# devDependencies that make them. Neither the devDependencies nor the TypeScript sources reach the
# image.
FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY web ./web
COPY scripts/bundle.ts scripts/build-web.ts ./scripts/
RUN node scripts/bundle.ts && node scripts/build-web.ts

FROM ${BASE}
WORKDIR /app
# The production dependencies, for what the bundle leaves to Node's resolver (PGlite, client-node).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
# Node's compile cache, filled at build time as the user the image runs as (Node keeps one folder
# per user and V8 flags, so the same user, --liftoff-only, and the heap flag main.ts sets): at run
# time, on a read-only root, each chunk's V8 code comes from it. A chunk it lacks is compiled as
# before.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN mkdir .compile-cache && chown 65532:65532 .compile-cache
USER 65532:65532
# The operator's Deployment starts it in V8's lite mode instead (`operatorCommand` in
# src/operator/manifests.ts), which has a cache of its own.
RUN node --liftoff-only dist/main.js version > /dev/null \
 && node --liftoff-only --input-type=module \
      -e "(await import('./dist/small-heap.js')).preferSmallHeap(); \
          for (const c of ['operator', 'server', 'up', 'agent']) await import('./dist/' + c + '.js')" \
 && node --lite-mode dist/main.js version > /dev/null \
 && node --lite-mode --input-type=module \
      -e "(await import('./dist/small-heap.js')).preferSmallHeap(); await import('./dist/operator.js')"
# --liftoff-only: PGlite's WebAssembly stays on V8's baseline tier (docs/performance.md).
ENTRYPOINT ["node", "--liftoff-only", "dist/main.js"]
CMD ["operator"]
