//! Every rule of the catalogue fires where it should and stays quiet on a
//! bug-free SP. Quirk cases run the bundled scenarios in scenarios/quirks
//! (whose steps expect the finding); the rest use wiremock.

use crate::helpers::{FakeState, error, fake_sp, run_yaml, run_yaml_with, scim};
use jcsim::engine::{self, RunOptions};
use jcsim::lint;
use jcsim::record::Exit;
use jcsim::record::Verdict;
use jcsim::scenario;
use serde_json::json;
use std::path::Path;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FAST: &str = "behaviour: { retry_backoff_ms: 5, timeout_ms: 400, max_retries: 1 }\n";

/// Assert that `ran` reported rule `id` with a message containing `needle`.
fn assert_fired(ran: &crate::helpers::Ran, id: &str, needle: &str) {
    let hits: Vec<_> = ran.checks().into_iter().filter(|c| c.id.as_str() == id).collect();
    assert!(
        !hits.is_empty(),
        "rule {id} did not fire; checks: {:?}",
        ran.checks().iter().map(|c| (&c.id, &c.message)).collect::<Vec<_>>()
    );
    assert!(
        hits.iter().any(|c| c.message.contains(needle)),
        "rule {id} fired without {needle:?}: {:?}",
        hits.iter().map(|c| &c.message).collect::<Vec<_>>()
    );
    assert!(
        hits.iter().all(|c| c.fix.is_some() && c.admin_sees.is_some()),
        "rule {id} lacks a fix or a JumpCloud symptom"
    );
    for c in &hits {
        assert!(
            !["String(", "Object {", "Number("].iter().any(|d| c.message.contains(d)),
            "rule {id}: a Rust debug form in {:?}",
            c.message
        );
    }
}

/// Run a bundled scenario; the records live as long as the returned directory.
async fn run_file(file: &str) -> (jcsim::report::Summary, tempfile::TempDir) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = lint::load_file(&root.join(file)).unwrap_or_else(|e| panic!("{e}"));
    let out = tempfile::tempdir().unwrap();
    let opts = RunOptions { out_dir: out.path().to_path_buf(), ..RunOptions::default() };
    let dir = engine::run_scenario(&s, &opts).await.unwrap();
    (jcsim::report::write_outputs(&dir).unwrap().result, out)
}

/// A quirk scenario passes only if each step's expected findings fired.
macro_rules! quirk_scenario {
    ($name:ident, $file:expr, [$($rule:expr),+]) => {
        #[tokio::test]
        async fn $name() {
            let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join($file)).unwrap();
            $( assert!(text.contains($rule), "{} does not expect {}", $file, $rule); )+
            let (s, _records) = run_file($file).await;
            let failed: Vec<_> = s.steps.iter().filter(|x| x.verdict == Verdict::Fail).map(|x| (&x.title, &x.reason)).collect();
            assert_eq!(s.exit_code, Exit::Pass, "{}: {failed:?}", $file);
            let ids: Vec<&str> = s.steps.iter().flat_map(|x| x.checks.iter()).map(|c| c.id.as_str()).collect();
            $( assert!(ids.contains(&$rule), "{} did not report {}", $file, $rule); )+
        }
    };
}

