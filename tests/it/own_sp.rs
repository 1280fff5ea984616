//! Testing your own SCIM server: preflight against real local servers (plain,
//! TLS with a private CA, self-signed, redirecting, refusing), isolation and
//! cleanup against the embedded SP in its own process, honest cascades, the
//! built-in suite and the closing line.

use crate::helpers::fixtures;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "own-sp-token-5b1e9d";

fn jcsim() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jcsim"));
    c.env("OWN_SP_TOKEN", TOKEN).env_remove("JCSIM_TOKEN").env("NO_COLOR", "1");
    c
}

/// `jcsim sp` in its own process, on a free loopback port, requiring TOKEN.
struct SpProcess {
    child: Child,
    base: String,
}

impl SpProcess {
    fn start() -> SpProcess {
        SpProcess::with_quirks(&[])
    }

    fn with_quirks(quirks: &[&str]) -> SpProcess {
        SpProcess::with_token(TOKEN, quirks)
    }

    fn with_token(token: &str, quirks: &[&str]) -> SpProcess {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_jcsim"))
            .args(["sp", "--listen", &format!("127.0.0.1:{port}"), "--token", token])
            .args(quirks.iter().flat_map(|q| ["--quirk", q]))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "jcsim sp did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        SpProcess { child, base: format!("http://127.0.0.1:{port}/scim/v2") }
    }

    /// How many users and groups the SP holds.
    fn counts(&self) -> (u64, u64) {
        let count = |what: &str| {
            let body = http_get(&format!("{}/{what}?count=1", self.base), Some(TOKEN));
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            v["totalResults"].as_u64().unwrap()
        };
        (count("Users"), count("Groups"))
    }
}

impl Drop for SpProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking plain-HTTP GET (test helper; the body as text).
fn http_get(url: &str, token: Option<&str>) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn scenario(dir: &std::path::Path, name: &str, yaml: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, yaml).unwrap();
    p
}

/// A one-connection-at-a-time HTTP server answering every request with `answer`.
fn plain_server(answer: &'static str) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let mut s = s;
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = s.write_all(answer.as_bytes());
        }
    });
    format!("http://{addr}")
}

const LIST: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: 98\r\nConnection: close\r\n\r\n{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":0,\"Resources\":[]}";

/// A TLS server with the given certificate that answers like `plain_server(LIST)`.
fn tls_server(cert: &str, key: &str) -> String {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(fixtures().join("tls").join(cert)).unwrap().map(|c| c.unwrap()).collect();
    let key = PrivateKeyDer::from_pem_file(fixtures().join("tls").join(key)).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let config = Arc::new(config);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let mut s = s;
                let Ok(mut conn) = tokio_rustls::rustls::ServerConnection::new(config) else { return };
                let mut tls = tokio_rustls::rustls::Stream::new(&mut conn, &mut s);
                let mut buf = [0u8; 4096];
                if tls.read(&mut buf).is_ok() {
                    let _ = tls.write_all(LIST.as_bytes());
                    let _ = tls.flush();
                }
            });
        }
    });
    format!("127.0.0.1:{}", addr.port())
}

const MINI: &str = "name: mini\nsteps: [test_connection]\n";

/// `jcsim run FILE --target TARGET --token-env OWN_SP_TOKEN --out DIR/runs EXTRA…`
fn run_cmd(file: &std::path::Path, target: &str, dir: &std::path::Path, extra: &[&str]) -> Command {
    let mut c = jcsim();
    c.arg("run").arg(file).args(["--target", target, "--token-env", "OWN_SP_TOKEN", "--out"]);
    c.arg(dir.join("runs")).args(extra);
    c
}

/// `jcsim cleanup --target TARGET --token-env OWN_SP_TOKEN EXTRA…`
fn cleanup_cmd(target: &str, extra: &[&str]) -> Command {
    let mut c = jcsim();
    c.args(["cleanup", "--target", target, "--token-env", "OWN_SP_TOKEN"]).args(extra);
    c
}

fn preflight(target: &str, extra: &[&str]) -> (i32, String, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "mini.yaml", MINI);
    let started = Instant::now();
    let out = run_cmd(&file, target, dir.path(), extra).output().unwrap();
    (out.status.code().unwrap_or(-1), text(&out), started.elapsed())
}

