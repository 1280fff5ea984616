//! The fuzz targets' logic, shared by the libFuzzer entry points
//! (`fuzz_targets/`) and the stable fallback loop (`src/bin/stable_loop.rs`).
//! Each function must never panic on any input; the asserts inside are the
//! properties a finding violates.
#![forbid(unsafe_code)]

use jcsim::lint;
use jcsim::check::{InspectOptions, inspect};
use jcsim::directory::Directory;
use jcsim::provision::{Behaviour, Fault, Provisioner, Reply, ScimOp, Scope, Transport};
use jcsim::record::{Exchange, RecordedRequest, RecordedResponse, Timing};
use jcsim::scenario;
use jcsim::scim::{filter, patch};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// `lint::load_str` on any UTF-8 text: a scenario or errors that each name `file:line:col`.
pub fn scenario_loader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let result = scenario::env::with_vars(HashMap::new(), || lint::load_str(text, "fuzz.yaml"));
    let Err(errors) = result else { return };
    assert!(!errors.0.is_empty(), "an Err without errors");
    let rendered = errors.to_string();
    let lines = text.replace("\r\n", "\n").split(['\r', '\n']).count(); // YAML line breaks
    for e in &errors.0 {
        let pos = e.pos.expect("every loader error has a position");
        assert!(pos.line >= 1 && pos.col >= 1 && pos.line <= lines + 1, "bad position {pos:?}");
        assert!(rendered.contains(&format!("fuzz.yaml:{}:{}", pos.line, pos.col)));
        assert!(pos.line > lines || e.source_line.is_some(), "no source line for line {}", pos.line);
    }
}

static RESOURCE: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "id": "u1", "userName": "Alice@Example.com", "active": true, "displayName": "Alice",
        "name": { "givenName": "Alice", "familyName": "Liddell" },
        "emails": [{ "value": "alice@example.com", "type": "work", "primary": true }, { "value": 3 }],
        "members": [{ "value": "u1" }, { "value": "u2", "display": null }],
        "meta": { "created": "2024-01-01T00:00:00Z", "version": "W/\"1\"" },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "manager": { "value": "u9" }, "department": "R&D" },
        "x": [[1, [2]], { "y": [] }], "n": 1.5e300, "z": null
    })
});

/// `scim::filter::parse` (and the PATCH value-path form) on any text; filters
/// that parse evaluate without panic, and errors point inside the input.
pub fn scim_filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match filter::parse(text) {
        Ok(f) => {
            let _ = f.matches(&RESOURCE, &filter::default_case_exact);
            let _ = f.matches(&json!({}), &|_| true);
        }
        Err(e) => assert!(e.position >= 1 && e.position <= text.chars().count() + 1, "position {}", e.position),
    }
    let _ = filter::parse_value_path(text);
    let _ = filter::AttrPath::parse(text);
}

/// `scim::patch::parse_path` on any text, and (when the input is JSON) a whole
/// PatchOp through `parse_request` and `apply`.
pub fn patch_path(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = patch::parse_path(text) {
            assert_eq!(e.scim_type(), "invalidPath");
        }
        // The text as the path of each operation.
        for op in ["add", "remove", "replace"] {
            let body = json!({
                "schemas": [jcsim::scim::PATCH_OP_SCHEMA],
                "Operations": [{ "op": op, "path": text, "value": [{ "value": "u3" }] }],
            });
            apply_to_resource(&body);
        }
    }
    if let Ok(body) = serde_json::from_slice::<Value>(data) {
        apply_to_resource(&body);
    }
}

fn apply_to_resource(body: &Value) {
    let Ok(ops) = patch::parse_request(body) else { return };
    let immutable = |k: &str| matches!(k, "id" | "meta");
    let rules = patch::Rules { case_exact: &filter::default_case_exact, immutable: &immutable };
    let mut resource = RESOURCE.clone();
    if patch::apply(&mut resource, &ops, &rules).is_ok() {
        assert!(resource.is_object());
    }
    serde_json::to_vec(&resource).expect("still JSON");
}

const STATUSES: [u16; 16] = [200, 201, 204, 200, 201, 302, 400, 401, 403, 404, 405, 409, 429, 500, 501, 503];

/// An SP that answers request `n` with part `n % parts` of the fuzz input.
/// Input: one status byte per part, then the body; parts are separated by 0xFF
/// (never valid in UTF-8 or JSON text).
struct Canned {
    parts: Vec<(u16, Option<Value>)>,
    next: AtomicU64,
}

impl Transport for Canned {
    fn send(&self, _op: ScimOp) -> impl Future<Output = Result<Reply, Fault>> + Send {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let (status, body) = self.parts[(n as usize) % self.parts.len()].clone();
        async move {
            if status == 0 {
                return Err(Fault { kind: jcsim::record::FaultKind::Timeout, message: "fuzz".into(), exchange: n + 1 });
            }
            Ok(Reply { status, body, raw: None, exchange: n + 1, location: None })
        }
    }
}

