#!/usr/bin/env bash
# Bulk sync benchmark (a script, not a test): bind a group of N users against
# the embedded SP (`jcsim sp`, a separate process so jcsim's own memory is
# measured alone) at several concurrencies, and compare jcsim's request rate
# with wrk replaying the run's own per-user requests (the same lookups and
# creates, byte for byte but for a userName prefix per pass; replay.py,
# replay.lua) at the same concurrency to the same SP: the raw-HTTP ceiling.
# Prints wall time, requests/s, the ratio to the ceiling and jcsim's peak RSS.
#
# Usage: scripts/bench/bulk.sh            (from the repository root)
# Env:   BULK_USERS ("10000 100000")  BULK_CONCURRENCY ("1 8 32")  BENCH_DIR (target/bench)
#        BULK_SCIM2=1 also runs the bind against python's scim2-server
#        (BULK_SCIM2_USERS, default 10000; BULK_SCIM2_CONCURRENCY, default "1 8").
# Loopback only; every process is killed on exit.
set -euo pipefail

cd "$(dirname "$0")/../.."
USERS_LIST=${BULK_USERS:-"10000 100000"}
CONC_LIST=${BULK_CONCURRENCY:-"1 8 32"}
DIR=${BENCH_DIR:-target/bench}/bulk
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
TOKEN="bulk-$$-$RANDOM"
export BULK_TOKEN=$TOKEN

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
log() { printf '==> %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "nothing at $1" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
    [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
fi
log "building jcsim (profile dist: fat LTO, as shipped)"
cargo build --profile dist --quiet
JCSIM=${CARGO_TARGET_DIR:-target}/dist/jcsim

start_sp() { # -> sets SP_PID, SP_BASE
    local port; port=$(free_port)
    # A 100,000-member group push is about 4 MB: above the SP's default limit.
    "$JCSIM" sp --listen "127.0.0.1:$port" --token "$TOKEN" --body-limit 67108864 >"$DIR/sp.log" 2>&1 &
    SP_PID=$!; PIDS+=("$SP_PID")
    wait_http "http://127.0.0.1:$port/healthz"
    SP_BASE="http://127.0.0.1:$port/scim/v2"
}

scenario() { # N C -> file
    local f="$DIR/bulk-$1-$2.yaml"
    cat >"$f" <<EOF
name: bulk $1 users at concurrency $2
behaviour: { concurrency: $2 }
app: { group_management: true }
directory:
  users: [{ generate: $1, email_domain: bulk.test, groups: [All] }]
  groups: [{ name: All }]
steps:
  - activate
  - bind_group: All
EOF
    echo "$f"
}

ceiling() { # BASE C SECONDS REPLAY_FILE -> rps
    local threads=$(( $2 < 2 ? 1 : 2 ))
    local out
    out=$(BULK_RUN="$2$RANDOM" REPLAY_FILE="$4" REPLAY_THREADS="$threads" \
        wrk -t "$threads" -c "$2" -d "${3}s" -s scripts/bench/replay.lua "${1%/scim/v2}" 2>&1)
    # A ceiling of error answers would flatter the SP: say so.
    awk '/^RESULT/ { if ($4 > 0) printf "(%d non-2xx) ", $4 > "/dev/stderr"; printf "%.0f", $2 / $3 }' <<<"$out"
}

measure() { # N C BASE OUT_DIR -> sets wall rss_kb exchanges jc_rps cap ratio
    local f summary verdict run_ms secs
    f=$(scenario "$1" "$2")
    rm -rf "$4"
    /usr/bin/time -f '%e %M' -o "$DIR/time.txt" \
        "$JCSIM" run "$f" --target "$3" --token-env BULK_TOKEN --out "$4" --quiet >"$DIR/run.log" 2>&1 || true
    read -r wall rss_kb < <(tail -1 "$DIR/time.txt")
    summary=$(ls "$4"/*/summary.json | head -1)
    verdict=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$summary")
    [ "$verdict" = pass ] || log "run of $1 users at concurrency $2 against $3 did not pass: see $DIR/run.log"
    read -r exchanges run_ms < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["exchanges"], s["duration_ms"])' "$summary")
    jc_rps=$(awk -v x="$exchanges" -v ms="$run_ms" 'BEGIN { printf "%.0f", x / (ms / 1000) }')
    secs=$(awk -v ms="$run_ms" 'BEGIN { s = ms / 1000; if (s < 3) s = 3; if (s > 20) s = 20; printf "%d", s }')
    python3 scripts/bench/replay.py "$(dirname "$summary")/events.jsonl" "$DIR/replay.txt" >/dev/null
    cap=$(ceiling "$3" "$2" "$secs" "$DIR/replay.txt")
    ratio=$(awk -v a="$jc_rps" -v b="$cap" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
}

printf '\n%-8s %5s %10s %10s %10s %12s %8s %10s\n' users conc requests "wall s" "jcsim rps" "wrk rps" ratio "peak RSS"
for n in $USERS_LIST; do
    for c in $CONC_LIST; do
        start_sp
        measure "$n" "$c" "$SP_BASE" "$DIR/runs-$n-$c"
        printf '%-8s %5s %10s %10s %10s %12s %8s %8.1f MiB\n' "$n" "$c" "$exchanges" "$wall" "$jc_rps" "$cap" "$ratio" "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')"
        kill "$SP_PID" 2>/dev/null || true; wait "$SP_PID" 2>/dev/null || true
    done
done

if [ "${BULK_SCIM2:-0}" = 1 ]; then
    # The same bind against python's scim2-server, a fresh one per run, with
    # the same wrk replay as its ceiling: there the SP is the limit.
    venv=${JCSIM_INTEROP_DIR:-target/interop}/venv
    # The same venv and pins as scripts/interop.sh.
    [ -x "$venv/bin/scim2-server" ] && [ -x "$venv/bin/scim2" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q "scim2-server==0.8.3" "scim2-cli==0.6.0"; }
    n=${BULK_SCIM2_USERS:-10000}
    printf '\n%-22s %5s %10s %10s %10s %12s %8s\n' SP conc requests "wall s" "jcsim rps" "wrk rps" ratio
    S2_CONC=${BULK_SCIM2_CONCURRENCY:-"1 8"}
    for c in $S2_CONC; do
        port=$(free_port)
        "$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$TOKEN" >"$DIR/scim2.log" 2>&1 &
        S2=$!; PIDS+=("$S2")
        wait_http "http://127.0.0.1:$port/v2/ServiceProviderConfig"
        measure "$n" "$c" "http://127.0.0.1:$port/v2" "$DIR/runs-scim2-$c"
        printf '%-22s %5s %10s %10s %10s %12s %8s\n' "scim2-server $n users" "$c" "$exchanges" "$wall" "$jc_rps" "$cap" "$ratio"
        kill "$S2" 2>/dev/null || true; wait "$S2" 2>/dev/null || true
    done
fi
