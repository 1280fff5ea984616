#!/usr/bin/env bash
# Idle flood: does /healthz keep answering while 600 idle keep-alive clients
# hold connections to each jcsim server (`sp`, `serve`, `jumpcloud-api`,
# `proxy`)? Each flood client sends one GET and then idles, sending another
# every 8 s (under the 10 s idle timeout, so idling alone never frees its
# slot), and reconnects when the server closes it, as an attacker would.
# Meanwhile a fresh client asks for /healthz every 0.25 s; each must answer
# within 5 s.
#
# Bounded and local: loopback only, 600 connections at most, DURATION
# seconds per server (default 20). Needs python3 (stdlib only) and a built
# jcsim (JCSIM=path, or target/debug/jcsim, built with cargo if absent).
#
#   scripts/idle-flood.sh            # all four servers
#   DURATION=10 scripts/idle-flood.sh sp proxy
#
# Exit 0 when every probe on every server was answered in time, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

JCSIM=${JCSIM:-${CARGO_TARGET_DIR:-target}/debug/jcsim}
if [[ ! -x $JCSIM ]]; then
    cargo build --quiet
fi
DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-600}
servers=("$@")
[[ ${#servers[@]} -gt 0 ]] || servers=(sp serve jumpcloud-api proxy)

# The flood opens CLIENTS sockets and the server as many: raise the soft limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_up() {
    for _ in $(seq 100); do
        "$JCSIM" healthcheck "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "the server on port $1 did not come up; its log:" >&2
    cat "$work"/*.log >&2
    return 1
}

start() {
    local name=$1 port=$2
    case $name in
    sp) "$JCSIM" sp --listen "127.0.0.1:$port" >"$work/$name.log" 2>&1 & ;;
    serve) "$JCSIM" serve --listen "127.0.0.1:$port" --runs "$work/runs-serve" >"$work/$name.log" 2>&1 & ;;
    jumpcloud-api)
        FLOOD_API_KEY=flood-api-key-0123456789 "$JCSIM" jumpcloud-api --listen "127.0.0.1:$port" \
            --api-key-env FLOOD_API_KEY --runs "$work/runs-api" >"$work/$name.log" 2>&1 &
        ;;
    proxy)
        # The proxy forwards /healthz to its upstream's /healthz.
        local up
        up=$(free_port)
        "$JCSIM" sp --listen "127.0.0.1:$up" >"$work/proxy-upstream.log" 2>&1 &
        pids+=($!)
        wait_up "$up"
        "$JCSIM" proxy --listen "127.0.0.1:$port" --upstream "http://127.0.0.1:$up" --out "$work/runs-proxy" \
            >"$work/$name.log" 2>&1 &
        ;;
    *)
        echo "unknown server: $name (sp, serve, jumpcloud-api, proxy)" >&2
        exit 2
        ;;
    esac
    pids+=($!)
    wait_up "$port"
}

status=0
printf '%-14s %8s %8s %8s %9s %9s %9s %10s\n' server probes answered failed p50_ms p99_ms max_ms reconnects
for name in "${servers[@]}"; do
    port=$(free_port)
    start "$name" "$port"
    python3 - "$port" "$DURATION" "$CLIENTS" "$name" <<'PY' || status=1
import selectors, socket, statistics, sys, time

port, duration, clients, name = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
HOST = "127.0.0.1"  # loopback only
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: flood\r\n\r\n"
RESEND = 8.0
assert clients <= 600, "the flood is bounded at 600 connections"

sel = selectors.DefaultSelector()
flood = {}  # socket -> next send time
reconnects = 0

def open_one(now):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((HOST, port))
    except BlockingIOError:
        pass
    sel.register(s, selectors.EVENT_READ)
    flood[s] = now  # send at once (a write on a connecting socket waits below)
    return s

def close_one(s):
    sel.unregister(s)
    flood.pop(s, None)
    s.close()

start = time.monotonic()
for i in range(clients):
    open_one(start + (i % 80) * RESEND / 80)

def probe():
    t = time.monotonic()
    try:
        with socket.create_connection((HOST, port), timeout=5) as s:
            s.settimeout(5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            head = s.recv(64)
            if not head.startswith(b"HTTP/1.1 200"):
                return None
    except OSError:
        return None
    return (time.monotonic() - t) * 1000

latencies, failed = [], 0
next_probe = start + 2.0  # let the flood connect first
while time.monotonic() - start < duration:
    now = time.monotonic()
    for s, at in list(flood.items()):
        if at <= now:
            try:
                s.send(REQUEST)
                flood[s] = now + RESEND
            except (BlockingIOError, InterruptedError):
                flood[s] = now + 0.05
            except OSError:
                close_one(s)
                open_one(now)
                reconnects += 1
    for key, _ in sel.select(timeout=0.05):
        s = key.fileobj
        try:
            data = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b""
        if not data:  # closed by the server (shed, or timed out): come back
            close_one(s)
            open_one(time.monotonic())
            reconnects += 1
    if now >= next_probe:
        ms = probe()
        if ms is None:
            failed += 1
        else:
            latencies.append(ms)
        next_probe = time.monotonic() + 0.25

for s in list(flood):
    close_one(s)
probes = len(latencies) + failed
q = lambda p: statistics.quantiles(latencies, n=100)[p - 1] if len(latencies) >= 2 else (latencies[0] if latencies else 0)
print(f"{name:<14} {probes:>8} {len(latencies):>8} {failed:>8} {q(50):>9.1f} {q(99):>9.1f} {max(latencies, default=0):>9.1f} {reconnects:>10}")
sys.exit(1 if failed or not latencies else 0)
PY
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
done
exit $status
