//! The inbound API: JumpCloud's validation rules, PATCH forms, filters and the
//! group-import refusal (pure handler), then auth, redaction and the chain to
//! the embedded SP over HTTP (console router).

use crate::directory::{Directory, ScimDefaultState, UserState};
use crate::inbound::*;
use crate::scim::{ENTERPRISE_USER_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA};
use serde_json::{Value, json};

const BASE: &str = "https://api.jumpcloud.com/scim/v2";

fn dir() -> Directory {
    let s = crate::lint::load_str(
        "name: t\ndirectory:\n  users: [{ username: alice, email: alice@example.com, job_title: Engineer }]\nsteps: [verify]\n",
        "t.yaml",
    )
    .unwrap();
    Directory::from_scenario(&s, 1).unwrap()
}

fn call(d: &mut Directory, method: &str, path: &str, body: Option<Value>) -> Handled {
    handle(d, &ApiRequest { method: method.into(), path: path.into(), body }, BASE)
}

fn user(name: &str, email: &str) -> Value {
    json!({ "schemas": [USER_SCHEMA], "userName": name, "emails": [{ "value": email, "primary": true }] })
}

fn status(h: &Handled) -> u16 {
    h.response.status
}

fn detail(h: &Handled) -> String {
    h.response.body.as_ref().and_then(|b| b["detail"].as_str()).unwrap_or_default().to_string()
}

/// 400 invalidValue with a detail naming `attr` and containing `rule`.
fn assert_invalid(h: &Handled, attr: &str, rule: &str) {
    assert_eq!(status(h), 400, "{:?}", h.response.body);
    let body = h.response.body.as_ref().unwrap();
    assert_eq!(body["scimType"], "invalidValue");
    assert_eq!(body["status"], "400");
    assert_eq!(body["schemas"][0], crate::scim::ERROR_SCHEMA);
    let d = detail(h);
    assert!(d.starts_with(attr), "detail {d:?} should name {attr}");
    assert!(d.contains(rule), "detail {d:?} should contain {rule:?}");
    assert!(!h.changed);
}

fn alice_id(d: &Directory) -> String {
    d.user("alice").unwrap().id.to_string()
}

#[test]
fn username_rules_accept_and_reject() {
    let mut d = dir();
    let ok = "a".repeat(1024);
    let h = call(&mut d, "POST", "/Users", Some(user(&ok, "long@example.com")));
    assert_eq!(status(&h), 201, "1024 characters are allowed: {}", detail(&h));
    assert!(h.changed);
    let h = call(&mut d, "POST", "/Users", Some(user(&"b".repeat(1025), "b@example.com")));
    assert_invalid(&h, "userName", "1024 characters");
    let h = call(&mut d, "POST", "/Users", Some(user("jane doe!", "j@example.com")));
    assert_invalid(&h, "userName", "letters, digits");
    let h = call(&mut d, "POST", "/Users", Some(user("jane@example.com", "jane@example.com")));
    assert_invalid(&h, "userName", "email address");
    let h = call(&mut d, "POST", "/Users", Some(json!({ "emails": [{ "value": "j@example.com" }] })));
    assert_invalid(&h, "userName", "is required");
    let h = call(&mut d, "POST", "/Users", Some(user("", "j@example.com")));
    assert_invalid(&h, "userName", "required");
    let h = call(&mut d, "POST", "/Users", Some(json!({ "userName": 42, "emails": [{ "value": "j@example.com" }] })));
    assert_invalid(&h, "userName", "must be a string");
    let h = call(&mut d, "POST", "/Users", Some(user("o.brien_2-x", "ob@example.com")));
    assert_eq!(status(&h), 201, ". _ - are allowed");
}

