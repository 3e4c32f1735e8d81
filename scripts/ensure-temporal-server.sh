#!/usr/bin/env bash
# Prints the paths of the real Temporal server and its SQL schema tool, building them once if missing:
#   line 1: temporal-server     (go.temporal.io/server/cmd/server)
#   line 2: temporal-sql-tool   (go.temporal.io/server/cmd/tools/sql)
# The binaries live in a cache outside the git tree; set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH
# (both) to use ones you already have. Used by test/deploy/postgres-temporal.test.ts via scripts/test.sh.
set -euo pipefail

version=v1.29.1 # keep in step with the temporalio/server image tag in docker-compose.yml
if [ -n "${TEMPORAL_SERVER_PATH:-}" ] && [ -n "${TEMPORAL_SQL_TOOL_PATH:-}" ]; then
  for path in "$TEMPORAL_SERVER_PATH" "$TEMPORAL_SQL_TOOL_PATH"; do
    [ -x "$path" ] || { echo "$path (from TEMPORAL_SERVER_PATH/TEMPORAL_SQL_TOOL_PATH) is not an executable file" >&2; exit 1; }
  done
  echo "$TEMPORAL_SERVER_PATH"
  echo "$TEMPORAL_SQL_TOOL_PATH"
  exit 0
fi

cache_dir="${JIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jit-access}/temporal-server-$version"
server="$cache_dir/temporal-server"
sql_tool="$cache_dir/temporal-sql-tool"
if [ -x "$server" ] && [ -x "$sql_tool" ] && "$sql_tool" --help >/dev/null 2>&1; then
  echo "$server"
  echo "$sql_tool"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "The Temporal server is not built and Go is not installed. Install Go (https://go.dev/dl) or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH." >&2
  exit 1
fi

mkdir -p "$cache_dir"
echo "Building the Temporal server and SQL tool $version into $cache_dir (first run only; takes several minutes)..." >&2
started=$(date +%s)
# Progress on stderr every 30 s so a long first build is visibly alive.
( while sleep 30; do echo "  ...still building the Temporal server ($(( $(date +%s) - started ))s)" >&2; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
# Build into a scratch directory and move into place, so an interrupted build never leaves a half set.
scratch=$(mktemp -d "$cache_dir/.build.XXXXXX")
CGO_ENABLED=0 GOBIN="$scratch" GOFLAGS=-trimpath \
  go install -ldflags='-s -w' "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version" >&2
mv "$scratch/server" "$server"
mv "$scratch/sql" "$sql_tool"
rmdir "$scratch"
echo "Built the Temporal server and SQL tool in $(( $(date +%s) - started ))s." >&2
echo "$server"
echo "$sql_tool"
