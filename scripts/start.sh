#!/usr/bin/env bash
# `npm start`: the whole system on this machine (see scripts/start-sandbox.ts). Works on a fresh clone: installs the
# npm packages when they are missing or older than the lock file, and builds the Temporal CLI once.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-npm-packages.sh
echo "Looking for the Temporal CLI..."
TEMPORAL_CLI_PATH="$(bash scripts/ensure-temporal-cli.sh)"
export TEMPORAL_CLI_PATH

# One Node process (tsx as a loader, not tsx's CLI, which would run a second process and relay signals to it), so
# Ctrl-C reaches the code that stops the worker, the servers and the Temporal dev server in order.
exec node --import tsx scripts/start-sandbox.ts "$@"
