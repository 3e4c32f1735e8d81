# One image, two processes: docker-compose.yml runs it as the Temporal worker
# (`npx tsx worker/main.ts`, the default CMD) and as the Slack gateway (`npx tsx gateway/main.ts`).

# ---- build stage: install the exact locked dependency tree ----
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Full install (dev dependencies included), see the note in the runtime stage.
# `npm install` follows the lock file; `npm ci` rejects npm 11 lock files that omit other platforms' @swc/core binaries.
RUN npm install --no-audit --no-fund && npm cache clean --force

# ---- runtime stage ----
FROM node:20-bookworm-slim AS runtime
WORKDIR /app

# Why the dev dependencies stay in the image: the app is TypeScript run directly by `tsx`,
# which is a devDependency, so `npm ci --omit=dev` / `npm prune --omit=dev` would remove the
# runner itself. Keeping the full locked tree (installed above) is the simplest
# robust choice: no separate compile step whose output could drift from the source, and the
# worker bundles workflow code from the same .ts files the tests run. The cost is image size.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY workflows ./workflows
COPY integrations ./integrations
COPY activities ./activities
COPY worker ./worker
COPY gateway ./gateway
COPY config ./config

# Set after the install so the install above still includes tsx.
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

# Source and node_modules stay owned by root (read-only to the app); run unprivileged.
USER node

EXPOSE 3000
CMD ["npx", "tsx", "worker/main.ts"]
