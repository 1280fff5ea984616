#!/usr/bin/env bash
# rust-version in Cargo.toml must be at least every dependency's own
# rust-version (clippy's incompatible_msrv lint, on in CI, catches standard
# library APIs newer than it). The language floor is 1.88: let chains.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo metadata --format-version 1 --locked | python3 -c '
import json, sys
m = json.load(sys.stdin)
def key(v): return tuple(int(x) for x in (v or "0").split("."))
ours = next(p for p in m["packages"] if p["name"] == "jcsim")["rust_version"]
floor = "1.88"
bad = [(p["name"], p["version"], p["rust_version"]) for p in m["packages"]
       if p["name"] != "jcsim" and key(p["rust_version"]) > key(ours)]
if key(ours) < key(floor):
    bad.append(("jcsim (let chains)", "", floor))
for name, version, needs in bad:
    print(f"check-msrv: {name} {version} needs Rust {needs}; Cargo.toml says rust-version = {ours}")
if bad:
    sys.exit(1)
print(f"check-msrv: rust-version {ours} covers every dependency")
'
