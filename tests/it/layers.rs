//! The architecture holds: every module of `src/` sits in a layer, imports
//! (`crate::x`, `super::x`) only point to lower layers, and no two modules
//! import each other through any chain. Whole files are read; only items
//! marked `#[cfg(test)]` are skipped. docs/architecture.md draws the same
//! table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers, lowest first. A module may use modules of lower layers only.
/// `server` is split: its console and inbound API are modules of their own.
const LAYERS: &[&[&str]] = &[
    // How every lock is taken (used by the leaves above it).
    &["lock"],
    // The check-id vocabulary: the rule catalogue and `CheckId`.
    &["rules"],
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
    // `jcsim readiness`: engine runs judged per JumpCloud capability; it
    // reaches compat through its `Forms` trait (provided from above), so
    // the front ends can all use it.
    &["readiness"],
    // Front ends: the console and JumpCloud's own SCIM API over HTTP (both
    // over the engine's org, neither importing the other), terminal output,
    // the schema, `jcsim compat` (drives engine sessions, loads probe
    // scenarios with lint), `jcsim proxy` (records JumpCloud's traffic to an SP).
    &["server/console", "server/inbound", "output", "schema", "compat", "proxy"],
    // `jcsim serve`'s one server: the console and the inbound API side by side.
    &["server"],
    // The command line: clap types, then the commands.
    &["cli"],
    &["cmd"],
];

/// Modules made of a folder's sub-folders rather than of the folder.
const SPLIT: &[&str] = &["server"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The module a path of names (`["server", "console", "state"]`) is in. In
/// a split folder, a file's module is its sub-folder or file (`server/x` for
/// `server/x.rs`, to be listed); an import's is the sub-module when one is
/// listed, else the folder's own item (`crate::server::app`).
fn module_of(path: &[String], is_file: bool) -> Option<String> {
    let top = path.first()?;
    if SPLIT.contains(&top.as_str())
        && let Some(sub) = path.get(1)
    {
        let split = format!("{top}/{sub}");
        if is_file || layer_of(&split).is_some() {
            return Some(split);
        }
    }
    Some(top.clone())
}

/// The Rust module path of a file below `src/` (`server/inbound/http.rs` is
/// `server::inbound::http`; a `mod.rs` is its folder).
fn file_path(rel: &Path) -> Vec<String> {
    let mut names: Vec<String> = rel.iter().map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if names.last().is_some_and(|n| n == "mod") {
        names.pop();
    }
    names
}

/// Code with comments and the contents of string and char literals blanked,
/// so neither braces nor `crate::` inside them count.
fn strip(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            let from = i;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
            push_newlines(&mut out, &b[from..i.min(b.len())]);
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !b[..i].last().is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match b.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| b.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    _ => j += 1,
                }
            }
            out.push_str("\"\"");
            push_newlines(&mut out, &b[i..j.min(b.len())]);
            i = j;
        } else if c == '"' {
            let from = i;
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
            push_newlines(&mut out, &b[from..i.min(b.len())]);
        } else if c == '\'' && (next == Some('\\') || b.get(i + 2) == Some(&'\'')) {
            // A char literal ('{', '\n'); a lifetime ('a) has no closing quote.
            i += 1;
            while i < b.len() && b[i] != '\'' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The newlines of a blanked piece, so line numbers survive stripping.
fn push_newlines(out: &mut String, piece: &[char]) {
    out.extend(piece.iter().filter(|c| **c == '\n'));
}

/// Stripped code with the items marked `#[cfg(test)]` blanked (a `mod x;`
/// or `use …;` up to its semicolon, anything else up to its closing brace)
/// to the newlines they held: what follows such an item is still read, and
/// line numbers stay the file's.
fn code(text: &str) -> String {
    let stripped = strip(text);
    let mut out = String::new();
    let mut rest = stripped.as_str();
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = test_item_end(after);
        out.push_str(&"\n".repeat(after[..end].matches('\n').count()));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The module paths `code` names from `file` (its own path): `crate::a::b`,
/// `crate::{a, b::c}` groups and `super::…` chains, resolved.
fn imports(code: &str, file: &[String]) -> Vec<Vec<String>> {
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    // A path that continues with `::name`: its names (not past a group).
    let names = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = s;
        loop {
            let n = ident(rest);
            if n.is_empty() {
                break;
            }
            rest = &rest[n.len()..];
            out.push(n);
            match rest.strip_prefix("::") {
                Some(r) => rest = r,
                None => break,
            }
        }
        out
    };
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for (i, _) in code.match_indices("crate::").chain(code.match_indices("super::")) {
        if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':') {
            continue; // `foo_crate::`, or the `super::` inside `super::super::`
        }
        let mut base: Vec<String> = Vec::new();
        let mut rest = &code[i..];
        if let Some(r) = rest.strip_prefix("crate::") {
            rest = r;
        } else {
            // `super::` is the parent of the file's own module (its folder).
            base = file.to_vec();
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                out.push(base.iter().cloned().chain(names(part.trim())).collect());
            }
        } else {
            out.push(base.into_iter().chain(names(rest)).collect());
        }
    }
    out.retain(|p: &Vec<String>| !p.is_empty());
    out
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

