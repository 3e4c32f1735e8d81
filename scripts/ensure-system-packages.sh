#!/usr/bin/env bash
# Installs the Debian packages the suite drives for real, when missing: Chromium for the browser test
# (never a browser download) with an emoji font, Debian's docker-compose to validate docker-compose.yml (no engine needed),
# and Debian's PostgreSQL, on which test/deploy/postgres-temporal.test.ts runs the real Temporal server.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Emoji in the sandbox page's screenshots (docs/sandbox.png); the tests pass without it.
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
  missing+=(docker-compose)
fi
# Only the server binaries (/usr/lib/postgresql/<version>/bin): the test starts its own cluster in a temp dir.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]}); the tests that need them will fail until then." >&2
  exit 0
fi
echo "Installing system packages: ${missing[*]}..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
