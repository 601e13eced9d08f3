# The operator image. Not built in this project's CI (its machines have no container engine);
# the deployment manifests in deploy/ expect an image built from this file.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY src ./src
COPY bin ./bin
USER 65532:65532
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["operator"]
