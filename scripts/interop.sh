#!/usr/bin/env bash
# Interop: run the built-in suite (`jcsim run --target URL`, no paths) against
# two SCIM servers we did not write, python-scim's scim2-server (PyPI) and
# SCIMMY (npm, scripts/second-sp.sh), then python-scim's checker against
# `jcsim sp` and against JumpCloud's SCIM API (`jcsim jumpcloud-api`).
# Each suite runs twice against the same server: both runs must give the same
# per-scenario verdicts (runs are isolated), every scenario must pass, and the
# server must hold no user or group afterwards (cleanup).
#
# scim2-server rejects `remove` operations that carry a `value` array (the
# form JumpCloud is inferred to send, knob member_removal=value_array), so the
# suite runs three ways:
#   1. against scim2-server with that policy relaxed, with JumpCloud defaults;
#   2. against stock scim2-server with --behaviour member_removal=filter_path;
#   3. against stock scim2-server with JumpCloud defaults: the refused removal
#      is retried as a probe, the suite passes with compat-risk warnings that
#      name the accepted form, and fails under --strict.
# Then `jcsim readiness` against a fresh stock scim2-server prints each
# capability's verdict (exact verdicts, under 30 s).
# Then `jcsim compat` against a fresh scim2-server must report member_removal
# at risk (value_array rejected, filter_path accepted) and every other knob
# robust, and against SCIMMY it prints its matrix; both leave nothing behind.
# `jcsim proxy` runs in front of both: the lifecycle suite through it and
# directly must agree, and `jcsim compare` must find the capture equivalent
# to the direct run (`proxied` below).
# Then: scim2-server with the token `user` must give the long token's
# verdicts; django-scim2 and django-scim2-server (PyPI, scripts/interop/)
# must get exactly their known error root causes, each once; and a hostile
# SP (scripts/interop/hostile-sp.py) must keep every untagged resource
# through a run's cleanup and `jcsim cleanup --yes`.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work="${JCSIM_INTEROP_DIR:-$root/target/interop}"
venv="$work/venv"
mkdir -p "$work"

if [ ! -x "$venv/bin/scim2-server" ] || [ ! -x "$venv/bin/scim2" ]; then
  echo "interop: installing scim2-server and scim2-cli into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check -q "scim2-server==0.8.3" "scim2-cli==0.6.0"
fi

cargo build --release -q
jcsim="${CARGO_TARGET_DIR:-$root/target}/release/jcsim"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_http URL: poll until the server answers (bounded: 20 s).
wait_http() {
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "interop: $1 did not come up" >&2
  return 1
}

# wait_401 URL: poll until the server refuses an unauthenticated request
# (it is up and checks the token; bounded: 20 s).
wait_401() {
  for _ in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 401 ] && return 0
    sleep 0.1
  done
  echo "interop: $1 did not come up" >&2
  return 1
}

cat > "$work/lenient-server.py" <<'PY'
# scim2-server with remove-with-value applied instead of rejected.
import sys
from scim2_models import ScimPolicy, ScimProvider
import scim2_server.testserver.cli as cli
_orig = ScimProvider.from_discovery.__func__
def from_discovery(cls, *a, **kw):
    kw["policy"] = ScimPolicy(remove_value_as_filter=ScimPolicy.RemoveValue.apply)
    return _orig(cls, *a, **kw)
ScimProvider.from_discovery = classmethod(from_discovery)
sys.exit(cli.main())
PY

export SCIM_TOKEN="interop-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
status=0

# count BASE COLLECTION: totalResults of GET BASE/COLLECTION.
count() {
  curl -s -H "Authorization: Bearer $SCIM_TOKEN" "$1/$2?startIndex=1&count=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("totalResults", "?"))'
}