quirk_scenario!(quirk_patch_returns_204, "scenarios/quirks/patch-returns-204.yaml", ["patch-no-content"]);
quirk_scenario!(
    quirk_ignore_member_remove,
    "scenarios/quirks/ignore-member-remove.yaml",
    ["echo-members", "readback-members"]
);
quirk_scenario!(quirk_ignore_rename, "scenarios/quirks/ignore-rename.yaml", ["echo-group-name", "readback-group-name"]);
quirk_scenario!(quirk_ignore_deactivate, "scenarios/quirks/ignore-deactivate.yaml", ["echo-active", "readback-active"]);
quirk_scenario!(quirk_numeric_ids, "scenarios/quirks/numeric-ids.yaml", ["id-string"]);
quirk_scenario!(quirk_no_user_delete, "scenarios/quirks/no-user-delete.yaml", ["delete-unsupported"]);
quirk_scenario!(quirk_domain_allowlist, "scenarios/quirks/domain-allowlist.yaml", ["sp-rejected-request"]);
quirk_scenario!(quirk_soft_delete_groups, "scenarios/quirks/soft-delete-groups.yaml", ["delete-then-404"]);
quirk_scenario!(quirk_soft_delete_users, "scenarios/quirks/soft-delete-users.yaml", ["delete-then-404"]);
quirk_scenario!(quirk_no_reactivate, "scenarios/quirks/no-reactivate.yaml", ["echo-active", "readback-active"]);
quirk_scenario!(quirk_accept_any_token, "scenarios/quirks/accept-any-token.yaml", ["auth-401"]);
quirk_scenario!(quirk_application_json, "scenarios/quirks/application-json.yaml", ["content-type"]);
quirk_scenario!(quirk_slow, "scenarios/quirks/slow.yaml", ["slow-response"]);
quirk_scenario!(quirk_flaky, "scenarios/quirks/flaky.yaml", ["server-error"]);
quirk_scenario!(quirk_rate_limit, "scenarios/quirks/rate-limit.yaml", ["rate-limited"]);
quirk_scenario!(
    quirk_ignore_value_array_removal,
    "scenarios/quirks/ignore-value-array-removal.yaml",
    ["echo-members", "compat-risk"]
);
quirk_scenario!(quirk_only_filter_path_removal, "scenarios/quirks/only-filter-path-removal.yaml", ["compat-risk"]);
quirk_scenario!(quirk_no_patch, "scenarios/quirks/no-patch.yaml", ["compat-risk"]);
quirk_scenario!(rotate_token_reports_the_old_token, "scenarios/lifecycle/16-rotate-token.yaml", ["token-rotation"]);
quirk_scenario!(quirk_require_group_members, "scenarios/quirks/require-group-members.yaml", ["compat-risk"]);
quirk_scenario!(quirk_ignore_patch_replace, "scenarios/quirks/ignore-patch-replace.yaml", ["readback-user"]);
quirk_scenario!(
    quirk_create_group_drops_members,
    "scenarios/quirks/create-group-drops-members.yaml",
    ["create-drops-members"]
);
quirk_scenario!(
    quirk_case_sensitive_filter,
    "scenarios/quirks/case-sensitive-filter.yaml",
    ["filter-case-insensitive"]
);
quirk_scenario!(quirk_ignore_start_index, "scenarios/quirks/ignore-start-index.yaml", ["list-start-index"]);
quirk_scenario!(quirk_reject_null_put, "scenarios/quirks/reject-null-put.yaml", ["put-null"]);
quirk_scenario!(
    quirk_patch_replace_not_implemented,
    "scenarios/quirks/patch-replace-not-implemented.yaml",
    ["compat-risk"]
);
quirk_scenario!(quirk_post_500_then_commit, "scenarios/quirks/post-500-then-commit.yaml", ["create-5xx-stored"]);
quirk_scenario!(
    activation_email_taken,
    "scenarios/lifecycle/03-activate-test-email-taken.yaml",
    ["activation-test-email-exists"]
);
quirk_scenario!(activation_domain_refused, "scenarios/vendors/dialpad-domain-not-allowed.yaml", ["activation-failed"]);

