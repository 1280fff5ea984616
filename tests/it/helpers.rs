//! Shared test fixtures: a stateful wiremock SP, scenario runners and golden files.

#[path = "../support/golden.rs"]
mod golden_file;
use jcsim::engine::{self, RunOptions, TargetOverride};
use jcsim::lint;
use jcsim::record::{Event, read_events};
use jcsim::report::Summary;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const TOKEN: &str = "tok-7f3a9c1e-distinctive";

/// An in-memory SCIM responder good enough to drive every JumpCloud flow:
/// sequential ids (`u1`, `g1`), userName/displayName lookups, echoing writes.
#[derive(Default)]
pub struct FakeState {
    users: BTreeMap<String, Value>,
    groups: BTreeMap<String, Value>,
    next: u64,
    /// Filters compare case-sensitively (a bug).
    pub case_sensitive: bool,
    /// Any token is accepted (a bug).
    pub any_token: bool,
}

impl FakeState {
    /// Pre-existing SP user (for lookup hits and 409s).
    pub fn with_user(mut self, user_name: &str) -> Self {
        self.next += 1;
        let id = format!("u{}", self.next);
        self.users.insert(id.clone(), json!({"id": id, "userName": user_name, "active": true}));
        self
    }

    /// Pre-existing SP group (for takeover).
    pub fn with_group(mut self, name: &str) -> Self {
        self.next += 1;
        let id = format!("g{}", self.next);
        self.groups.insert(id.clone(), json!({"id": id, "displayName": name, "members": []}));
        self
    }

    fn respond(&mut self, req: &Request) -> ResponseTemplate {
        let auth = req.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
        if !self.any_token && auth != format!("Bearer {TOKEN}") {
            return scim(401, error(401, "bad token"));
        }
        let path = req.url.path().to_string();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let body: Option<Value> = serde_json::from_slice(&req.body).ok();
        let method = req.method.as_str();
        let (kind, id) = (parts.first().copied().unwrap_or(""), parts.get(1).map(|s| s.to_string()));
        let store = match kind {
            "Users" => &mut self.users,
            "Groups" => &mut self.groups,
            "ServiceProviderConfig" => {
                return scim(200, json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]}));
            }
            _ => return scim(404, error(404, "no such endpoint")),
        };
        match (method, id) {
            ("GET", None) => {
                let filter = req.url.query_pairs().find(|(k, _)| k == "filter").map(|(_, v)| v.into_owned());
                let hits: Vec<Value> = store
                    .values()
                    .filter(|r| match &filter {
                        Some(f) => {
                            let (attr, value) = parse_eq(f);
                            let case_sensitive = self.case_sensitive;
                            r.get(&attr).and_then(Value::as_str).is_some_and(|v| {
                                if case_sensitive { v == value } else { v.eq_ignore_ascii_case(&value) }
                            })
                        }
                        None => true,
                    })
                    .cloned()
                    .collect();
                scim(
                    200,
                    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": hits.len(), "startIndex": 1, "itemsPerPage": hits.len(), "Resources": hits}),
                )
            }
            ("POST", None) => {
                let mut b = body.unwrap_or(json!({}));
                let key = if kind == "Users" { "userName" } else { "displayName" };
                let name = b.get(key).and_then(Value::as_str).unwrap_or("").to_string();
                if store
                    .values()
                    .any(|r| r.get(key).and_then(Value::as_str).is_some_and(|v| v.eq_ignore_ascii_case(&name)))
                {
                    return scim(
                        409,
                        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "scimType": "uniqueness", "detail": "already exists"}),
                    );
                }
                self.next += 1;
                let id = format!("{}{}", if kind == "Users" { "u" } else { "g" }, self.next);
                b["id"] = json!(id);
                store.insert(id, b.clone());
                scim(201, b)
            }
            ("GET", Some(id)) => match store.get(&id) {
                Some(r) => scim(200, r.clone()),
                None => scim(404, error(404, "not found")),
            },
            ("PUT", Some(id)) if store.contains_key(&id) => {
                let mut b = body.unwrap_or(json!({}));
                b["id"] = json!(id);
                store.insert(id, b.clone());
                scim(200, b)
            }
            ("PATCH", Some(id)) if store.contains_key(&id) => {
                let r = store.get_mut(&id).expect("checked");
                apply_patch(r, body.as_ref());
                scim(200, r.clone())
            }
            ("DELETE", Some(id)) => match store.remove(&id) {
                Some(_) => ResponseTemplate::new(204),
                None => scim(404, error(404, "not found")),
            },
            _ => scim(404, error(404, "not found")),
        }
    }
}

/// Enough PATCH for the forms JumpCloud sends.
fn apply_patch(r: &mut Value, body: Option<&Value>) {
    let Some(ops) = body.and_then(|b| b.get("Operations")).and_then(Value::as_array) else {
        return;
    };
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        let members = r["members"].as_array().cloned().unwrap_or_default();
        match (kind.as_str(), path) {
            ("add", "members") => {
                let mut m = members;
                m.extend(value.as_array().cloned().unwrap_or_default());
                r["members"] = Value::Array(m);
            }
            ("remove", "members") => {
                let gone: Vec<Value> =
                    value.as_array().cloned().unwrap_or_default().iter().map(|v| v["value"].clone()).collect();
                r["members"] = Value::Array(members.into_iter().filter(|m| !gone.contains(&m["value"])).collect());
            }
            ("remove", p) if p.starts_with("members[value eq ") => {
                let id = p.trim_start_matches("members[value eq \"").trim_end_matches("\"]");
                r["members"] = Value::Array(members.into_iter().filter(|m| m["value"] != json!(id)).collect());
            }
            ("replace", "") => {
                if let (Some(obj), Some(v)) = (r.as_object_mut(), value.as_object()) {
                    for (k, v) in v {
                        obj.insert(k.clone(), v.clone());
                    }
                }
            }
            ("replace", p) => r[p] = value,
            _ => {}
        }
    }
}