# suite NAME BASE [jcsim args...]: the built-in suite, twice, against BASE.
suite() {
  local name=$1 base=$2; shift 2
  local verdicts=()
  for n in 1 2; do
    rm -rf "$work/runs-$name-$n"   # counts below are of this run only
    echo "interop: $name (run $n): jcsim run --target $base --token-env SCIM_TOKEN $*"
    if "$jcsim" run --target "$base" --token-env SCIM_TOKEN --out "$work/runs-$name-$n" --quiet "$@" \
      >"$work/$name-$n.out" 2>&1; then
      echo "interop: $name (run $n): PASS: $(tail -1 "$work/$name-$n.out")"
    else
      echo "interop: $name (run $n): FAIL (records in $work/runs-$name-$n)"
      cat "$work/$name-$n.out"
      status=1
    fi
    verdicts+=("$(grep -E '^(PASS|FAIL|SKIP|UNREACHABLE) ' "$work/$name-$n.out" | sed 's/:.*//' | sort)")
  done
  if [ "${verdicts[0]}" != "${verdicts[1]}" ]; then
    echo "interop: $name: the second run's verdicts differ from the first's"
    diff <(echo "${verdicts[0]}") <(echo "${verdicts[1]}") || true
    status=1
  fi
  local users groups
  users=$(count "$base" Users); groups=$(count "$base" Groups)
  if [ "$users" != 0 ] || [ "$groups" != 0 ]; then
    echo "interop: $name: $users user(s) and $groups group(s) left at the SP after cleanup"
    status=1
  else
    echo "interop: $name: the SP holds nothing after both runs (cleanup)"
  fi
}

# scim2 NAME SERVER-COMMAND... -- JCSIM-ARGS...: a fresh scim2-server, then the suite.
scim2() {
  local name=$1; shift
  local port; port=$(free_port)
  local cmd=()
  while [ "$1" != "--" ]; do cmd+=("$1"); shift; done
  shift
  "${cmd[@]}" --hostname 127.0.0.1 --port "$port" --bearer-token "$SCIM_TOKEN" >"$work/$name-server.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/v2/ServiceProviderConfig"
  suite "$name" "http://127.0.0.1:$port/v2" "$@"
}

scim2 jumpcloud-defaults "$venv/bin/python" "$work/lenient-server.py" --
scim2 filter-path "$venv/bin/scim2-server" -- --behaviour member_removal=filter_path
scim2 stock-defaults "$venv/bin/scim2-server" --
risky=$(grep -l '"id":"compat-risk".*the SP accepts `filter_path`' "$work"/runs-stock-defaults-1/*/events.jsonl | wc -l)
if [ "$risky" -gt 0 ]; then
  echo "interop: stock-defaults: $risky run(s) carry compat-risk warnings naming the accepted form (filter_path)"
else
  echo "interop: stock-defaults: no compat-risk warning naming filter_path"; status=1
fi

# fresh_scim2 NAME: a stock scim2-server on a free port; prints its base URL.
fresh_scim2() {
  local port; port=$(free_port)
  "$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$SCIM_TOKEN" >"$work/$1-server.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/v2/ServiceProviderConfig" >&2
  echo "http://127.0.0.1:$port/v2"
}

base=$(fresh_scim2 strict)
if "$jcsim" run --target "$base" --token-env SCIM_TOKEN --out "$work/runs-strict" --quiet --strict \
  "$root/scenarios/lifecycle" >"$work/strict.out" 2>&1; then
  echo "interop: --strict against stock scim2-server passed, but compat-risk warnings must fail it"; status=1
else
  echo "interop: --strict against stock scim2-server: $(tail -1 "$work/strict.out") (compat-risk fails it, as it should)"
fi

# wait_port PORT: poll until something listens (a bare TCP connect, so a
# proxy records no request; bounded: 20 s).
wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "interop: port $1 did not open" >&2
  return 1
}

# proxied NAME BASE [jcsim run args...]: the lifecycle suite through `jcsim
# proxy` in front of BASE, then directly. Both runs must give the same
# verdicts, `jcsim compare` must find the capture and the direct run
# equivalent (exit 0), `jcsim infer` must read the run's member-removal form,
# and the token must reach no file of the capture.
proxied() {
  local name=$1 base=$2; shift 2
  local dir="$work/proxy-$name" port; port=$(free_port)
  rm -rf "$dir"; mkdir -p "$dir"
  "$jcsim" proxy --listen "127.0.0.1:$port" --upstream "$base" --out "$dir/capture" >"$dir/proxy.out" 2>"$dir/proxy.err" &
  local proxy=$!; pids+=($proxy)
  wait_port "$port"
  local v1 v2
  "$jcsim" run "$root/scenarios/lifecycle" --target "http://127.0.0.1:$port" --token-env SCIM_TOKEN \
    --out "$dir/via" --quiet "$@" >"$dir/via.out" 2>&1 || true
  "$jcsim" run "$root/scenarios/lifecycle" --target "$base" --token-env SCIM_TOKEN \
    --out "$dir/direct" --quiet "$@" >"$dir/direct.out" 2>&1 || true
  kill -INT "$proxy"; wait "$proxy" || { echo "interop: proxy $name: jcsim proxy did not stop cleanly"; cat "$dir/proxy.err"; status=1; }
  v1=$(grep -E '^(PASS|FAIL|SKIP|UNREACHABLE) ' "$dir/via.out" | sed 's/:.*//' | sort)
  v2=$(grep -E '^(PASS|FAIL|SKIP|UNREACHABLE) ' "$dir/direct.out" | sed 's/:.*//' | sort)
  if [ -z "$v1" ] || [ "$v1" != "$v2" ]; then
    echo "interop: proxy $name: verdicts through the proxy differ from the direct run's"
    diff <(echo "$v1") <(echo "$v2") || true; status=1
  else
    echo "interop: proxy $name: through the proxy as directly: $(tail -1 "$dir/via.out")"
  fi
  if "$jcsim" compare "$dir/capture" "$dir/direct" >"$dir/compare.out" 2>&1; then
    echo "interop: proxy $name: compare: $(sed -n 3p "$dir/compare.out")"
  else
    echo "interop: proxy $name: compare found differences"; cat "$dir/compare.out"; status=1
  fi
  "$jcsim" infer "$dir/capture" >"$dir/infer.out"
  local form; form=$(sed -n 's/^member_removal: \([a-z_]*\) (seen.*/\1/p' "$dir/infer.out")
  local want=value_array
  case " $* " in *member_removal=filter_path*) want=filter_path ;; esac
  if [ "$form" = "$want" ]; then
    echo "interop: proxy $name: infer: member_removal: $form"
  else
    echo "interop: proxy $name: infer read member_removal as '$form', not $want"; cat "$dir/infer.out"; status=1
  fi
  if grep -rqF "$SCIM_TOKEN" "$dir/capture"; then
    echo "interop: proxy $name: the token reached the capture"; status=1
  fi
}