/// No false failures: every scenario without quirks, against the bug-free
/// embedded SP, with --strict (warnings fail) and --verify-each.
#[tokio::test]
async fn bug_free_sp_reports_nothing_even_when_strict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = scenario::collect_files(&[root.join("scenarios/lifecycle"), root.join("scenarios/vendors")]).unwrap();
    for f in files {
        let s = lint::load_file(&f).unwrap();
        if !s.quirks().is_empty() {
            continue;
        }
        let out = tempfile::tempdir().unwrap();
        let opts =
            RunOptions { out_dir: out.path().to_path_buf(), strict: true, verify_each: true, ..RunOptions::default() };
        let dir = engine::run_scenario(&s, &opts).await.unwrap();
        let summary = jcsim::report::write_outputs(&dir).unwrap().result;
        let unexpected: Vec<_> = summary
            .steps
            .iter()
            .flat_map(|x| x.checks.iter())
            // `rotate_token` always says what became of the old token.
            .filter(|c| c.verdict != Verdict::Pass && c.id.as_str() != "token-rotation")
            .map(|c| (&c.id, &c.message))
            .collect();
        assert!(unexpected.is_empty(), "{}: {unexpected:?}", f.display());
        assert_eq!(summary.exit_code, Exit::Pass, "{}", f.display());
    }
}

fn scenario(steps: &str) -> String {
    format!(
        "name: rules\n{FAST}app: {{ group_management: true }}\ndirectory:\n  users: [{{ username: alice, email: alice@example.com, firstname: Alice, lastname: Liddell }}]\n  groups: [{{ name: G, members: [alice] }}]\nsteps:\n{steps}"
    )
}

fn list(resources: serde_json::Value) -> ResponseTemplate {
    let n = resources.as_array().map_or(0, Vec::len);
    scim(
        200,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": n, "startIndex": 1, "itemsPerPage": n, "Resources": resources}),
    )
}

#[tokio::test]
async fn test_connection_failed_fires_on_an_unusable_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(scim(200, json!({"hello": "world"}))).mount(&server).await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_fired(&ran, "test-connection-failed", "not a SCIM ListResponse");
}

#[tokio::test]
async fn configuration_rules_fire_instead_of_sp_advice() {
    // A refused token: the token's fault, not the SP's; activation is skipped.
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(scim(401, error(401, "bad token"))).mount(&server).await;
    let ran = run_yaml(&scenario("  - test_connection\n  - activate\n"), &server.uri()).await;
    assert_fired(&ran, "target-auth", "HTTP 401 to the configured token");
    assert_eq!(
        ran.exchanges().len(),
        1,
        "activation is not tried after a refused token: {:?}",
        ran.exchanges().iter().map(|x| (&x.request.method, &x.request.url, x.step)).collect::<Vec<_>>()
    );
    assert_eq!(ran.summary.steps[1].verdict, Verdict::Skip);

    // No SCIM API at this base URL.
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_fired(&ran, "target-base-url", "answered HTTP 404");

    // A redirect, with where it leads.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(301).insert_header("Location", "https://elsewhere.example/scim/v2/Users"))
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_fired(&ran, "target-redirect", "redirecting to https://elsewhere.example/scim/v2/Users");

    // https:// to a plain-HTTP server.
    let server = MockServer::start().await;
    let secure = server.uri().replacen("http://", "https://", 1);
    let ran = run_yaml(&scenario("  - test_connection\n"), &secure).await;
    assert_fired(&ran, "target-tls", "no response");
}

#[tokio::test]
async fn create_rules_fire_on_a_bare_200() {
    // POST answers 200 with an id but no schemas, Location or meta.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"id":"t1"}"#, "application/scim+json"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(scim(200, json!({"id": "t1", "schemas": [jcsim::scim::USER_SCHEMA]})))
        .mount(&server)
        .await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let ran =
        run_yaml(&format!("name: r\n{FAST}app: {{ group_management: false }}\nsteps: [activate]\n"), &server.uri())
            .await;
    assert_fired(&ran, "create-status", "instead of 201");
    assert_fired(&ran, "location-meta", "without Location header and meta");
    assert_fired(&ran, "schemas", "without urn:ietf:params:scim:schemas:core:2.0:User");
    assert_eq!(ran.summary.exit_code, Exit::Pass, "warnings only");
}

#[tokio::test]
async fn create_body_fires_on_an_empty_201() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201)).mount(&server).await;
    let ran = run_yaml(&format!("name: r\n{FAST}steps: [activate]\n"), &server.uri()).await;
    assert_fired(&ran, "create-body", "has no `id`");
    assert_eq!(ran.summary.exit_code, Exit::Fail);
}

