# The Stackwarden image: `stackwarden operator` by default, `server` for the control plane.
# CI builds and runs it with podman (src/deploy/image.integration.test.ts); there, BASE is a
# Debian image built locally with Node.js 24, since no base image can be pulled. Everyone else
# gets the official one.
ARG BASE=node:24-slim
FROM ${BASE}
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY bin ./bin
# Node's compile cache, filled at build time as the user the image runs as (Node keeps one folder per
# user and V8 flags, so the same user, --liftoff-only, and the heap flag main.ts sets): at run time, on a read-only root, each
# module's type-stripped source (and most modules' V8 code) come from it, and Node never loads its WebAssembly type
# stripper. The operator starts at about 85 MiB instead of 102 (docs/performance.md). A module it
# lacks is compiled as before.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN mkdir .compile-cache && chown 65532:65532 .compile-cache
USER 65532:65532
RUN node --liftoff-only src/cli/main.ts version > /dev/null \
 && node --liftoff-only --input-type=module \
      -e "(await import('./src/cli/small-heap.ts')).preferSmallHeap(); \
          for (const c of ['operator', 'server', 'up', 'agent']) await import('./src/cli/' + c + '.ts')"
# --liftoff-only: PGlite's WebAssembly stays on V8's baseline tier (docs/performance.md); so does Node's
# type stripper, should a module be missing from the compile cache.
ENTRYPOINT ["node", "--liftoff-only", "src/cli/main.ts"]
CMD ["operator"]