struct Found {
    /// Upward or sideways imports, and modules no layer lists.
    bad: Vec<String>,
    /// Files per module.
    seen: BTreeMap<String, usize>,
    /// Module -> modules it imports.
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn scan(src: &Path) -> Found {
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    let mut found = Found { bad: Vec::new(), seen: BTreeMap::new(), edges: BTreeMap::new() };
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let path = file_path(rel);
        let name = rel.file_name().unwrap().to_string_lossy();
        if matches!(path.as_slice(), [one] if one == "lib" || one == "main") || name.starts_with("tests") {
            continue;
        }
        let own = module_of(&path, true).unwrap();
        let Some(own_layer) = layer_of(&own) else {
            found.bad.push(format!("src/{} is in module `{own}`, which no layer lists", rel.display()));
            continue;
        };
        *found.seen.entry(own.clone()).or_default() += 1;
        for import in imports(&code(&std::fs::read_to_string(&file).unwrap()), &path) {
            let Some(module) = module_of(&import, false) else { continue };
            if module == own {
                continue;
            }
            found.edges.entry(own.clone()).or_default().insert(module.clone());
            match layer_of(&module) {
                Some(l) if l < own_layer => {}
                Some(_) => found.bad.push(format!(
                    "src/{} (`{own}`) uses `{}`, which is not below it",
                    rel.display(),
                    import.join("::")
                )),
                None => {
                    found.bad.push(format!("src/{} uses `{}`, which no layer lists", rel.display(), import.join("::")))
                }
            }
        }
    }
    found
}

/// Every cycle between modules, each as `a -> b -> a`.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        if let Some(at) = stack.iter().position(|s| s == m) {
            let mut c = stack[at..].to_vec();
            c.push(m.to_string());
            out.push(c.join(" -> "));
            return;
        }
        if !done.insert(m.to_string()) {
            return;
        }
        stack.push(m.to_string());
        for next in edges.get(m).into_iter().flatten() {
            visit(next, edges, stack, done, out);
        }
        stack.pop();
    }
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        visit(m, edges, &mut Vec::new(), &mut done, &mut out);
    }
    out
}

#[test]
fn modules_only_import_lower_layers_and_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = scan(&src);
    assert!(found.bad.is_empty(), "imports that point up or sideways:\n  {}", found.bad.join("\n  "));
    let cycles = cycles(&found.edges);
    assert!(cycles.is_empty(), "modules that import each other:\n  {}", cycles.join("\n  "));
    for layer in LAYERS {
        for module in *layer {
            assert!(found.seen.contains_key(*module), "layer table lists `{module}`, which src/ does not have");
        }
    }
    // The split is real: the console and the inbound API are both read.
    assert!(found.edges.contains_key("server/inbound") && found.edges.contains_key("server/console"));
}

#[test]
fn an_upward_import_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("scenario")).unwrap();
    std::fs::write(dir.path().join("scenario/model.rs"), "use crate::{check::RULES, engine::Session};\n").unwrap();
    std::fs::write(
        dir.path().join("record.rs"),
        "// crate::engine in a comment is fine\nconst S: &str = \"crate::engine\";\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("report.rs"), "#[cfg(test)]\nmod t { use crate::engine::run; }\n").unwrap();
    let found = scan(dir.path());
    assert_eq!(found.bad.len(), 1, "{:?}", found.bad);
    assert!(found.bad[0].contains("uses `engine::Session`"), "{:?}", found.bad);
}

#[test]
fn code_after_a_test_item_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = "#[cfg(test)]\nmod t { fn f() { let _ = '{'; let _ = \"}\"; } }\n#[cfg(test)]\nmod u;\nuse crate::engine::Run;\n";
    std::fs::write(dir.path().join("report.rs"), text).unwrap();
    let found = scan(dir.path());
    assert_eq!(found.bad.len(), 1, "{:?}", found.bad);
    assert!(found.bad[0].contains("uses `engine::Run`"), "{:?}", found.bad);
}