#[test]
fn email_rules_accept_and_reject() {
    let mut d = dir();
    let h = call(&mut d, "POST", "/Users", Some(json!({ "userName": "jane" })));
    assert_invalid(&h, "emails", "email is required");
    let h = call(&mut d, "POST", "/Users", Some(json!({ "userName": "jane", "emails": [] })));
    assert_invalid(&h, "emails", "email is required");
    let h = call(&mut d, "POST", "/Users", Some(user("jane", "not-an-email")));
    assert_invalid(&h, "emails.value", "not a valid email");
    let local = "e".repeat(1024 - "@example.com".len());
    let h = call(&mut d, "POST", "/Users", Some(user("jane", &format!("{local}@example.com"))));
    assert_eq!(status(&h), 201, "a 1024-character email is allowed: {}", detail(&h));
    let h = call(&mut d, "POST", "/Users", Some(user("jane2", &format!("{local}x@example.com"))));
    assert_invalid(&h, "emails.value", "1024 characters");
    // The primary email wins over the first one.
    let body = json!({ "userName": "pat", "emails": [
        { "value": "home@example.com", "type": "home" },
        { "value": "pat@example.com", "type": "work", "primary": true } ] });
    assert_eq!(status(&call(&mut d, "POST", "/Users", Some(body))), 201);
    assert_eq!(d.user("pat").unwrap().email, "pat@example.com");
}

#[test]
fn name_lengths_are_bounded() {
    let mut d = dir();
    let mut body = user("jane", "jane@example.com");
    body["name"] = json!({ "givenName": "g".repeat(1024), "familyName": "f".repeat(1025) });
    assert_invalid(&call(&mut d, "POST", "/Users", Some(body.clone())), "name.familyName", "1024 characters");
    body["name"]["familyName"] = json!("f".repeat(1024));
    assert_eq!(status(&call(&mut d, "POST", "/Users", Some(body))), 201);
}

#[test]
fn create_maps_every_attribute_and_stages_with_a_pending_password() {
    let mut d = dir();
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "userName": "jane.doe",
        "externalId": "HRIS-7",
        "name": { "givenName": "Jane", "familyName": "Doe" },
        "displayName": "Jane D.",
        "title": "Engineer",
        "userType": "Contractor",
        "locale": "en-GB",
        "emails": [{ "value": "jane@example.com", "type": "work", "primary": true }],
        "phoneNumbers": [{ "value": "tel:+1-555-0100", "type": "work" }],
        "addresses": [{ "streetAddress": "1 Main St", "locality": "Boulder", "region": "CO",
                        "postalCode": "80301", "country": "US", "type": "work" }],
        ENTERPRISE_USER_SCHEMA: { "department": "R&D", "employeeNumber": "7", "costCenter": "CC-1", "organization": "Acme" }
    });
    let h = call(&mut d, "POST", "/Users", Some(body));
    assert_eq!(status(&h), 201);
    let u = d.user("jane.doe").unwrap();
    assert_eq!(
        (u.email.as_str(), u.firstname.as_str(), u.lastname.as_str(), u.displayname.as_str()),
        ("jane@example.com", "Jane", "Doe", "Jane D.")
    );
    assert_eq!(
        (u.job_title.as_str(), u.employee_type.as_str(), u.location.as_str()),
        ("Engineer", "Contractor", "en-GB")
    );
    assert_eq!(
        (u.department.as_str(), u.employee_identifier.as_str(), u.cost_center.as_str(), u.company.as_str()),
        ("R&D", "7", "CC-1", "Acme")
    );
    assert_eq!(u.phone, "+1-555-0100");
    assert_eq!(u.address.as_ref().unwrap().locality, "Boulder");
    assert_eq!(u.external_id, "HRIS-7");
    assert_eq!(u.state, UserState::Staged, "jcsim's default for the SCIM API is STAGED");
    assert!(u.password_pending);
    let body = h.response.body.unwrap();
    assert_eq!(body["id"], json!(u.id));
    assert_eq!(h.response.location.as_deref(), Some(format!("{BASE}/Users/{}", u.id).as_str()));
    assert_eq!(body[ENTERPRISE_USER_SCHEMA]["department"], "R&D");
    assert_eq!(h.event.name(), "inbound_user_create");
}

