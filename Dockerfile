# One image, two processes: docker-compose.yml runs it as the Temporal worker
# (`node dist/worker/main.js`, the default CMD) and as the Slack gateway (`node dist/gateway/main.js`).
# TypeScript is compiled and the workflow code bundled once, at build time (`npm run build`): a container starts
# without tsx and without running webpack, and the final stage holds only production dependencies and dist/.
# `npm install` follows the lock file; `npm ci` rejects npm 11 lock files that omit other platforms' @swc/core binaries.

# ---- build: the full locked tree (tsc, tsx, type packages), then dist/ and dist/workflow-bundle.js ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json tsconfig.build.json ./
COPY workflows ./workflows
COPY integrations ./integrations
COPY activities ./activities
COPY worker ./worker
COPY gateway ./gateway
COPY config ./config
COPY scripts/build-workflow-bundle.ts ./scripts/
RUN npm run build

# ---- production dependencies only; a stage of its own, so a source change leaves this layer cached ----
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime: node, production dependencies and the built output; no sources, no tsx ----
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
# V8's default heap limit on a large host is gigabytes, and V8 collects lazily up to it: a worker replaying grants in
# and out of its cache would grow far past what it keeps alive. This bounds each isolate (main and workflow threads).
# The young generation too: at its default each of the worker's three isolates keeps tens of MiB of it under load;
# 4 MiB semi-spaces took 3,000 live grants from 425 to 348 MiB. Measured in README, Benchmarks (live grants); the
# benchmarks read this line to run the worker the same way.
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=4"
# Owned by root, so read-only to the unprivileged user the processes run as.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node

EXPOSE 3000
CMD ["node", "dist/worker/main.js"]