#[test]
fn a_wrong_token_is_named_once_and_nothing_runs() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "mini.yaml", MINI);
    let out = run_cmd(&file, &sp.base, dir.path(), &[]).env("OWN_SP_TOKEN", "not-the-token").output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert_eq!(t.matches("preflight:").count(), 1, "{t}");
    assert!(t.contains("HTTP 401") && t.contains("Authorization: Bearer"), "{t}");
    assert!(t.contains("fix: check the token"), "{t}");
    assert!(!t.contains("not-the-token"), "the token is never printed: {t}");
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("runs")).unwrap().flatten().collect();
    assert!(runs.iter().all(|e| !e.path().is_dir()), "no scenario ran: {runs:?}");
}

/// CI's "publish JUnit" step and whatever reads summary.json learn why
/// nothing ran: one failed `preflight` case, and a summary with exit code 3.
#[test]
fn a_preflight_failure_writes_a_junit_case_and_a_summary() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "mini.yaml", MINI);
    let junit = dir.path().join("ci").join("junit.xml");
    let out = run_cmd(&file, &sp.base, dir.path(), &["--junit", junit.to_str().unwrap()])
        .env("OWN_SP_TOKEN", "not-the-token")
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 1, "{xml}");
    assert_eq!(cases[0].attribute("name"), Some("preflight"));
    let failure = cases[0].children().find(|n| n.has_tag_name("failure")).expect("failed");
    assert!(failure.attribute("message").unwrap().contains("HTTP 401"), "{xml}");
    assert!(failure.text().unwrap().contains("fix: check the token"), "{xml}");
    assert!(!xml.contains("not-the-token"), "{xml}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("runs").join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["exit_code"], 3, "{summary}");
    assert_eq!(summary["steps"][0]["title"], "preflight", "{summary}");
    assert!(summary["stop_reason"].as_str().unwrap().contains("HTTP 401"), "{summary}");
    assert!(summary.get("duration_ms").is_some() && summary.get("duration").is_none(), "{summary}");
}

const TWO_VERIFIES: &str = r#"
name: stable names
app: { group_management: true }
directory:
  users:
    - { username: alice, email: alice@example.com, firstname: Alice, lastname: L }
    - { username: bob, email: bob@example.com, firstname: Bob, lastname: B }
  groups:
    - { name: Sales, members: [alice] }
steps:
  - test_connection
  - activate
  - bind_group: Sales
  - verify
  - add_to_group: { user: bob, group: Sales }
  - verify
"#;

/// CI test history keys on test names: they carry no random tag, and a
/// repeated step name gets its step number. A scenario not run is a
/// skipped test case. summary.json says its durations are milliseconds.
#[test]
fn junit_names_are_stable_across_runs_and_skipped_scenarios_are_cases() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "stable.yaml", TWO_VERIFIES);
    let quirky = scenario(
        dir.path(),
        "quirky.yaml",
        "name: quirky\ntarget: { embedded: { quirks: [ignore_rename] } }\nsteps: [test_connection]\n",
    );
    let mut names = Vec::new();
    for n in 0..2 {
        let junit = dir.path().join(format!("junit{n}.xml"));
        let out =
            run_cmd(&file, &sp.base, dir.path(), &["--junit", junit.to_str().unwrap()]).arg(&quirky).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let xml = std::fs::read_to_string(&junit).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let run_names: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| n.attribute("name").unwrap().to_string())
            .collect();
        assert!(run_names.iter().all(|n| !n.contains("jcs-")), "{run_names:?}");
        assert!(run_names.contains(&"bind_group: Sales".to_string()), "{run_names:?}");
        assert!(run_names.contains(&"verify (step 4)".to_string()), "{run_names:?}");
        assert!(run_names.contains(&"verify (step 6)".to_string()), "{run_names:?}");
        let ns = doc.descendants().find(|n| n.attribute("name") == Some("namespace")).expect("the tag is a property");
        assert!(ns.attribute("value").unwrap().starts_with("jcs-"), "{xml}");
        let skipped = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("quirky"))
            .expect("the skipped scenario is a suite");
        let case = skipped.children().find(|n| n.has_tag_name("testcase")).unwrap();
        let why = case.children().find(|n| n.has_tag_name("skipped")).expect("a skipped case");
        assert!(why.attribute("message").unwrap().contains("ignore_rename"), "{xml}");
        assert_eq!(doc.root_element().attribute("skipped"), Some("1"), "{xml}");
        names.push(run_names);
    }
    assert_eq!(names[0], names[1], "two runs, the same test names");
    let run = std::fs::read_dir(dir.path().join("runs")).unwrap().flatten().find(|e| e.path().is_dir()).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.path().join("summary.json")).unwrap()).unwrap();
    assert!(summary["duration_ms"].is_number() && summary.get("duration").is_none(), "{summary}");
    assert!(summary["steps"][0]["duration_ms"].is_number() && summary["steps"][0].get("duration").is_none());
}

