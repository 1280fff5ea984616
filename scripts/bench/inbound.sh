#!/usr/bin/env bash
# Benchmark the inbound SCIM API (`jcsim jumpcloud-api`) as the directory
# grows: req/s of one realistic identity-source mix at two directory sizes,
# without and with `--state`, and the embedded SP (`jcsim sp`) on the same
# workload as a peer. Loopback only; a few minutes in all.
#
# Usage: scripts/bench/inbound.sh        (from the repository root)
# Env:   BENCH_SIZES ("1000 50000")  BENCH_SECONDS (10 per run)
#        BENCH_CONNECTIONS (8)  BENCH_THREADS (2)  BENCH_DIR (target/bench-inbound)
#        BENCH_PROFILE (dist, as shipped; "release" builds faster, jcsim unoptimised)
#        BENCH_PEER (1; 0 skips `jcsim sp`)
#        BENCH_JCSIM (a jcsim binary to measure instead of building one)
#
# Seeding, honest and fast:
# - without --state: N users are POSTed to /scim/v2/Users (4 client threads);
# - with --state: jcsim writes a state file holding one POSTed user; the
#   script clones that user (and its history entry) N times with fresh ids,
#   userNames and emails, and starts jcsim on the file. The users are stored
#   users, exactly as N POSTs leave them, without waiting for N POSTs.
#
# The mix, per 10 requests: 3 GET /Users/{id}, 2 GET ?filter=userName eq,
# 1 POST, 1 PATCH (replace title), 1 PUT (full replace), 1 DELETE (of a user
# this run created), 1 GET page (startIndex anywhere, count=10). Every write
# is a real write (persisted with --state); the directory size stays about N.
# The app is not activated, so no outbound provisioning follows the writes.
set -euo pipefail

cd "$(dirname "$0")/../.."
SIZES=${BENCH_SIZES:-"1000 50000"}
SECONDS_PER=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-8}
THREADS=${BENCH_THREADS:-2}
PROFILE=${BENCH_PROFILE:-dist}
PEER=${BENCH_PEER:-1}
DIR=${BENCH_DIR:-target/bench-inbound}
KEY="bench-$$-$RANDOM$RANDOM"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

. scripts/bench/common.sh


stop() { # PID: graceful (SIGINT), then forgotten
    kill -INT "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local kept=()
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    PIDS=("${kept[@]}")
}

# --- tools -------------------------------------------------------------------
ensure_wrk

if [ -n "${BENCH_JCSIM:-}" ]; then
    JCSIM=$BENCH_JCSIM
else
    log "building jcsim (profile $PROFILE)"
    if [ "$PROFILE" = dev ]; then cargo build --quiet; else cargo build --profile "$PROFILE" --quiet; fi
    OUT=$PROFILE
    [ "$PROFILE" = dev ] && OUT=debug
    JCSIM=${CARGO_TARGET_DIR:-target}/$OUT/jcsim
fi
export JC_BENCH_KEY=$KEY

# --- seeding -----------------------------------------------------------------
# load BASE N IDFILE AUTH: POST N users, write "id userName" lines.
load() {
    python3 - "$@" <<'PY'
import http.client, json, sys, urllib.parse
from concurrent.futures import ThreadPoolExecutor
base, n, idfile, auth = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
u = urllib.parse.urlsplit(base)
headers = {"Content-Type": "application/scim+json"}
name, value = auth.split(": ", 1)
headers[name] = value
def chunk(k):
    conn = http.client.HTTPConnection(u.hostname, u.port)
    out = []
    for i in range(k, n, 4):
        user = f"load{i}"
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user, "active": True,
                "emails": [{"value": f"{user}@bench.test", "type": "work", "primary": True}]}
        conn.request("POST", u.path + "/Users", json.dumps(body), headers)
        r = conn.getresponse(); data = r.read()
        if r.status != 201:
            sys.exit(f"POST /Users: {r.status} {data[:200]!r}")
        out.append((i, json.loads(data)["id"], user))
    return out
with ThreadPoolExecutor(4) as pool:
    rows = sorted(x for part in pool.map(chunk, range(4)) for x in part)
