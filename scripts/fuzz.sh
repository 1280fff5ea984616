#!/usr/bin/env bash
# Fuzz jcsim's input parsers and SP-response handling for SECONDS per target
# (default 60): scenario_loader, scim_filter, patch_path, sp_response.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# With a nightly toolchain: libFuzzer via cargo-fuzz (installed from crates.io
# if missing), corpus in fuzz/corpus/<target>, seeded from fuzz/seeds/<target>.
# Without nightly: the same target functions (fuzz/src/lib.rs) in a bounded
# random-mutation loop on stable (fuzz/src/bin/stable_loop.rs) — no coverage
# guidance, so weaker; the output says which mode ran.
# Crashes are saved under fuzz/artifacts/<target>/; the exit status is 1 if any.
# JCSIM_FUZZ_DEV=1 builds the stable loop unoptimised (CI: the point there is
# that the fuzz crate builds and its properties hold, not throughput).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario_loader scim_filter patch_path sp_response)
cd "$root/fuzz"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/fuzz"
mkdir -p "$CARGO_TARGET_DIR"

if [ "${JCSIM_FUZZ_STABLE:-}" != 1 ] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
  fi
  echo "fuzz.sh: libFuzzer (cargo +nightly fuzz), ${secs} s per target"
  for t in "${targets[@]}"; do cargo +nightly fuzz build "$t"; done
  status=0
  for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    start=$(date +%s)
    if cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
      -max_len=65536 >"$CARGO_TARGET_DIR/$t.log" 2>&1; then
      result="no crash"
    else
      result="CRASH (see fuzz/artifacts/$t and $CARGO_TARGET_DIR/$t.log)"
      status=1
    fi
    runs=$(grep -o 'Done [0-9]* runs' "$CARGO_TARGET_DIR/$t.log" | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]*' "$CARGO_TARGET_DIR/$t.log" | tail -1 || true)
    echo "$t: $(( $(date +%s) - start )) s, ${runs:-? runs}, ${cov:-cov ?}: $result"
  done
  exit $status
fi

echo "fuzz.sh: NO NIGHTLY TOOLCHAIN (or JCSIM_FUZZ_STABLE=1): falling back to a random-mutation loop on stable."
echo "fuzz.sh: this is not libFuzzer and has no coverage guidance; install nightly for real fuzzing."
# JCSIM_FUZZ_DEV=1 (CI): an unoptimised build, minutes faster to compile;
# the loop then runs fewer iterations in the same time.
if [ "${JCSIM_FUZZ_DEV:-}" = 1 ]; then
  cargo build --no-default-features --bin stable_loop
  exec "$CARGO_TARGET_DIR/debug/stable_loop" "$secs" "${targets[@]}"
fi
cargo build --release --no-default-features --bin stable_loop
exec "$CARGO_TARGET_DIR/release/stable_loop" "$secs" "${targets[@]}"