/// lifecycle/14's raw lookup is percent-encoded; against a target it looks
/// up the tagged name the run created, never the untagged one.
#[test]
fn a_raw_lookup_follows_the_namespace() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let out = jcsim()
        .args(["run", "builtin:lifecycle/14-deactivate-app.yaml", "--target", &sp.base, "--token-env", "OWN_SP_TOKEN"])
        .args(["--namespace", "raw14", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = std::fs::read_dir(dir.path()).unwrap().flatten().find(|e| e.path().is_dir()).unwrap();
    let events = std::fs::read_to_string(run.path().join("events.jsonl")).unwrap();
    let raw = events.lines().find(|l| l.contains("\"jcsim_request\"") && l.contains("filter=userName")).expect(&events);
    assert!(raw.contains("alice%2Bjcs-raw14%40example.com"), "{raw}");
    assert!(!raw.contains("%22alice%40example.com"), "{raw}");
}

/// `builtin:PATH` takes the names the output prints, files and folders.
#[test]
fn builtin_names_run_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "builtin:lifecycle/05-bind-group.yaml",
        "builtin:scenarios/lifecycle/05-bind-group.yaml",
        "builtin:lifecycle/05-bind-group",
    ] {
        let out = jcsim().args(["validate", name]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out));
        assert!(text(&out).contains("ok: builtin:lifecycle/05-bind-group.yaml"), "{}", text(&out));
    }
    let out = jcsim()
        .args(["run", "builtin:lifecycle/05-bind-group.yaml", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = jcsim().args(["validate", "builtin:lifecycle"]).output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.lines().count() > 5 && t.lines().all(|l| l.starts_with("ok: builtin:lifecycle/")), "{t}");
    let out = jcsim().args(["run", "builtin:lifecycle/05-bind-gruop.yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("did you mean `builtin:lifecycle/05-bind-group.yaml`"), "{}", text(&out));
}

#[test]
fn a_missing_scim_path_suggests_the_base_that_answers_scim() {
    let sp = SpProcess::start();
    let root = sp.base.trim_end_matches("/scim/v2");
    let (code, t, _) = preflight(root, &[]);
    assert_eq!(code, 3, "{t}");
    assert!(t.contains("not a SCIM base URL"), "{t}");
    assert!(t.contains(&format!("use --target {}", sp.base)), "{t}");
}

#[test]
fn a_wrong_path_suggests_the_scim_base_at_the_origin() {
    let sp = SpProcess::start();
    let origin = sp.base.trim_end_matches("/scim/v2");
    let (code, t, _) = preflight(&format!("{origin}/api/wrong"), &[]);
    assert_eq!(code, 3, "{t}");
    assert!(t.contains(&format!("use --target {}", sp.base)), "{t}");
}

#[test]
fn a_refused_port_fails_within_two_seconds() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (code, t, took) = preflight(&format!("http://127.0.0.1:{port}/scim/v2"), &[]);
    assert_eq!(code, 3, "{t}");
    assert!(t.contains("connection was refused"), "{t}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn http_to_an_https_server_and_https_to_an_http_server_are_named() {
    let tls = tls_server("server.pem", "server.key");
    let (code, t, _) = preflight(&format!("http://{tls}/scim/v2"), &[]);
    assert_eq!(code, 3, "{t}");
    assert!(t.contains("speaks HTTPS") && t.contains(&format!("use --target https://{tls}/scim/v2")), "{t}");

    let plain = plain_server(LIST);
    let secure = plain.replacen("http://", "https://", 1);
    let (code, t, _) = preflight(&format!("{secure}/scim/v2"), &[]);
    assert_eq!(code, 3, "{t}");
    assert!(t.contains("speaks plain HTTP") && t.contains(&format!("use --target {plain}/scim/v2")), "{t}");
}

#[test]
fn a_private_ca_needs_cacert_or_insecure() {
    let tls = tls_server("server.pem", "server.key");
    let url = format!("https://{tls}/scim/v2");
    let (code, t, _) = preflight(&url, &[]);
    assert_eq!(code, 3, "{t}");
    assert!(t.contains("not trusted") && t.contains("--cacert FILE") && t.contains("--insecure"), "{t}");

    let ca = fixtures().join("tls").join("ca.pem");
    let (code, t, _) = preflight(&url, &["--cacert", ca.to_str().unwrap()]);
    assert_eq!(code, 0, "--cacert trusts the private CA: {t}");

    let (code, t, _) = preflight(&url, &["--insecure"]);
    assert_eq!(code, 0, "{t}");
    assert!(t.contains("--insecure: the SP's TLS certificate is not verified"), "{t}");
}

#[test]
fn a_self_signed_certificate_is_explained_and_insecure_is_recorded() {
    let tls = tls_server("selfsigned.pem", "selfsigned.key");
    let url = format!("https://{tls}/scim/v2");
    let (code, t, _) = preflight(&url, &[]);
    assert_eq!(code, 3, "{t}");
    // rustls names a CA certificate used as the server's own before trust.
    assert!(t.contains("is a CA certificate") && t.contains("--insecure"), "{t}");

    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "mini.yaml", MINI);
    let out = run_cmd(&file, &url, dir.path(), &["--insecure"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = std::fs::read_dir(dir.path().join("runs")).unwrap().flatten().find(|e| e.path().is_dir()).unwrap();
    let events = std::fs::read_to_string(run.path().join("events.jsonl")).unwrap();
    assert!(events.lines().next().unwrap().contains("\"insecure\":true"), "{events}");
}

#[test]
fn a_ca_certificate_as_the_servers_own_is_named_even_with_cacert() {
    // selfsigned.pem is what `openssl req -x509` makes: basicConstraints CA:TRUE.
    let tls = tls_server("selfsigned.pem", "selfsigned.key");
    let url = format!("https://{tls}/scim/v2");
    let own = fixtures().join("tls").join("selfsigned.pem");
    let (code, t, _) = preflight(&url, &["--cacert", own.to_str().unwrap()]);
    assert_eq!(code, 3, "{t}");
    assert!(t.contains("is a CA certificate") && t.contains("rustls refuses a CA certificate"), "{t}");
    assert!(t.contains("mkcert 127.0.0.1") && t.contains("subjectAltName=IP:127.0.0.1"), "{t}");
    assert!(t.contains("--insecure"), "{t}");
    assert!(!t.contains("pass the CA that issued it with --cacert"), "--cacert was given and cannot help: {t}");
}

#[test]
fn a_redirect_shows_its_location_and_the_base_to_use() {
    let target = plain_server(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://sp.example.com/scim/v2/Users?startIndex=1&count=1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let (code, t, _) = preflight(&format!("{target}/scim"), &[]);
    assert_eq!(code, 3, "{t}");
    assert!(t.contains("HTTP 301 redirecting to https://sp.example.com/scim/v2/Users"), "{t}");
    assert!(t.contains("use --target https://sp.example.com/scim/v2"), "{t}");
}

#[test]
fn a_target_without_a_token_is_warned_about() {
    let plain = plain_server(LIST);
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "mini.yaml", MINI);
    let out = jcsim()
        .args(["run", file.to_str().unwrap(), "--target", &format!("{plain}/v2"), "--out"])
        .arg(dir.path().join("runs"))
        .output()
        .unwrap();
    let t = text(&out);
    assert!(t.contains("warning: --target") && t.contains("no token") && t.contains("--token-env VAR"), "{t}");
    assert_eq!(out.status.code(), Some(0), "a warning, not a refusal: {t}");
}

#[test]
fn counts_of_one_are_singular() {
    let plain = plain_server(LIST);
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "mini.yaml", MINI);
    let out = run_cmd(&file, &format!("{plain}/v2"), dir.path(), &[]).output().unwrap();
    let t = text(&out);
    assert!(t.contains(" · 1 exchange · ") && !t.contains("1 exchanges"), "{t}");
    let out = jcsim().arg("validate").arg(&file).output().unwrap();
    assert!(text(&out).contains("(mini, 1 step)"), "{}", text(&out));
}

#[test]
fn credentials_in_the_target_url_are_refused_without_echoing_them() {
    let (code, t, _) = preflight("http://admin:s3cr3tpw@127.0.0.1:9/scim/v2", &[]);
    assert_eq!(code, 2, "{t}");
    assert!(t.contains("--token-env") && !t.contains("s3cr3tpw"), "{t}");
}

const TWO_GROUPS: &str = r#"
name: isolation
app: { group_management: true }
directory:
  users:
    - { username: alice, email: alice@example.com, firstname: Alice, lastname: L }
    - { username: bob, email: bob@example.com, firstname: Bob, lastname: B }
  groups:
    - { name: Engineering, members: [alice, bob] }
steps:
  - test_connection
  - activate
  - bind_group: Engineering
  - remove_from_group: { user: bob, group: Engineering }
  - verify
"#;

#[test]
fn runs_are_isolated_and_clean_up_after_themselves() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "iso.yaml", TWO_GROUPS);
    let run = |extra: &[&str]| run_cmd(&file, &sp.base, dir.path(), extra).output().unwrap();
    let first = run(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert!(text(&first).contains("cleanup: 2 user(s), 1 group(s)"), "{}", text(&first));
    assert_eq!(sp.counts(), (0, 0), "the SP holds nothing the run created");
    let second = run(&[]);
    assert_eq!(second.status.code(), Some(0), "a second run behaves like the first: {}", text(&second));

    // --keep leaves the resources, tagged; `jcsim cleanup` removes exactly those.
    let kept = run(&["--keep"]);
    assert_eq!(kept.status.code(), Some(0), "{}", text(&kept));
    assert_eq!(sp.counts(), (2, 1));
    let listed = http_get(&format!("{}/Groups", sp.base), Some(TOKEN));
    assert!(listed.contains("Engineering jcs-"), "{listed}");
    let out = cleanup_cmd(&sp.base, &[]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "without a terminal it asks for --yes: {}", text(&out));
    assert_eq!(sp.counts(), (2, 1));
    let out = cleanup_cmd(&sp.base, &["--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("deleted 3; 0 tagged resources remain"), "{}", text(&out));
    assert_eq!(sp.counts(), (0, 0));
}

/// A raw create plants the activation test user, so activation gets its 409.
const PLANTED: &str = r#"name: planted
app: { test_user_email: taken@jumpcloud.com }
steps:
  - request:
      method: POST
      path: /Users
      body: { schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: taken@jumpcloud.com }
      expect: { status: 201 }
  - activate:
    expect: { outcome: fail, status: 409, findings: [activation-test-email-exists] }
"#;

#[test]
fn a_conflict_with_an_earlier_runs_leftover_is_named_with_its_cleanup_command() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "planted.yaml", PLANTED);
    let run = || run_cmd(&file, &sp.base, dir.path(), &["--namespace", "ci7", "--keep"]).output().unwrap();
    // The run's own planted user makes the 409 the scenario expects: no leftover.
    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert!(!text(&first).contains("leftover-resource"), "{}", text(&first));
    assert_eq!(sp.counts(), (1, 0), "--keep left the planted user");

    // The same tag again: the kept user is an earlier run's leftover.
    let second = run();
    let out = text(&second);
    assert_eq!(second.status.code(), Some(1), "{out}");
    assert!(out.contains("leftover-resource"), "{out}");
    assert!(out.contains("the SP already holds `taken+jcs-ci7@jumpcloud.com`"), "{out}");
    let command = format!("jcsim cleanup --target {} --namespace jcs-ci7", sp.base);
    assert!(out.contains(&command), "the fix names the command: {out}");
    assert!(!out.contains("✗ activation-test-email-exists:"), "not blamed on the SP: {out}");

    // The named command removes it; the next run behaves like the first.
    let cleaned = cleanup_cmd(&sp.base, &["--namespace", "ci7", "--yes"]).output().unwrap();
    assert_eq!(cleaned.status.code(), Some(0), "{}", text(&cleaned));
    assert_eq!(sp.counts(), (0, 0));
    let third = run();
    assert_eq!(third.status.code(), Some(0), "{}", text(&third));
}

#[test]
fn ctrl_c_still_removes_what_the_run_created() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    // Paced, with a long tail: the run is still busy when the signal comes.
    let tail: String = (0..40).map(|_| "  - test_connection\n").collect();
    let yaml = TWO_GROUPS.replace("  - verify\n", &tail).replace("steps:\n", "behaviour: { pace: 10 }\nsteps:\n");
    let file = scenario(dir.path(), "paced.yaml", &yaml);
    let child =
        run_cmd(&file, &sp.base, dir.path(), &[]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sp.counts() != (2, 1) {
        assert!(Instant::now() < deadline, "the run never provisioned the group");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(text(&out).contains("cleanup: 2 user(s), 1 group(s)"), "{}", text(&out));
    assert_eq!(sp.counts(), (0, 0), "the SP holds nothing the interrupted run created");
}

#[test]
fn untagged_resources_are_never_cleaned_up() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "iso.yaml", TWO_GROUPS);
    let out = run_cmd(&file, &sp.base, dir.path(), &["--namespace", "none", "--keep"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(sp.counts(), (2, 1));
    let out = cleanup_cmd(&sp.base, &["--yes"]).output().unwrap();
    assert!(text(&out).contains("nothing to remove"), "{}", text(&out));
    assert_eq!(sp.counts(), (2, 1));
}

#[test]
fn steps_after_a_failed_activation_are_skipped_not_passed() {
    let dir = tempfile::tempdir().unwrap();
    // The embedded SP refuses the test user's domain: activation fails.
    let file = scenario(
        dir.path(),
        "cascade.yaml",
        r#"
name: cascade
target: { embedded: { quirks: ["domain_allowlist=example.com"] } }
directory:
  users: [{ username: alice, email: alice@example.com }]
steps:
  - test_connection
  - activate
  - bind_user: alice
  - verify
"#,
    );
    let junit = dir.path().join("junit.xml");
    let out = jcsim()
        .args(["run", file.to_str().unwrap(), "--out"])
        .arg(dir.path().join("runs"))
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("3–4. 2 steps skipped"), "{t}");
    assert!(t.contains("step 2 `activate` failed, so the integration is not active"), "{t}");
    assert!(t.contains("1 passed, 1 failed, 2 skipped"), "{t}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<skipped message=").count(), 2, "{xml}");
    assert!(xml.contains("skipped=\"2\""), "{xml}");
}