base=$(fresh_scim2 proxied-defaults)
proxied scim2-defaults "$base"
base=$(fresh_scim2 proxied-filter-path)
proxied scim2-filter-path "$base" --behaviour member_removal=filter_path

# compat NAME BASE CHECK-PY: `jcsim compat` as JSON, checked by CHECK-PY.
compat() {
  local name=$1 base=$2 check=$3 code=0
  "$jcsim" compat --target "$base" --token-env SCIM_TOKEN --out "$work/runs-compat-$name" --format json \
    >"$work/compat-$name.json" 2>"$work/compat-$name.err" || code=$?
  echo "interop: compat $name: exit $code"
  python3 - "$work/compat-$name.json" "$code" <<PY || status=1
import json, sys
m = json.load(open(sys.argv[1]))["knobs"]
code = int(sys.argv[2])
for knob, row in m.items():
    forms = ", ".join(f"{k}: {v}" for k, v in row.items() if k not in ("status", "default", "verdict", "summary", "details"))
    print(f"interop:   {knob:20} {row['verdict']:13} {forms}")
$check
PY
  local users groups
  users=$(count "$base" Users); groups=$(count "$base" Groups)
  if [ "$users" != 0 ] || [ "$groups" != 0 ]; then
    echo "interop: compat $name: $users user(s) and $groups group(s) left at the SP"; status=1
  fi
}

compat scim2 "$(fresh_scim2 compat)" '
mr = m["member_removal"]
assert (mr["value_array"], mr["filter_path"], mr["verdict"]) == ("rejected", "accepted", "at risk"), mr
others = {k: r["verdict"] for k, r in m.items() if k != "member_removal"}
assert all(v == "robust" for v in others.values()), others
assert code == 1, code
print("interop: compat scim2: member_removal at risk (value_array rejected, filter_path accepted), the rest robust")
'

