//! Fitting the ecosystem: the committed JSON Schema, the bundled scenarios
//! against it, and the binary's terminal conventions (`--version`,
//! `--format json`, completions, NO_COLOR, progress, logs, healthcheck).

use crate::helpers::{FakeState, TOKEN, fake_sp};
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MODELINE: &str = "# yaml-language-server: $schema=../../schema/scenario.schema.json";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn jcsim() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jcsim"));
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CI", "RUST_LOG", "JCSIM_TOKEN"] {
        cmd.env_remove(var);
    }
    cmd
}

/// A validator for the committed schema.
fn validator() -> (boon::Schemas, boon::SchemaIndex) {
    let text = std::fs::read_to_string(root().join(jcsim::schema::COMMITTED_PATH))
        .expect("schema/scenario.schema.json exists");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("mem:scenario.schema.json", schema).unwrap();
    let index = compiler
        .compile("mem:scenario.schema.json", &mut schemas)
        .unwrap_or_else(|e| panic!("the committed schema does not compile: {e:#}"));
    (schemas, index)
}

/// YAML text as the JSON an editor's YAML language server validates.
fn yaml_to_json(text: &str) -> Value {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).expect("YAML");
    serde_json::to_value(yaml).expect("YAML maps to JSON")
}

fn bundled_scenarios() -> Vec<PathBuf> {
    jcsim::scenario::collect_files(&[root().join("scenarios")]).expect("scenarios/")
}

#[test]
fn committed_schema_is_fresh() {
    let path = root().join(jcsim::schema::COMMITTED_PATH);
    let generated = jcsim::schema::scenario_schema_json();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: the scenario types changed. Regenerate it with\n    \
         cargo run -q -- schema > schema/scenario.schema.json\nand commit the result.",
        jcsim::schema::COMMITTED_PATH
    );
}

#[test]
fn every_bundled_scenario_validates_against_the_schema() {
    let (schemas, index) = validator();
    let files = bundled_scenarios();
    assert!(files.len() >= 20, "found only {} scenarios", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(MODELINE),
            "{}: the first line must be the schema modeline",
            file.display()
        );
        if let Err(e) = schemas.validate(&yaml_to_json(&text), index) {
            panic!("{} does not match the schema:\n{e:#}", file.display());
        }
        jcsim::lint::load_file(&file).unwrap_or_else(|e| panic!("{} does not load:\n{e}", file.display()));
    }
}

/// The schema catches what is structurally wrong, the kind of mistake an
/// editor should underline: the malformed-scenario corpus where the shape is
/// wrong, and a few more.
#[test]
fn the_schema_rejects_malformed_scenarios() {
    let (schemas, index) = validator();
    let invalid = root().join("tests/fixtures/invalid");
    let structural = [
        "01-misspelled-step",
        "02-unknown-top-level-key",
        "03-unknown-app-key",
        "04-bad-knob-value",
        "05-unknown-knob",
        "09-step-needs-value",
        "10-two-actions-in-one-step",
        "11-bad-expect-outcome",
        "15-auth-header-without-value",
        "16-wrong-type",
        "18-no-steps",
        "19-unknown-user-attribute",
    ];
    for name in structural {
        let text = std::fs::read_to_string(invalid.join(format!("{name}.yaml"))).unwrap();
        assert!(
            schemas.validate(&yaml_to_json(&text), index).is_err(),
            "the schema accepts tests/fixtures/invalid/{name}.yaml"
        );
    }
    let more = [
        ("no name", "steps: [activate]"),
        ("base_url and embedded", "name: x\ntarget: { base_url: http://a, embedded: {} }\nsteps: [activate]"),
        ("embedded with auth", "name: x\ntarget: { embedded: {}, auth: { bearer: t } }\nsteps: [activate]"),
        (
            "bearer and header",
            "name: x\ntarget: { base_url: http://a, auth: { bearer: t, header: X, value: v } }\nsteps: [activate]",
        ),
        (
            "expect twice on request",
            "name: x\nsteps:\n  - request: { method: GET, path: /Users, expect: { status: 200 } }\n    expect: { status: 200 }",
        ),
        ("a step that is a number", "name: x\nsteps: [5]"),
        (
            "a bad user state",
            "name: x\ndirectory: { users: [{ username: a, email: a@x.io, state: asleep }] }\nsteps: [verify]",
        ),
    ];
    for (what, text) in more {
        assert!(schemas.validate(&yaml_to_json(text), index).is_err(), "the schema accepts a scenario with {what}");
    }
}