#[test]
fn the_org_setting_activates_and_active_false_suspends() {
    let mut d = dir();
    d.settings.scim_default_state = ScimDefaultState::Activated;
    call(&mut d, "POST", "/Users", Some(user("jane", "jane@example.com")));
    assert_eq!(d.user("jane").unwrap().state, UserState::Activated);
    let mut body = user("joe", "joe@example.com");
    body["active"] = json!(false);
    call(&mut d, "POST", "/Users", Some(body));
    assert_eq!(d.user("joe").unwrap().state, UserState::Suspended);
}

#[test]
fn conflicts_are_409_uniqueness() {
    let mut d = dir();
    let h = call(&mut d, "POST", "/Users", Some(user("ALICE", "new@example.com")));
    assert_eq!(status(&h), 409);
    assert_eq!(h.response.body.as_ref().unwrap()["scimType"], "uniqueness");
    let h = call(&mut d, "POST", "/Users", Some(user("bob", "Alice@Example.com")));
    assert_eq!(status(&h), 409);
    assert!(detail(&h).starts_with("emails.value"));
}

#[test]
fn put_overwrites_and_clears() {
    let mut d = dir();
    let id = alice_id(&d);
    let mut body = user("alice", "alice@corp.example.com");
    body["title"] = json!("CTO");
    let h = call(&mut d, "PUT", &format!("/Users/{id}"), Some(body));
    assert_eq!(status(&h), 200);
    assert!(h.changed);
    let u = d.user("alice").unwrap();
    assert_eq!((u.email.as_str(), u.job_title.as_str()), ("alice@corp.example.com", "CTO"));
    let h = call(&mut d, "PUT", &format!("/Users/{id}"), Some(user("alice", "alice@corp.example.com")));
    assert_eq!(status(&h), 200);
    assert_eq!(d.user("alice").unwrap().job_title, "", "an absent attribute is cleared by PUT");
    let h = call(&mut d, "PUT", &format!("/Users/{id}"), Some(user("alice@corp.example.com", "a@example.com")));
    assert_invalid(&h, "userName", "email address");
    assert_eq!(status(&call(&mut d, "PUT", "/Users/ffffffffffffffffffffffff", Some(user("x", "x@example.com")))), 404);
}

fn patch_body(ops: Value) -> Option<Value> {
    Some(json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": ops }))
}

#[test]
fn patch_forms() {
    let mut d = dir();
    let path = format!("/Users/{}", alice_id(&d));
    // replace with a path
    let h = call(&mut d, "PATCH", &path, patch_body(json!([{ "op": "replace", "path": "title", "value": "Lead" }])));
    assert_eq!(status(&h), 200, "{}", detail(&h));
    assert_eq!(d.user("alice").unwrap().job_title, "Lead");
    // replace without a path (Azure-style op name case)
    let h = call(
        &mut d,
        "PATCH",
        &path,
        patch_body(
            json!([{ "op": "Replace", "value": { "displayName": "Alice L", "name": { "givenName": "Alice" } } }]),
        ),
    );
    assert_eq!(status(&h), 200, "{}", detail(&h));
    assert_eq!(d.user("alice").unwrap().displayname, "Alice L");
    assert_eq!(d.user("alice").unwrap().firstname, "Alice");
    // enterprise URN paths
    let urn = format!("{ENTERPRISE_USER_SCHEMA}:department");
    let h = call(&mut d, "PATCH", &path, patch_body(json!([{ "op": "add", "path": urn, "value": "Platform" }])));
    assert_eq!(status(&h), 200, "{}", detail(&h));
    assert_eq!(d.user("alice").unwrap().department, "Platform");
    let h = call(
        &mut d,
        "PATCH",
        &path,
        patch_body(json!([{ "op": "replace", "value": { ENTERPRISE_USER_SCHEMA: { "costCenter": "CC-9" } } }])),
    );
    assert_eq!(status(&h), 200, "{}", detail(&h));
    assert_eq!(d.user("alice").unwrap().cost_center, "CC-9");
    // active, with a path and as a string
    let h = call(&mut d, "PATCH", &path, patch_body(json!([{ "op": "replace", "path": "active", "value": false }])));
    assert_eq!(status(&h), 200);
    assert_eq!(d.user("alice").unwrap().state, UserState::Suspended);
    let h = call(&mut d, "PATCH", &path, patch_body(json!([{ "op": "replace", "value": { "active": "True" } }])));
    assert_eq!(status(&h), 200);
    assert_eq!(d.user("alice").unwrap().state, UserState::Activated, "active:true unsuspends");
    // emails[type eq "work"].value
    let h = call(
        &mut d,
        "PATCH",
        &path,
        patch_body(json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "al@example.com" }])),
    );
    assert_eq!(status(&h), 200, "{}", detail(&h));
    assert_eq!(d.user("alice").unwrap().email, "al@example.com");
    // The rules apply to the patched result.
    let h =
        call(&mut d, "PATCH", &path, patch_body(json!([{ "op": "replace", "path": "userName", "value": "a@b.com" }])));
    assert_invalid(&h, "userName", "email address");
    let h = call(&mut d, "PATCH", &path, patch_body(json!([{ "op": "remove", "path": "emails" }])));
    assert_invalid(&h, "emails", "email is required");
    // Malformed PatchOp
    let h = call(&mut d, "PATCH", &path, Some(json!({ "Operations": [] })));
    assert_eq!(status(&h), 400);
    assert_eq!(h.response.body.unwrap()["scimType"], "invalidSyntax");
}

