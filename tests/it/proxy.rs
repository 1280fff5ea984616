//! `jcsim proxy`: forwarding unchanged, recording redacted, and the faults
//! (upstream refused or slow, a 50 MB answer, a client that leaves); then,
//! with the binaries, the lifecycle suite through the proxy against `jcsim
//! sp` in its own process, held against the direct run by `jcsim compare`
//! and read by `jcsim infer`.

use jcsim::proxy::{Captured, ProxyOptions};
use jcsim::record::{Event, Exchange, FaultKind, read_events};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "proxy-secret-7d1c40a9";

struct Proxy {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<Captured>,
    _dir: tempfile::TempDir,
}

impl Proxy {
    async fn start(upstream: &str, timeout: Duration) -> Proxy {
        let dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let opts = ProxyOptions {
            upstream: upstream.to_string(),
            timeout,
            tls: Default::default(),
            redact_headers: vec!["X-Vendor-Key".into()],
            body_limit: 1024 * 1024,
            gap: Duration::from_secs(2),
            keep_accept_encoding: false,
            run_dir: dir.path().join("capture"),
            run_id: "capture".into(),
        };
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            jcsim::proxy::serve(listener, opts, async move {
                let _ = rx.await;
            })
            .await
            .unwrap()
        });
        Proxy { url, stop, done, _dir: dir }
    }

    /// Stop, render the outputs, and return the record's exchanges and every file's text.
    async fn finish(self) -> (Captured, Vec<Exchange>, Vec<Event>, String) {
        self.stop.send(()).unwrap();
        let captured = self.done.await.unwrap();
        jcsim::report::write_outputs(&captured.run_dir).unwrap();
        let log = read_events(&captured.run_dir.join("events.jsonl")).unwrap();
        assert!(log.bad_lines.is_empty(), "{:?}", log.bad_lines);
        let exchanges = log
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Exchange(x) => Some(x.clone()),
                _ => None,
            })
            .collect();
        let mut all = String::new();
        for entry in std::fs::read_dir(&captured.run_dir).unwrap() {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(entry.unwrap().path()).unwrap()));
        }
        (captured, exchanges, log.events, all)
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap()
}

#[tokio::test]
async fn requests_and_answers_pass_unchanged_and_the_record_is_redacted() {
    let sp = MockServer::start().await;
    let answer = serde_json::json!({ "id": "u1", "userName": "a@x", "echo": format!("Bearer {SECRET}") });
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("X-Sp", "kept")
                .set_body_raw(serde_json::to_vec(&answer).unwrap(), "application/scim+json"),
        )
        .mount(&sp)
        .await;
    let proxy = Proxy::start(&format!("{}/scim/v2", sp.uri()), Duration::from_secs(5)).await;
    let body = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@x"}"#;
    let res = client()
        .post(format!("{}/Users?trace=1", proxy.url))
        .header("Authorization", format!("Bearer {SECRET}"))
        .header("Content-Type", "application/scim+json")
        .header("X-Vendor-Key", "vendor-key-0a1b2c")
        .header("Accept-Encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["x-sp"], "kept");
    assert_eq!(res.json::<serde_json::Value>().await.unwrap(), answer);

    let got = &sp.received_requests().await.unwrap()[0];
    assert_eq!((got.url.path(), got.url.query()), ("/scim/v2/Users", Some("trace=1")));
    assert_eq!(got.headers["authorization"], format!("Bearer {SECRET}").as_str(), "credentials are forwarded");
    assert_eq!(got.headers["x-vendor-key"], "vendor-key-0a1b2c");
    assert!(
        got.headers.get("accept-encoding").is_none(),
        "answers are asked for uncompressed, to be recorded readable"
    );
    assert_eq!(got.body, body.as_bytes());

    let (captured, xs, _, files) = proxy.finish().await;
    assert_eq!(captured.exchanges, 1);
    assert_eq!(xs[0].event, "user_create_provision");
    assert_eq!(xs[0].request.url, format!("{}/scim/v2/Users?trace=1", sp.uri()));
    assert!(xs[0].request.headers.iter().any(|(k, v)| k == "accept-encoding" && v == "gzip"), "recorded as sent");
    assert_eq!(xs[0].response.as_ref().unwrap().status, 201);
    assert!(xs[0].error.is_none(), "{:?}", xs[0].error);
    assert_eq!(xs[0].response.as_ref().unwrap().body.as_ref().unwrap()["echo"], "Bearer [REDACTED]");
    assert!(!files.contains(SECRET), "the token reached a file");
    assert!(!files.contains("vendor-key-0a1b2c"), "a --redact-header value reached a file");
    assert!(files.contains("<html") && files.contains("user_create_provision"));
}

/// Send `raw` to `addr` and read until the server closes.
async fn raw_exchange(addr: &str, raw: &[u8]) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await.unwrap().unwrap();
    out
}