#[tokio::test]
async fn list_rules_fire_on_malformed_lists() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(scim(200, json!({"totalResults": "0", "Resources": []})))
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_fired(&ran, "list-paging", "totalResults, startIndex, itemsPerPage missing or not an integer");

    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/Users")).respond_with(scim(200, json!({"users": []}))).mount(&server).await;
    let ran = run_yaml(&scenario("  - test_connection\n"), &server.uri()).await;
    assert_fired(&ran, "list-response", "neither a Resources array nor totalResults 0");
}

#[tokio::test]
async fn filter_eq_exact_fires_when_a_lookup_ignores_the_filter() {
    let server = fake_sp(FakeState::default()).await;
    // The SP ignores the filter and returns somebody else.
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(list(
            json!([{"id": "u9", "userName": "mallory@example.com", "schemas": [jcsim::scim::USER_SCHEMA]}]),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - activate\n  - bind_group: G\n"), &server.uri()).await;
    assert_fired(&ran, "filter-eq-exact", "mallory@example.com");
}

#[tokio::test]
async fn filter_case_insensitive_fires_on_a_case_sensitive_sp() {
    let server = fake_sp({
        let mut s = FakeState::default();
        s.case_sensitive = true;
        s
    })
    .await;
    let ran = run_yaml(&scenario("  - activate\n  - bind_group: G\n  - verify\n"), &server.uri()).await;
    assert_fired(&ran, "filter-case-insensitive", "ALICE@EXAMPLE.COM");
}

#[tokio::test]
async fn auth_401_fires_when_any_token_works() {
    let server = fake_sp({
        let mut s = FakeState::default();
        s.any_token = true;
        s
    })
    .await;
    let ran = run_yaml(&scenario("  - activate\n  - verify\n"), &server.uri()).await;
    assert_fired(&ran, "auth-401", "wrong token answered 200");
    // And it stays quiet when the token is checked.
    let server = fake_sp(FakeState::default()).await;
    let ran = run_yaml(&scenario("  - activate\n  - verify\n"), &server.uri()).await;
    assert!(!ran.checks().iter().any(|c| c.id.as_str() == "auth-401"));
}

#[tokio::test]
async fn put_null_fires_when_the_minimal_put_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(scim(201, json!({"id": "t1"}))).mount(&server).await;
    Mock::given(method("PUT"))
        .respond_with(scim(
            400,
            json!({"schemas": [jcsim::scim::ERROR_SCHEMA], "status": "400", "detail": "emails must be an array"}),
        ))
        .mount(&server)
        .await;
    let ran = run_yaml(&format!("name: r\n{FAST}steps: [activate]\n"), &server.uri()).await;
    assert_fired(&ran, "put-null", "\"emails\": null");
    assert_eq!(ran.summary.exit_code, Exit::Fail);
}

#[tokio::test]
async fn patch_response_and_delete_status_fire_on_odd_success_codes() {
    let server = fake_sp(FakeState::default()).await;
    Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(202)).with_priority(1).mount(&server).await;
    Mock::given(method("DELETE")).respond_with(scim(200, json!({}))).with_priority(1).mount(&server).await;
    let ran = run_yaml(&scenario("  - activate\n"), &server.uri()).await;
    assert_fired(&ran, "patch-response", "answered 202");
    assert_fired(&ran, "delete-status", "instead of 204");
}

#[tokio::test]
async fn error_format_and_uniqueness_fire_on_a_plain_409() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(409).set_body_raw("user exists", "text/plain"))
        .mount(&server)
        .await;
    let ran =
        run_yaml(&format!("name: r\n{FAST}steps:\n  - activate:\n    expect: {{ outcome: fail }}\n"), &server.uri())
            .await;
    assert_fired(&ran, "error-format", "without a SCIM Error JSON body");
    assert_fired(&ran, "uniqueness-409", "without \"scimType\": \"uniqueness\"");
    assert_fired(&ran, "activation-test-email-exists", "already exists");
}

