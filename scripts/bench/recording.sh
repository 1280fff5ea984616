#!/usr/bin/env bash
# Reading a large recording (a script, not a test): `jcsim infer` and
# `jcsim compare` over an events.jsonl of REC_MB megabytes, made by repeating
# the steps of a real run of the built-in full-lifecycle scenario. Prints wall
# time and peak RSS of each, and the ratio to a peer that only reads the same
# file: Python parsing every line as JSON and keeping nothing.
#
# Usage: scripts/bench/recording.sh        (from the repository root)
# Env:   REC_MB (300)  BENCH_DIR (target/bench)  JCSIM (target/release/jcsim)
set -euo pipefail

cd "$(dirname "$0")/../.."
MB=${REC_MB:-300}
DIR=${BENCH_DIR:-target/bench}/recording
JCSIM=${JCSIM:-target/release/jcsim}
[ -x "$JCSIM" ] || cargo build --release --quiet
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 2; }
rm -rf "$DIR" && mkdir -p "$DIR/a" "$DIR/b"

"$JCSIM" run scenarios/lifecycle/20-full-lifecycle.yaml --out "$DIR/seed" --quiet >/dev/null
seed=$(find "$DIR/seed" -name events.jsonl | head -1)
python3 - "$seed" "$MB" "$DIR" <<'PY'
import sys
seed, mb, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(seed).read().splitlines(True)
ends = [l for l in lines if '"type":"run_started"' in l or '"type":"run_finished"' in l]
body = [l for l in lines if l not in ends]
size = sum(map(len, body))
for side in ("a", "b"):
    with open(f"{out}/{side}/events.jsonl", "w") as f:
        f.write(ends[0])
        for _ in range(max(1, mb * 1_000_000 // size)):
            f.writelines(body)
        f.writelines(ends[1:])
PY
ls -l "$DIR/a/events.jsonl" | awk '{ printf "recording: %.0f MB\n", $5 / 1e6 }'

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$DIR/time" "$@" >/dev/null
  read -r secs kb <"$DIR/time"
  printf '%-28s %7.2f s  %8.1f MB peak\n' "$label" "$secs" "$(echo "$kb / 1024" | bc -l)"
  echo "$secs" >"$DIR/$label.secs"
}
measure "peer: python json per line" python3 -c 'import json,sys
for l in open(sys.argv[1], "rb"): json.loads(l)' "$DIR/a/events.jsonl"
measure "jcsim infer" "$JCSIM" infer "$DIR/a"
measure "jcsim compare" "$JCSIM" compare "$DIR/a" "$DIR/b" || true
peer=$(cat "$DIR/peer: python json per line.secs")
for c in "jcsim infer" "jcsim compare"; do
  printf '%s / peer: %.2f×\n' "$c" "$(echo "$(cat "$DIR/$c.secs") / $peer" | bc -l)"
done
