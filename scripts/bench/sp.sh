#!/usr/bin/env bash
# Benchmark the embedded SP (`jcsim sp`) against python-scim's scim2-server,
# measured in the same run, same workloads, same concurrency, loopback only.
#
# Usage: scripts/bench/sp.sh            (from the repository root)
# Env:   BENCH_USERS (10000) BENCH_SECONDS (5 per workload) BENCH_CONNECTIONS (16)
#        BENCH_THREADS (2) BENCH_DIR (target/bench)
#        BENCH_SCIM2 (1; 0 skips scim2-server, for quick iterations on jcsim alone)
#
# Load driver: wrk with a Lua script (needed for unique userNames per POST and
# per-request PATCH bodies). It is installed from Debian (`apt-get install wrk`)
# when missing and we are root; otherwise the script stops with a clear message.
set -euo pipefail

cd "$(dirname "$0")/../.."
USERS=${BENCH_USERS:-10000}
SECONDS_PER=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
SCIM2=${BENCH_SCIM2:-1}
DIR=${BENCH_DIR:-target/bench}
TOKEN="bench-$$-$RANDOM"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

. scripts/bench/common.sh

# --- tools -------------------------------------------------------------------
ensure_wrk

log "building jcsim (profile dist: fat LTO, as shipped)"
cargo build --profile dist --quiet
JCSIM=${CARGO_TARGET_DIR:-target}/dist/jcsim

VENV="$DIR/venv"
if [ "$SCIM2" != 0 ] && [ ! -x "$VENV/bin/scim2-server" ]; then
    log "creating $VENV with scim2-server from PyPI"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check scim2-server
fi

# --- servers -----------------------------------------------------------------
JC_PORT=$(free_port)
"$JCSIM" sp --listen "127.0.0.1:$JC_PORT" --token "$TOKEN" >"$DIR/jcsim.log" 2>&1 &
JC_PID=$!
PIDS+=("$JC_PID")
wait_http 100 "http://127.0.0.1:$JC_PORT/healthz"
JC_BASE="http://127.0.0.1:$JC_PORT/scim/v2"

PY_AUTH=()
PY_BASE=""
if [ "$SCIM2" != 0 ]; then
    PY_PORT=$(free_port)
    PY_ARGS=(--hostname 127.0.0.1 --port "$PY_PORT")
    if "$VENV/bin/scim2-server" --help 2>/dev/null | grep -q -- --bearer-token; then
        PY_ARGS+=(--bearer-token "$TOKEN")
        PY_AUTH=(-H "Authorization: Bearer $TOKEN")
    fi
    "$VENV/bin/scim2-server" "${PY_ARGS[@]}" >"$DIR/scim2-server.log" 2>&1 &
    PY_PID=$!
    PIDS+=("$PY_PID")
    for _ in $(seq 1 100); do
        for prefix in /v2 ""; do
            if curl -fsS -o /dev/null "${PY_AUTH[@]}" "http://127.0.0.1:$PY_PORT$prefix/ServiceProviderConfig" 2>/dev/null; then
                PY_BASE="http://127.0.0.1:$PY_PORT$prefix"
                break 2
            fi
        done
        sleep 0.1
    done
    [ -n "$PY_BASE" ] || die "scim2-server did not start; see $DIR/scim2-server.log"
fi

# --- load 10,000 users and one group into each (ids written to a file) -------
load() { # BASE IDFILE AUTH_HEADER_OR_EMPTY
    python3 - "$1" "$2" "$USERS" "$3" <<'PY'
import http.client, json, sys, urllib.parse
from concurrent.futures import ThreadPoolExecutor
base, idfile, n, auth = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlsplit(base)
headers = {"Content-Type": "application/scim+json"}
if auth:
    name, value = auth.split(": ", 1)
    headers[name] = value
def post(conn, path, body):
    conn.request("POST", u.path + path, json.dumps(body), headers)
    r = conn.getresponse(); data = r.read()
    if r.status != 201:
        sys.exit(f"POST {path}: {r.status} {data[:200]!r}")
    return json.loads(data)["id"]
def chunk(k):
    conn = http.client.HTTPConnection(u.hostname, u.port)
    out = [post(conn, "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                 "userName": f"load{i}@bench.test", "active": True,
                                 "emails": [{"value": f"load{i}@bench.test", "type": "work", "primary": True}]})
           for i in range(k, n, 4)]
    return [(i, v) for i, v in zip(range(k, n, 4), out)]
with ThreadPoolExecutor(4) as pool:
    ids = sorted(x for part in pool.map(chunk, range(4)) for x in part)
conn = http.client.HTTPConnection(u.hostname, u.port)
gid = post(conn, "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                             "displayName": "bench", "members": [{"value": ids[0][1]}]})
with open(idfile, "w") as f:
    f.write(f"{gid}\n" + "".join(f"{v}\n" for _, v in ids))
PY
}
log "loading $USERS users into jcsim"
load "$JC_BASE" "$DIR/jcsim.ids" "Authorization: Bearer $TOKEN"
JC_RSS_KB=$(awk '/^VmRSS/ {print $2}' "/proc/$JC_PID/status")
if [ -n "$PY_BASE" ]; then
    log "loading $USERS users into scim2-server"
    load "$PY_BASE" "$DIR/scim2.ids" "${PY_AUTH[0]:+Authorization: Bearer $TOKEN}"
