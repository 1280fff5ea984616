# Shared by the benchmark scripts (sourced, not run): background processes
# killed on exit, logging, a free loopback port, waiting for a server, wrk.

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http TENTHS URL [curl header args...]: until URL answers 2xx, at most TENTHS × 0.1 s.
wait_http() {
    local tries=$1 url=$2; shift 2
    for _ in $(seq 1 "$tries"); do
        if curl -fsS -o /dev/null "$@" "$url" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    die "nothing answered at $url"
}

# wrk from Debian when missing and we are root; otherwise a clear stop.
ensure_wrk() {
    command -v wrk >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing wrk from Debian"
        apt-get install -y -qq wrk >/dev/null
    else
        die "wrk is required: sudo apt-get install wrk"
    fi
}