#[tokio::test]
async fn leftover_resource_fires_on_a_409_for_a_tagged_name_the_run_never_created() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(scim(409, error(409, "exists"))).mount(&server).await;
    let yaml = format!("name: r\n{FAST}steps:\n  - activate:\n    expect: {{ outcome: fail }}\n");
    let ran = run_yaml_with(&yaml, &server.uri(), |o| {
        o.namespace = engine::Namespace::Fixed(jcsim::scenario::namespace::Tag::parse("ci7").unwrap());
    })
    .await;
    assert_fired(&ran, "leftover-resource", "left by an earlier jcsim run with namespace jcs-ci7");
    assert!(!ran.checks().iter().any(|c| c.id.as_str() == "activation-test-email-exists"), "not blamed on the SP");
    // Without a namespace the same 409 is the SP's answer to a taken email.
    let ran = run_yaml(&yaml, &server.uri()).await;
    assert!(!ran.checks().iter().any(|c| c.id.as_str() == "leftover-resource"));
}

#[tokio::test]
async fn server_error_and_rate_limited_fire_on_retried_answers() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(scim(503, error(503, "busy"))).up_to_n_times(1).mount(&server).await;
    Mock::given(method("GET")).respond_with(scim(429, error(429, "slow down"))).up_to_n_times(1).mount(&server).await;
    Mock::given(method("GET")).respond_with(list(json!([]))).mount(&server).await;
    let ran = run_yaml(
        "name: r\nbehaviour: { retry_backoff_ms: 5, max_retries: 3 }\nsteps: [test_connection]\n",
        &server.uri(),
    )
    .await;
    assert_fired(&ran, "server-error", "answered 503");
    assert_fired(&ran, "rate-limited", "no Retry-After");
    assert_eq!(ran.summary.exit_code, Exit::Pass);
}

#[tokio::test]
async fn sp_timeout_and_sp_unreachable_fire_without_a_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - request: { method: GET, path: /Users }\n"), &server.uri()).await;
    assert_fired(&ran, "sp-timeout", "timeout");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let ran = run_yaml(&scenario("  - request: { method: GET, path: /Users }\n"), &url).await;
    assert_fired(&ran, "sp-unreachable", "connect");
}

#[tokio::test]
async fn readback_missing_and_readback_user_fire_on_changes_behind_jumpclouds_back() {
    let server = fake_sp(FakeState::default()).await;
    // u3 is alice (u1 and g2 were the activation test objects). Another admin
    // renames her at the SP, then deletes her.
    let steps = "  - activate\n  - bind_user: alice\n  - request: { method: PUT, path: /Users/u3, body: { userName: alice@example.com, displayName: Somebody Else } }\n  - verify:\n    expect: { findings: [readback-user] }\n  - request: { method: DELETE, path: /Users/u3 }\n  - verify:\n    expect: { findings: [readback-missing] }\n";
    let ran = run_yaml(&scenario(steps), &server.uri()).await;
    assert_fired(&ran, "readback-user", "Somebody Else");
    assert_fired(&ran, "readback-missing", "HTTP 404");
    assert_eq!(ran.summary.exit_code, Exit::Pass, "{:?}", ran.failed_check_ids());
}

#[tokio::test]
async fn readback_attribute_fires_on_an_attribute_the_sp_drops() {
    let server = fake_sp(FakeState::default()).await;
    // u3 is alice. The SP keeps only userName, displayName and active: the
    // title JumpCloud sent is gone when `verify: { attributes }` reads back.
    let steps = "  - activate\n  - bind_user: alice\n  - update_user: { user: alice, set: { job_title: Engineer } }\n  - request: { method: PUT, path: /Users/u3, body: { userName: alice@example.com, displayName: Alice Liddell, active: true } }\n  - verify: { attributes: [job_title] }\n";
    let ran = run_yaml(&scenario(steps), &server.uri()).await;
    assert_fired(&ran, "readback-attribute", "the SP returns no title (job_title); JumpCloud sent \"Engineer\"");
    // A warning: provisioning works, the attribute is lost.
    assert_eq!(ran.summary.exit_code, Exit::Pass, "{:?}", ran.failed_check_ids());
}

