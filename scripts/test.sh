#!/usr/bin/env bash
# The whole test command: installs what is missing, then the format check, lint, typecheck and the suite on a real Temporal server.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-npm-packages.sh
bash scripts/ensure-system-packages.sh
TEMPORAL_CLI_PATH="$(bash scripts/ensure-temporal-cli.sh)"
export TEMPORAL_CLI_PATH

echo "Format..."
npx prettier --check --log-level warn .
echo "Lint..."
npx eslint --max-warnings=0 .
echo "Typecheck..."
npx tsc --noEmit -p tsconfig.json
npx tsc -p sandbox/web/tsconfig.json
echo "Tests..."
npx tsx scripts/run-test-suite.ts "$@"
