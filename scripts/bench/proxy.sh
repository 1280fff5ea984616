#!/usr/bin/env bash
# The cost of recording: `jcsim proxy` in front of `jcsim sp`, against the
# same SP directly (the peer in the same run), with wrk on loopback. Two
# workloads: a user lookup (GET /Users?filter=…, small answer) and a page of
# 100 users (GET /Users?count=100, about 60 KB). Prints requests per second
# and median latency each way, and the ratios. Every proxied request is
# classified, checked and written to events.jsonl (one write and flush each).
#   scripts/bench/proxy.sh      Env: BENCH_SECONDS (5) BENCH_CONNECTIONS (8) BENCH_THREADS (2)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh
SECONDS_PER=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNECTIONS:-8}
THREADS=${BENCH_THREADS:-2}
TOKEN="bench-$$-$RANDOM"
ensure_wrk
log "building jcsim (profile dist: fat LTO, as shipped)"
cargo build --profile dist --quiet
jcsim=${CARGO_TARGET_DIR:-target}/dist/jcsim
work=$(mktemp -d)
PIDS+=()

sp_port=$(free_port)
"$jcsim" sp --listen "127.0.0.1:$sp_port" --token "$TOKEN" >"$work/sp.log" 2>&1 &
PIDS+=($!)
sp="http://127.0.0.1:$sp_port/scim/v2"
wait_http 100 "$sp/ServiceProviderConfig" -H "Authorization: Bearer $TOKEN"
log "seeding 200 users"
for i in $(seq 1 200); do
    curl -fsS -o /dev/null -X POST "$sp/Users" -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/scim+json' \
        -d "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"user$i@example.com\",\"name\":{\"givenName\":\"U\",\"familyName\":\"$i\"},\"emails\":[{\"value\":\"user$i@example.com\",\"primary\":true}]}"
done

proxy_port=$(free_port)
"$jcsim" proxy --listen "127.0.0.1:$proxy_port" --upstream "$sp" --out "$work/capture" \
    >"$work/proxy.out" 2>"$work/proxy.err" &
proxy_pid=$!
PIDS+=($proxy_pid)
proxy="http://127.0.0.1:$proxy_port"
wait_http 100 "$proxy/ServiceProviderConfig" -H "Authorization: Bearer $TOKEN"

# measure URL: "requests/s median_ms"
measure() {
    wrk -t "$THREADS" -c "$CONNS" -d "${SECONDS_PER}s" --latency -H "Authorization: Bearer $TOKEN" "$1" >"$work/wrk.out"
    local rps p50
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
    python3 -c "
import sys
v = sys.argv[2]
ms = float(v[:-2]) if v.endswith('ms') else float(v[:-2]) / 1000 if v.endswith('us') else float(v[:-1]) * 1000
print(f'{float(sys.argv[1]):.0f} {ms:.3f}')" "$rps" "$p50"
}

printf '%-22s %14s %14s %12s %12s %10s\n' workload "direct req/s" "proxied req/s" "direct p50" "proxied p50" "rps ratio"
for w in "lookup|/Users?filter=userName%20eq%20%22user7%40example.com%22" "page of 100|/Users?startIndex=1&count=100"; do
    name=${w%%|*}; path=${w#*|}
    read -r d_rps d_p50 < <(measure "$sp$path")
    read -r p_rps p_p50 < <(measure "$proxy$path")
    ratio=$(python3 -c "print(f'{$p_rps / $d_rps:.2f}')")
    printf '%-22s %14s %14s %10sms %10sms %10s\n' "$name" "$d_rps" "$p_rps" "$d_p50" "$p_p50" "$ratio"
done
kill -INT "$proxy_pid"; wait "$proxy_pid" || true
log "recorded $(grep -c '"type":"exchange"' "$work"/capture/*/events.jsonl) exchanges; $(du -sh "$work/capture" | cut -f1) on disk"
rm -rf "$work"
