//! `jcsim readiness`: one verdict per JumpCloud capability. A bug-free SP
//! is ready everywhere; each quirk below breaks exactly one capability; a
//! baseline catches a regression; the files validate, link and keep the
//! token out.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "rdy-5c2e9b71-distinctive";

fn jcsim() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jcsim"));
    c.env("RDY_TOKEN", TOKEN).env_remove("JCSIM_TOKEN").env("NO_COLOR", "1").env_remove("CI");
    c
}

/// `jcsim readiness ARGS --out OUT`: the output and readiness.json's directory.
fn readiness(out: &Path, args: &[&str]) -> (Output, Option<PathBuf>) {
    let o = jcsim().arg("readiness").args(args).arg("--out").arg(out).output().unwrap();
    let dir = std::fs::read_dir(out)
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("readiness.json").is_file())
        .max();
    (o, dir)
}

fn json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("readiness.json")).unwrap()).unwrap()
}

fn verdicts(r: &Value) -> Vec<(String, String)> {
    r["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["verdict"].as_str().unwrap().to_string()))
        .collect()
}

fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// readiness.json validates against `jcsim schema readiness`.
fn assert_valid(r: &Value) {
    let schema = jcsim().args(["schema", "readiness"]).output().unwrap();
    assert!(schema.status.success());
    let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("mem:readiness.schema.json", schema).unwrap();
    let index = compiler.compile("mem:readiness.schema.json", &mut schemas).unwrap();
    if let Err(e) = schemas.validate(r, index) {
        panic!("readiness.json does not validate: {e:#}");
    }
}

/// Every link of readiness.html into a report names a file that exists
/// and, for `#x-N`, an exchange recorded in that run.
fn assert_links_resolve(dir: &Path) {
    let html = std::fs::read_to_string(dir.join("readiness.html")).unwrap();
    let mut links = 0;
    for part in html.split("href=\"").skip(1) {
        let href = part.split('"').next().unwrap().replace("&#x2F;", "/");
        if href.starts_with('#') {
            continue;
        }
        assert!(!href.contains("://"), "readiness.html links off the machine: {href}");
        let (file, anchor) = href.split_once('#').map_or((href.as_str(), None), |(f, a)| (f, Some(a)));
        let path = dir.join(file);
        assert!(path.is_file(), "{href}: no such file");
        if let Some(x) = anchor.and_then(|a| a.strip_prefix("x-")) {
            let events = std::fs::read_to_string(path.parent().unwrap().join("events.jsonl")).unwrap();
            assert!(events.contains(&format!("\"type\":\"exchange\",\"id\":{x},")), "{href}: no exchange {x}");
        }
        links += 1;
    }
    assert!(links > 0, "readiness.html links nothing");
}

#[test]
fn a_bug_free_sp_is_ready_in_every_capability() {
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (o, dir) = readiness(out.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(started.elapsed() < Duration::from_secs(60));
    let dir = dir.expect("readiness.json written");
    let r = json(&dir);
    assert_valid(&r);
    let v = verdicts(&r);
    assert_eq!(v.len(), 6);
    assert!(v.iter().all(|(_, l)| l == "ready"), "{v:?}");
    assert_eq!(r["ready"], 6);
    for a in r["attributes"].as_array().unwrap() {
        assert_eq!(a["outcome"], "stored", "{a}");
    }
    assert!(r["compat"].as_array().unwrap().iter().all(|k| k["verdict"] == "robust"));
    assert!(r["provenance"]["suite_digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(r["provenance"]["statement"].as_str().unwrap().contains("not an endorsement"));
    for c in r["capabilities"].as_array().unwrap() {
        assert!(c["coverage"]["steps_run"].as_u64().unwrap() > 0, "{} not exercised", c["id"]);
    }
    let badge = std::fs::read_to_string(dir.join("badge.svg")).unwrap();
    assert!(badge.contains("JumpCloud SCIM") && badge.contains("ready 6/6") && badge.contains("#4c1"), "{badge}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.lines().count() <= 25, "{stdout}");
    assert!(stdout.contains("6/6 capabilities ready"), "{stdout}");
    assert_links_resolve(&dir);
}

/// Each quirk makes exactly its capability not ready; the others stay
/// ready or at risk, never not ready.
macro_rules! breaks {
    ($name:ident, $quirk:literal, $capability:literal) => {
        #[test]
        fn $name() {
            let out = tempfile::tempdir().unwrap();
            let (o, dir) = readiness(out.path(), &["--quirk", $quirk]);
            assert_eq!(o.status.code(), Some(1), "{}", text(&o));
            let r = json(&dir.unwrap());
            let not_ready: Vec<String> =
                verdicts(&r).into_iter().filter(|(_, l)| l == "not_ready").map(|(id, _)| id).collect();
            assert_eq!(not_ready, [$capability], "{}", text(&o));
            let cap = r["capabilities"].as_array().unwrap().iter().find(|c| c["id"] == $capability).unwrap();
            let cause = &cap["causes"][0];
            assert_eq!(cause["severity"], "error", "{cap}");
            assert!(!cause["links"].as_array().unwrap().is_empty(), "{cap}");
            assert!(!cause["fix"].as_str().unwrap().is_empty(), "{cap}");
            assert_eq!(r["provenance"]["quirks"][0], $quirk);
            let badge = std::fs::read_to_string(readiness_dir(out.path()).join("badge.svg")).unwrap();
            assert!(badge.contains("ready 5/6") && badge.contains("#e05d44"), "{badge}");
        }
    };
}

fn readiness_dir(out: &Path) -> PathBuf {
    std::fs::read_dir(out).unwrap().flatten().map(|e| e.path()).find(|p| p.join("readiness.json").is_file()).unwrap()
}

breaks!(test_connection_breaks_on_an_sp_that_accepts_any_token, "accept_any_token", "test_connection");
breaks!(activation_breaks_on_an_sp_that_refuses_null_in_put, "reject_null_put", "activation");
breaks!(user_provisioning_breaks_on_case_sensitive_lookups, "case_sensitive_filter", "user_provisioning");
breaks!(suspend_and_restore_breaks_on_an_sp_that_never_reactivates, "no_reactivate", "suspend_restore");
breaks!(deprovisioning_breaks_on_an_sp_that_keeps_deleted_users, "soft_delete_users", "deprovisioning");
breaks!(group_management_breaks_on_an_sp_that_ignores_renames, "ignore_rename", "group_management");

#[test]
fn warnings_only_are_at_risk_and_fail_only_under_strict() {
    let out = tempfile::tempdir().unwrap();
    let (o, dir) = readiness(out.path(), &["--quirk", "ignore_start_index"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = json(&dir.unwrap());
    let at_risk: Vec<String> =
        verdicts(&r).into_iter().filter(|(_, l)| l != "ready").map(|(id, l)| format!("{id}={l}")).collect();
    assert_eq!(at_risk, ["user_provisioning=at_risk"]);
    assert_eq!(r["verdict"], "at_risk");
    let badge = std::fs::read_to_string(readiness_dir(out.path()).join("badge.svg")).unwrap();
    assert!(badge.contains("#dfb317"), "{badge}");
    let strict = tempfile::tempdir().unwrap();
    let (o, _) = readiness(strict.path(), &["--quirk", "ignore_start_index", "--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn a_capability_that_regresses_against_the_baseline_exits_1_and_is_named() {
    let before = tempfile::tempdir().unwrap();
    let (o, dir) = readiness(before.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let baseline = dir.unwrap().join("readiness.json");
    // The same SP compared with itself: no regression.
    let same = tempfile::tempdir().unwrap();
    let (o, _) = readiness(same.path(), &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A quirk introduced between the two runs.
    let after = tempfile::tempdir().unwrap();
    let (o, dir) =
        readiness(after.path(), &["--quirk", "ignore_start_index", "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "an at-risk regression fails the gate: {}", text(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("regression: User provisioning was ready, now at risk"), "{stdout}");
    let r = json(&dir.unwrap());
    assert_eq!(r["regressions"][0]["capability"], "user_provisioning");
    assert_eq!(r["exit_code"], 1);
}

#[test]
fn usage_errors_exit_2_and_an_unreachable_target_exits_3() {
    let out = tempfile::tempdir().unwrap();
    let (o, _) = readiness(out.path(), &["--quirk", "no_such_quirk"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let (o, _) = readiness(out.path(), &["--baseline", "/nonexistent/readiness.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = format!("http://127.0.0.1:{port}/scim/v2");
    let (o, dir) = readiness(out.path(), &["--target", &target, "--token-env", "RDY_TOKEN"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("preflight"), "{}", text(&o));
    assert!(dir.is_none(), "nothing is run after a failed preflight");
}

/// `jcsim sp` in its own process with TOKEN; the token passed on the
/// command line must appear in no written file (the command line is shown
/// redacted) and nowhere on the terminal.
#[test]
fn the_token_reaches_no_file_and_the_command_line_is_redacted() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut sp = jcsim()
        .args(["sp", "--listen", &format!("127.0.0.1:{port}"), "--token", TOKEN])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "jcsim sp did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = tempfile::tempdir().unwrap();
    let target = format!("http://127.0.0.1:{port}/scim/v2");
    let (o, dir) = readiness(out.path(), &["--target", &target, "--token", TOKEN]);
    let _ = sp.kill();
    let _ = sp.wait();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains(TOKEN));
    let r = json(&dir.unwrap());
    assert_eq!(r["provenance"]["target"], target.as_str());
    assert_eq!(r["provenance"]["target_kind"], "external");
    let command = r["provenance"]["command"].as_str().unwrap();
    assert!(command.starts_with("jcsim readiness --target") && command.contains("--token ***"), "{command}");
    let mut files = 0;
    for path in walk(out.path()) {
        let bytes = std::fs::read(&path).unwrap();
        let t = String::from_utf8_lossy(&bytes);
        assert!(!t.contains(TOKEN), "the token is in {}", path.display());
        files += 1;
    }
    assert!(files > 20, "{files} files");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_committed_readiness_schema_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/readiness.schema.json");
    let generated = jcsim::readiness::schema_json();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/readiness.schema.json is stale: regenerate it with\n    cargo run -q -- schema readiness > schema/readiness.schema.json"
    );
}