#[test]
fn groups_are_refused_with_501() {
    let mut d = dir();
    for (m, p) in [("GET", "/Groups"), ("POST", "/Groups"), ("PATCH", "/Groups/abc"), ("DELETE", "/Groups/abc")] {
        let h = call(&mut d, m, p, Some(json!({ "displayName": "Sales" })));
        assert_eq!(status(&h), 501, "{m} {p}");
        assert_eq!(detail(&h), GROUPS_REFUSED);
        assert_eq!(h.event.name(), "inbound_group_refused");
        assert!(!h.changed);
    }
    assert!(d.groups.is_empty());
}

#[test]
fn filters_on_username_email_and_external_id() {
    let mut d = dir();
    let mut body = user("jane", "jane@example.com");
    body["externalId"] = json!("HR-1");
    call(&mut d, "POST", "/Users", Some(body));
    let total = |d: &mut Directory, q: &str| {
        let h = call(d, "GET", &format!("/Users?filter={q}"), None);
        assert_eq!(status(&h), 200, "{q}: {}", detail(&h));
        h.response.body.unwrap()["totalResults"].as_u64().unwrap()
    };
    assert_eq!(total(&mut d, "userName eq \"JANE\""), 1, "userName is case-insensitive");
    assert_eq!(total(&mut d, "userName%20eq%20%22jane%22"), 1, "percent-encoded");
    assert_eq!(total(&mut d, "emails.value eq \"jane@example.com\""), 1);
    assert_eq!(total(&mut d, "emails[value eq \"jane@example.com\"]"), 1);
    assert_eq!(total(&mut d, "externalId eq \"HR-1\""), 1);
    assert_eq!(total(&mut d, "externalId eq \"hr-1\""), 0, "externalId is case-exact");
    assert_eq!(total(&mut d, "userName eq \"nobody\""), 0);
    let h = call(&mut d, "GET", "/Users?filter=title eq \"Engineer\"", None);
    assert_eq!(status(&h), 400);
    assert_eq!(h.response.body.unwrap()["scimType"], "invalidFilter");
    let h = call(&mut d, "GET", "/Users?startIndex=2&count=1", None);
    let b = h.response.body.unwrap();
    assert_eq!((b["totalResults"].as_u64(), b["itemsPerPage"].as_u64()), (Some(2), Some(1)));
    assert_eq!(b["Resources"][0]["userName"], "jane");
}

