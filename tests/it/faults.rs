//! Fault paths: each is recorded, classified and reflected in the exit code.

use crate::helpers::{error, run_yaml, scim};
use jcsim::record::Exit;
use serde_json::json;
use std::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FAST: &str = "behaviour: { retry_backoff_ms: 10, timeout_ms: 300, max_retries: 2 }\n";

fn scenario(steps: &str) -> String {
    format!("name: faults\n{FAST}app: {{ group_management: false }}\nsteps:\n{steps}")
}

#[tokio::test]
async fn activation_409_fails_with_the_test_email_finding() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(scim(409, error(409, "userName exists")))
        .expect(1)
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - activate\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Fail);
    assert_eq!(ran.failed_check_ids(), vec!["activation-test-email-exists"]);
    let c = &ran.checks()[0];
    assert!(c.admin_sees.as_deref().unwrap().contains("Test User Email already exists"), "{c:?}");
}

#[tokio::test]
async fn activation_409_passes_when_expected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(scim(409, error(409, "exists")))
        .expect(1)
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - activate:\n    expect: { outcome: fail, status: 409 }\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Pass, "{:?}", ran.failed_check_ids());
    // The expected 409 is marked so the report does not list it as a failure.
    let refused: Vec<_> = ran.exchanges().iter().map(|x| x.expects_refusal).collect();
    assert_eq!(refused, [true], "the step's only exchange is the expected 409");
}

#[tokio::test]
async fn an_unexpected_refusal_is_not_marked_expected() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(scim(400, error(400, "no"))).mount(&server).await;
    let ran = run_yaml(&scenario("  - activate:\n    expect: { outcome: fail, status: 409 }\n"), &server.uri()).await;
    assert!(ran.exchanges().iter().all(|x| !x.expects_refusal), "a 400 is not the expected 409");
}

#[tokio::test]
async fn server_error_then_success_is_retried_and_every_attempt_recorded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(scim(500, error(500, "boom")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(scim(200, json!({"totalResults": 0, "Resources": []})))
        .expect(1)
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Pass);
    let attempts: Vec<(u32, u16)> =
        ran.exchanges().iter().map(|x| (x.attempt, x.response.as_ref().unwrap().status)).collect();
    assert_eq!(attempts, vec![(1, 500), (2, 200)]);
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(scim(429, error(429, "slow down")).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(scim(200, json!({"totalResults": 0, "Resources": []})))
        .expect(1)
        .mount(&server)
        .await;
    let start = Instant::now();
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert!(start.elapsed().as_millis() >= 950, "waited only {:?}", start.elapsed());
    assert_eq!(ran.summary.exit_code, Exit::Pass);
    assert_eq!(ran.exchanges().len(), 2);
}

#[tokio::test]
async fn persistent_5xx_fails_after_bounded_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(scim(503, error(503, "down"))).expect(3).mount(&server).await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Fail);
    assert_eq!(ran.failed_check_ids(), vec!["test-connection-failed"]);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(scim(401, error(401, "bad token"))).expect(1).mount(&server).await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Fail);
    assert_eq!(ran.failed_check_ids(), vec!["target-auth"]);
    assert!(ran.checks()[0].admin_sees.as_deref().unwrap().contains("Token Key"));
}

#[tokio::test]
async fn timeouts_are_classified() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Fail);
    assert_eq!(ran.failed_check_ids(), vec!["test-connection-failed"]);
    assert_eq!(ran.exchanges().len(), 3, "first try and two retries");
    assert!(ran.exchanges().iter().all(|x| x.error.as_ref().unwrap().kind == jcsim::record::FaultKind::Timeout));
}

#[tokio::test]
async fn connection_refused_stops_the_run_with_exit_3() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let ran = run_yaml(&scenario("  - test_connection\n  - activate\n"), &url).await;
    assert_eq!(ran.summary.exit_code, Exit::Unreachable);
    assert_eq!(ran.summary.steps.len(), 2, "the step after the unreachable one is recorded as skipped");
    assert_eq!(ran.summary.steps[1].verdict, jcsim::record::Verdict::Skip);
    assert_eq!(ran.exchanges().iter().filter(|x| x.step == 1).count(), 0, "nothing sent after it");
    assert_eq!(ran.failed_check_ids(), vec!["test-connection-failed"]);
    assert!(
        matches!(ran.events.last(), Some(jcsim::record::Event::RunFinished(f)) if f.stopped_early && f.exit_code == jcsim::record::Exit::Unreachable)
    );
}