with open(idfile, "w") as f:
    f.write("".join(f"{i} {name}\n" for _, i, name in rows))
PY
}

# synth TEMPLATE N OUT IDFILE: clone the template's one user N times.
synth() {
    python3 - "$@" <<'PY'
import copy, json, sys
tmpl, n, out, idfile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
state = json.load(open(tmpl))
users = state["directory"]["users"]
if len(users) != 1 or len(state["history"]) != 1:
    sys.exit(f"{tmpl}: expected one user and one history entry")
u0, h0 = users[0], json.dumps(state["history"][0])
name0 = u0["username"]
rows, new_users, history = [], [], []
for i in range(n):
    user = f"load{i}"
    uid = f"b0{i:022x}"
    u = copy.deepcopy(u0)
    u.update(id=uid, username=user, email=f"{user}@bench.test")
    new_users.append(u)
    history.append(json.loads(h0.replace(name0, user)))
    rows.append(f"{uid} {user}\n")
state["directory"]["users"] = new_users
state["history"] = history
with open(out, "w") as f:
    json.dump(state, f)
with open(idfile, "w") as f:
    f.write("".join(rows))
PY
}

# --- wrk script --------------------------------------------------------------
cat >"$DIR/mix.lua" <<'LUA'
local prefix = os.getenv("BENCH_PATH")
local run = os.getenv("BENCH_RUN")
local headers = {["Content-Type"] = "application/scim+json"}
headers[os.getenv("BENCH_AUTH_NAME")] = os.getenv("BENCH_AUTH_VALUE")
local next_tid = 0
function setup(thread)
    next_tid = next_tid + 1
    thread:set("tid", next_tid)
