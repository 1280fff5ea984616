//! The JumpCloud behaviour model: turns directory changes into the SCIM
//! operations JumpCloud sends, holds the JumpCloud-id → SP-id map and applies
//! the knobs. It performs no I/O itself: requests go through a [`Transport`].

mod activate;
pub mod body;
mod knobs;
mod ops;
mod sync;
mod verify;

pub use knobs::*;
pub use ops::*;
pub use verify::Scope;

use crate::directory::JcId;
use serde_json::Value;
use std::collections::BTreeMap;

/// A user JumpCloud has linked to an SP user.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkedUser {
    pub sp_id: String,
    /// The last full representation sent (without `id`): what JumpCloud believes the SP holds.
    pub sent: SentBody,
    pub active: bool,
}

/// A JSON document kept as compact text. A linked user's last representation
/// is read rarely (verify, deleted users) but held for every linked user:
/// as text it takes about a fifth of the memory of a [`Value`] tree and
/// clones and drops as one allocation. Persisted as plain JSON.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SentBody(Box<str>);

impl SentBody {
    pub fn new(v: &Value) -> SentBody {
        SentBody(serde_json::to_string(v).unwrap_or_default().into_boxed_str())
    }

    /// The document as a value (`null` if it was never set).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }

    /// A top-level string attribute, such as `userName`.
    pub fn str_attr(&self, key: &str) -> Option<String> {
        match self.value() {
            Value::Object(mut m) => match m.remove(key) {
                Some(Value::String(s)) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    /// True when `v` is the document held.
    pub fn same_as(&self, v: &Value) -> bool {
        serde_json::to_string(v).is_ok_and(|text| *text == *self.0)
    }
}

impl serde::Serialize for SentBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for SentBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SentBody, D::Error> {
        Value::deserialize(d).map(|v| SentBody::new(&v))
    }
}

/// A group JumpCloud has linked to an SP group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LinkedGroup {
    pub sp_id: String,
    pub display_name: String,
    /// SP ids of the members JumpCloud believes the group has.
    pub members: Vec<String>,
}

/// The provisioning state of one application's Identity Management.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Provisioner {
    pub behaviour: Behaviour,
    pub users: BTreeMap<JcId, LinkedUser>,
    pub groups: BTreeMap<JcId, LinkedGroup>,
    /// SP users JumpCloud deleted (expected to answer 404).
    pub deleted_users: Vec<String>,
    /// SP groups JumpCloud deleted (expected to answer 404).
    pub deleted_groups: Vec<String>,
    /// Seed-derived ids for test users.
    ids: crate::directory::IdGen,
}

impl Provisioner {
    pub fn new(behaviour: Behaviour, seed: u64) -> Self {
        Provisioner {
            behaviour,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            deleted_users: Vec::new(),
            deleted_groups: Vec::new(),
            // A different stream from the directory's, so adding a user does not shift test ids.
            ids: crate::directory::IdGen::new(seed ^ 0x6a63_7369_6d00),
        }
    }

    /// The SP id JumpCloud holds for a JumpCloud user.
    pub fn sp_user_id(&self, jc: &str) -> Option<&str> {
        self.users.get(jc).map(|l| l.sp_id.as_str())
    }
}

/// The outcome of sending one operation: the reply if it was a success,
/// otherwise a finding that explains the failure.
pub(crate) async fn send_ok<T: Transport>(t: &T, op: ScimOp, what: &str) -> Result<Reply, Finding> {
    let method = op.method;
    let path = op.path.clone();
    match t.send(op).await {
        Ok(r) if r.is_success() => Ok(r),
        Ok(r) => Err(http_failure(&r, what, method, &path)),
        Err(f) => Err(fault_finding(&f, what)),
    }
}

