# syntax=docker/dockerfile:1
# Node 26 is the current LTS line (the code itself supports Node >= 20.18).
# One image for every role: `start` (web + worker), `web`, or `worker` (run many against one Redis):
#   docker run … leakbot            (start)      docker run … leakbot worker
# The config is not baked in: mount it and point LEAKBOT_CONFIG at it
#   -v "$PWD/leakbot.yml:/config/leakbot.yml:ro" -e LEAKBOT_CONFIG=/config/leakbot.yml

# Build stage: every dependency (TypeScript included) to compile src/ to dist/, then drop the dev ones.
FROM node:26-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (a cached layer while only sources change); the `prepare` build runs below, once
# the sources are in. The skipped install scripts are esbuild's (the build bundles the engine with it, and
# tsx uses it in tests; its JS launcher runs the prebuilt @esbuild/* binary without the script) and
# msgpackr-extract's (it loads its prebuilt optional package without them).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:26-slim
# Fonts so server-rendered trend charts have legible labels.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY templates ./templates
COPY manifest.yml ./
USER node
EXPOSE 3000
# Web and worker both serve /healthz on $PORT (200 when Redis answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Compiled JavaScript, started by node itself (not npm) so SIGTERM from `docker stop` reaches leakbot.
ENTRYPOINT ["tini", "--", "node", "bin/leakbot.js"]
CMD ["start"]
