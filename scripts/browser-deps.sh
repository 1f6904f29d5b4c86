#!/usr/bin/env bash
# Installs what the real-browser story (tests/browser/story.mjs) needs, idempotently:
# Debian's Chromium and its driver, and the pinned playwright-core from package-lock.json.
# Also poppler-utils: the poster crate's tests render its PDF with pdftoppm and read it with
# pdftotext, and fail on CI without them.
# Playwright never downloads a browser here: the story starts /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "browser-deps: installing chromium and chromium-driver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 chromium chromium-driver
fi

if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  echo "browser-deps: installing poppler-utils"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 poppler-utils
fi

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "browser-deps: '$tool' is missing; install Node.js 20 or newer with npm" >&2
    exit 1
  fi
done
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "browser-deps: Node.js $(node --version) is too old; playwright-core needs 20 or newer" >&2
  exit 1
fi

# Only when the lock file changed since the last install (npm ci always starts afresh).
lock=tests/browser/package-lock.json
stamp=tests/browser/node_modules/.layan-lock
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp" \
  || [ ! -f tests/browser/node_modules/playwright-core/package.json ]; then
  echo "browser-deps: npm ci in tests/browser"
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  cp "$lock" "$stamp"
fi
echo "browser-deps: ready ($(/usr/bin/chromium --version 2>/dev/null || echo chromium), node $(node --version), $(pdftoppm -v 2>&1 | head -n 1))"
