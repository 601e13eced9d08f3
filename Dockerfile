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
USER 65532:65532
# --liftoff-only: PGlite's WebAssembly stays on V8's baseline tier (docs/performance.md); the operator
# runs no WebAssembly, so it changes nothing there.
ENTRYPOINT ["node", "--liftoff-only", "src/cli/main.ts"]
CMD ["operator"]
