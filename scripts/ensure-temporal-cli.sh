#!/usr/bin/env bash
# Prints the path of the Temporal CLI (which runs the real Temporal dev server), building it once if missing.
# The binary lives in a cache outside the git tree; set TEMPORAL_CLI_PATH to use one you already have.
set -euo pipefail

version=v1.5.1 # the newest tag `go install` accepts (later tags carry replace directives)
if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file" >&2; exit 1; }
  echo "$TEMPORAL_CLI_PATH"
  exit 0
fi

cache_dir="${JIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jit-access}/temporal-cli-$version"
binary="$cache_dir/temporal"
if [ -x "$binary" ] && "$binary" --version >/dev/null 2>&1; then
  echo "$binary"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "The Temporal CLI is not built and Go is not installed. Install Go (https://go.dev/dl) or set TEMPORAL_CLI_PATH." >&2
  exit 1
fi

mkdir -p "$cache_dir"
echo "Building the Temporal CLI $version into $cache_dir (first run only; takes several minutes)..." >&2
started=$(date +%s)
# Progress on stderr every 30 s so a long first build is visibly alive.
( while sleep 30; do echo "  ...still building the Temporal CLI ($(( $(date +%s) - started ))s)" >&2; done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
CGO_ENABLED=0 GOBIN="$cache_dir" GOFLAGS=-trimpath \
  go install -ldflags='-s -w' "github.com/temporalio/cli/cmd/temporal@$version" >&2
echo "Built the Temporal CLI in $(( $(date +%s) - started ))s." >&2
echo "$binary"
