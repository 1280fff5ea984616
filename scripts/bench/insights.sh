#!/usr/bin/env bash
# Directory Insights' poll cost as the console session grows: `jcsim serve`
# with a session of 100 events, then of 100,000, and the median time of a
# steady-state poll (`GET /api/events?after=<the end>`, what the page sends
# every second) at each size. The peer in the same run is `GET /healthz` on
# the same server: the HTTP floor. Prints both and the ratios.
#   scripts/bench/insights.sh [POLLS]     (default 200 polls per size)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh

polls=${1:-200}
cargo build --profile dist -q
jcsim=${CARGO_TARGET_DIR:-target}/dist/jcsim
work=$(mktemp -d)
PIDS+=()

# median_ms URL: the median of $polls request times, in milliseconds.
median_ms() {
    python3 - "$1" "$polls" <<'PY'
import sys, time, urllib.request, statistics
url, n = sys.argv[1], int(sys.argv[2])
opener = urllib.request.build_opener()
times = []
for _ in range(n):
    t = time.perf_counter()
    with opener.open(url) as r:
        r.read()
    times.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(times):.3f}")
PY
}

# grow FILE N: append synthetic exchange events (a copy of the session's
# first line, renumbered) until FILE holds N lines.
grow() {
    python3 - "$1" "$2" <<'PY'
import json, sys
path, want = sys.argv[1], int(sys.argv[2])
lines = open(path).read().splitlines()
x = {"type": "exchange", "id": 0, "step": 0, "line": 0, "event": "user_lookup_provision", "label": "look up",
     "attempt": 1, "request": {"method": "GET", "url": "http://127.0.0.1/sp/scim/v2/Users?filter=x", "headers": [], "body": None},
     "response": {"status": 200, "headers": [], "body": {"totalResults": 0}}, "error": None,
     "timing": {"start_ms": 0, "duration_ms": 1.0}, "expects_refusal": False}
with open(path, "a") as f:
    for i in range(len(lines), want):
        x["id"] = i
        f.write(json.dumps(x, separators=(",", ":")) + "\n")
PY
}

declare -A poll health
for size in 100 100000; do
    port=$(free_port)
    runs="$work/runs-$size"
    "$jcsim" serve --listen "127.0.0.1:$port" --runs "$runs" >"$work/serve-$size.log" 2>&1 &
    PIDS+=($!)
    wait_http 200 "http://127.0.0.1:$port/healthz"
    events=$(ls "$runs"/*/events.jsonl)
    grow "$events" "$size"
    lines=$(wc -l <"$events")
    # The page's first poll reads the session once; every later one reads only what is new.
    curl -fsS -o /dev/null "http://127.0.0.1:$port/api/events?after=0"
    for _ in $(seq 1 $((lines / 500 + 1))); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/api/events?after=$lines"
    done
    poll[$size]=$(median_ms "http://127.0.0.1:$port/api/events?after=$lines")
    health[$size]=$(median_ms "http://127.0.0.1:$port/healthz")
    log "$size events ($lines lines): poll ${poll[$size]} ms, /healthz ${health[$size]} ms"
done
rm -rf "$work"
python3 - "${poll[100]}" "${poll[100000]}" "${health[100]}" "${health[100000]}" <<'PY'
import sys
p1, p2, h1, h2 = map(float, sys.argv[1:])
print(f"poll at 100 events:      {p1:.3f} ms  (healthz {h1:.3f} ms, poll/healthz {p1 / h1:.2f})")
print(f"poll at 100,000 events:  {p2:.3f} ms  (healthz {h2:.3f} ms, poll/healthz {p2 / h2:.2f})")
print(f"100,000 / 100:           {p2 / p1:.2f}")
PY