# jcsim readiness against stock scim2-server: each capability's verdict,
# printed and checked against what the exchanges show: Group management is
# at risk (member_removal's `value_array` form is refused with 400, the
# `filter_path` form works), Deprovisioning is at risk (a deleted user stays
# listed in its group), the rest ready; every attribute comes back as sent;
# the whole command within 30 s.
readiness_base=$(fresh_scim2 readiness)
code=0
started=$(date +%s%N)
"$jcsim" readiness --target "$readiness_base" --token-env SCIM_TOKEN --out "$work/runs-readiness" --format json \
  >"$work/readiness.json" 2>"$work/readiness.err" || code=$?
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
python3 - "$work/readiness.json" "$code" "$elapsed_ms" <<'PY' || status=1
import json, sys
r = json.load(open(sys.argv[1]))
code, ms = int(sys.argv[2]), int(sys.argv[3])
for c in r["capabilities"]:
    print(f"interop: readiness   {c['name']:20} {c['verdict']:9} {c['summary'][:100]}")
v = {c["id"]: c["verdict"] for c in r["capabilities"]}
expected = {"test_connection": "ready", "activation": "ready", "user_provisioning": "ready",
            "suspend_restore": "ready", "deprovisioning": "at_risk", "group_management": "at_risk"}
assert v == expected, v
causes = {c["id"]: [k["rule"] for k in c["causes"]] for c in r["capabilities"]}
assert causes["deprovisioning"] == ["deleted-user-still-member"], causes
assert causes["group_management"] == ["compat-risk"], causes
assert [k["knob"] for k in r["compat"] if k["verdict"] != "robust"] == ["member_removal"], r["compat"]
assert all(a["outcome"] == "stored" for a in r["attributes"]), r["attributes"]
assert code == 0, code
assert ms < 30000, f"readiness took {ms} ms"
print(f"interop: readiness scim2: {r['ready']}/{r['total']} ready, exit {code}, {ms} ms")
PY
users=$(count "$readiness_base" Users); groups=$(count "$readiness_base" Groups)
if [ "$users" != 0 ] || [ "$groups" != 0 ]; then
  echo "interop: readiness: $users user(s) and $groups group(s) left at the SP"; status=1
fi

# SCIMMY (npm): an independent implementation (JavaScript, other authors).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "interop: installing node and npm (apt)"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
fi
scripts/second-sp.sh install "$work/scimmy" >"$work/scimmy-install.log" 2>&1 || {
  cat "$work/scimmy-install.log"; exit 1
}
port=$(free_port)
scripts/second-sp.sh start "$work/scimmy" "$port" "$SCIM_TOKEN" >"$work/scimmy-server.log" 2>&1 &
pids+=($!)
base=$(scripts/second-sp.sh base "$port")
wait_401 "$base/Users"
suite scimmy "$base"
proxied scimmy "$base"
compat scimmy "$base" '
assert all(r["verdict"] in ("robust", "at risk", "broken") for r in m.values()), m
assert code == (0 if all(r["verdict"] == "robust" for r in m.values()) else 1), code
'

# An SP whose only bug is in activation: stock SCIMMY answers 400 to the
# activation's minimal PUT (`"emails": null`). Exactly the scenarios that
# activate may fail, each at its activate step only (later steps skipped,
# not failed), nothing fails on a leftover (409), the second run matches the
# first, and cleanup leaves the SP empty.
port=$(free_port)
SECOND_SP_STOCK_NULLS=1 scripts/second-sp.sh start "$work/scimmy" "$port" "$SCIM_TOKEN" \
  >"$work/scimmy-stock-server.log" 2>&1 &
pids+=($!)
base=$(scripts/second-sp.sh base "$port")
wait_401 "$base/Users"
for n in 1 2; do
  rm -rf "$work/runs-activation-only-$n"
  "$jcsim" run --target "$base" --token-env SCIM_TOKEN --out "$work/runs-activation-only-$n" --quiet \
    >"$work/activation-only-$n.out" 2>&1 || true
  echo "interop: activation-only (run $n): $(tail -1 "$work/activation-only-$n.out")"
  if ! python3 - "$work/runs-activation-only-$n" <<'PY'; then status=1; fi
