#!/usr/bin/env bash
# End-to-end test of `jcsim serve` in real headless Chromium (Debian's
# `chromium` package, driven by playwright-core; no browser download). Runs the
# sales demo flow and checks Directory Insights and the embedded SP's state.
# Screenshots: target/console-e2e/*.png
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shots="$root/target/console-e2e"
mkdir -p "$shots"

if [ ! -x /usr/bin/chromium ]; then
  echo "console-e2e: installing chromium"
  apt-get update && apt-get install -y chromium chromium-driver
fi
if [ ! -d scripts/console-e2e/node_modules/playwright-core ]; then
  echo "console-e2e: installing playwright-core (npm ci)"
  (cd scripts/console-e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

cargo build -q
target_dir="${CARGO_TARGET_DIR:-$root/target}"
jcsim="$target_dir/debug/jcsim"

work=$(mktemp -d)
pid=""
pid2=""
pid3=""
cleanup() {
  for p in $pid $pid2 $pid3; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sp_token="e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
JCSIM_SP_TOKEN="$sp_token" "$jcsim" serve --listen "127.0.0.1:$port" \
  --state "$work/state.json" --runs "$work/runs" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then break; fi
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" || { cat "$work/serve.log"; echo "console-e2e: jcsim serve did not start" >&2; exit 1; }

# A second SP in its own process (another seed: its ids differ from the
# embedded SP's): the demo switches the app's Base URL to it.
port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sp2_token="e2e2-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
"$jcsim" sp --listen "127.0.0.1:$port2" --token "$sp2_token" --seed 99 >"$work/sp2.log" 2>&1 &
pid2=$!
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port2/scim/v2/ServiceProviderConfig"; then break; fi
  sleep 0.1
done

# `jcsim proxy` in front of the second SP, recording into the console's runs
# directory: the console's Directory Insights follows the capture live.
port3=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$jcsim" proxy --listen "127.0.0.1:$port3" --upstream "http://127.0.0.1:$port2/scim/v2" --out "$work/runs" \
  >"$work/proxy.out" 2>"$work/proxy.err" &
pid3=$!

JCSIM_URL="http://127.0.0.1:$port" JCSIM_SP_TOKEN="$sp_token" SHOTS="$shots" \
  PROXY_URL="http://127.0.0.1:$port3" \
  SECOND_SP_URL="http://127.0.0.1:$port2/scim/v2" SECOND_SP_TOKEN="$sp2_token" \
  node scripts/console-e2e/e2e.mjs

kill -INT "$pid3"; wait "$pid3" || { cat "$work/proxy.err"; echo "console-e2e: jcsim proxy did not stop cleanly" >&2; exit 1; }
pid3=""

# The tokens never reach disk (the proxy's capture included).
if grep -rq -e "$sp_token" -e "$sp2_token" "$work"; then
  echo "console-e2e: the SP token was written to disk" >&2
  exit 1
fi
echo "console-e2e: screenshots in $shots"