static SCENARIO: LazyLock<scenario::Scenario> = LazyLock::new(|| {
    let yaml = "name: fuzz\n\
        directory:\n  users: [{ username: alice, email: alice@example.com }, { username: bob, email: bob@example.com }]\n\
        \x20 groups: [{ name: Eng, members: [alice, bob] }]\n\
        app: { group_management: true }\nsteps: [activate]\n";
    lint::load_str(yaml, "fuzz.yaml").expect("valid fuzz scenario")
});

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().build().expect("runtime"));

/// Bytes as SP responses: through `check::inspect` on a synthetic exchange,
/// and through the provisioning model (activate, bind a group, rename it,
/// remove a member, verify) via a transport that replays them.
pub fn sp_response(data: &[u8]) {
    let parts: Vec<(u16, Option<Value>, &[u8])> = data
        .split(|b| *b == 0xFF)
        .take(32)
        .map(|p| {
            let (s, body) = p.split_first().map_or((0, p), |(s, b)| (*s, b));
            let status = if s == 0xFE { 0 } else { STATUSES[(s & 0x0F) as usize] };
            (status, serde_json::from_slice::<Value>(body).ok(), body)
        })
        .collect();
    for (i, (status, body, raw)) in parts.iter().enumerate() {
        inspect_one(i as u64 + 1, *status, body.clone(), raw);
        skim_one(body.as_ref(), raw);
    }
    let canned = Canned { parts: parts.into_iter().map(|(s, b, _)| (s, b)).collect(), next: AtomicU64::new(0) };
    RT.block_on(provision(&canned));
}

/// The client's skim of a large answer keeps exactly the top-level scalar
/// members of a JSON object, whatever the chunk boundaries.
fn skim_one(parsed: Option<&Value>, raw: &[u8]) {
    let mut whole = jcsim::client::Skim::default();
    let whole_ok = whole.feed(raw);
    let mut split = jcsim::client::Skim::default();
    let split_ok = raw.chunks(7).all(|c| split.feed(c));
    let (whole, split) = (whole_ok.then(|| whole.finish()).flatten(), split_ok.then(|| split.finish()).flatten());
    assert_eq!(whole, split, "chunking changed the skim");
    let Some(Value::Object(m)) = parsed else { return };
    let Some(Value::Object(kept)) = &whole else { panic!("a JSON object the skim rejected") };
    assert!(kept.values().all(|v| !v.is_object() && !v.is_array()));
    if raw.len() < 60_000 {
        // No member is over the skim's length limit. serde_json keeps the
        // last of duplicate keys, as the skim does.
        for (k, v) in m.iter().filter(|(_, v)| !v.is_object() && !v.is_array()) {
            assert_eq!(kept.get(k), Some(v), "skim lost {k}");
        }
    }
}

fn inspect_one(id: u64, status: u16, body: Option<Value>, raw: &[u8]) {
    let body_text = body.is_none().then(|| String::from_utf8_lossy(raw).into_owned());
    let ct = if id % 2 == 0 { "application/scim+json" } else { "text/html; charset=utf-8" };
    for (method, url) in [
        ("POST", "http://127.0.0.1:9/scim/v2/Users"),
        ("GET", "http://127.0.0.1:9/scim/v2/Users?filter=userName%20eq%20%22a%22"),
        ("PATCH", "http://127.0.0.1:9/scim/v2/Groups/g1"),
        ("DELETE", "http://127.0.0.1:9/Users/u1"),
        ("GET", "weird"),
    ] {
        let x = Exchange {
            id,
            step: 0,
            line: 0,
            event: "user_create_provision".into(),
            label: "fuzz".into(),
            attempt: 1,
            request: RecordedRequest {
                method: method.into(),
                url: url.into(),
                headers: vec![],
                body: Some(json!({ "userName": "alice@example.com" })),
            },
            response: Some(RecordedResponse {
                status: if status == 0 { 200 } else { status },
                headers: vec![
                    ("content-type".into(), ct.into()),
                    ("location".into(), "/Users/u1".into()),
                    ("retry-after".into(), "soon".into()),
                ],
                body: body.clone(),
                body_text: body_text.clone(),
            }),
            error: None,
            timing: Timing { start_ms: 0, duration_ms: 1.0 },
            expects_refusal: false,
        };
        for f in inspect(&x, InspectOptions { slow_ms: 1000.0 }) {
            assert!(!f.message.is_empty());
            assert!(jcsim::check::rule_by_id(f.id.as_str()).is_some(), "finding {} is in the rule catalogue", f.id);
        }
    }
}

async fn provision(t: &Canned) {
    let mut dir = Directory::from_scenario(&SCENARIO, 1).expect("directory");
    let mut prov = Provisioner::new(Behaviour::default(), 1);
    let _ = prov.test_connection(&dir, t).await;
    let _ = prov.activate(&mut dir, None, t).await;
    if dir.bind_group("Eng").is_ok() {
        let _ = prov.sync(&dir, t).await;
    }
    if dir.rename_group("Eng", "Platform").is_ok() {
        let _ = prov.sync(&dir, t).await;
    }
    if dir.remove_member("bob", "Platform").is_ok() {
        let _ = prov.sync(&dir, t).await;
    }
    let _ = prov.verify(t, &Scope::all()).await;
    let _ = prov.deactivate(&mut dir, t).await;
}