#[tokio::test]
async fn verify_each_catches_drift_at_the_step_that_caused_it() {
    let server = fake_sp(FakeState::default()).await;
    // The SP acknowledges the suspension but keeps the user active.
    Mock::given(method("PUT"))
        .and(path_regex("^/Users/u3$"))
        .respond_with(scim(200, json!({"id": "u3", "userName": "alice@example.com", "active": true})))
        .with_priority(1)
        .mount(&server)
        .await;
    let ran =
        run_yaml_with(&scenario("  - activate\n  - bind_group: G\n  - suspend_user: alice\n"), &server.uri(), |o| {
            o.verify_each = true
        })
        .await;
    let at: Vec<(usize, &str)> =
        ran.checks().iter().filter(|c| c.verdict == Verdict::Fail).map(|c| (c.step, c.id.as_str())).collect();
    assert!(at.contains(&(2, "readback-active")), "{at:?}");
    assert!(at.contains(&(2, "echo-active")), "{at:?}");
}

#[tokio::test]
async fn response_too_large_fires_on_a_huge_answer_and_is_not_retried() {
    let server = MockServer::start().await;
    let huge = format!("{{\"Resources\":[],\"pad\":\"{}\"}}", "x".repeat(9 * 1024 * 1024));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/scim+json"))
        .expect(1)
        .mount(&server)
        .await;
    let ran = run_yaml(&scenario("  - request: { method: GET, path: /Users }\n"), &server.uri()).await;
    assert_fired(&ran, "response-too-large", "exceeds 8 MiB");
    assert_eq!(ran.exchanges().len(), 1);
}

#[tokio::test]
async fn deleted_user_still_member_is_a_warning_naming_the_knob() {
    // The fake SP keeps a deleted user in its groups (no referential integrity).
    let steps = "  - activate\n  - bind_group: G\n  - delete_user: alice\n  - verify\n";
    let server = fake_sp(FakeState::default()).await;
    let ran = run_yaml(&scenario(steps), &server.uri()).await;
    assert_fired(&ran, "deleted-user-still-member", "still listed as members");
    assert_eq!(ran.summary.exit_code, Exit::Pass, "a warning: {:?}", ran.failed_check_ids());
    assert!(!ran.checks().iter().any(|c| c.id.as_str() == "readback-members"), "not an error of its own");
    let server = fake_sp(FakeState::default()).await;
    let yaml = scenario(steps).replace("behaviour: {", "behaviour: { user_delete_groups: remove_first,");
    let ran = run_yaml(&yaml, &server.uri()).await;
    assert!(!ran.checks().iter().any(|c| c.id.as_str() == "deleted-user-still-member"), "removed first: nothing stale");
}

/// Every rule in the catalogue has a firing test in this file.
#[test]
fn every_rule_has_a_firing_test() {
    let me = include_str!("rules.rs");
    for r in jcsim::check::RULES {
        let quoted = format!("\"{}\"", r.id);
        let in_quirks = me.contains(&format!("[{quoted}")) || me.contains(&format!(", {quoted}]"));
        let fired = me.contains(&format!("assert_fired(&ran, {quoted}"));
        assert!(in_quirks || fired, "rule {} has no firing test in tests/it/rules.rs", r.id);
    }
}

/// Every exchange of a run directory (`events.jsonl`), as JSON.
fn exchanges_in(out: &tempfile::TempDir) -> Vec<serde_json::Value> {
    let run = std::fs::read_dir(out.path()).unwrap().next().unwrap().unwrap().path();
    std::fs::read_to_string(run.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["type"] == "exchange")
        .collect()
}