/// The ids a list request answers, all pages.
fn listed(d: &mut Directory, query: &str) -> Vec<String> {
    let h = call(d, "GET", &format!("/Users?{query}"), None);
    assert_eq!(status(&h), 200, "{query}: {}", detail(&h));
    let b = h.response.body.unwrap();
    b["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn indexed_filters_and_pages_answer_like_a_full_scan() {
    // Arrange: generated users (some changed, some deleted), stored ones with
    // clashing case, an externalId, and a gap left by a deleted user.
    let s = crate::lint::load_str(
        "name: t\ndirectory:\n  users: [{ generate: 40, email_domain: gen.test }]\nsteps: [verify]\n",
        "t.yaml",
    )
    .unwrap();
    let mut d = Directory::from_scenario(&s, 4).unwrap();
    for (name, email, ext) in [("Jane", "Jane@Example.com", "HR-1"), ("jane.b", "jane@example.org", "hr-1")] {
        let mut body = user(name, email);
        body["externalId"] = json!(ext);
        assert_eq!(status(&call(&mut d, "POST", "/Users", Some(body))), 201);
    }
    let g3 = d.users.at(3).unwrap().into_owned();
    let g5 = d.users.at(5).unwrap().into_owned();
    let g1 = d.users.id_at(1).unwrap();
    assert_eq!(status(&call(&mut d, "DELETE", &format!("/Users/{g1}"), None)), 204);
    let patch = json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": [{ "op": "replace", "path": "userName", "value": "moved.on" }] });
    assert_eq!(status(&call(&mut d, "PATCH", &format!("/Users/{}", g5.id), Some(patch))), 200);
    let everyone = listed(&mut d, "count=1000");
    assert_eq!(everyone.len(), d.users.len());
    let all: Vec<Value> =
        everyone.iter().map(|id| call(&mut d, "GET", &format!("/Users/{id}"), None).response.body.unwrap()).collect();
    let filters = [
        format!("userName eq \"{}\"", g3.username.to_uppercase()),
        format!("userName eq \"{}\"", g5.username),
        "userName eq \"moved.on\"".to_string(),
        "userName eq \"JANE\"".to_string(),
        format!("emails.value eq \"{}\"", g3.email),
        "emails[value eq \"jane@example.com\"]".to_string(),
        "emails eq \"JANE@example.org\"".to_string(),
        "externalId eq \"HR-1\"".to_string(),
        format!("id eq \"{}\"", g3.id),
        format!("id eq \"{}\"", g3.id.to_uppercase()),
        "userName eq \"jane\" and externalId eq \"HR-1\"".to_string(),
        "userName eq \"jane\" or userName eq \"jane.b\"".to_string(),
        "userName sw \"j\"".to_string(),
    ];
    for f in &filters {
        // Act
        let got = listed(&mut d, &format!("filter={f}&count=1000"));
        // Assert: the same users as evaluating the filter on every user.
        let parsed = crate::scim::filter::parse(f).unwrap();
        let want: Vec<String> = all
            .iter()
            .filter(|doc| parsed.matches(doc, &crate::scim::filter::default_case_exact))
            .map(|doc| doc["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{f}");
    }
    assert_eq!(listed(&mut d, "startIndex=1&count=3"), everyone[..3]);
    assert_eq!(listed(&mut d, "startIndex=40&count=5"), everyone[39..], "past the deleted user's gap");
    // Uniqueness is case-insensitive, through the index too (a generated user's name).
    let h = call(&mut d, "POST", "/Users", Some(user(&g3.username.to_uppercase(), "other@example.com")));
    assert_eq!(status(&h), 409, "{}", detail(&h));
    let h = call(&mut d, "POST", "/Users", Some(user("someone.new", &g3.email.to_uppercase())));
    assert_eq!(status(&h), 409, "{}", detail(&h));
    let h = call(&mut d, "POST", "/Users", Some(user(&g5.username, "g5.old.name@example.com")));
    assert_eq!(status(&h), 201, "a renamed user's old name is free: {}", detail(&h));
}

#[test]
fn delete_and_unknown_routes() {
    let mut d = dir();
    let path = format!("/Users/{}", alice_id(&d));
    let h = call(&mut d, "DELETE", &path, None);
    assert_eq!((status(&h), h.response.body.is_none(), h.changed), (204, true, true));
    assert!(d.users.is_empty());
    assert_eq!(status(&call(&mut d, "GET", &path, None)), 404);
    assert_eq!(status(&call(&mut d, "GET", "/Nope", None)), 404);
    assert_eq!(status(&call(&mut d, "DELETE", "/Users", None)), 405);
}

#[test]
fn discovery_describes_what_is_supported() {
    let mut d = dir();
    let spc = call(&mut d, "GET", "/ServiceProviderConfig", None).response.body.unwrap();
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["bulk"]["supported"], false);
    assert_eq!(spc["sort"]["supported"], false);
    let rts = call(&mut d, "GET", "/ResourceTypes", None).response.body.unwrap();
    assert_eq!(rts["totalResults"], 1, "Users only: group import is not supported");
    let schemas = call(&mut d, "GET", "/Schemas", None).response.body.unwrap();
    let ids: Vec<&str> = schemas["Resources"].as_array().unwrap().iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids, [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    assert_eq!(status(&call(&mut d, "GET", &format!("/Schemas/{USER_SCHEMA}"), None)), 200);
    assert_eq!(status(&call(&mut d, "GET", "/Schemas/urn:nope", None)), 404);
}

#[test]
fn masked_keys_show_only_the_last_four() {
    assert_eq!(mask("abcdefgh1234"), "••••••••1234");
    assert!(!mask("secret-value-9876").contains("secret"));
}

mod http {
    //! Over HTTP, through the console router: auth, redaction and the chain.
    use super::*;
    use crate::scenario::{Action, GroupSpec};
    use crate::server::app as router;
    use crate::server::console::{ConsoleConfig, ConsoleState};
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode, header};
    use tower::ServiceExt;

    const KEY: &str = "inbound-key-7d41c09e-distinctive";
    const SP_TOKEN: &str = "sp-token-inbound-0b5e";

    async fn live(dir: &tempfile::TempDir) -> (ConsoleState, Router) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = ConsoleConfig {
            state_file: Some(dir.path().join("state.json")),
            runs_dir: dir.path().join("runs"),
            admin_token: None,
            self_url: format!("http://{addr}"),
            sp_token: Some(SP_TOKEN.into()),
            scim_token: None,
            seed: 3,
            loopback_hosts_only: true,
            api_key: Some(KEY.into()),
            sp_quirks: Vec::new(),
            readiness: None,
        };
        let state = ConsoleState::new(config).await.unwrap();
        let served = router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, served).await;
        });
        (state.clone(), router(state))
    }

    async fn send(
        app: &Router,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut req =
            Request::builder().method(method).uri(format!("/scim/v2{path}")).header(header::HOST, "127.0.0.1");
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/scim+json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
        let status = resp.status();
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8_lossy(&bytes).to_string())
    }

    fn files_under(p: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(p).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                files_under(&path, out);
            } else {
                out.push(std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }

    #[tokio::test]
    async fn missing_or_wrong_key_is_401_and_the_key_is_never_echoed() {
        let tmp = tempfile::tempdir().unwrap();
        let (state, app) = live(&tmp).await;
        let (s, b) = send(&app, "GET", "/Users", None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(b.contains(crate::scim::ERROR_SCHEMA) && b.contains("\"401\""), "{b}");
        let (s, _) = send(&app, "GET", "/Users", Some("wrong-key"), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = send(&app, "POST", "/Users", Some("wrong-key"), Some(user("jane", "jane@example.com"))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(state.core().await.dir().user("jane").is_err(), "a refused request changes nothing");
        let (s, b) = send(&app, "POST", "/Users", Some(KEY), Some(user("jane", "jane@example.com"))).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert!(!b.contains(KEY));
        // The snapshot and its journal (where the write went).
        let state_file = ["state.json", "state.json.journal"]
            .map(|f| std::fs::read_to_string(tmp.path().join(f)).unwrap_or_default())
            .concat();
        assert!(state_file.contains("jane") && !state_file.contains(KEY), "the key is never persisted");
        // An identity source that echoes the key in a body: redacted in the record
        // (the directory keeps the value it was sent, so the state file is not checked below).
        let mut echo = user("joe", "joe@example.com");
        echo["title"] = json!(KEY);
        send(&app, "POST", "/Users", Some(KEY), Some(echo)).await;
        // The API Settings page shows it masked only.
        let page = app
            .clone()
            .oneshot(Request::get("/settings/api").header(header::HOST, "127.0.0.1").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let page = String::from_utf8_lossy(&to_bytes(page.into_body(), usize::MAX).await.unwrap()).to_string();
        assert!(page.contains(&mask(KEY)), "masked key shown");
        assert!(!page.contains(KEY));
        state.finish().await.unwrap();
        crate::report::write_outputs(state.run_dir()).unwrap();
        let mut files = Vec::new();
        files_under(&tmp.path().join("runs"), &mut files);
        assert!(files.len() >= 4, "events, report, junit, har…");
        for f in &files {
            assert!(!f.contains(KEY), "the API key leaked into a file");
        }
        let events = std::fs::read_to_string(state.run_dir().join("events.jsonl")).unwrap();
        assert!(events.contains("inbound_user_create"));
        assert!(events.contains("\"x-api-key\",\"[REDACTED]\""));
    }

    #[tokio::test]
    async fn rotating_the_key_revokes_the_old_one() {
        let tmp = tempfile::tempdir().unwrap();
        let (state, app) = live(&tmp).await;
        state.rotate_api_key().await;
        let (s, _) = send(&app, "GET", "/Users", Some(KEY), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = send(&app, "GET", "/Users", Some(&state.api_key()), None).await;
        assert_eq!(s, StatusCode::OK);
    }

    /// The console with an active app, group management on and a bound
    /// group `Engineering` that already has a provisioned member.
    async fn with_bound_group(state: &ConsoleState) {
        let mut core = state.core().await;
        core.create_app("App".into());
        core.dir_mut().app.group_management = true;
        let steps = [
            Action::CreateUser(Box::new(crate::scenario::UserSpec {
                username: Some("alice".into()),
                email: Some("alice@example.com".into()),
                ..Default::default()
            })),
            Action::CreateGroup(GroupSpec { name: "Engineering".into(), members: vec!["alice".into()] }),
            Action::Activate { test_user_email: None },
            Action::BindGroup("Engineering".into()),
        ];
        for a in steps {
            let s = core.step(a).await.unwrap();
            assert_eq!(s.verdict, crate::record::Verdict::Pass, "{:?}", s.reason);
        }
    }

    fn events(state: &ConsoleState) -> Vec<(String, String)> {
        let log = crate::record::read_events(&state.run_dir().join("events.jsonl")).unwrap();
        log.events
            .into_iter()
            .filter_map(|e| match e {
                crate::record::Event::Exchange(x) => Some((x.event, format!("{} {}", x.request.method, x.request.url))),
                _ => None,
            })
            .collect()
    }

    #[tokio::test]
    async fn an_activated_user_in_a_bound_group_flows_to_the_sp() {
        let tmp = tempfile::tempdir().unwrap();
        let (state, app) = live(&tmp).await;
        with_bound_group(&state).await;
        state.core().await.set_scim_default_state(ScimDefaultState::Activated);
        let before = events(&state).len();
        let (s, b) = send(&app, "POST", "/Users", Some(KEY), Some(user("jane.doe", "jane@example.com"))).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        // Not in a bound group yet: only the inbound exchange.
        let after_create: Vec<String> = events(&state)[before..].iter().map(|e| e.0.clone()).collect();
        assert_eq!(after_create, ["inbound_user_create"]);
        assert!(state.sp().users().iter().all(|u| u["userName"] != "jane@example.com"));
        let before = events(&state).len();
        state
            .core()
            .await
            .step(Action::AddToGroup(crate::scenario::Membership {
                user: "jane.doe".into(),
                group: "Engineering".into(),
            }))
            .await
            .unwrap();
        let sent: Vec<String> = events(&state)[before..].iter().map(|e| e.0.clone()).collect();
        assert_eq!(sent, ["user_lookup_provision", "user_create_provision", "group_update_provision"]);
        assert!(state.sp().users().iter().any(|u| u["userName"] == "jane@example.com"));
        // An inbound title change is pushed as a PUT.
        let id = state.core().await.dir().user("jane.doe").unwrap().id.clone();
        let before = events(&state).len();
        let patch = json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": [{ "op": "replace", "path": "title", "value": "CTO" }] });
        let (s, _) = send(&app, "PATCH", &format!("/Users/{id}"), Some(KEY), Some(patch)).await;
        assert_eq!(s, StatusCode::OK);
        let sent: Vec<(String, String)> = events(&state)[before..].to_vec();
        assert_eq!(sent[0].0, "inbound_user_update");
        assert_eq!(sent[1].0, "user_update_provision");
        assert!(sent[1].1.starts_with("PUT "));
        assert!(state.sp().users().iter().any(|u| u["title"] == "CTO"));
        // Termination: DELETE at JumpCloud deletes at the SP.
        let before = events(&state).len();
        let (s, _) = send(&app, "DELETE", &format!("/Users/{id}"), Some(KEY), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let sent: Vec<String> = events(&state)[before..].iter().map(|e| e.0.clone()).collect();
        assert_eq!(sent.first().map(String::as_str), Some("inbound_user_delete"));
        assert!(sent.contains(&"user_delete_provision".to_string()), "{sent:?}");
        // Export replays the inbound writes.
        assert!(state.export().await.unwrap().contains("inbound:"));
    }

    #[tokio::test]
    async fn a_staged_user_is_not_sent_until_activated() {
        let tmp = tempfile::tempdir().unwrap();
        let (state, app) = live(&tmp).await;
        with_bound_group(&state).await;
        let (s, _) = send(&app, "POST", "/Users", Some(KEY), Some(user("jane.doe", "jane@example.com"))).await;
        assert_eq!(s, StatusCode::CREATED);
        let before = events(&state).len();
        let membership = crate::scenario::Membership { user: "jane.doe".into(), group: "Engineering".into() };
        state.core().await.step(Action::AddToGroup(membership)).await.unwrap();
        let sent: Vec<String> = events(&state)[before..].iter().map(|e| e.0.clone()).collect();
        assert!(sent.is_empty(), "a STAGED user is never sent: {sent:?}");
        assert!(state.core().await.dir().user("jane.doe").unwrap().password_pending);
        state.core().await.step(Action::ActivateUser("jane.doe".into())).await.unwrap();
        let sent: Vec<String> = events(&state)[before..].iter().map(|e| e.0.clone()).collect();
        assert_eq!(&sent[..2], ["user_lookup_provision", "user_create_provision"]);
        assert!(state.sp().users().iter().any(|u| u["userName"] == "jane@example.com"));
    }

    #[tokio::test]
    async fn bad_json_and_media_types_are_scim_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let (_state, app) = live(&tmp).await;
        let req = Request::post("/scim/v2/Users")
            .header(header::HOST, "127.0.0.1")
            .header("x-api-key", KEY)
            .header(header::CONTENT_TYPE, "application/scim+json")
            .body(Body::from("{not json"))
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/scim+json");
        let req = Request::post("/scim/v2/Users")
            .header(header::HOST, "127.0.0.1")
            .header("x-api-key", KEY)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("{}"))
            .unwrap();
        assert_eq!(app.clone().oneshot(req).await.unwrap().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let (s, b) = send(&app, "GET", "/Groups", Some(KEY), None).await;
        assert_eq!(s, StatusCode::NOT_IMPLEMENTED);
        assert!(b.contains(GROUPS_REFUSED));
    }
}