/// References and JumpCloud's attribute rules are `jcsim validate`'s job:
/// the schema accepts these well-shaped files.
#[test]
fn the_schema_is_structural_only() {
    let (schemas, index) = validator();
    let invalid = root().join("tests/fixtures/invalid");
    for name in ["07-unknown-user-in-step", "08-unknown-group-after-rename"] {
        let text = std::fs::read_to_string(invalid.join(format!("{name}.yaml"))).unwrap();
        assert!(schemas.validate(&yaml_to_json(&text), index).is_ok(), "{name}");
    }
}

#[test]
fn version_flag_prints_the_version() {
    let out = jcsim().arg("--version").assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(stdout, format!("jcsim {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn schema_subcommand_prints_the_generated_schema() {
    let out = jcsim().arg("schema").assert().success();
    assert_eq!(String::from_utf8(out.get_output().stdout.clone()).unwrap(), jcsim::schema::scenario_schema_json());
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = jcsim().args(["completions", shell]).assert().success();
        let script = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(script.len() > 200, "{shell}: {script}");
        assert!(script.contains("jcsim"), "{shell}");
        assert!(script.contains("validate"), "{shell}: subcommands missing");
        assert!(script.contains("format"), "{shell}: run flags missing");
    }
    jcsim().args(["completions", "tcsh"]).assert().code(2);
}

/// `jcsim schema | head -1`: the reader leaving early is not an error.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jcsim"))
        .arg("schema")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
}

/// A scenario file with one Test Connection, in a fresh directory.
fn test_connection_scenario() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tc.yaml"), "name: Test Connection\nsteps:\n  - test_connection\n").unwrap();
    dir
}

/// `jcsim run <dir>/tc.yaml --target <sp>` with the token from the environment.
fn run_against(sp: &MockServer, dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = jcsim();
    cmd.arg("run")
        .arg(dir.join("tc.yaml"))
        .args(["--target", &sp.uri(), "--token-env", "ECO_TEST_TOKEN"])
        .arg("--out")
        .arg(dir.join("runs"))
        .args(extra)
        .env("ECO_TEST_TOKEN", TOKEN);
    cmd
}

/// Run a prepared command off the async runtime (the mock SP lives on it).
async fn output(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("jcsim runs")).await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn format_json_prints_every_summary_and_the_exit_code() {
    let sp = fake_sp(FakeState::default()).await;
    let dir = test_connection_scenario();

    let out = output(run_against(&sp, dir.path(), &["--format", "json"])).await;

    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["exit_code"], 0);
    assert_eq!(doc["jcsim_version"], env!("CARGO_PKG_VERSION"));
    let scenarios = doc["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 1);
    let summary = &scenarios[0];
    assert_eq!(summary["scenario"], "Test Connection");
    assert_eq!(summary["verdict"], "pass");
    assert_eq!(summary["exit_code"], 0);
    assert_eq!(summary["steps"][0]["title"], "test_connection");
    let run_dir = PathBuf::from(summary["run_dir"].as_str().unwrap());
    let on_disk: Value = serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary, &on_disk, "same shape and content as summary.json");
    assert!(!text(&out.stdout).contains(TOKEN));
}

#[tokio::test]
async fn format_json_reports_failures_and_invalid_scenarios() {
    let sp = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1..)
        .mount(&sp)
        .await;
    let dir = test_connection_scenario();

    let failed = output(run_against(&sp, dir.path(), &["--format", "json", "--behaviour", "max_retries=0"])).await;
    std::fs::write(dir.path().join("tc.yaml"), "name: Broken\nstpes: [activate]\n").unwrap();
    let invalid = output(run_against(&sp, dir.path(), &["--format", "json"])).await;

    assert_eq!(failed.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["scenarios"][0]["verdict"], "fail");
    assert_eq!(invalid.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&invalid.stdout).unwrap();
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["scenarios"], Value::Array(vec![]));
    let message = doc["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("did you mean `steps`"), "{message}");
    assert!(text(&invalid.stderr).contains("did you mean `steps`"));
}