fi

# --- wrk script --------------------------------------------------------------
cat >"$DIR/bench.lua" <<'LUA'
local mode = os.getenv("BENCH_MODE")
local prefix = os.getenv("BENCH_PATH")
local users = tonumber(os.getenv("BENCH_USERS"))
local token = os.getenv("BENCH_TOKEN") or ""
local run = os.getenv("BENCH_RUN")
local next_tid = 0
function setup(thread)
    next_tid = next_tid + 1
    thread:set("tid", next_tid)
end
local ids, sent = {}, 0
function init(args)
    local file = os.getenv("BENCH_IDS")
    if file and file ~= "" then for line in io.lines(file) do ids[#ids + 1] = line end end
end
local headers = {["Content-Type"] = "application/scim+json"}
if token ~= "" then headers["Authorization"] = "Bearer " .. token end
function request()
    sent = sent + 1
    local i = (tid * 7919 + sent) % users
    if mode == "create" then
        local body = string.format('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new-%s-%d-%d@bench.test"}', run, tid, sent)
        return wrk.format("POST", prefix .. "/Users", headers, body)
    elseif mode == "lookup" then
        return wrk.format("GET", prefix .. "/Users?filter=userName%20eq%20%22load" .. i .. "%40bench.test%22", headers)
    elseif mode == "patch" then
        -- Re-adding the same member per thread: a real membership PATCH whose
        -- group (and response) keeps the same size for the whole run.
        local member = ids[tid + 2]
        local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"' .. member .. '"}]}]}'
        return wrk.format("PATCH", prefix .. "/Groups/" .. ids[1], headers, body)
    else
        return wrk.format("GET", prefix, headers)
    end
end
function done(summary, latency, requests)
    io.write(string.format("RESULT %d %.6f %d %d\n", summary.requests, summary.duration / 1e6,
        latency:percentile(99), summary.errors.status))
end
LUA

# bench MODE BASE_URL IDFILE TOKEN -> "rps p99_ms non2xx"
bench() {
    local out path
    path=/${2#http://*/}
    [ "$path" = "/$2" ] && path=""
    out=$(BENCH_MODE=$1 BENCH_PATH=$path BENCH_IDS=$3 BENCH_TOKEN=$4 BENCH_USERS=$USERS \
        BENCH_RUN="$1$RANDOM" \
        wrk -t "$THREADS" -c "$CONNS" -d "${SECONDS_PER}s" -s "$DIR/bench.lua" "$2" 2>&1) || die "wrk failed: $out"
    awk '/^RESULT/ { printf "%.0f %.2f %d\n", $2 / $3, $4 / 1000, $5 }' <<<"$out"
}

row() { # NAME JC_RESULT PY_RESULT
    local jr jp je pr pp pe ratio
    read -r jr jp je <<<"$2"
    if [ -n "$3" ]; then
        read -r pr pp pe <<<"$3"
        ratio=$(awk -v a="$jr" -v b="$pr" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
    else
        pr="-" pp="-" pe=0 ratio="-"
    fi
    printf '%-22s %10s %10s %12s %10s %8s\n' "$1" "$jr" "$jp" "$pr" "$pp" "$ratio"
    if [ "$je" != 0 ] || [ "$pe" != 0 ]; then
        printf '%-22s   (non-2xx responses: jcsim %s, scim2-server %s)\n' "" "$je" "$pe"
    fi
}

PY_TOKEN=""
[ ${#PY_AUTH[@]} -gt 0 ] && PY_TOKEN=$TOKEN

log "running workloads: ${SECONDS_PER}s each, $CONNS connections, $THREADS threads"
printf '\n%-22s %10s %10s %12s %10s %8s\n' workload "jcsim rps" "p99 ms" "scim2 rps" "p99 ms" ratio
for mode in create lookup patch; do
    case $mode in
        create) name="user create (POST)" ;;
        lookup) name="userName eq lookup" ;;
        patch) name="group member PATCH" ;;
    esac
    jc=$(bench "$mode" "$JC_BASE" "$DIR/jcsim.ids" "$TOKEN")
    py=""
    [ -n "$PY_BASE" ] && py=$(bench "$mode" "$PY_BASE" "$DIR/scim2.ids" "$PY_TOKEN")
    row "$name" "$jc" "$py"
done
row "/healthz (ceiling)" "$(bench static "http://127.0.0.1:$JC_PORT/healthz" "" "")" ""
printf '\njcsim RSS after loading %s users: %s MiB\n' "$USERS" "$(awk -v k="$JC_RSS_KB" 'BEGIN { printf "%.1f", k / 1024 }')"