#[test]
fn super_paths_and_split_modules_resolve() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("server/console")).unwrap();
    std::fs::create_dir_all(dir.path().join("server/inbound")).unwrap();
    // The console and the inbound API are siblings: neither may reach the
    // other, here through `super::super`.
    std::fs::write(dir.path().join("server/console/state.rs"), "use super::super::inbound::router;\n").unwrap();
    std::fs::write(dir.path().join("server/inbound/http.rs"), "use super::super::console::State;\n").unwrap();
    let found = scan(dir.path());
    assert_eq!(found.bad.len(), 2, "{:?}", found.bad);
    assert!(found.bad[0].contains("(`server/console`) uses `server::inbound::router`"), "{:?}", found.bad);
    assert!(found.bad[1].contains("(`server/inbound`) uses `server::console::State`"), "{:?}", found.bad);
    assert_eq!(cycles(&found.edges), ["server/console -> server/inbound -> server/console"]);
}

#[test]
fn a_cycle_through_three_modules_is_found() {
    let edges: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .iter()
        .map(|(x, y)| (x.to_string(), BTreeSet::from([y.to_string()])))
        .fold(BTreeMap::new(), |mut m, (k, v)| {
            m.entry(k).or_insert_with(BTreeSet::new).extend(v);
            m
        });
    assert_eq!(cycles(&edges), ["a -> b -> c -> a"]);
}

/// Functions over this many lines (test code aside) say why in their doc
/// comment ("Long on purpose: …").
const LONG_FN: usize = 80;

/// Non-test functions longer than [`LONG_FN`] lines whose doc comment does
/// not say why: `file:line name (lines)`.
fn long_functions(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("tests") {
            continue;
        }
        let raw = std::fs::read_to_string(&file).unwrap();
        // Line numbers survive: stripping keeps every newline.
        let stripped = code(&raw);
        let raw_lines: Vec<&str> = raw.lines().collect();
        let lines: Vec<&str> = stripped.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let l = lines[i].trim_start();
            let is_fn = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn ", "async fn ", "pub async fn "]
                .iter()
                .chain(&["pub(crate) async fn ", "pub(super) async fn ", "const fn ", "pub const fn "])
                .any(|p| l.starts_with(p));
            if !is_fn {
                i += 1;
                continue;
            }
            let (mut depth, mut opened, mut j) = (0i32, false, i);
            'scan: while j < lines.len() {
                for ch in lines[j].chars() {
                    match ch {
                        '{' => (depth, opened) = (depth + 1, true),
                        '}' => depth -= 1,
                        ';' if !opened => break 'scan,
                        _ => {}
                    }
                    if opened && depth == 0 {
                        break 'scan;
                    }
                }
                j += 1;
            }
            let len = j - i + 1;
            if opened && len > LONG_FN {
                let doc = raw_lines[..i].iter().rev().take_while(|d| d.trim_start().starts_with("///"));
                if !doc.into_iter().any(|d| d.contains("Long on purpose")) {
                    let fname: String = l
                        .split("fn ")
                        .nth(1)
                        .unwrap_or("")
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.push(format!("{}:{} {fname} ({len} lines)", file.strip_prefix(src).unwrap().display(), i + 1));
                }
            }
            i = j + 1;
        }
    }
    out
}

/// Where the `#[cfg(test)]` item at the start of `text` ends.
fn test_item_end(text: &str) -> usize {
    let rest = &text["#[cfg(test)]".len()..];
    let base = "#[cfg(test)]".len();
    match (rest.find(';'), rest.find('{')) {
        (Some(semi), Some(open)) if semi < open => base + semi + 1,
        (Some(semi), None) => base + semi + 1,
        (_, Some(open)) => {
            let mut depth = 0;
            for (k, ch) in rest[open..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            return base + open + k + 1;
                        }
                    }
                    _ => {}
                }
            }
            text.len()
        }
        (None, None) => text.len(),
    }
}

#[test]
fn long_functions_say_why() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let long = long_functions(&src);
    assert!(
        long.is_empty(),
        "functions over {LONG_FN} lines without \"Long on purpose\" in their doc:\n  {}",
        long.join("\n  ")
    );
}

#[test]
fn a_long_function_without_a_reason_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let body = "    let _ = 1;\n".repeat(LONG_FN);
    let text = format!(
        "/// Short doc.\nfn long() {{\n{body}}}\n\n/// Long on purpose: a table.\nfn table() {{\n{body}}}\n\n#[cfg(test)]\nmod t {{\n    fn in_test() {{\n{body}    }}\n}}\nfn after() {{}}\n"
    );
    std::fs::write(dir.path().join("a.rs"), text).unwrap();
    let long = long_functions(dir.path());
    assert_eq!(long.len(), 1, "{long:?}");
    assert!(long[0].starts_with("a.rs:2 long ("), "{long:?}");
}