fn parse_eq(filter: &str) -> (String, String) {
    let (attr, rest) = filter.split_once(" eq ").unwrap_or((filter, ""));
    (attr.to_string(), rest.trim_matches('"').replace("\\\"", "\""))
}

pub fn scim(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(serde_json::to_vec(&body).unwrap(), "application/scim+json")
}

pub fn error(status: u16, detail: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status.to_string(), "detail": detail})
}

/// A wiremock SP backed by [`FakeState`].
pub async fn fake_sp(state: FakeState) -> MockServer {
    let server = MockServer::start().await;
    let state = Arc::new(Mutex::new(state));
    Mock::given(any()).respond_with(move |req: &Request| state.lock().unwrap().respond(req)).mount(&server).await;
    server
}

/// A finished run, read back from disk.
pub struct Ran {
    pub summary: Summary,
    pub events: Vec<Event>,
    pub _out: tempfile::TempDir,
}

impl Ran {
    pub fn checks(&self) -> Vec<&jcsim::record::Check> {
        self.events.iter().filter_map(|e| if let Event::Check(c) = e { Some(c) } else { None }).collect()
    }

    pub fn exchanges(&self) -> Vec<&jcsim::record::Exchange> {
        self.events.iter().filter_map(|e| if let Event::Exchange(x) = e { Some(x) } else { None }).collect()
    }

    pub fn failed_check_ids(&self) -> Vec<String> {
        self.checks()
            .iter()
            .filter(|c| c.verdict == jcsim::record::Verdict::Fail)
            .map(|c| c.id.as_str().to_string())
            .collect()
    }
}

/// Load `yaml` and run it against `base_url` with the test token.
pub async fn run_yaml(yaml: &str, base_url: &str) -> Ran {
    run_yaml_with(yaml, base_url, |_| {}).await
}

/// Like [`run_yaml`], with adjusted options (`--strict`, `--verify-each`).
pub async fn run_yaml_with(yaml: &str, base_url: &str, adjust: impl FnOnce(&mut RunOptions)) -> Ran {
    let scenario = lint::load_str(yaml, "test.yaml").unwrap_or_else(|e| panic!("invalid test scenario:\n{e}"));
    let out = tempfile::tempdir().unwrap();
    let mut opts = RunOptions {
        out_dir: out.path().to_path_buf(),
        target: Some(TargetOverride {
            base_url: base_url.to_string(),
            credentials: Some(jcsim::client::Credentials::Bearer(TOKEN.into())),
            tls: Default::default(),
        }),
        seed: Some(7),
        ..RunOptions::default()
    };
    adjust(&mut opts);
    let dir = engine::run_scenario(&scenario, &opts).await.expect("run");
    let summary = jcsim::report::write_outputs(&dir).expect("outputs").result;
    let events = read_events(&summary.run_dir.join("events.jsonl")).unwrap().events;
    Ran { summary, events, _out: out }
}

/// Run `yaml` against a fresh embedded SP (the scenario's own target).
#[allow(dead_code)] // used by the rules tests
pub async fn run_embedded(yaml: &str, adjust: impl FnOnce(&mut RunOptions)) -> Ran {
    let scenario = lint::load_str(yaml, "test.yaml").unwrap_or_else(|e| panic!("invalid test scenario:\n{e}"));
    let out = tempfile::tempdir().unwrap();
    let mut opts = RunOptions { out_dir: out.path().to_path_buf(), seed: Some(7), ..RunOptions::default() };
    adjust(&mut opts);
    let dir = engine::run_scenario(&scenario, &opts).await.expect("run");
    let summary = jcsim::report::write_outputs(&dir).expect("outputs").result;
    let events = read_events(&summary.run_dir.join("events.jsonl")).unwrap().events;
    Ran { summary, events, _out: out }
}

/// The requests an SP received, as a stable JSON document for golden files.
pub async fn wire(server: &MockServer) -> Value {
    let reqs = server.received_requests().await.unwrap_or_default();
    Value::Array(
        reqs.iter()
            .map(|r| {
                let mut headers = BTreeMap::new();
                for name in ["accept", "content-type", "authorization", "user-agent", "jcsim-purpose"] {
                    if let Some(v) = r.headers.get(name) {
                        let v = v.to_str().unwrap_or("").to_string();
                        let v = if name == "user-agent" {
                            v.split('/').next().unwrap_or("").to_string() + "/VERSION"
                        } else {
                            v
                        };
                        headers.insert(name, v);
                    }
                }
                json!({
                    "method": r.method.as_str(),
                    "path": r.url.path(),
                    "query": r.url.query(),
                    "headers": headers,
                    "body": serde_json::from_slice::<Value>(&r.body).ok(),
                })
            })
            .collect(),
    )
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Compare `actual` with a golden file; `UPDATE_GOLDEN=1` rewrites it.
pub fn golden(rel: &str, actual: &str) {
    golden_file::check(&fixtures().join(rel), actual);
}