/// A short piece of the token sent first (`Bearer tok-`, or the `eyJhbGciOi`
/// every JWT starts with) must not stop the whole token being learned.
#[tokio::test]
async fn a_primed_piece_of_the_token_does_not_stop_the_whole_one_being_learned() {
    const REAL: &str = "tok-SECRET-Zq9x7";
    let sp = MockServer::start().await;
    let echo = serde_json::json!({ "echo": REAL, "header": format!("Bearer {REAL}") });
    // The SP echoes its own token in its answers to requests that carry it.
    Mock::given(method("GET"))
        .and(wiremock::matchers::header("authorization", format!("Bearer {REAL}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(serde_json::to_vec(&echo).unwrap(), "application/json"))
        .mount(&sp)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(401)).mount(&sp).await;
    let proxy = Proxy::start(&sp.uri(), Duration::from_secs(5)).await;
    for (token, status) in [("tok-", 401), ("tok-SEC", 401), (REAL, 200)] {
        let res = client().get(format!("{}/Users", proxy.url)).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), status);
    }
    let (_, xs, _, files) = proxy.finish().await;
    assert!(!files.contains("Zq9x7"), "a piece of the real token reached a file");
    assert_eq!(xs[2].response.as_ref().unwrap().body.as_ref().unwrap()["echo"], "[REDACTED]");
}

/// Dot segments, plain or percent-encoded, cannot take a request (and the
/// client's credentials) above the upstream's SCIM base.
#[tokio::test]
async fn a_path_that_would_leave_the_upstream_base_is_refused_and_not_forwarded() {
    let sp = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&sp).await;
    let proxy = Proxy::start(&format!("{}/scim/v2", sp.uri()), Duration::from_secs(5)).await;
    let addr = proxy.url.trim_start_matches("http://").to_string();
    for p in ["/../../admin", "/%2e%2e/%2e%2e/admin", "/Users/..%2f..%2f..%2fadmin", "/..\\..\\admin"] {
        let raw = format!("GET {p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {SECRET}\r\nConnection: close\r\n\r\n");
        let answer = String::from_utf8_lossy(&raw_exchange(&addr, raw.as_bytes()).await).into_owned();
        assert!(answer.starts_with("HTTP/1.1 400"), "{p}: {answer}");
    }
    assert!(sp.received_requests().await.unwrap().is_empty(), "a request left the base");
    let (_, xs, _, files) = proxy.finish().await;
    assert_eq!(xs.len(), 4, "each refusal is recorded");
    assert!(xs.iter().all(|x| x.error.as_ref().is_some_and(|e| e.message.contains("not forwarded"))));
    assert!(!files.contains(SECRET));
}

/// Header values that are not UTF-8 reach the SP, and come back, byte for byte.
#[tokio::test]
async fn header_bytes_pass_unchanged_both_ways() {
    let sp = MockServer::start().await;
    let odd = axum::http::HeaderValue::from_bytes(b"caf\xe9 \xff").unwrap();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-sp-raw", odd.clone()))
        .mount(&sp)
        .await;
    let proxy = Proxy::start(&sp.uri(), Duration::from_secs(5)).await;
    let addr = proxy.url.trim_start_matches("http://").to_string();
    let answer =
        raw_exchange(&addr, b"GET /Users HTTP/1.1\r\nHost: x\r\nX-Raw: caf\xe9 \xff\r\nConnection: close\r\n\r\n")
            .await;
    let got = &sp.received_requests().await.unwrap()[0];
    assert_eq!(got.headers["x-raw"].as_bytes(), b"caf\xe9 \xff", "the request header was rewritten");
    assert!(answer.windows(14).any(|w| w == b"x-sp-raw: caf\xe9"), "{}", String::from_utf8_lossy(&answer));
    proxy.finish().await;
}

/// The learned credentials are bounded: past the cap, a request with a new
/// one is refused, not forwarded, so no echo of it can go unscrubbed.
#[tokio::test]
async fn the_learned_credentials_are_bounded() {
    let sp = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&sp).await;
    let proxy = Proxy::start(&sp.uri(), Duration::from_secs(5)).await;
    let http = client();
    for i in 0..jcsim::proxy::MAX_LEARNED {
        let res = http.get(format!("{}/Users", proxy.url)).bearer_auth(format!("token-{i:04}")).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let over = http.get(format!("{}/Users", proxy.url)).bearer_auth("token-over").send().await.unwrap();
    assert_eq!(over.status(), 503);
    let known = http.get(format!("{}/Users", proxy.url)).bearer_auth("token-0000").send().await.unwrap();
    assert_eq!(known.status(), 200, "a credential already learned still passes");
    assert_eq!(sp.received_requests().await.unwrap().len(), jcsim::proxy::MAX_LEARNED + 1);
    let (_, _, _, files) = proxy.finish().await;
    assert!(!files.contains("token-over"));
}