#[test]
fn the_built_in_suite_runs_with_no_paths_and_ends_with_a_closing_line() {
    let sp = SpProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let list = jcsim().args(["scenarios", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(listed.lines().next().unwrap().starts_with("lifecycle/01-test-connection.yaml"), "{listed}");
    let out = jcsim()
        .args(["run", "--target", &sp.base, "--token-env", "OWN_SP_TOKEN", "--quiet", "--out"])
        .arg(dir.path().join("runs"))
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let total = listed.lines().count();
    // Quirk demonstrations, and the vendor scenario that checks nothing of its own here.
    let skipped = listed.lines().filter(|l| l.contains("embedded SP only")).count() + 1;
    let closing = t.lines().last().unwrap();
    assert!(
        closing.starts_with(&format!("{total} scenarios: {} passed, 0 failed, {skipped} skipped", total - skipped)),
        "{closing}"
    );
    let index = dir.path().join("runs").join("index.html");
    assert!(closing.ends_with(&format!(" · index: {}", index.display())), "{closing}");
    assert!(index.is_file());
    assert_eq!(sp.counts(), (0, 0), "every scenario cleaned up after itself");
}

/// A client that never finishes its request head is closed (hyper's header
/// timeout, 10 s), so it cannot hold a connection, or a file descriptor,
/// for ever (issue 16, slowloris).
#[test]
fn a_half_sent_request_is_closed_by_jcsim_sp() {
    let sp = SpProcess::start();
    let addr = sp.base.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n").unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = slow.read_to_end(&mut buf);
    assert!(read.is_ok(), "still open after 30 s: {read:?}");
    assert!(started.elapsed() < Duration::from_secs(20), "closed only after {:?}", started.elapsed());
    assert_eq!(sp.counts(), (0, 0), "the SP still answers");
}

/// A token placed in the target's query string is masked in the terminal as
/// in the records: in preflight messages and in the run summary's header.
#[test]
fn a_token_in_the_target_query_is_masked_in_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "mini.yaml", MINI);
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused = format!("http://127.0.0.1:{port}/scim/v2?access_token={TOKEN}");
    let out = run_cmd(&file, &refused, dir.path(), &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(!text(&out).contains(TOKEN), "preflight printed the token:\n{}", text(&out));

    let sp = SpProcess::start();
    let target = format!("{}?access_token={TOKEN}", sp.base);
    // Preflight refuses that base (the query swallows /Users); past it, the summary.
    let out = run_cmd(&file, &target, dir.path(), &[]).output().unwrap();
    assert!(text(&out).contains("access_token=[REDACTED]"), "{}", text(&out));
    assert!(!text(&out).contains(TOKEN), "preflight printed the token:\n{}", text(&out));
    let out = run_cmd(&file, &target, dir.path(), &["--no-preflight"]).output().unwrap();
    assert!(text(&out).contains("▶ mini"), "{}", text(&out));
    assert!(!text(&out).contains(TOKEN), "the summary printed the token:\n{}", text(&out));
}

#[test]
fn jcsim_sp_refuses_a_public_address_without_a_token() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jcsim"))
        .args(["sp", "--listen", "0.0.0.0:0"])
        .env_remove("JCSIM_SP_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refusing to listen on 0.0.0.0:0 without --token"), "{stderr}");
}