import glob, json, sys
bad, failed = [], 0
for f in sorted(glob.glob(sys.argv[1] + "/*/summary.json")):
    s = json.load(open(f))
    steps = s["steps"]
    activates = [x for x in steps if x["title"].split(":")[0] == "activate"]
    fails = [x for x in steps if x["verdict"] == "fail"]
    checks = [c for x in fails for c in x["checks"] if c["verdict"] == "fail"]
    name = s["scenario"]
    if fails:
        failed += 1
        if not activates:
            bad.append(f"{name}: failed without activating")
        elif len(fails) != 1 or fails[0]["title"].split(":")[0] != "activate":
            bad.append(f"{name}: failed at {[x['title'] for x in fails]}, not at its activate step alone")
        for c in checks:
            if c["id"] in ("activation-test-email-exists", "leftover-resource") or "409" in c["message"]:
                bad.append(f"{name}: fails on a conflict: {c['id']}: {c['message']}")
    elif activates and not any(c["id"] == "expect.outcome" for x in activates for c in x["checks"]):
        bad.append(f"{name}: activated without failing against an SP that refuses the activation PUT")
if failed == 0:
    bad.append("no scenario failed: the activation bug went unnoticed")
elif not bad:
    print(f"interop: activation-only: {failed} scenario(s) failed, each once at activation")
for b in bad:
    print("interop: activation-only: " + b)
sys.exit(1 if bad else 0)
PY
done
a=$(grep -E '^(PASS|FAIL|SKIP|UNREACHABLE) ' "$work/activation-only-1.out" | sed 's/:.*//' | sort)
b=$(grep -E '^(PASS|FAIL|SKIP|UNREACHABLE) ' "$work/activation-only-2.out" | sed 's/:.*//' | sort)
[ "$a" = "$b" ] || { echo "interop: activation-only: the second run's verdicts differ"; status=1; }
users=$(count "$base" Users); groups=$(count "$base" Groups)
if [ "$users" != 0 ] || [ "$groups" != 0 ]; then
  echo "interop: activation-only: $users user(s) and $groups group(s) left at the SP after cleanup"
  status=1
fi

# python-scim's conformance checker against the embedded SP (`jcsim sp`).
# Every result line must be SUCCESS; zero result lines means discovery failed.
# A 4-character common word as the token (`user` occurs in every body):
# redaction is for what is written, so the verdicts are those of the long
# random token's run above (jumpcloud-defaults): every scenario passes.
strong_token=$SCIM_TOKEN
SCIM_TOKEN=user
scim2 weak-token "$venv/bin/python" "$work/lenient-server.py" --
SCIM_TOKEN=$strong_token
a=$(grep -E '^(PASS|FAIL|SKIP|UNREACHABLE) ' "$work/jumpcloud-defaults-1.out" | sed 's/:.*//' | sort)
b=$(grep -E '^(PASS|FAIL|SKIP|UNREACHABLE) ' "$work/weak-token-1.out" | sed 's/:.*//' | sort)
if [ "$a" = "$b" ]; then
  echo "interop: weak-token: the same verdicts as with a long random token"
else
  echo "interop: weak-token: verdicts differ from the long token's"; diff <(echo "$a") <(echo "$b") || true; status=1
fi