#[tokio::test]
async fn a_base_url_that_repeats_the_upstream_path_reaches_the_same_resource() {
    let sp = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#,
            "application/scim+json",
        ))
        .mount(&sp)
        .await;
    let proxy = Proxy::start(&format!("{}/scim/v2", sp.uri()), Duration::from_secs(5)).await;
    for p in ["/Users?count=1", "/scim/v2/Users?count=1"] {
        let res = client().get(format!("{}{p}", proxy.url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{p}");
    }
    let got = sp.received_requests().await.unwrap();
    assert!(
        got.iter().all(|r| r.url.path() == "/scim/v2/Users"),
        "{:?}",
        got.iter().map(|r| r.url.path()).collect::<Vec<_>>()
    );
    let (_, xs, _, _) = proxy.finish().await;
    assert_eq!(xs.len(), 2);
    assert_eq!(xs[0].event, xs[1].event, "both are the same request to the SP");
    assert_eq!(xs[0].label, xs[1].label);
}

#[tokio::test]
async fn an_upstream_that_refuses_gets_a_502_scim_error_and_is_recorded() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = format!("http://{}/scim/v2", closed.local_addr().unwrap());
    drop(closed);
    let proxy = Proxy::start(&upstream, Duration::from_secs(5)).await;
    let res = client().get(format!("{}/Users", proxy.url)).send().await.unwrap();
    assert_eq!(res.status(), 502);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert_eq!(err["status"], "502");
    let (captured, xs, events, _) = proxy.finish().await;
    assert_eq!(xs[0].error.as_ref().unwrap().kind, FaultKind::Connect);
    assert!(events.iter().any(|e| matches!(e, Event::Check(c) if c.id.as_str() == "sp-unreachable")));
    assert_eq!(captured.exit, jcsim::record::Exit::Fail);
}

#[tokio::test]
async fn an_upstream_slower_than_the_timeout_gets_a_504() {
    let sp = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&sp)
        .await;
    let proxy = Proxy::start(&sp.uri(), Duration::from_millis(300)).await;
    let started = Instant::now();
    let res = client().get(format!("{}/Users", proxy.url)).send().await.unwrap();
    assert_eq!(res.status(), 504);
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    let (_, xs, events, _) = proxy.finish().await;
    assert_eq!(xs[0].error.as_ref().unwrap().kind, FaultKind::Timeout);
    assert!(events.iter().any(|e| matches!(e, Event::Check(c) if c.id.as_str() == "sp-timeout")));
}

