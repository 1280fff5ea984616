#!/usr/bin/env bash
# Real-browser checks of report.html in Debian's headless Chromium (via
# playwright-core, which never downloads a browser): XSS payloads stay inert,
# expanding, filters and deep links work, and a 20,000-exchange run becomes
# interactive in under 2 s with report.html at most 1.5x events.jsonl. Then
# readiness.html (`jcsim readiness --quirk ignore_rename`): it renders
# offline, shows Group management not ready, and every link to an exchange
# opens it; its screenshot is docs/img/readiness.png's source.
# Screenshots and numbers go to $CARGO_TARGET_DIR/browser-artifacts (or target/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$target/browser-artifacts"
cd "$root"

if [ ! -x /usr/bin/chromium ]; then
  echo "browser.sh: installing chromium (apt)" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser.sh: installing node and npm (apt)" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi
if [ ! -d scripts/browser/node_modules/playwright-core ]; then
  (cd scripts/browser && npm ci --no-audit --no-fund)
fi

# Until `jcsim report DIR` is wired into the CLI, the example renders runs
# through the same library call (jcsim::report::write_outputs).
cargo build --quiet --example render_report
cargo build --quiet
render="$target/debug/examples/render_report"

rm -rf "$out"
mkdir -p "$out/xss" "$out/big"
cp tests/fixtures/report/xss/events.jsonl "$out/xss/events.jsonl"
"$render" "$out/xss"
"$render" --synth 20000 "$out/big"
"$render" --index "$out" "$out/xss" "$out/big" >/dev/null
code=0
"$target/debug/jcsim" readiness --quirk ignore_rename --out "$out/readiness" >"$out/readiness.txt" || code=$?
if [ "$code" != 1 ]; then
  echo "browser.sh: jcsim readiness --quirk ignore_rename exited $code, not 1" >&2
  cat "$out/readiness.txt" >&2
  exit 1
fi

node scripts/browser/check.js "$out"
