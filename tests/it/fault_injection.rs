//! Fault injection, table-driven. Client side: an SP that times out, resets,
//! storms 5xx/429, sends broken or huge bodies or trickles them; each case ends
//! in a classified outcome with every attempt in a parseable events.jsonl.
//! Server side: hostile requests against jcsim's own routers. Loopback only,
//! every loop bounded in count and time.

use crate::helpers::{Ran, error, run_yaml, scim};
use axum::Router;
use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};

use jcsim::record::{Event, Exit, read_events};
use jcsim::sp::{self, SpConfig, SpState};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

// ================================================================ client side

/// How the SP misbehaves.
#[derive(Clone, Copy)]
enum Sp {
    /// wiremock answers every request with this.
    Mock(fn() -> ResponseTemplate),
    /// A raw TCP server, for faults wiremock cannot produce.
    Raw(Raw),
}

/// Faults below HTTP semantics.
#[derive(Clone, Copy, Debug)]
enum Raw {
    /// Headers promise 1000 bytes; 16 arrive, then the connection closes.
    ResetMidBody,
    /// The request is read, then the connection closes without a byte.
    CloseWithoutAnswer,
    /// A 200 whose body is 50 MB.
    Huge,
    /// A 200 whose body arrives one byte every 100 ms.
    Trickle,
}

const HUGE: usize = 50 * 1024 * 1024;

struct ClientCase {
    name: &'static str,
    sp: Sp,
    /// Behaviour knobs (YAML flow mapping body).
    behaviour: &'static str,
    exit: Exit,
    /// The failed check ids, in order.
    failed: &'static [&'static str],
    /// Number of attempts recorded (first try plus retries).
    attempts: usize,
    /// Per attempt: `Err(kind)` for a transport fault, `Ok(status)` for a response.
    outcome: Result<u16, &'static str>,
    /// Other check ids (any verdict) that must be reported.
    findings: &'static [&'static str],
    /// Bounds on the run's wall time, in ms.
    took_ms: (u128, u128),
}

fn slow() -> ResponseTemplate {
    ResponseTemplate::new(200).set_delay(Duration::from_millis(2_000))
}
fn unavailable() -> ResponseTemplate {
    scim(503, error(503, "down"))
}
fn limited_with_retry_after() -> ResponseTemplate {
    scim(429, error(429, "slow down")).insert_header("Retry-After", "1")
}
fn limited_with_long_retry_after() -> ResponseTemplate {
    // Capped by max_retry_after_s: 1.
    scim(429, error(429, "slow down")).insert_header("Retry-After", "3600")
}
fn limited_without_retry_after() -> ResponseTemplate {
    scim(429, error(429, "slow down"))
}
fn malformed_json() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(r#"{"Resources": [{"id": "u1",}"#, "application/scim+json")
}
fn wrong_content_type() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(r#"{"totalResults": 0, "Resources": []}"#, "text/plain")
}
fn html_login_page() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw("<html><form>login</form></html>", "text/html")
}
fn empty_200() -> ResponseTemplate {
    ResponseTemplate::new(200)
}
fn redirect() -> ResponseTemplate {
    ResponseTemplate::new(302).insert_header("Location", "http://127.0.0.1:9/login")
}

/// Quick retries, and a timeout no answer of a loaded machine reaches (300 ms
/// was met before a local SP answered): only the timeout cases time out.
const FAST: &str = "retry_backoff_ms: 5, max_retry_after_s: 1, timeout_ms: 2500, max_retries: 2";