# foreign NAME EXPECTED-ERRORS: a SCIM server from PyPI with known bugs
# (scripts/interop/NAME.sh installs and starts it). The built-in suite must
# name exactly the expected error root causes (rule on request), each once.
foreign() {
  local name=$1 expected=$2 port; port=$(free_port)
  # Install first: a fresh machine's pip install outlasts the start-up wait.
  JCSIM_INTEROP_DIR="$work" "scripts/interop/$name.sh" --install >"$work/$name-install.log" 2>&1 \
    || { echo "interop: $name: install failed"; cat "$work/$name-install.log"; status=1; return; }
  JCSIM_INTEROP_DIR="$work" "scripts/interop/$name.sh" "$port" "$SCIM_TOKEN" >"$work/$name-server.log" 2>&1 &
  pids+=($!)
  wait_401 "http://127.0.0.1:$port/scim/v2/Users" || { cat "$work/$name-server.log"; status=1; return; }
  rm -rf "$work/runs-$name"
  "$jcsim" run --target "http://127.0.0.1:$port/scim/v2" --token-env SCIM_TOKEN --out "$work/runs-$name" \
    --format json >"$work/$name.json" 2>"$work/$name.err" || true
  python3 - "$work/$name.json" "$expected" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
want = set(tuple(x.split(" on ", 1)) for x in sys.argv[2].split(";"))
causes = doc["root_causes"]
for c in causes:
    print(f"interop:   [{c['severity']}] {c['rule']} on {c['request']} ({c['scenarios']} scenarios, {c['steps']} steps)")
got = set((c["rule"], c["request"]) for c in causes if c["severity"] == "error")
keys = [(c["rule"], c["request"]) for c in causes]
assert len(keys) == len(set(keys)), "a root cause is listed twice"
assert got == want, f"error root causes {sorted(got)} != expected {sorted(want)}"
t = doc["totals"]
print(f"interop: {sys.argv[1]}: {t['scenarios']} scenarios, {t['failed']} failed: error root causes as expected")
PY
}
foreign django-scim2 "create-drops-members on POST /Groups"
foreign django-scim2-server "sp-rejected-request on POST /Users;sp-rejected-request on PUT /Users/{id};delete-then-404 on GET /Users/{id}"

# A hostile SP: ids that are not plain path segments, tag look-alikes, a
# tag only on a secondary email, and an upserting POST that answers 200
# with an existing user's id. Neither a run's cleanup nor `jcsim cleanup`
# may delete an untagged resource.
port=$(free_port)
python3 scripts/interop/hostile-sp.py "$port" "$SCIM_TOKEN" >"$work/hostile-sp.log" 2>&1 &
pids+=($!)
hostile="http://127.0.0.1:$port/scim/v2"
wait_401 "$hostile/Users"
cat >"$work/upsert.yaml" <<'YAML'
name: upsert
directory:
  users: [{ username: upsert, email: upsert@example.com, firstname: Up, lastname: Sert }]
app: { group_management: false }
steps:
  - activate
  - bind_user: upsert
YAML
"$jcsim" run "$work/upsert.yaml" --target "$hostile" --token-env SCIM_TOKEN --out "$work/runs-hostile" --quiet \
  >"$work/hostile-run.out" 2>&1 || true
"$jcsim" cleanup --target "$hostile" --token-env SCIM_TOKEN --yes >"$work/hostile-cleanup.out" 2>&1 || true
survivors=0
for id in u-ceo u-cfo u-mary u-eve u-dave; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SCIM_TOKEN" "$hostile/Users/$id")
  if [ "$code" = 200 ]; then survivors=$((survivors + 1)); else echo "interop: hostile: untagged user $id is gone ($code)"; status=1; fi
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SCIM_TOKEN" "$hostile/Groups/g-real")
[ "$code" = 200 ] || { echo "interop: hostile: the untagged group g-real is gone"; status=1; }
gone=0
for id in ..%2FGroups%2Fg-real u-ceo%23frag u-ceo%3Fx%3D1 u-ceo%2F..%2Fu-cfo; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SCIM_TOKEN" "$hostile/Users/$id")
  [ "$code" = 404 ] && gone=$((gone + 1))
done
if [ "$gone" = 4 ] && [ "$survivors" = 5 ]; then
  echo "interop: hostile: $(tail -1 "$work/hostile-cleanup.out"): the 4 tagged users with hostile ids deleted, every untagged resource kept"
else
  echo "interop: hostile: $gone of 4 tagged users deleted"; cat "$work/hostile-cleanup.out"; status=1
fi

port=$(free_port)
"$jcsim" sp --listen "127.0.0.1:$port" --token "$SCIM_TOKEN" >"$work/jcsim-sp.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/healthz"
echo "interop: scim2 test against jcsim sp on 127.0.0.1:$port"
SCIM_CLI_URL="http://127.0.0.1:$port/scim/v2" SCIM_CLI_HEADERS="Authorization: Bearer $SCIM_TOKEN" \
  "$venv/bin/scim2" test >"$work/checker.out" 2>"$work/checker.err" || true
