//! A distinctive token must appear in no file of the run and nowhere on the
//! terminal, whatever the SP echoes back.

use crate::helpers::{FakeState, TOKEN, fake_sp};
use std::process::Command;

#[tokio::test]
async fn token_never_reaches_disk_or_terminal() {
    let server = fake_sp(FakeState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("leak.yaml");
    // The raw request makes the SP store and echo the token back in a body.
    std::fs::write(
        &scenario,
        format!(
            "name: leak\napp: {{ group_management: true }}\ndirectory:\n  users: [{{ username: a, email: a@example.com }}]\n  groups: [{{ name: G, members: [a] }}]\nsteps:\n  - test_connection\n  - activate\n  - bind_group: G\n  - request: {{ method: POST, path: /Users, body: {{ userName: \"{TOKEN}\" }} }}\n  - request: {{ method: GET, path: \"/Users?filter=userName%20eq%20%22{TOKEN}%22\" }}\n  - verify\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("runs");
    let output = run_with_token(&scenario, &out, &server.uri(), TOKEN).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    let mut files = 0;
    for entry in walk(&out) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(!text.contains(TOKEN), "token found in {}", entry.display());
        assert!(!text.contains("tok-7f3a9c1e"), "token prefix found in {}", entry.display());
        files += 1;
    }
    assert!(files >= 2, "expected run files, found {files}");
    let events =
        std::fs::read_to_string(walk(&out).into_iter().find(|p| p.ends_with("events.jsonl")).unwrap()).unwrap();
    assert!(events.contains("Bearer [REDACTED]"));
}

/// `jcsim run SCENARIO --target URI --token-env T --out OUT` with `token` in T.
async fn run_with_token(
    scenario: &std::path::Path,
    out: &std::path::Path,
    uri: &str,
    token: &str,
) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jcsim"));
    cmd.arg("run").arg(scenario).args(["--target", uri, "--token-env", "SCIM_TEST_TOKEN", "--out"]).arg(out);
    cmd.env("SCIM_TEST_TOKEN", token);
    tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// A weak token is warned about, still masked in wire data, and leaves
/// jcsim's own labels (step titles, run ids) readable.
#[tokio::test]
async fn a_weak_token_is_warned_about_and_labels_stay_readable() {
    let server = fake_sp({
        let mut s = FakeState::default();
        s.any_token = true;
        s
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("bind-user.yaml");
    std::fs::write(
        &scenario,
        "name: user binding\ndirectory:\n  users: [{ username: a, email: a@example.com }]\nsteps:\n  - activate\n  - bind_user: a\n  - request: { method: POST, path: /Users, body: { userName: user } }\n",
    )
    .unwrap();
    let out = dir.path().join("runs");
    let output = run_with_token(&scenario, &out, &server.uri(), "user").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: the token from --token/--token-env is a common word"), "{stderr}");
    assert!(stdout.contains("bind_user: a") && stdout.contains("user binding"), "{stdout}");
    assert!(!stdout.contains("[REDACTED]"), "labels are not wire data:\n{stdout}");
    let events = walk(&out).into_iter().find(|p| p.ends_with("events.jsonl")).unwrap();
    assert!(events.to_string_lossy().contains("bind-user"), "run directory names stay readable");
    let text = std::fs::read_to_string(&events).unwrap();
    assert!(text.contains("\"title\":\"bind_user: a.jcs-"), "step titles are labels");
    assert!(text.contains("\"run_id\":\"") && !text.contains("bind-[REDACTED]"));
    assert!(text.contains("Bearer [REDACTED]"), "the header is still masked");
    assert!(text.contains("\"body\":{\"[REDACTED]Name\":\"[REDACTED]\"}"), "wire data still masks the token");
}

/// A credential an SP takes in the base URL's query string (not the token)
/// is masked in every file and on the terminal.
#[tokio::test]
async fn a_secret_in_the_targets_query_string_is_recorded_masked() {
    const QS: &str = "qs-secret-9f8e7d";
    let server = fake_sp(FakeState::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("qs.yaml");
    std::fs::write(&scenario, "name: qs\nsteps:\n  - test_connection\n").unwrap();
    let out = dir.path().join("runs");
    let target = format!("{}?api_key={QS}", server.uri());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jcsim"));
    cmd.arg("run").arg(&scenario).args(["--target", &target, "--token-env", "SCIM_TEST_TOKEN", "--no-preflight"]);
    cmd.arg("--out").arg(&out).env("SCIM_TEST_TOKEN", TOKEN);
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!stdout.contains(QS) && !stderr.contains(QS), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let files = walk(&out);
    assert!(files.iter().any(|p| p.ends_with("events.jsonl")), "{stderr}");
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(!text.contains(QS), "the query secret is in {}", f.display());
    }
}

/// Usage errors are exit 2, and nothing echoes URL credentials.
#[test]
fn a_malformed_target_is_a_usage_error_and_healthcheck_hides_userinfo() {
    let jcsim = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_jcsim")).args(args).output().unwrap();
    let bad = jcsim(&["run", "--target", "http://[zz", "--no-preflight"]);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid URL"));
    let hc = jcsim(&["healthcheck", "http://admin:hunter2@127.0.0.1:9/healthz"]);
    let text = format!("{}{}", String::from_utf8_lossy(&hc.stdout), String::from_utf8_lossy(&hc.stderr));
    assert_ne!(hc.status.code(), Some(0));
    assert!(!text.contains("hunter2") && text.contains("[REDACTED]@"), "{text}");
}

/// `jcsim cleanup` prints the names, ids and refusals of a hostile SP on one
/// line each, without escape sequences, bidi overrides or forged lines.
#[tokio::test]
async fn cleanup_prints_hostile_sp_text_inert() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let sp = MockServer::start().await;
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[31mevil\u{202e}\u{2028}PASS forged\u{9b}2J";
    let name = format!("{hostile}.jcs-4f1a2b");
    let user = serde_json::json!({ "id": format!("u1{hostile}"), "userName": name });
    let list = |items: Vec<serde_json::Value>| {
        let n = items.len();
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": n, "itemsPerPage": n, "startIndex": 1, "Resources": items,
        });
        ResponseTemplate::new(200).set_body_raw(serde_json::to_vec(&body).unwrap(), "application/scim+json")
    };
    Mock::given(method("GET")).and(path("/Groups")).respond_with(list(vec![])).mount(&sp).await;
    Mock::given(method("GET")).and(path("/Users")).respond_with(list(vec![user.clone()])).mount(&sp).await;
    let user_body = serde_json::to_vec(&user).unwrap();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(user_body, "application/scim+json"))
        .mount(&sp)
        .await;
    let refusal = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "500",
        "detail": format!("no\n  PASS deleted {hostile} {}", "PASS ".repeat(100)),
    });
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(500).set_body_raw(serde_json::to_vec(&refusal).unwrap(), "application/scim+json"),
        )
        .mount(&sp)
        .await;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jcsim"));
    cmd.args(["cleanup", "--target", &sp.uri(), "--token-env", "SCIM_TEST_TOKEN", "--yes"]);
    cmd.env("SCIM_TEST_TOKEN", TOKEN);
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("evil"), "the hostile user was listed:\n{text}");
    let raw = |c: char| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2028}' | '\u{2029}');
    assert!(!text.chars().any(raw), "raw SP text reached the terminal: {text:?}");
    assert!(!text.lines().any(|l| l.trim_start().starts_with("PASS")), "a forged line:\n{text}");
}