#[tokio::test]
async fn a_50_mb_answer_streams_through_whole_and_is_recorded_capped() {
    const SIZE: usize = 50 * 1024 * 1024;
    let sp = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![b'x'; SIZE], "text/plain"))
        .mount(&sp)
        .await;
    let proxy = Proxy::start(&sp.uri(), Duration::from_secs(10)).await;
    let res = client().get(format!("{}/Users/big", proxy.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let got = res.bytes().await.unwrap();
    assert_eq!(got.len(), SIZE);
    assert!(got.iter().all(|b| *b == b'x'));
    let (_, xs, _, _) = proxy.finish().await;
    let text = xs[0].response.as_ref().unwrap().body_text.clone().unwrap();
    assert!(text.len() < 100 * 1024, "the record keeps a capped head: {}", text.len());
    assert!(text.ends_with("bytes cut]"), "{}", &text[text.len() - 40..]);
    assert!(xs[0].error.is_none());
}

#[tokio::test]
async fn a_client_that_leaves_mid_request_is_recorded_and_nothing_is_forwarded() {
    let sp = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201)).mount(&sp).await;
    let proxy = Proxy::start(&sp.uri(), Duration::from_secs(5)).await;
    let addr = proxy.url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(b"POST /Users HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"userName\":").await.unwrap();
    stream.shutdown().await.unwrap();
    drop(stream);
    // The handler records the broken request when it sees the end of input.
    let deadline = Instant::now() + Duration::from_secs(10);
    let run_dir = proxy._dir.path().join("capture");
    while !std::fs::read_to_string(run_dir.join("events.jsonl")).unwrap_or_default().contains("\"type\":\"exchange\"") {
        assert!(Instant::now() < deadline, "the broken request was never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, xs, _, _) = proxy.finish().await;
    assert_eq!(xs.len(), 1);
    let fault = xs[0].error.as_ref().unwrap();
    assert_eq!(fault.kind, FaultKind::Body, "{}", fault.message);
    assert!(fault.message.contains("not forwarded"), "{}", fault.message);
    assert!(sp.received_requests().await.unwrap().is_empty(), "a partial request was forwarded");
}

#[tokio::test]
async fn a_client_that_leaves_mid_answer_is_recorded_with_what_was_sent() {
    let sp = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![b'y'; 16 * 1024 * 1024], "text/plain"))
        .mount(&sp)
        .await;
    let proxy = Proxy::start(&sp.uri(), Duration::from_secs(10)).await;
    let addr = proxy.url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(b"GET /Users HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut head = vec![0u8; 64 * 1024];
    let n = tokio::io::AsyncReadExt::read(&mut stream, &mut head).await.unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"));
    drop(stream);
    let run_dir = proxy._dir.path().join("capture");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(run_dir.join("events.jsonl")).unwrap_or_default().contains("\"type\":\"exchange\"") {
        assert!(Instant::now() < deadline, "the cut answer was never recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, xs, _, _) = proxy.finish().await;
    let fault = xs[0].error.as_ref().unwrap();
    assert_eq!(fault.kind, FaultKind::Reset);
    assert!(fault.message.contains("the client closed the connection after"), "{}", fault.message);
    assert_eq!(xs[0].response.as_ref().unwrap().status, 200);
}

/// A jcsim process whose first stderr line names the address it listens on.
struct Server {
    child: Option<Child>,
    url: String,
}

impl Server {
    fn spawn(args: &[&str], marker: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jcsim"))
            .args(args)
            .env("E2E_SP_TOKEN", SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "jcsim {args:?} exited before listening");
        let start = line.find(marker).unwrap_or_else(|| panic!("no address in {line:?}")) + marker.len();
        let url = line[start..].split_whitespace().next().unwrap().to_string();
        Server { child: Some(child), url }
    }

    /// SIGINT, then wait for a clean exit; the captured run directory.
    fn stop(mut self) -> PathBuf {
        let child = self.child.take().unwrap();
        let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let html = PathBuf::from(stdout.trim());
        html.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn jcsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jcsim")).args(args).env("E2E_SP_TOKEN", SECRET).output().unwrap()
}

fn run(scenarios: &Path, target: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["run", scenarios.to_str().unwrap(), "--target", target, "--token-env", "E2E_SP_TOKEN"];
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    let o = jcsim(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn through_the_proxy_the_lifecycle_suite_passes_and_compares_equal_to_the_direct_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let lifecycle = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lifecycle");
    let sp = Server::spawn(&["sp", "--listen", "127.0.0.1:0", "--token", SECRET], "SCIM 2.0 at ");
    let proxy_args = |out: &Path| -> Vec<String> {
        ["proxy", "--listen", "127.0.0.1:0", "--upstream", &sp.url, "--out", out.to_str().unwrap()]
            .map(String::from)
            .to_vec()
    };
    let args = proxy_args(&t.join("cap"));
    let proxy = Server::spawn(&args.iter().map(String::as_str).collect::<Vec<_>>(), "jcsim proxy: ");
    run(&lifecycle, &proxy.url, &t.join("via"), &[]);
    run(&lifecycle, &sp.url, &t.join("direct"), &[]);
    let capture = proxy.stop();
    assert!(capture.join("report.html").is_file(), "Ctrl-C renders the outputs: {}", capture.display());
    for entry in std::fs::read_dir(&capture).unwrap() {
        let text = String::from_utf8_lossy(&std::fs::read(entry.unwrap().path()).unwrap()).to_string();
        assert!(!text.contains(SECRET), "the token reached the capture");
    }
    let o = jcsim(&["compare", capture.to_str().unwrap(), t.join("direct").to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("equivalent"), "{out}");

    // A capture in another member-removal form: compare names the knob, infer reads it.
    let membership = lifecycle.join("07-group-membership.yaml");
    let args = proxy_args(&t.join("cap2"));
    let proxy = Server::spawn(&args.iter().map(String::as_str).collect::<Vec<_>>(), "jcsim proxy: ");
    run(&membership, &proxy.url, &t.join("via2"), &["--behaviour", "member_removal=filter_path"]);
    run(&membership, &sp.url, &t.join("default"), &[]);
    let capture = proxy.stop();
    let o = jcsim(&["compare", capture.to_str().unwrap(), t.join("default").to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("explained by knob member_removal: A filter_path, B value_array"), "{out}");
    let o = jcsim(&["infer", capture.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("\nmember_removal: filter_path (seen "), "{out}");
    assert!(out.contains("behaviour:\n") && out.contains("  member_removal: filter_path\n"), "{out}");
    let o = jcsim(&["compare", "--format", "json", capture.to_str().unwrap(), capture.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((o.status.code(), &doc["equivalent"]), (Some(0), &serde_json::Value::Bool(true)));
    assert_eq!(jcsim(&["compare", "/nonexistent", "/nonexistent"]).status.code(), Some(2));
}