clean=$(sed 's/\x1b\[[0-9;]*m//g' "$work/checker.out")
ok=$(grep -cE '^SUCCESS ' <<<"$clean" || true)
bad=$(grep -E '^(COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED) ' <<<"$clean" || true)
nbad=$(grep -c . <<<"$bad" || true)
echo "interop: scim2 checker: $ok SUCCESS, $nbad other"
if [ "$ok" -eq 0 ] || [ "$nbad" -ne 0 ]; then
  echo "$bad"
  grep -A2 -E '^(COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED) ' <<<"$clean" | head -60 || true
  cat "$work/checker.err"
  status=1
fi

# python-scim's checker against JumpCloud's SCIM API (`jcsim jumpcloud-api`,
# auth `x-api-key`). JumpCloud keeps one email, one work phone and one work
# address and shows `active` from the user's state, so some checks differ on
# purpose. Only results outside this allow-list fail the script; each entry is
# "check name|text of its detail line|reason" (docs/inbound.md).
allow=(
  "check_add_attribute|unexpected value for 'phoneNumbers'|JumpCloud keeps one work phone: the element is stored as type work, primary"
  "check_add_attribute|unexpected value for 'addresses'|JumpCloud keeps one work address: the element is stored as type work, primary"
  "check_add_attribute|unexpected value for 'emails'|JumpCloud keeps one email (the primary): it is stored as type work, primary"
  "check_replace_attribute|unexpected value for 'phoneNumbers'|JumpCloud keeps one work phone: the element is stored as type work, primary"
  "check_replace_attribute|unexpected value for 'addresses'|JumpCloud keeps one work address: the element is stored as type work, primary"
  "check_replace_attribute|unexpected value for 'emails'|JumpCloud keeps one email (the primary): it is stored as type work, primary"
  "check_remove_attribute|did not remove attribute 'active'|active shows JumpCloud's state (suspended or not); it cannot be unassigned"
)
port=$(free_port)
export JCSIM_INBOUND_KEY="inbound-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
"$jcsim" jumpcloud-api --listen "127.0.0.1:$port" --api-key-env JCSIM_INBOUND_KEY --runs "$work/runs-inbound" \
  >"$work/jcsim-inbound.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/healthz"
echo "interop: scim2 test against jcsim jumpcloud-api on 127.0.0.1:$port"
SCIM_CLI_URL="http://127.0.0.1:$port/scim/v2" SCIM_CLI_HEADERS="x-api-key: $JCSIM_INBOUND_KEY" \
  "$venv/bin/scim2" test >"$work/checker-inbound.out" 2>"$work/checker-inbound.err" || true
clean=$(sed 's/\x1b\[[0-9;]*m//g' "$work/checker-inbound.out")
ok=$(grep -cE '^SUCCESS ' <<<"$clean" || true)
# Each non-SUCCESS result as "check|detail".
results=$(awk '/^(COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED) /{name=$2; getline d; sub(/^ +/, "", d); print $1 " " name "|" d}' <<<"$clean")
expected=0
unexpected=()
while IFS= read -r line; do
  [ -z "$line" ] && continue
  matched=""
  for a in "${allow[@]}"; do
    check=${a%%|*}; rest=${a#*|}; text=${rest%%|*}; reason=${rest#*|}
    if [[ "$line" == *" $check|"*"$text"* ]]; then matched=$reason; break; fi
  done
  if [ -n "$matched" ]; then
    expected=$((expected + 1))
    echo "interop:   expected: $line ($matched)"
  else
    unexpected+=("$line")
  fi
done <<<"$results"
echo "interop: scim2 checker (inbound): $ok SUCCESS, $expected expected differences, ${#unexpected[@]} unexpected"
if [ "$ok" -eq 0 ] || [ "${#unexpected[@]}" -ne 0 ]; then
  printf 'interop:   UNEXPECTED: %s\n' "${unexpected[@]}"
  cat "$work/checker-inbound.err"
  status=1
fi
if grep -rq "$JCSIM_INBOUND_KEY" "$work/runs-inbound" "$work/jcsim-inbound.log"; then
  echo "interop: the inbound API key leaked into a record or log"
  status=1
fi

exit $status