end
local ids, names, created, sent = {}, {}, {}, 0
function init(args)
    for line in io.lines(os.getenv("BENCH_IDS")) do
        local id, name = line:match("^(%S+) (%S+)$")
        ids[#ids + 1] = id
        names[#names + 1] = name
    end
end
local function user_body(name, title)
    return string.format('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s",'
        .. '"emails":[{"value":"%s@bench.test","type":"work","primary":true}],"title":"%s"}', name, name, title)
end
function request()
    sent = sent + 1
    local k = (sent * 7919 + tid * 104729) % #ids + 1
    local op = sent % 10
    if op <= 2 then
        return wrk.format("GET", prefix .. "/Users/" .. ids[k], headers)
    elseif op <= 4 then
        return wrk.format("GET", prefix .. "/Users?filter=userName%20eq%20%22" .. names[k] .. "%22", headers)
    elseif op == 5 then
        return wrk.format("POST", prefix .. "/Users", headers, user_body("n" .. run .. "-" .. tid .. "-" .. sent, "New"))
    elseif op == 6 then
        local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
            .. '"Operations":[{"op":"replace","path":"title","value":"T' .. sent .. '"}]}'
        return wrk.format("PATCH", prefix .. "/Users/" .. ids[k], headers, body)
    elseif op == 7 then
        return wrk.format("PUT", prefix .. "/Users/" .. ids[k], headers, user_body(names[k], "P" .. sent))
    elseif op == 8 and #created > 0 then
        return wrk.format("DELETE", prefix .. "/Users/" .. table.remove(created), headers)
    elseif op == 8 then
        return wrk.format("GET", prefix .. "/Users/" .. ids[k], headers)
    else
        return wrk.format("GET", prefix .. "/Users?startIndex=" .. k .. "&count=10", headers)
    end
end
function response(status, hdrs, body)
    if status == 201 then
        local id = body:match('"id"%s*:%s*"([^"]+)"')
        if id then created[#created + 1] = id end
    end
end
function done(summary, latency, requests)
    io.write(string.format("RESULT %d %.6f %d %d %d\n", summary.requests, summary.duration / 1e6,
        latency:percentile(99), summary.errors.status, summary.errors.timeout))
end
LUA

# mix URL IDFILE AUTH_NAME AUTH_VALUE -> "rps p99_ms non2xx timeouts"
mix() {
    local out path
    path=/${1#http://*/}
    out=$(BENCH_PATH=$path BENCH_IDS=$2 BENCH_AUTH_NAME=$3 BENCH_AUTH_VALUE=$4 BENCH_RUN="r$RANDOM" \
        wrk -t "$THREADS" -c "$CONNS" -d "${SECONDS_PER}s" --timeout 60s -s "$DIR/mix.lua" "$1" 2>&1) ||
        die "wrk failed: $out"
    awk '/^RESULT/ { printf "%.0f %.1f %d %d\n", $2 / $3, $4 / 1000, $5, $6 }' <<<"$out"
}

start_api() { # STATE_FILE_OR_EMPTY -> sets API_PID API_BASE
    local port args=()
    port=$(free_port)
    [ -n "$1" ] && args=(--state "$1")
    rm -rf "$DIR/runs"
    "$JCSIM" jumpcloud-api --listen "127.0.0.1:$port" --api-key-env JC_BENCH_KEY --runs "$DIR/runs" \
        "${args[@]}" >>"$DIR/jcsim-api.log" 2>&1 &
    API_PID=$!
    PIDS+=("$API_PID")
    wait_http 1200 "http://127.0.0.1:$port/healthz"
    API_BASE="http://127.0.0.1:$port/scim/v2"
}

declare -A RATE
result() { # KEY "rps p99 non2xx timeouts"
    local r p e t
    read -r r p e t <<<"$2"
    RATE[$1]=$r
    printf '%-24s %10s %10s %8s %8s\n' "$1" "$r" "$p" "$e" "$t"
    [ "$e" = 0 ] && [ "$t" = 0 ] || log "$1: $e non-2xx responses, $t timeouts"
}

log "runs: ${SECONDS_PER}s each, $CONNS connections, $THREADS wrk threads; sizes: $SIZES"
printf '\n%-24s %10s %10s %8s %8s\n' run "req/s" "p99 ms" non2xx timeouts

# A template state: one POSTed user, written by jcsim itself.
rm -f "$DIR/template.json"*
start_api "$DIR/template.json"
load "$API_BASE" 1 "$DIR/template.ids" "x-api-key: $KEY"
stop "$API_PID"

for n in $SIZES; do
    start_api ""
    load "$API_BASE" "$n" "$DIR/mem-$n.ids" "x-api-key: $KEY"
    result "jcsim $n" "$(mix "$API_BASE" "$DIR/mem-$n.ids" x-api-key "$KEY")"
    stop "$API_PID"

    rm -f "$DIR/state-$n.json"*
    synth "$DIR/template.json" "$n" "$DIR/state-$n.json" "$DIR/state-$n.ids"
    start_api "$DIR/state-$n.json"
    result "jcsim --state $n" "$(mix "$API_BASE" "$DIR/state-$n.ids" x-api-key "$KEY")"
    stop "$API_PID"

    if [ "$PEER" != 0 ]; then
        port=$(free_port)
        "$JCSIM" sp --listen "127.0.0.1:$port" --token "$KEY" >>"$DIR/jcsim-sp.log" 2>&1 &
        SP_PID=$!
        PIDS+=("$SP_PID")
        wait_http 1200 "http://127.0.0.1:$port/healthz"
        load "http://127.0.0.1:$port/scim/v2" "$n" "$DIR/sp-$n.ids" "Authorization: Bearer $KEY"
        result "peer: jcsim sp $n" "$(mix "http://127.0.0.1:$port/scim/v2" "$DIR/sp-$n.ids" Authorization "Bearer $KEY")"
        stop "$SP_PID"
    fi
done

read -r small large _ <<<"$SIZES"
ratio() { awk -v a="${RATE[$1 $large]:-0}" -v b="${RATE[$1 $small]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '\n%-24s %10s %10s %8s\n' mode "$small" "$large" "ratio"
for m in "jcsim" "jcsim --state" "peer: jcsim sp"; do
    [ -n "${RATE[$m $small]:-}" ] || continue
    printf '%-24s %10s %10s %8s\n' "$m" "${RATE[$m $small]}" "${RATE[$m $large]:-}" "$(ratio "$m")"
done