#[tokio::test]
async fn non_json_body_is_recorded_as_text_and_fails_the_list_check() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Fail);
    assert_eq!(ran.failed_check_ids(), vec!["test-connection-failed", "list-response"]);
    let resp = ran.exchanges()[0].response.clone().unwrap();
    assert_eq!(resp.body_text.as_deref(), Some("<html>login</html>"));
}

#[tokio::test]
async fn numeric_id_fails_activation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(scim(201, json!({"id": 42, "userName": "jc-test@jumpcloud.com"})))
        .expect(1)
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - activate\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Fail);
    assert_eq!(ran.failed_check_ids(), vec!["id-string"]);
}

#[tokio::test]
async fn delete_405_falls_back_to_deactivation_with_a_warning() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(scim(201, json!({"id": "t1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/Users/t1"))
        .respond_with(scim(200, json!({"id": "t1"})))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/Users/t1"))
        .respond_with(scim(405, error(405, "no")))
        .expect(1)
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - activate\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Pass);
    let warn: Vec<_> = ran.checks().into_iter().filter(|c| c.id.as_str() == "delete-unsupported").collect();
    assert_eq!(warn.len(), 1);
    assert_eq!(warn[0].verdict, jcsim::record::Verdict::Warn);
    assert!(warn[0].admin_sees.as_deref().unwrap().contains("delete it there by hand"), "{:?}", warn[0]);
    let last = ran.exchanges().last().unwrap().request.body.clone().unwrap();
    assert_eq!(last["active"], json!(false));
    assert_eq!(ran.exchanges().last().unwrap().event, "user_deprovision");
}

#[tokio::test]
async fn expected_success_that_fails_and_failure_that_succeeds_both_fail() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(scim(200, json!({"totalResults": 0, "Resources": []})))
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - test_connection:\n    expect: { outcome: fail }\n  - request: { method: GET, path: /Users, expect: { status: 404 } }\n"), &server.uri()).await;
    assert_eq!(ran.summary.failed, 2);
    assert_eq!(ran.failed_check_ids(), vec!["expect.outcome", "expect.status"]);
}

#[tokio::test]
async fn large_json_bodies_are_used_whole_but_recorded_capped() {
    let server = MockServer::start().await;
    let pad = "x".repeat(2 * 1024 * 1024);
    let body = json!({"schemas": [jcsim::scim::LIST_RESPONSE_SCHEMA], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": [], "pad": pad});
    Mock::given(method("GET")).respond_with(scim(200, body)).expect(1).mount(&server).await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Pass, "the model saw the whole ListResponse");
    let resp = ran.exchanges()[0].response.clone().unwrap();
    assert!(resp.body.is_none());
    let text = resp.body_text.unwrap();
    assert!(text.len() < 70 * 1024 && text.ends_with("bytes cut]"), "{}", &text[text.len() - 40..]);
}

#[tokio::test]
async fn large_request_bodies_are_sent_whole_but_recorded_capped() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(scim(201, json!({"id": "1"}))).expect(1).mount(&server).await;
    // Over the recorded cap (1 MiB of JSON) from a scenario within its own
    // (1 MiB): one 300 KiB scalar, repeated by YAML aliases.
    let pad = "y".repeat(300 * 1024);
    let step = format!(
        "  - request: {{ method: POST, path: /Users, body: {{ userName: big, a: &pad {pad}, b: *pad, c: *pad, d: *pad }} }}\n"
    );
    let ran = run_yaml(&scenario(&step), &server.uri()).await;
    let sent = &server.received_requests().await.unwrap()[0];
    assert!(sent.body.len() > 1200 * 1024, "the SP got the whole body");
    let recorded = ran.exchanges()[0].request.body.clone().unwrap();
    let text = recorded.as_str().expect("capped text");
    assert!(text.len() < 70 * 1024 && text.ends_with("bytes cut]"), "{}", &text[text.len() - 40..]);
    assert!(text.starts_with("{\""));
}

