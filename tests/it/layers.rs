//! The architecture holds: every top-level module of `src/` sits in a layer,
//! and imports (`crate::x`) only point to lower layers, so there is no cycle
//! between modules. docs/architecture.md draws the same table.

use std::collections::BTreeMap;
use std::path::Path;

/// Layers, lowest first. A module may use modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    // How every lock is taken (used by the leaves above it).
    &["lock"],
    // Vocabularies and leaves: records, the SCIM wire, names, text.
    &["record", "scim", "names", "secret", "suggest", "term", "signal", "healthcheck", "listen"],
    // Knobs, the rule catalogue, the HTTP client, the embedded SP, logging.
    &["knobs", "check", "client", "sp", "logging"],
    // The scenario file format.
    &["scenario"],
    // The simulated JumpCloud org.
    &["directory"],
    // What JumpCloud sends (outbound) and how its own API answers (inbound);
    // the report renders recorded runs.
    &["provision", "inbound", "report", "fidelity"],
    // Sessions, runs, preflight, cleanup; loading a scenario (the lint
    // dry-runs it against the directory and the inbound API).
    &["engine", "lint"],
    // Front ends: the console and inbound HTTP servers, terminal output, the schema,
    // `jcsim compat` (drives engine sessions, loads probe scenarios with lint),
    // `jcsim proxy` (records JumpCloud's traffic to an SP).
    &["server", "output", "schema", "compat", "proxy"],
    // The command line: clap types, then the commands.
    &["cli"],
    &["cmd"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level modules `text` names through `crate::…`, including
/// `crate::{a, b::c}` groups.
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.push(name);
        }
    }
    out
}

/// A file's code without its test module and without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Every upward or sideways import: (file, module it names).
fn violations(src: &Path) -> (Vec<String>, BTreeMap<String, usize>) {
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut bad = Vec::new();
    let mut seen = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let name = rel.file_name().unwrap().to_string_lossy();
        if matches!(top.as_str(), "lib" | "main") || name.starts_with("tests") {
            continue;
        }
        let Some(own) = layer_of(&top) else {
            bad.push(format!("src/{} is in module `{top}`, which no layer lists", rel.display()));
            continue;
        };
        *seen.entry(top.clone()).or_default() += 1;
        for module in imports(&code(&std::fs::read_to_string(&file).unwrap())) {
            if module == top {
                continue;
            }
            match layer_of(&module) {
                Some(l) if l < own => {}
                Some(_) => {
                    bad.push(format!("src/{} (`{top}`) uses `crate::{module}`, which is not below it", rel.display()))
                }
                None => bad.push(format!("src/{} uses `crate::{module}`, which no layer lists", rel.display())),
            }
        }
    }
    (bad, seen)
}

#[test]
fn modules_only_import_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (bad, seen) = violations(&src);
    assert!(bad.is_empty(), "imports that point up or sideways:\n  {}", bad.join("\n  "));
    for layer in LAYERS {
        for module in *layer {
            assert!(seen.contains_key(*module), "layer table lists `{module}`, which src/ does not have");
        }
    }
}

#[test]
fn an_upward_import_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("scenario")).unwrap();
    std::fs::write(dir.path().join("scenario/model.rs"), "use crate::{check::RULES, engine::Session};\n").unwrap();
    std::fs::write(dir.path().join("record.rs"), "// crate::engine in a comment is fine\n").unwrap();
    std::fs::write(dir.path().join("report.rs"), "#[cfg(test)]\nmod t { use crate::engine::run; }\n").unwrap();
    let (bad, _) = violations(dir.path());
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].contains("uses `crate::engine`"), "{bad:?}");
}
