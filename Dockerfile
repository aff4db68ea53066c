# syntax=docker/dockerfile:1
# Node 26 is the current LTS line (the code itself supports Node >= 20.18).
# One image for every role: `start` (web + worker), `web`, or `worker` (run many against one Redis).

FROM node:26-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:26-slim
# Fonts so server-rendered trend charts have legible labels.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY templates ./templates
USER node
EXPOSE 3000
# Web and worker both serve /healthz on $PORT (200 when Redis answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["tini", "--", "node", "bin/leakbot.js"]
CMD ["start"]