#[tokio::test]
async fn colour_only_when_forced_and_never_with_no_color() {
    let sp = fake_sp(FakeState::default()).await;
    let dir = test_connection_scenario();

    let plain = output(run_against(&sp, dir.path(), &[])).await;
    let mut forced = run_against(&sp, dir.path(), &[]);
    forced.env("CLICOLOR_FORCE", "1");
    let forced = output(forced).await;
    let mut no_color = run_against(&sp, dir.path(), &[]);
    no_color.env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1");
    let no_color = output(no_color).await;

    assert_eq!(plain.status.code(), Some(0));
    assert!(!plain.stdout.contains(&0x1b), "{}", text(&plain.stdout));
    assert!(
        text(&forced.stdout).contains("\x1b[32m✓\x1b[0m"),
        "CLICOLOR_FORCE colours the marks: {}",
        text(&forced.stdout)
    );
    let no_color = text(&no_color.stdout);
    assert!(no_color.contains("✓") && no_color.contains("PASS"), "{no_color}");
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
}

#[tokio::test]
async fn no_progress_output_when_stderr_is_not_a_terminal() {
    let sp = fake_sp(FakeState::default()).await;
    let dir = test_connection_scenario();

    let out = output(run_against(&sp, dir.path(), &[])).await;

    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "", "stderr is empty: no bar, no logs");
    assert!(text(&out.stdout).contains("PASS Test Connection"));
}

/// Under a pseudo-terminal (`script` from util-linux) the bar is drawn, and
/// `CI` or `--quiet` turn it off: the check above is not vacuous.
#[tokio::test]
async fn progress_bar_on_a_terminal_but_not_under_ci() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let sp = fake_sp(FakeState::default()).await;
    let dir = test_connection_scenario();
    let command_line = |extra: &str| {
        format!(
            "{} run {} --target {} --token-env ECO_TEST_TOKEN --out {} {extra}",
            env!("CARGO_BIN_EXE_jcsim"),
            dir.path().join("tc.yaml").display(),
            sp.uri(),
            dir.path().join("runs").display()
        )
    };
    let under_pty = |line: String, ci: bool| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"])
            .env_remove("NO_COLOR")
            .env_remove("CI")
            .env("ECO_TEST_TOKEN", TOKEN)
            .env("TERM", "xterm");
        if ci {
            cmd.env("CI", "true");
        }
        cmd
    };

    let run = |mut cmd: std::process::Command| async move {
        tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap()
    };
    let tty = run(under_pty(command_line(""), false)).await;
    let ci = run(under_pty(command_line(""), true)).await;
    let quiet = run(under_pty(command_line("--quiet"), false)).await;

    let tty = text(&tty.stdout);
    assert!(tty.contains("[0/1]") || tty.contains("[1/1]"), "{tty:?}");
    assert!(tty.contains("\x1b[32m✓"), "a terminal gets colour: {tty:?}");
    for (what, out) in [("CI", ci), ("--quiet", quiet)] {
        let out = text(&out.stdout);
        assert!(out.contains("PASS"), "{what}: {out:?}");
        assert!(!out.contains("/1]"), "{what} draws no bar: {out:?}");
    }
}

