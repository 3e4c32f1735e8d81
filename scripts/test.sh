#!/usr/bin/env bash
# The whole test command: installs what is missing, then the format check, lint, typecheck and the suite on a real Temporal server.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Temporal server and SQL tool take minutes to build the first time: start that before anything else.
server_paths="$(mktemp)"
trap 'rm -f "$server_paths"' EXIT
bash scripts/ensure-temporal-server.sh >"$server_paths" &
server_build=$!

bash scripts/ensure-npm-packages.sh
bash scripts/ensure-system-packages.sh
TEMPORAL_CLI_PATH="$(bash scripts/ensure-temporal-cli.sh)"
export TEMPORAL_CLI_PATH
wait "$server_build" || { echo "Building the Temporal server failed (see above)." >&2; exit 1; }
{ read -r TEMPORAL_SERVER_PATH; read -r TEMPORAL_SQL_TOOL_PATH; } <"$server_paths"
export TEMPORAL_SERVER_PATH TEMPORAL_SQL_TOOL_PATH

echo "Format..."
npx prettier --check --log-level warn .
echo "Lint..."
npx eslint --max-warnings=0 .
echo "Typecheck..."
npx tsc --noEmit -p tsconfig.json
npx tsc -p sandbox/web/tsconfig.json
echo "Tests..."
npx tsx scripts/run-test-suite.ts "$@"