/// A finding for a non-2xx reply.
pub(crate) fn http_failure(r: &Reply, what: &str, method: Method, path: &str) -> Finding {
    let detail = r.detail();
    let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
    let (admin, fix) = match r.status {
        401 | 403 => (
            "Provisioning error: the SP rejected JumpCloud's credentials.".to_string(),
            "Check the Token Key in Identity Management and that the SP accepts it for this endpoint.".to_string(),
        ),
        404 => (
            format!("Provisioning error: {method} {path} was not found at the SP.", method = method.as_str()),
            "Check the Base URL (no trailing `/`) and that the SP implements this endpoint.".to_string(),
        ),
        409 => (
            "Provisioning error: the resource already exists at the SP.".to_string(),
            "The SP must answer JumpCloud's userName/displayName lookup with the existing resource so JumpCloud can link it.".to_string(),
        ),
        s if s >= 500 => (
            "Provisioning error: the SP failed with a server error; JumpCloud retries later.".to_string(),
            "Look at the SP's logs for this request.".to_string(),
        ),
        _ => (
            format!("Provisioning error: the SP rejected the request (HTTP {}).", r.status),
            "Accept the request as JumpCloud sends it (see the request body in the timeline).".to_string(),
        ),
    };
    crate::check::finding("sp-rejected-request", format!("{what}: SP answered HTTP {}{detail}", r.status))
        .admin(admin)
        .fix(fix)
        .exchange(r.exchange)
}

/// A finding for a request that got no HTTP response.
pub fn fault_finding(f: &Fault, what: &str) -> Finding {
    if f.kind == "interrupted" {
        return Finding::error("interrupted", f.message.clone());
    }
    let id = match f.kind.as_str() {
        "timeout" => "sp-timeout",
        "too_large" => "response-too-large",
        _ => "sp-unreachable",
    };
    crate::check::finding(id, format!("{what}: no response from the SP ({}: {})", f.kind, f.message))
        .exchange(f.exchange)
}

/// The SP's `id` of a created or found resource. Must be a JSON string [C].
pub(crate) fn resource_id(r: &Reply, what: &str) -> Result<String, Finding> {
    let id = r.body.as_ref().and_then(|b| b.get("id"));
    match id {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(v) if !v.is_string() => Err(crate::check::finding(
            "id-string",
            format!("{what}: the SP returned \"id\": {v}; SCIM ids are strings"),
        )
        .exchange(r.exchange)),
        _ => {
            Err(crate::check::finding("create-body", format!("{what}: the SP's response has no `id`"))
                .exchange(r.exchange))
        }
    }
}

/// The first resource of a ListResponse, if any. A body that is not a
/// ListResponse is a finding.
pub(crate) fn first_resource(r: &Reply, what: &str) -> Result<Option<Value>, Finding> {
    let body = r.body.as_ref();
    let resources = body.and_then(|b| b.get("Resources"));
    let total = body.and_then(|b| b.get("totalResults"));
    match (resources, total) {
        (Some(Value::Array(items)), _) => Ok(items.first().cloned()),
        (None, Some(t)) if t.as_u64() == Some(0) => Ok(None),
        _ => Err(crate::check::finding("list-response", format!("{what}: the SP's answer is not a SCIM ListResponse"))
            .exchange(r.exchange)),
    }
}

#[cfg(test)]
mod sent_body_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sent_body_persists_as_json_and_compares_by_content() {
        let v = json!({"userName": "ann@x.test", "active": true, "name": {"givenName": "Ann"}});
        let link = LinkedUser { sp_id: "7".into(), sent: SentBody::new(&v), active: true };
        let text = serde_json::to_string_pretty(&link).unwrap();
        assert!(text.contains("\"givenName\": \"Ann\""), "persisted as an object: {text}");
        let back: LinkedUser = serde_json::from_str(&text).unwrap();
        assert_eq!(back, link);
        assert!(back.sent.same_as(&v));
        assert!(!back.sent.same_as(&json!({"userName": "ann@x.test"})));
        assert_eq!(back.sent.str_attr("userName").as_deref(), Some("ann@x.test"));
        assert_eq!(back.sent.str_attr("active"), None);
        let never = SentBody::default();
        assert_eq!(never.value(), Value::Null);
    }
}