/// 501 says the SP cannot do it: sent once, one finding per rule, and the
/// rename goes on as a PUT probe.
#[tokio::test]
async fn a_501_is_sent_once_with_one_finding_per_rule() {
    let (s, out) = run_file("scenarios/quirks/patch-replace-not-implemented.yaml").await;
    let refused: Vec<_> = exchanges_in(&out).into_iter().filter(|x| x["response"]["status"] == 501).collect();
    let step = |n: u64| refused.iter().filter(|x| x["step"] == n).count();
    assert_eq!((step(0), step(2)), (1, 1), "one attempt for the activation's and for the rename's PATCH");
    let rename = &s.steps[2];
    let count = |id: &str| rename.checks.iter().filter(|c| c.id.as_str() == id).count();
    assert_eq!(count("server-error"), 1, "{:?}", rename.checks);
    assert!(rename.checks.iter().any(|c| c.message.contains("does not implement")), "{:?}", rename.checks);
}

/// A POST answered 500 after storing is not resent: the lookup finds the
/// resource, it is linked, and the 500 is the cause, not a 409.
#[tokio::test]
async fn a_create_that_stored_before_its_500_is_linked_not_resent() {
    let (s, out) = run_file("scenarios/quirks/post-500-then-commit.yaml").await;
    let posts: Vec<_> = exchanges_in(&out)
        .into_iter()
        .filter(|x| x["request"]["method"] == "POST" && x["step"] == 1)
        .map(|x| x["response"]["status"].as_u64().unwrap())
        .collect();
    assert_eq!(posts, vec![500, 500], "one user and one group create, each sent once");
    let bind = &s.steps[1];
    assert!(!bind.checks.iter().any(|c| c.message.contains("HTTP 409")), "{:?}", bind.checks);
    assert_eq!(bind.checks.iter().filter(|c| c.id.as_str() == "create-5xx-stored").count(), 2);
    assert_eq!(s.steps[2].verdict, Verdict::Pass, "verify finds both linked: {:?}", s.steps[2].checks);
}

/// The members a group create dropped are blamed on the create, at its step,
/// naming the `group_create` knob; no read-back blames a PATCH.
#[tokio::test]
async fn dropped_members_are_blamed_on_the_create() {
    let (s, _out) = run_file("scenarios/quirks/create-group-drops-members.yaml").await;
    let bind = s.steps[1].checks.iter().find(|c| c.id.as_str() == "create-drops-members").expect("blamed at the bind");
    assert!(
        bind.message.contains("group_create: with_members") && bind.message.contains("then_add"),
        "{}",
        bind.message
    );
    assert!(
        s.steps.iter().flat_map(|x| x.checks.iter()).all(|c| c.id.as_str() != "readback-members"),
        "the probe's PATCH put the members in: nothing left to read back differently"
    );
}

#[tokio::test]
async fn rotate_token_with_an_unset_variable_fails_and_the_old_token_is_refused_at_the_embedded_sp() {
    let yaml = "name: r\napp: { group_management: false }\nsteps:\n  - activate\n  - rotate_token: { token_env: JCSIM_TEST_NEVER_SET_TOKEN }\n  - rotate_token\n";
    let ran = crate::helpers::run_embedded(yaml, |_| {}).await;
    let steps = &ran.summary.steps;
    assert_eq!(steps[1].verdict, Verdict::Fail, "{:?}", steps[1]);
    assert!(steps[1].reason.as_deref().unwrap_or("").contains("JCSIM_TEST_NEVER_SET_TOKEN"), "{:?}", steps[1]);
    let rotation: Vec<_> = ran.checks().into_iter().filter(|c| c.id.as_str() == "token-rotation").collect();
    assert_eq!(rotation.len(), 1);
    assert!(rotation[0].message.contains("no longer works") && rotation[0].message.contains("401"), "{rotation:?}");
    assert_eq!(steps[2].verdict, Verdict::Pass, "{:?}", steps[2]);
}
