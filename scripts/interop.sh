#!/usr/bin/env bash
# Interop: run every bundled scenario against python-scim's scim2-server, an
# SCIM server we did not write. Installs scim2-server into a virtualenv, starts
# it on a loopback port with a bearer token, and fails if any scenario fails.
#
# scim2-server rejects `remove` operations that carry a `value` array (the
# form JumpCloud is inferred to send, knob member_removal=value_array), so the
# suite runs twice:
#   1. against scim2-server with that policy relaxed, with JumpCloud defaults;
#   2. against stock scim2-server with --behaviour member_removal=filter_path.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work="${JCSIM_INTEROP_DIR:-$root/target/interop}"
venv="$work/venv"
mkdir -p "$work"

if [ ! -x "$venv/bin/scim2-server" ]; then
  echo "interop: installing scim2-server and scim2-cli into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check -q "scim2-server==0.8.3" "scim2-cli==0.6.0"
fi

cargo build --release -q
jcsim="$root/target/release/jcsim"

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

run_suite() { # name, server command..., -- jcsim args...
  local name=$1; shift
  local port; port=$(free_port)
  local cmd=()
  while [ "$1" != "--" ]; do cmd+=("$1"); shift; done
  shift
  "${cmd[@]}" --hostname 127.0.0.1 --port "$port" --bearer-token "$SCIM_TOKEN" >"$work/$name-server.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/v2/ServiceProviderConfig"
  echo "interop: $name: jcsim run scenarios/ --target http://127.0.0.1:$port/v2 $*"
  if "$jcsim" run scenarios/ --target "http://127.0.0.1:$port/v2" --token-env SCIM_TOKEN --out "$work/runs-$name" --quiet "$@"; then
    echo "interop: $name: PASS"
  else
    echo "interop: $name: FAIL (records in $work/runs-$name)"
    status=1
  fi
}

run_suite jumpcloud-defaults "$venv/bin/python" "$work/lenient-server.py" --
run_suite filter-path "$venv/bin/scim2-server" -- --behaviour member_removal=filter_path

# python-scim's conformance checker against the embedded SP (`jcsim sp`).
# Every result line must be SUCCESS; zero result lines means discovery failed.
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

exit $status