fn client_cases() -> Vec<ClientCase> {
    let c = |name, sp, exit, failed, attempts, outcome, findings, took_ms| ClientCase {
        name,
        sp,
        behaviour: FAST,
        exit,
        failed,
        attempts,
        outcome,
        findings,
        took_ms,
    };
    let conn: &[&str] = &["test-connection-failed"];
    vec![
        ClientCase {
            behaviour: "retry_backoff_ms: 5, max_retry_after_s: 1, timeout_ms: 300, max_retries: 2",
            ..c("timeout", Sp::Mock(slow), Exit::Fail, conn, 3, Err("timeout"), &[], (900, 5_000))
        },
        c("reset mid-body", Sp::Raw(Raw::ResetMidBody), Exit::Fail, conn, 3, Err("body"), &[], (0, 3_000)),
        c(
            "closed without answer",
            Sp::Raw(Raw::CloseWithoutAnswer),
            Exit::Fail,
            conn,
            3,
            Err("reset"),
            &[],
            (0, 3_000),
        ),
        c("5xx storm", Sp::Mock(unavailable), Exit::Fail, conn, 3, Ok(503), &["server-error"], (0, 3_000)),
        ClientCase {
            behaviour: "retry_backoff_ms: 5, max_retry_after_s: 1, timeout_ms: 2500, max_retries: 1",
            ..c(
                "429 with Retry-After",
                Sp::Mock(limited_with_retry_after),
                Exit::Fail,
                conn,
                2,
                Ok(429),
                &["rate-limited"],
                (950, 4_000),
            )
        },
        ClientCase {
            behaviour: "retry_backoff_ms: 5, max_retry_after_s: 1, timeout_ms: 2500, max_retries: 1",
            ..c(
                "429 with a Retry-After over the cap",
                Sp::Mock(limited_with_long_retry_after),
                Exit::Fail,
                conn,
                2,
                Ok(429),
                &["rate-limited"],
                (950, 4_000),
            )
        },
        c(
            "429 without Retry-After",
            Sp::Mock(limited_without_retry_after),
            Exit::Fail,
            conn,
            3,
            Ok(429),
            &["rate-limited"],
            (0, 900),
        ),
        c(
            "malformed JSON",
            Sp::Mock(malformed_json),
            Exit::Fail,
            &["test-connection-failed", "list-response"],
            1,
            Ok(200),
            &[],
            (0, 3_000),
        ),
        c(
            "wrong content type",
            Sp::Mock(wrong_content_type),
            Exit::Pass,
            &[],
            1,
            Ok(200),
            &["content-type"],
            (0, 3_000),
        ),
        c(
            "HTML login page",
            Sp::Mock(html_login_page),
            Exit::Fail,
            &["test-connection-failed", "list-response"],
            1,
            Ok(200),
            &["content-type"],
            (0, 3_000),
        ),
        c(
            "empty 200",
            Sp::Mock(empty_200),
            Exit::Fail,
            &["test-connection-failed", "list-response"],
            1,
            Ok(200),
            &[],
            (0, 3_000),
        ),
        c("redirect", Sp::Mock(redirect), Exit::Fail, &["target-redirect"], 1, Ok(302), &[], (0, 3_000)),
        ClientCase {
            behaviour: "retry_backoff_ms: 5, max_retry_after_s: 1, timeout_ms: 10000, max_retries: 1",
            ..c("50 MB body", Sp::Raw(Raw::Huge), Exit::Fail, conn, 1, Err("too_large"), &[], (0, 20_000))
        },
        ClientCase {
            behaviour: "retry_backoff_ms: 5, max_retry_after_s: 1, timeout_ms: 400, max_retries: 1",
            ..c("slowloris trickle", Sp::Raw(Raw::Trickle), Exit::Fail, conn, 2, Err("timeout"), &[], (750, 4_000))
        },
    ]
}

/// A raw HTTP/1.1 server on 127.0.0.1:0 that answers every request with `fault`.
struct RawServer {
    url: String,
    requests: Arc<AtomicUsize>,
    /// Most body bytes written on one connection.
    max_written: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn raw_server(fault: Raw) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let max_written = Arc::new(AtomicU64::new(0));
    let (r, w) = (requests.clone(), max_written.clone());
    let task = tokio::spawn(async move {
        // Bounded: no case sends more than a handful of requests.
        for _ in 0..16 {
            let Ok((stream, _)) = listener.accept().await else { return };
            let (r, w) = (r.clone(), w.clone());
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(30), serve_raw(stream, fault, &r, &w)).await;
            });
        }
    });
    RawServer { url, requests, max_written, task }
}