/// `jcsim compat` against an SP in its own process that takes only the
/// filter-path removal: member_removal is at risk, the JSON says which form
/// works, the exit code is 1, and nothing is left at the SP.
#[test]
fn compat_against_an_external_sp_reports_the_matrix_and_cleans_up() {
    let sp = SpProcess::with_quirks(&["only_member_removal=filter_path"]);
    let out = tempfile::tempdir().unwrap();
    let ran = jcsim()
        .args(["compat", "--target", &sp.base, "--token-env", "OWN_SP_TOKEN", "--format", "json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(1), "{}", String::from_utf8_lossy(&ran.stderr));
    let v: serde_json::Value = serde_json::from_slice(&ran.stdout).unwrap();
    let mr = &v["knobs"]["member_removal"];
    assert_eq!(
        (mr["value_array"].as_str(), mr["filter_path"].as_str(), mr["status"].as_str(), mr["verdict"].as_str()),
        (Some("rejected"), Some("accepted"), Some("unknown"), Some("at risk"))
    );
    assert!(mr["details"]["value_array"].as_str().unwrap().contains("HTTP 400"), "{mr}");
    for knob in
        ["test_connection", "username_from", "update_method", "group_update_method", "user_delete", "content_type"]
    {
        assert_eq!(v["knobs"][knob]["verdict"], "robust", "{knob}: {}", v["knobs"][knob]);
    }
    assert_eq!(sp.counts(), (0, 0), "compat deletes what it created");
    let dir = std::path::PathBuf::from(v["run_dir"].as_str().unwrap());
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert!(!events.contains(TOKEN), "the token never reaches the record");
    assert!(events.contains("\"type\":\"compat\""), "the matrix is recorded");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let matrix = html.find("Request forms JumpCloud may send").expect("the matrix is in the report");
    assert!(matrix < html.find("id=\"timeline\"").unwrap(), "above the timeline");
    // Names carried the run's tag.
    assert!(events.contains("jcs-"), "namespaced names");
}

/// Vendor scenarios against another SP: the app settings apply, only the
/// expectations that need the emulation are skipped, and each is named.
#[test]
fn vendor_scenarios_run_against_a_target_with_only_emulated_expectations_skipped() {
    let sp = SpProcess::start();
    let out = tempfile::tempdir().unwrap();
    let vendors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/vendors");
    let ran = jcsim()
        .args(["run", "--target", &sp.base, "--token-env", "OWN_SP_TOKEN", "--out"])
        .arg(out.path())
        .arg(&vendors)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert_eq!(ran.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&ran.stderr));
    // Dialpad without the domain tests only a refusal the other SP does not
    // make: it ran, but counts as skipped, with the reason.
    assert!(stdout.contains("5 scenarios: 4 passed, 0 failed, 1 skipped"), "{stdout}");
    let skip = stdout.lines().find(|l| l.starts_with("SKIP Dialpad without the jumpcloud.com domain")).expect(&stdout);
    assert!(skip.contains("need the embedded SP's `domain_allowlist` quirk (emulating Dialpad)"), "{skip}");
    assert!(skip.contains("its steps ran and passed") && skip.contains("report.html"), "{skip}");
    assert!(!stdout.contains("PASS Dialpad without"), "{stdout}");
    let named = "it needs the embedded SP's `soft_delete_groups` quirk (emulating TestMu AI)";
    assert!(stdout.contains(named), "{named} missing:\n{stdout}");
    assert!(stdout.contains("PASS TestMu AI"), "its other steps are checked: {stdout}");
    assert_eq!(sp.counts(), (0, 0));
}

/// `--profile dialpad` turns group management off for the suite: no group
/// is ever sent, and scenarios whose expectations need groups are skipped
/// with the reason.
#[test]
fn the_dialpad_profile_sends_no_groups() {
    let sp = SpProcess::start();
    let out = tempfile::tempdir().unwrap();
    let lifecycle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lifecycle");
    let ran = jcsim()
        .args(["run", "--target", &sp.base, "--token-env", "OWN_SP_TOKEN", "--profile", "dialpad", "--out"])
        .arg(out.path())
        .arg(&lifecycle)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert_eq!(ran.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&ran.stderr));
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(stderr.contains("profile dialpad: app \"Dialpad\", group management off"), "{stderr}");
    let mut groups_sent = 0;
    let mut runs = 0;
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let events = entry.unwrap().path().join("events.jsonl");
        if let Ok(text) = std::fs::read_to_string(&events) {
            runs += 1;
            groups_sent +=
                text.lines().filter(|l| l.contains("\"type\":\"exchange\"") && l.contains("/Groups")).count();
        }
    }
    assert!(runs >= 10, "the lifecycle suite ran ({runs} runs)");
    assert_eq!(groups_sent, 0, "group management off: nothing is sent to /Groups");
    let err = jcsim().args(["run", "--profile", "dialpd"]).output().unwrap();
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("did you mean `dialpad`"), "{err:?}");
}