#[tokio::test]
async fn a_large_answer_to_a_group_push_is_skimmed_for_its_id() {
    // 150,000 members echoed back: about 9 MiB, more than jcsim holds of any
    // answer. The id comes after the members, as some SPs order it.
    let server = MockServer::start().await;
    let lookup_miss = json!({"schemas": [jcsim::scim::LIST_RESPONSE_SCHEMA], "totalResults": 0, "Resources": []});
    Mock::given(method("GET")).respond_with(scim(200, lookup_miss)).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/Users"))
        .respond_with(scim(201, json!({"id": "u-1", "userName": "alice@example.com"})))
        .mount(&server)
        .await;
    let members: Vec<_> = (0..150_000).map(|i| json!({"value": format!("member-{i:08}"), "display": "x"})).collect();
    let echo = json!({"schemas": [jcsim::scim::GROUP_SCHEMA], "displayName": "Eng", "members": members, "id": "g-77"});
    Mock::given(method("POST")).and(path("/Groups")).respond_with(scim(201, echo)).mount(&server).await;
    Mock::given(method("PATCH")).respond_with(scim(200, json!({"id": "g-77"}))).mount(&server).await;
    Mock::given(method("PUT")).respond_with(scim(200, json!({"id": "u-1"}))).mount(&server).await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    // A 9 MiB answer takes a debug build a while under load: no tight timeout here.
    let yaml = "name: skim\nbehaviour: { timeout_ms: 10000 }\napp: { group_management: true }\ndirectory:\n  users: [{ username: alice, email: alice@example.com }]\n  groups: [{ name: Eng, members: [alice] }]\nsteps:\n  - activate\n  - bind_group: Eng\n  - rename_group: { group: Eng, to: Platform }\n";
    let ran = run_yaml(yaml, &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Pass, "{:?}", ran.failed_check_ids());
    let push = ran.exchanges().into_iter().rfind(|x| x.event == "group_create_provision").unwrap();
    let resp = push.response.clone().unwrap();
    assert!(resp.body.is_none());
    let text = resp.body_text.unwrap();
    assert!(text.len() < 70 * 1024 && text.ends_with("bytes cut]"), "{}", &text[text.len() - 40..]);
    // The group was linked under the skimmed id: the next change goes to it.
    let patch = ran.exchanges().into_iter().find(|x| x.request.method == "PATCH").expect("the rename");
    assert!(patch.request.url.ends_with("/Groups/g-77"), "{}", patch.request.url);
}

#[tokio::test]
async fn a_large_answer_to_a_lookup_is_still_too_large() {
    // Lists are not skimmed: a lookup answer over 8 MiB is a finding, not an empty list.
    let server = MockServer::start().await;
    let pad = "x".repeat(9 * 1024 * 1024);
    let body = json!({"schemas": [jcsim::scim::LIST_RESPONSE_SCHEMA], "totalResults": 0, "Resources": [], "pad": pad});
    Mock::given(method("GET")).respond_with(scim(200, body)).mount(&server).await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_eq!(ran.summary.exit_code, Exit::Fail);
    let fault = ran.exchanges()[0].error.clone().expect("no answer for the model");
    assert_eq!(fault.kind, jcsim::record::FaultKind::TooLarge);
    assert!(fault.message.contains("exceeds 8 MiB"), "{}", fault.message);
}

#[tokio::test]
async fn a_large_answer_to_a_write_that_is_not_json_keeps_its_status() {
    // A 2 MB HTML error page for a POST: skimmed, found not to be an object,
    // recorded as capped text; the 500 is still seen. A POST is not resent
    // after a 5xx: the SP may have stored it before failing.
    let server = MockServer::start().await;
    let page = format!("<html>{}</html>", "x".repeat(2 * 1024 * 1024));
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(page, "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let ran =
        run_yaml(&scenario("  - request: { method: POST, path: /Users, body: { userName: big } }\n"), &server.uri())
            .await;
    assert_eq!(ran.summary.exit_code, Exit::Fail);
    let xs = ran.exchanges();
    assert_eq!(xs.len(), 1, "sent once");
    let resp = xs[0].response.clone().expect("an HTTP answer, not a fault");
    assert_eq!(resp.status, 500);
    let text = resp.body_text.unwrap();
    assert!(text.starts_with("<html>") && text.ends_with("bytes cut]"), "{}", &text[text.len() - 40..]);
}
