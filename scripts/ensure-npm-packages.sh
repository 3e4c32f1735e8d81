#!/usr/bin/env bash
# Installs the npm packages when node_modules is missing or older than the lock file.
# `npm install`, not `npm ci`: npm 11 writes a lock file without other platforms' optional @swc/core binaries and
# `npm ci` then refuses it as out of sync; `npm install` follows the same lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages..."
  npm install --no-audit --no-fund
fi