/// Redaction is for what is written: a 4-character common word as the token
/// (`user` occurs in every body) gives the verdicts a long random one gives.
#[test]
fn a_weak_token_gives_the_verdicts_a_strong_one_gives() {
    let sp = SpProcess::with_token("user", &[]);
    let dir = tempfile::tempdir().unwrap();
    let lifecycle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lifecycle");
    let out = jcsim()
        .env("WEAK", "user")
        .arg("run")
        .arg(&lifecycle)
        .args(["--target", &sp.base, "--token-env", "WEAK", "--out"])
        .arg(dir.path().join("runs"))
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let closing = t.lines().rev().find(|l| l.contains(" scenarios: ")).unwrap();
    assert!(closing.contains(" 0 failed"), "{closing}");
    assert!(!t.contains("Name is \"\" at the SP"), "a check read a redacted body: {t}");
}

/// One SP bug behind every activation is one root cause, explained once; the
/// suite's output stays short, and --keep-going shows the SP's other bugs.
#[test]
fn one_root_cause_is_explained_once_and_keep_going_finds_the_rest() {
    let sp = SpProcess::with_quirks(&["reject_null_put", "case_sensitive_filter"]);
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        jcsim()
            .args(["run", "--target", &sp.base, "--token-env", "OWN_SP_TOKEN", "--out"])
            .arg(dir.path().join("runs"))
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().count() < 170, "{} lines:\n{stdout}", stdout.lines().count());
    assert!(t.contains("Root causes (1):"), "{t}");
    assert!(t.contains("[error] put-null on PUT /Users/{id}"), "{t}");
    assert_eq!(t.matches("fix: Treat a null attribute value").count(), 2, "once in its step, once at the end: {t}");
    assert!(t.contains("stopped at a failed Test Connection or activation; --keep-going runs the rest"), "{t}");
    assert!(!t.contains("filter-case-insensitive"), "hidden behind the activation: {t}");

    let out = run(&["--keep-going"]);
    let t = text(&out);
    assert!(t.contains("Root causes (2):"), "{t}");
    assert!(t.contains("[error] filter-case-insensitive on GET /Users"), "{t}");
    assert!(t.contains("beyond a failed activation: JumpCloud would not send this"), "{t}");
}

/// An SP that refuses user deletes keeps what compat's probes created:
/// the terminal says so instead of leaving it for the admin to find.
#[test]
fn compat_says_what_its_cleanup_left_behind() {
    let sp = SpProcess::with_quirks(&["no_user_delete"]);
    let out = tempfile::tempdir().unwrap();
    let ran = jcsim()
        .args(["compat", "--target", &sp.base, "--token-env", "OWN_SP_TOKEN", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(sp.counts().0 > 0, "the SP kept users");
    assert!(stderr.contains("cleanup: could not remove user"), "{stderr}");
}