#[tokio::test]
async fn trace_logs_go_to_stderr_and_never_hold_the_token() {
    let sp = fake_sp(FakeState::default()).await;
    let dir = test_connection_scenario();
    let mut cmd = run_against(&sp, dir.path(), &[]);
    cmd.env("RUST_LOG", "trace");

    let out = output(cmd).await;

    let stderr = text(&out.stderr);
    assert!(stderr.contains("running scenario"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    assert!(!text(&out.stdout).contains("running scenario"));
    assert!(!text(&out.stdout).contains(TOKEN));
}

#[tokio::test]
async fn healthcheck_passes_on_2xx_and_fails_otherwise() {
    let sp = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .mount(&sp)
        .await;
    Mock::given(method("GET")).and(path("/down")).respond_with(ResponseTemplate::new(503)).expect(1).mount(&sp).await;
    let cmd = |p: &str| {
        let mut c = jcsim();
        c.args(["healthcheck", &format!("{}{p}", sp.uri())]);
        c
    };

    let up = output(cmd("/healthz")).await;
    let down = output(cmd("/down")).await;
    let mut from_env = jcsim();
    from_env.arg("healthcheck").env("JCSIM_HEALTHCHECK_URL", "https://example.invalid/healthz");
    let bad_url = output(from_env).await;

    assert_eq!(up.status.code(), Some(0), "{}", text(&up.stderr));
    assert_eq!(down.status.code(), Some(1));
    assert!(text(&down.stderr).contains("answered 503"));
    assert_eq!(bad_url.status.code(), Some(1));
    assert!(text(&bad_url.stderr).contains("not an http:// URL"));
}

/// `scripts/check-ci-examples.sh` with this build of jcsim, on `files`.
fn check_ci_examples(files: &[&Path]) -> Option<std::process::Output> {
    let has_pyyaml =
        std::process::Command::new("python3").args(["-c", "import yaml"]).output().is_ok_and(|o| o.status.success());
    if !has_pyyaml {
        eprintln!("skipped: python3 with PyYAML is not installed");
        return None;
    }
    let output = std::process::Command::new(root().join("scripts/check-ci-examples.sh"))
        .args(files)
        .env("JCSIM", env!("CARGO_BIN_EXE_jcsim"))
        .output()
        .expect("the script runs");
    Some(output)
}

#[test]
fn the_ci_example_checker_catches_stale_flags_and_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yml");
    let bad = dir.path().join("bad.yml");
    let none = dir.path().join("none.yml");
    std::fs::write(
        &good,
        "job:\n  script:\n    - cargo install --path . --locked\n    - >-\n      jcsim run scenarios/\n      --target \"$URL\" --token-env=SCIM_TOKEN --out runs --format json > out.json\n    - jcsim --version && jcsim validate scenarios/\n",
    )
    .unwrap();
    std::fs::write(
        &bad,
        "steps:\n  - run: |\n      jcsim run scenarios/ \\\n        --junit-xml runs/junit.xml\n      jcsim publish runs/\n",
    )
    .unwrap();
    std::fs::write(&none, "job:\n  script: [cargo test]\n").unwrap();

    let Some(good) = check_ci_examples(&[&good]) else {
        return;
    };
    let bad = check_ci_examples(&[&bad]).unwrap();
    let none = check_ci_examples(&[&none]).unwrap();

    assert!(good.status.success(), "{}", text(&good.stderr));
    assert!(text(&good.stdout).contains("3 jcsim command(s) checked"));
    assert!(!bad.status.success());
    let stderr = text(&bad.stderr);
    assert!(stderr.contains("`jcsim run` has no flag `--junit-xml`"), "{stderr}");
    assert!(stderr.contains("unknown subcommand `publish`"), "{stderr}");
    assert!(!none.status.success());
    assert!(text(&none.stderr).contains("no jcsim command found"));
}

/// The bundled CI examples use only real flags, except the report flags that
/// land with the HTML report (`--junit`, `--html`, `--har`) while they are
/// not built yet.
#[test]
fn the_ci_examples_use_only_existing_flags() {
    let examples = ["examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml"].map(|f| root().join(f));
    let Some(out) = check_ci_examples(&[&examples[0], &examples[1]]) else {
        return;
    };
    let stderr = text(&out.stderr);
    let problems: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": `jcsim") || l.contains("unknown subcommand") || l.contains("no jcsim"))
        .collect();
    for p in &problems {
        assert!(
            ["`--junit`", "`--html`", "`--har`"].iter().any(|f| p.ends_with(&format!("has no flag {f}"))),
            "{stderr}"
        );
    }
    assert_eq!(out.status.success(), problems.is_empty(), "{stderr}");
    assert!(text(&out.stdout).contains("github-actions.yml: 3 jcsim command(s)"));
    assert!(text(&out.stdout).contains("gitlab-ci.yml: 3 jcsim command(s)"));
}