/// Read one request (head and Content-Length body), so closing never discards unread input.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    let mut have = buf.len() - head_end;
    while have < len {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    Ok(())
}

async fn serve_raw(mut stream: TcpStream, fault: Raw, requests: &AtomicUsize, written: &AtomicU64) {
    if read_request(&mut stream).await.is_err() {
        return;
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let head = |len: usize| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/scim+json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
        )
    };
    match fault {
        Raw::ResetMidBody => {
            let _ = stream.write_all(head(1000).as_bytes()).await;
            let _ = stream.write_all(br#"{"Resources": ["#).await;
            let _ = stream.flush().await;
        }
        Raw::CloseWithoutAnswer => {}
        Raw::Huge => {
            if stream.write_all(head(HUGE).as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0usize;
            while sent < HUGE {
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += chunk.len();
            }
            written.fetch_max(sent as u64, Ordering::SeqCst);
        }
        Raw::Trickle => {
            if stream.write_all(head(100).as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..100 {
                if stream.write_all(b" ").await.is_err() || stream.flush().await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let _ = stream.shutdown().await;
}

/// The parts of a run every fault case checks: the run finished, the log
/// parses line by line, and every attempt is recorded once with a contiguous id.
fn assert_complete_record(name: &str, ran: &Ran, requests_seen: usize) {
    let log = read_events(&ran.summary.run_dir.join("events.jsonl")).unwrap();
    assert!(log.bad_lines.is_empty(), "{name}: unparseable lines {:?}", log.bad_lines);
    assert_eq!(log.events, ran.events, "{name}");
    assert!(matches!(log.events.first(), Some(Event::RunStarted(_))), "{name}: starts with run_started");
    let Some(Event::RunFinished(fin)) = log.events.last() else { panic!("{name}: no run_finished") };
    assert_eq!(fin.exit_code, ran.summary.exit_code, "{name}");
    let ids: Vec<u64> = ran.exchanges().iter().map(|x| x.id).collect();
    assert_eq!(ids, (1..=fin.exchanges).collect::<Vec<_>>(), "{name}: exchange ids");
    assert_eq!(requests_seen, ids.len(), "{name}: every request the SP saw is recorded");
    for x in ran.exchanges() {
        assert!(x.response.is_some() != x.error.is_some(), "{name}: exchange {} has a response xor a fault", x.id);
    }
}

async fn run_client_case(case: &ClientCase) {
    let yaml = format!(
        "name: {}\nbehaviour: {{ {} }}\napp: {{ group_management: false }}\nsteps:\n  - test_connection\n",
        case.name.replace(['-', ' '], "_"),
        case.behaviour
    );
    let started = Instant::now();
    let (ran, seen, written) = match case.sp {
        Sp::Mock(template) => {
            let server = MockServer::start().await;
            Mock::given(any()).respond_with(Template(template)).mount(&server).await;
            let ran = run_yaml(&yaml, &server.uri()).await;
            let seen = server.received_requests().await.unwrap_or_default().len();
            (ran, seen, 0)
        }
        Sp::Raw(fault) => {
            let server = raw_server(fault).await;
            let ran = run_yaml(&yaml, &server.url).await;
            // A raw server counts a request once it has read it whole.
            tokio::time::sleep(Duration::from_millis(20)).await;
            (ran, server.requests.load(Ordering::SeqCst), server.max_written.load(Ordering::SeqCst))
        }
    };
    let took = started.elapsed().as_millis();
    let name = case.name;
    assert_eq!(ran.summary.exit_code, case.exit, "{name}: exit code; checks {:?}", ran.checks());
    assert_eq!(ran.failed_check_ids(), case.failed, "{name}: failed checks");
    assert_complete_record(name, &ran, seen);
    assert_eq!(ran.exchanges().len(), case.attempts, "{name}: attempts");
    for x in ran.exchanges() {
        let got = match (&x.response, &x.error) {
            (Some(r), _) => Ok(r.status),
            (None, Some(f)) => Err(f.kind.as_str()),
            (None, None) => unreachable!(),
        };
        assert_eq!(got, case.outcome, "{name}: attempt {} ({:?})", x.attempt, x.error);
    }
    let ids: Vec<&str> = ran.checks().iter().map(|c| c.id.as_str()).collect();
    for want in case.findings {
        assert!(ids.contains(want), "{name}: finding {want} missing from {ids:?}");
    }
    assert!(took >= case.took_ms.0 && took <= case.took_ms.1, "{name}: took {took} ms, not in {:?}", case.took_ms);
    if matches!(case.sp, Sp::Raw(Raw::Huge)) {
        let x = ran.exchanges()[0];
        assert!(x.error.as_ref().unwrap().message.contains("exceeds 8 MiB"), "{name}: {:?}", x.error);
        // The client stopped reading at the cap: the server never got rid of the
        // whole body (only the cap plus socket buffers).
        assert!((written as usize) < HUGE, "{name}: the server wrote all {written} bytes");
    }
}

struct Template(fn() -> ResponseTemplate);

impl Respond for Template {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        (self.0)()
    }
}

/// Every client-side case, run concurrently (each has its own SP), bounded in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_faults_are_classified_and_fully_recorded() {
    let cases = client_cases();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, case) in cases.into_iter().enumerate() {
        tasks.spawn(async move {
            let name = case.name;
            tokio::time::timeout(Duration::from_secs(60), run_client_case(&case))
                .await
                .unwrap_or_else(|_| panic!("{name}: did not finish in 60 s"));
            i
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done {
            failures.push(e.into_panic());
        }
    }
    let messages: Vec<String> = failures
        .iter()
        .map(|p| p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())))
        .map(|m| m.unwrap_or_default())
        .collect();
    assert!(messages.is_empty(), "{} case(s) failed:\n{}", messages.len(), messages.join("\n---\n"));
}

// ================================================================ server side

/// A server under test: a router and the path prefix of its SCIM endpoints.
struct Target {
    name: &'static str,
    router: fn() -> Router,
    users: &'static str,
}

/// The servers jcsim exposes. The console and the inbound JumpCloud SCIM API
/// are being written elsewhere: add them here (`console::router`,
/// `inbound::router`) once they exist, and every server case runs against them.
fn targets() -> Vec<Target> {
    vec![
        Target { name: "sp::router", router: || sp::router(SpState::new(SpConfig::default())), users: "/Users" },
        Target { name: "sp::app", router: || sp::app(SpState::new(SpConfig::default())), users: "/scim/v2/Users" },
        // Target { name: "console", router: || console::router(..), users: "/api/..." },
        // Target { name: "inbound", router: || inbound::router(..), users: "/api/scim/v2/Users" },
    ]
}

struct ServerCase {
    name: &'static str,
    content_type: &'static str,
    body: fn() -> Vec<u8>,
    status: StatusCode,
    /// Expected `scimType` of the SCIM Error, when there is one.
    scim_type: Option<&'static str>,
}

fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(depth * 2 + 32);
    v.extend_from_slice(br#"{"userName": "deep", "x": "#);
    v.extend(std::iter::repeat_n(b'[', depth));
    v.extend(std::iter::repeat_n(b']', depth));
    v.push(b'}');
    v
}

fn nested_objects(depth: usize) -> Vec<u8> {
    let mut v = br#"{"userName": "deep", "x": "#.to_vec();
    v.extend(std::iter::repeat_n(&br#"{"a": "#[..], depth).flatten());
    v.extend_from_slice(b"1");
    v.extend(std::iter::repeat_n(b'}', depth + 1));
    v
}

fn server_cases() -> Vec<ServerCase> {
    let scim = "application/scim+json";
    vec![
        ServerCase {
            name: "oversized body",
            content_type: scim,
            body: || {
                let mut v = br#"{"userName": "big", "x": ""#.to_vec();
                v.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
                v.extend_from_slice(br#""}"#);
                v
            },
            status: StatusCode::PAYLOAD_TOO_LARGE,
            scim_type: None,
        },
        ServerCase {
            name: "malformed JSON",
            content_type: scim,
            body: || br#"{"userName": "a","#.to_vec(),
            status: StatusCode::BAD_REQUEST,
            scim_type: Some("invalidSyntax"),
        },
        ServerCase {
            name: "10,000 nested arrays",
            content_type: scim,
            body: || nested_arrays(10_000),
            status: StatusCode::BAD_REQUEST,
            scim_type: Some("invalidSyntax"),
        },
        ServerCase {
            name: "10,000 nested objects",
            content_type: "application/json",
            body: || nested_objects(10_000),
            status: StatusCode::BAD_REQUEST,
            scim_type: Some("invalidSyntax"),
        },
        ServerCase {
            // Legal depth: the unknown attribute is ignored, the user created.
            name: "100 nested arrays in an unknown attribute",
            content_type: scim,
            body: || nested_arrays(100),
            status: StatusCode::CREATED,
            scim_type: None,
        },
        ServerCase {
            name: "invalid UTF-8",
            content_type: scim,
            body: || b"{\"userName\": \"\xff\xfe\xc3\x28\"}".to_vec(),
            status: StatusCode::BAD_REQUEST,
            scim_type: Some("invalidSyntax"),
        },
        ServerCase {
            name: "a JSON array, not an object",
            content_type: scim,
            body: || b"[1, 2, 3]".to_vec(),
            status: StatusCode::BAD_REQUEST,
            scim_type: Some("invalidSyntax"),
        },
        ServerCase {
            name: "empty body",
            content_type: scim,
            body: Vec::new,
            status: StatusCode::BAD_REQUEST,
            scim_type: Some("invalidSyntax"),
        },
        ServerCase {
            name: "wrong content type",
            content_type: "text/plain",
            body: || br#"{"userName": "a"}"#.to_vec(),
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            scim_type: None,
        },
    ]
}

async fn send(router: Router, req: HttpRequest<Body>) -> (StatusCode, Option<String>, Value) {
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
    let bytes = axum::body::to_bytes(res.into_body(), 1024 * 1024).await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, ct, body)
}

#[tokio::test]
async fn hostile_request_bodies_get_scim_errors() {
    for target in targets() {
        for case in server_cases() {
            let name = format!("{} / {}", target.name, case.name);
            let req = HttpRequest::post(target.users)
                .header("content-type", case.content_type)
                .body(Body::from((case.body)()))
                .unwrap();
            let (status, ct, body) = send((target.router)(), req).await;
            assert_eq!(status, case.status, "{name}: {body}");
            assert_eq!(ct.as_deref(), Some("application/scim+json"), "{name}");
            if status.is_success() {
                assert_eq!(body["userName"], "deep", "{name}: {body}");
                continue;
            }
            assert_eq!(body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{name}: {body}");
            assert_eq!(body["status"], json!(case.status.as_u16().to_string()), "{name}");
            assert_eq!(body["scimType"].as_str(), case.scim_type, "{name}: {body}");
            let detail = body["detail"].as_str().unwrap_or_default();
            assert!(!detail.is_empty() && detail.len() < 500, "{name}: a short, safe detail: {detail}");
        }
    }
}

#[tokio::test]
async fn hostile_filters_and_paths_get_scim_errors() {
    let deep = format!("{}userName eq \"a\"{}", "(".repeat(5_000), ")".repeat(5_000));
    let cases: Vec<(String, StatusCode)> = vec![
        (format!("/Users?filter={}", encode(&deep)), StatusCode::BAD_REQUEST),
        (format!("/Users?filter={}", encode(&"x".repeat(20_000))), StatusCode::BAD_REQUEST),
        ("/Users?filter=%FF%FE".to_string(), StatusCode::BAD_REQUEST),
        ("/Users?startIndex=-99999999999999999999&count=99999999999999999999".to_string(), StatusCode::OK),
        (format!("/Users/{}", "a".repeat(10_000)), StatusCode::NOT_FOUND),
        ("/Users/%FF%FE".to_string(), StatusCode::BAD_REQUEST),
        // A multi-byte character at byte 4 of an attribute path used to panic the handler.
        ("/Users?attributes=use%C3%A9rName".to_string(), StatusCode::BAD_REQUEST),
        ("/Users?sortBy=abc%C3%A9".to_string(), StatusCode::BAD_REQUEST),
    ];
    for (uri, want) in cases {
        let req = HttpRequest::get(uri.as_str()).body(Body::empty()).unwrap();
        let (status, ct, body) = send(sp::router(SpState::new(SpConfig::default())), req).await;
        let short = &uri[..uri.len().min(60)];
        assert!(
            status == want || (want == StatusCode::OK && status == StatusCode::BAD_REQUEST),
            "{short}: {status} {body}"
        );
        assert_eq!(ct.as_deref(), Some("application/scim+json"), "{short}");
        if status.is_client_error() {
            assert_eq!(body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{short}: {body}");
        }
    }
    // Deeply nested PATCH values and paths.
    let state = SpState::new(SpConfig::default());
    let create = HttpRequest::post("/Users")
        .header("content-type", "application/scim+json")
        .body(Body::from(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"p"}"#))
        .unwrap();
    let (status, _, user) = send(sp::router(state.clone()), create).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap();
    let deep_path = format!("emails[{}value eq \"a\"{}]", "(".repeat(5_000), ")".repeat(5_000));
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "remove", "path": deep_path }],
    });
    let req = HttpRequest::patch(format!("/Users/{id}"))
        .header("content-type", "application/scim+json")
        .body(Body::from(patch.to_string()))
        .unwrap();
    let (status, _, body) = send(sp::router(state), req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["scimType"], "invalidPath", "{body}");
}

fn encode(s: &str) -> String {
    jcsim::scim::url::encode_query(&[("f".into(), s.into())]).trim_start_matches("f=").to_string()
}

/// 200 concurrent connections, each its own TCP connection with one POST:
/// every one is answered and every user is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_connections_are_all_answered() {
    const N: usize = 200;
    let running = sp::spawn(SpConfig::default()).await.unwrap();
    let addr = running.addr;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        tasks.spawn(async move {
            let body = format!(r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u{i}"}}"#);
            let req = format!(
                "POST /scim/v2/Users HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/scim+json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut s = TcpStream::connect(addr).await?;
            s.write_all(req.as_bytes()).await?;
            let mut resp = Vec::new();
            s.read_to_end(&mut resp).await?;
            Ok::<_, std::io::Error>(String::from_utf8_lossy(&resp).into_owned())
        });
    }
    let answers = tokio::time::timeout(Duration::from_secs(30), async {
        let mut out = Vec::new();
        while let Some(r) = tasks.join_next().await {
            out.push(r.unwrap());
        }
        out
    })
    .await
    .expect("200 requests answered within 30 s");
    let created = answers.iter().filter(|r| r.as_ref().is_ok_and(|r| r.starts_with("HTTP/1.1 201"))).count();
    let errors: Vec<_> =
        answers.iter().filter(|r| !r.as_ref().is_ok_and(|r| r.starts_with("HTTP/1.1 201"))).take(3).collect();
    assert_eq!(created, N, "all answered 201; e.g. {errors:?}");
    assert_eq!(running.state.users().len(), N);
    running.shutdown().await;
}
