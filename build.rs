//! Compiles the bundled scenarios into the binary (`jcsim run` with no paths
//! runs them): `scenarios/` stays the one source, read at build time.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=scenarios");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = root.join("scenarios");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    // The lifecycle suite first (it exercises everything once), then the rest by path.
    files.sort_by_key(|p| {
        let rel = p.strip_prefix(&dir).expect("below scenarios/").to_string_lossy().replace('\\', "/");
        (!rel.starts_with("lifecycle/"), rel)
    });
    let mut out = String::from("/// Bundled scenarios: (path below `scenarios/`, text), lifecycle first.\n");
    out.push_str("pub const FILES: &[(&str, &str)] = &[\n");
    for p in &files {
        let rel = p.strip_prefix(&dir).expect("below scenarios/").to_string_lossy().replace('\\', "/");
        println!("cargo:rerun-if-changed={}", p.display());
        out.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", p.display().to_string()));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_scenarios.rs");
    std::fs::write(dest, out).expect("writing builtin_scenarios.rs");
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            walk(&p, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}
