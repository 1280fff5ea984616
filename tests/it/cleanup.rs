//! `jcsim cleanup` against a hostile SP: it deletes only resources whose own
//! name ends in a tag of the shape jcsim generates, re-read by id, each id
//! sent as one percent-encoded path segment; it finishes against an SP that
//! ignores startIndex, and says what remains.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Id → (collection, resource), minus what was deleted.
type Store = Arc<Mutex<BTreeMap<String, (&'static str, Value)>>>;

fn user(id: &str, user_name: &str, emails: &[&str]) -> (String, (&'static str, Value)) {
    let emails: Vec<Value> = emails.iter().map(|e| json!({ "value": e })).collect();
    (id.to_string(), ("Users", json!({ "id": id, "userName": user_name, "emails": emails })))
}

fn group(id: &str, name: &str) -> (String, (&'static str, Value)) {
    (id.to_string(), ("Groups", json!({ "id": id, "displayName": name })))
}

fn scim(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/scim+json")
}

/// An SP that lists every page from the start (it ignores startIndex),
/// reads by id after decoding the path segment, and deletes by id.
async fn hostile_sp(store: Store) -> MockServer {
    let server = MockServer::start().await;
    let respond = move |req: &Request| {
        let path = req.url.path().to_string();
        let rest = path.trim_start_matches("/scim/v2/");
        let (collection, id) = match rest.split_once('/') {
            Some((c, id)) => (c.to_string(), Some(percent_decode(id))),
            None => (rest.to_string(), None),
        };
        let mut store = store.lock().unwrap();
        match (req.method.as_str(), id) {
            ("GET", None) => {
                let all: Vec<Value> =
                    store.values().filter(|(c, _)| *c == collection).map(|(_, v)| v.clone()).take(100).collect();
                let total = store.values().filter(|(c, _)| *c == collection).count();
                scim(
                    200,
                    json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                    "totalResults": total, "startIndex": 1, "itemsPerPage": all.len(), "Resources": all }),
                )
            }
            ("GET", Some(id)) => match store.get(&id) {
                Some((c, v)) if *c == collection => scim(200, v.clone()),
                _ => scim(404, json!({ "status": "404" })),
            },
            ("DELETE", Some(id)) => {
                store.remove(&id);
                ResponseTemplate::new(204)
            }
            _ => scim(405, json!({ "status": "405" })),
        }
    };
    Mock::given(wiremock::matchers::any()).respond_with(respond).mount(&server).await;
    server
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_deletes_only_what_carries_a_generated_tag_by_its_own_id() {
    let mut seed: Vec<(String, (&'static str, Value))> = vec![
        // Tagged, with ids that are not plain path segments: sent encoded.
        user("../Groups/g-real", "x.jcs-aaaaaa", &[]),
        user("u-ceo#frag", "ceo.jcs-bbbbbb", &[]),
        user("u-cfo?x=1", "cfo.jcs-cccccc", &[]),
        user("u-ok", "alice+jcs-4f1a2b@example.com", &[]),
        // Refused: no encoding keeps ".." one segment.
        user("..", "dot.jcs-dddddd", &[]),
        // Look-alikes and a tag only on a secondary email: never touched.
        user("u-real", "mary.jcs-admin", &[]),
        user("u-eve", "eve+jcs-1@example.com", &[]),
        user("u-dave", "dave", &["dave", "dave.jcs-abcdef@example.com"]),
        group("g-real", "Marketing jcs-2024"),
        group("g-ok", "Eng jcs-4f1a2b"),
    ];
    // More tagged users than one page: the SP ignores startIndex.
    seed.extend((0..150).map(|n| user(&format!("bulk-{n:03}"), &format!("u{n}.jcs-0a0b0c"), &[])));
    let store: Store = Arc::new(Mutex::new(seed.into_iter().collect()));
    let server = hostile_sp(store.clone()).await;
    let base = format!("{}/scim/v2", server.uri());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_jcsim"))
            .args(["cleanup", "--target", &base, "--token-env", "CLEANUP_TOKEN", "--yes"])
            .env("CLEANUP_TOKEN", "hostile-token-1")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let left: Vec<String> = store.lock().unwrap().keys().cloned().collect();
    assert_eq!(left, vec!["..", "g-real", "u-dave", "u-eve", "u-real"], "{text}");
    let deletes: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_string())
        .collect();
    for path in ["/scim/v2/Users/..%2FGroups%2Fg-real", "/scim/v2/Users/u-ceo%23frag", "/scim/v2/Users/u-cfo%3Fx%3D1"] {
        assert!(deletes.iter().any(|d| d == path), "{path} not in {deletes:?}");
    }
    assert!(deletes.iter().all(|d| !d.ends_with("/g-real") && !d.contains("u-real")), "{deletes:?}");
    assert!(text.contains("ignores startIndex"), "{text}");
    assert!(text.contains("refused: user .."), "{text}");
    assert!(text.contains("deleted 155; 1 tagged resource remains"), "{text}");
    assert_eq!(out.status.code(), Some(1), "something tagged remains: {text}");
}
