//! The JumpCloud behaviour model: turns directory changes into the SCIM
//! operations JumpCloud sends, holds the JumpCloud-id → SP-id map and applies
//! the knobs. It performs no I/O itself: requests go through a [`Transport`].

mod activate;
pub(crate) mod body;
mod ops;
mod probe;
mod sync;
mod verify;

use crate::check::Finding;
use crate::check::RuleId;
pub use crate::knobs::Behaviour;
pub(crate) use crate::knobs::*;
pub use ops::*;
pub use verify::{LARGE_GROUP, Scope};

use crate::directory::JcId;
use serde_json::Value;
use std::collections::BTreeMap;
use std::num::NonZeroU64;

/// A user JumpCloud has linked to an SP user.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LinkedUser {
    pub(crate) sp_id: String,
    /// The last full representation sent (without `id`): what JumpCloud believes the SP holds.
    pub(crate) sent: SentBody,
    pub(crate) active: bool,
    /// The last document sent, kept only under `update_method:
    /// patch_per_attribute` (which sends the changed paths) and never persisted.
    #[serde(skip)]
    pub(crate) doc: Option<Box<Value>>,
}

impl LinkedUser {
    pub(crate) fn new(sp_id: String, sent: SentBody, active: bool) -> LinkedUser {
        LinkedUser { sp_id, sent, active, doc: None }
    }
}

/// What JumpCloud remembers of the last full representation it sent a user:
/// a fingerprint of the document (to tell whether an update is due) and the
/// two attributes the read-back compares. It is held for every linked user,
/// so it stays small: 32 bytes and one allocation, against 700 for the
/// document as text. The whole document is a function of the directory
/// user, so it is rebuilt when needed (a deleted user's final PUT).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SentBody {
    /// FNV-1a of the compact JSON text; `None` until something was sent.
    fingerprint: Option<NonZeroU64>,
    /// `userName` then `displayName`, as sent, in one allocation.
    names: Box<str>,
    /// The length of `userName` in `names`, or [`ABSENT`] when it was not sent.
    user_len: u32,
    display: bool,
}

const ABSENT: u32 = u32::MAX;

/// A fingerprint of 0 is kept as 1, so an absent one costs no extra word.
fn nonzero(f: u64) -> NonZeroU64 {
    NonZeroU64::new(f).unwrap_or(NonZeroU64::MIN)
}

impl Default for SentBody {
    fn default() -> SentBody {
        SentBody::from_parts(None, None, None)
    }
}

impl SentBody {
    pub(crate) fn new(v: &Value) -> SentBody {
        let text = |k: &str| v.get(k).and_then(Value::as_str);
        SentBody::from_parts(Some(fingerprint(v)), text("userName"), text("displayName"))
    }

    fn from_parts(fingerprint: Option<u64>, user_name: Option<&str>, display_name: Option<&str>) -> SentBody {
        // Names over 4 GiB are not sent (request bodies are capped far below).
        let user_len = user_name.and_then(|u| u32::try_from(u.len()).ok()).unwrap_or(ABSENT);
        let names = [user_name.unwrap_or_default(), display_name.unwrap_or_default()].concat();
        SentBody {
            fingerprint: fingerprint.map(nonzero),
            names: names.into_boxed_str(),
            user_len,
            display: display_name.is_some(),
        }
    }

    fn user_end(&self) -> usize {
        if self.user_len == ABSENT { 0 } else { self.user_len as usize }
    }

    /// `userName` as sent.
    pub(crate) fn user_name(&self) -> Option<&str> {
        (self.user_len != ABSENT).then(|| &self.names[..self.user_end()])
    }

    /// `displayName` as sent.
    pub(crate) fn display_name(&self) -> Option<&str> {
        self.display.then(|| &self.names[self.user_end()..])
    }

    /// True when `v` is the document sent.
    pub(crate) fn same_as(&self, v: &Value) -> bool {
        self.fingerprint == Some(nonzero(fingerprint(v)))
    }
}

/// FNV-1a (64 bit) of a document's compact JSON text, hashed as it is
/// written: stable across runs, so persisted console state stays valid.
fn fingerprint(v: &Value) -> u64 {
    struct Fnv(u64);
    impl std::io::Write for Fnv {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            for &b in buf {
                self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    // Writing to a hasher cannot fail, and a Value always serializes.
    let _ = serde_json::to_writer(&mut h, v);
    h.0
}

/// The persisted form: `{"fingerprint": "<16 hex>", "userName": .., "displayName": ..}`.
#[derive(serde::Serialize, serde::Deserialize)]
struct SentBodyRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
    #[serde(default, rename = "userName", skip_serializing_if = "Option::is_none")]
    user_name: Option<Box<str>>,
    #[serde(default, rename = "displayName", skip_serializing_if = "Option::is_none")]
    display_name: Option<Box<str>>,
}

impl serde::Serialize for SentBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SentBodyRepr {
            fingerprint: self.fingerprint.map(|f| format!("{f:016x}")),
            user_name: self.user_name().map(Box::from),
            display_name: self.display_name().map(Box::from),
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for SentBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SentBody, D::Error> {
        let v = Value::deserialize(d)?;
        let Some(hex) = v.get("fingerprint").and_then(Value::as_str) else {
            // State written before fingerprints held the whole document (or null).
            return Ok(if v.is_null() { SentBody::default() } else { SentBody::new(&v) });
        };
        let fingerprint = u64::from_str_radix(hex, 16).map_err(serde::de::Error::custom)?;
        let repr: SentBodyRepr = serde_json::from_value(v).map_err(serde::de::Error::custom)?;
        Ok(SentBody::from_parts(Some(fingerprint), repr.user_name.as_deref(), repr.display_name.as_deref()))
    }
}

/// A group JumpCloud has linked to an SP group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LinkedGroup {
    pub(crate) sp_id: String,
    pub(crate) display_name: String,
    /// SP ids of the members JumpCloud believes the group has.
    pub(crate) members: Vec<String>,
    /// The last request that set `members` (`written_by`), named by a
    /// read-back that finds them different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) members_by: Option<String>,
}

/// How `create-drops-members` says the SP took the members in the other
/// form, so the group holds them after all (`jcsim compat` goes on).
pub const TAKES_THEN_ADD: &str = "it takes them in a PATCH add after the create (`group_create: then_add`)";

/// How a read-back names the request that should have set a value.
pub(crate) fn written_by(method: &str, path: &str, label: &str, exchange: u64) -> String {
    format!("{method} {path} `{label}` (exchange #{exchange})")
}

/// The provisioning state of one application's Identity Management.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Provisioner {
    pub(crate) behaviour: Behaviour,
    pub(crate) users: BTreeMap<JcId, LinkedUser>,
    pub(crate) groups: BTreeMap<JcId, LinkedGroup>,
    /// SP users JumpCloud deleted (expected to answer 404).
    pub(crate) deleted_users: Vec<String>,
    /// SP groups JumpCloud deleted (expected to answer 404).
    pub(crate) deleted_groups: Vec<String>,
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
    pub(crate) fn sp_user_id(&self, jc: &str) -> Option<&str> {
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

/// Send a create and return the new resource's reply. A 5xx is not resent
/// blindly (the client never retries a POST after a 5xx): the SP may have
/// stored the resource before failing, and a second POST would meet 409.
/// `lookup` looks for it first. Found: it is linked, and the 5xx is the
/// finding (`create-5xx-stored`). Not found: the create is sent once more.
pub(crate) async fn create<T: Transport>(
    t: &T,
    op: ScimOp,
    lookup: ScimOp,
    what: &str,
) -> Result<(Reply, Option<Finding>), CreateFailed> {
    let (method, path, again) = (op.method, op.path.clone(), op.clone());
    let fail = |r: &Reply| CreateFailed {
        status: Some(r.status),
        finding: http_failure(r, what, method, &path),
        reply: Some(r.clone()),
    };
    let fault = |f: &Fault| CreateFailed { status: None, finding: fault_finding(f, what), reply: None };
    let first = t.send(op).await.map_err(|f| fault(&f))?;
    if first.is_success() {
        return Ok((first, None));
    }
    if first.status < 500 {
        return Err(fail(&first));
    }
    let found = match t.send(lookup).await {
        Ok(r) if r.is_success() => first_resource(&r, what).ok().flatten().map(|hit| Reply { body: Some(hit), ..r }),
        _ => None,
    };
    if let Some(found) = found {
        let detail = first.detail();
        let detail = if detail.is_empty() { String::new() } else { format!(" ({detail})") };
        let finding = crate::check::finding(
            RuleId::Create5xxStored,
            format!(
                "{what}: SP answered HTTP {}{detail}, yet the lookup that followed found it stored; linked to it",
                first.status
            ),
        )
        .exchange(first.exchange);
        return Ok((found, Some(finding)));
    }
    match t.send(again).await {
        Ok(r) if r.is_success() => Ok((r, None)),
        Ok(r) => Err(fail(&r)),
        Err(f) => Err(fault(&f)),
    }
}

/// A create that did not succeed: the SP's last status (none when it did
/// not answer) and the finding.
pub(crate) struct CreateFailed {
    pub(crate) status: Option<u16>,
    pub(crate) finding: Finding,
    /// The SP's last answer.
    pub(crate) reply: Option<Reply>,
}

/// `POST /Groups` through [`create`] (`lookup` finds a group a 5xx stored).
/// An empty group refused in its `empty_group_members` form (400, 415, 422)
/// is tried in the other form, which `compat-risk` reports.
pub(crate) async fn create_group<T: Transport>(
    t: &T,
    b: &Behaviour,
    (name, members): (&str, &[String]),
    label: &str,
    lookup: ScimOp,
    what: &str,
) -> Result<(Reply, Option<Finding>), CreateFailed> {
    let op_for = |form: EmptyGroupMembers| {
        ScimOp::new(Insight::GroupCreate, Method::Post, "/Groups", label).body_text(body::group(name, members, form))
    };
    match create(t, op_for(b.empty_group_members), lookup, what).await {
        Err(CreateFailed { status, reply: Some(r), .. })
            if members.is_empty() && r.status < 500 && probe::form_refused(r.status) =>
        {
            let exchange = (Method::Post, "/Groups", label);
            match probe::after_refusal(t, b, r, exchange, what, |f| Some(op_for(f))).await {
                Ok((reply, _)) => Ok((reply, None)),
                Err(finding) => Err(CreateFailed { status, finding, reply: None }),
            }
        }
        other => other,
    }
}

impl From<CreateFailed> for Finding {
    fn from(c: CreateFailed) -> Finding {
        c.finding
    }
}

/// A finding for a non-2xx reply.
pub(crate) fn http_failure(r: &Reply, what: &str, method: Method, path: &str) -> Finding {
    let detail = r.detail();
    let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
    // Configuration mistakes have rules of their own: the SP is not at fault.
    let collection = matches!(path, "/Users" | "/Groups" | "/ServiceProviderConfig");
    match r.status {
        401 | 403 => {
            return crate::check::finding(
                RuleId::TargetAuth,
                format!("{what}: SP answered HTTP {} to the configured token{detail}", r.status),
            )
            .exchange(r.exchange);
        }
        404 if collection => {
            return crate::check::finding(
                RuleId::TargetBaseUrl,
                format!(
                    "{what}: {} {path} answered HTTP 404: the Base URL does not lead to a SCIM API",
                    method.as_str()
                ),
            )
            .exchange(r.exchange);
        }
        300..=399 => {
            let to = r.location.as_deref().unwrap_or("(no Location header)");
            return crate::check::finding(
                RuleId::TargetRedirect,
                format!(
                    "{what}: SP answered HTTP {} redirecting to {to}; JumpCloud does not follow redirects",
                    r.status
                ),
            )
            .exchange(r.exchange);
        }
        _ => {}
    }
    let (admin, fix) = match r.status {
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
    crate::check::finding(RuleId::SpRejectedRequest, format!("{what}: SP answered HTTP {}{detail}", r.status))
        .admin(admin)
        .fix(fix)
        .exchange(r.exchange)
}

/// A finding for a request that got no HTTP response.
pub(crate) fn fault_finding(f: &Fault, what: &str) -> Finding {
    if f.kind == crate::record::FaultKind::Interrupted {
        return Finding::error(crate::rules::CheckId::Interrupted, f.message.clone());
    }
    use crate::record::FaultKind;
    let id = match f.kind {
        FaultKind::Timeout => RuleId::SpTimeout,
        FaultKind::TooLarge => RuleId::ResponseTooLarge,
        _ if crate::client::tls_failure(&f.message).is_some() => RuleId::TargetTls,
        _ => RuleId::SpUnreachable,
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
            RuleId::IdString,
            format!("{what}: the SP returned \"id\": {v}; SCIM ids are strings"),
        )
        .exchange(r.exchange)),
        _ => Err(crate::check::finding(RuleId::CreateBody, format!("{what}: the SP's response has no `id`"))
            .exchange(r.exchange)),
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
        _ => Err(crate::check::finding(
            RuleId::ListResponse,
            format!("{what}: the SP's answer is not a SCIM ListResponse"),
        )
        .exchange(r.exchange)),
    }
}

#[cfg(test)]
mod sent_body_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sent_body_persists_and_compares_by_content() {
        let v = json!({"userName": "ann@x.test", "displayName": "Ann", "active": true, "name": {"givenName": "Ann"}});
        let link = LinkedUser::new("7".into(), SentBody::new(&v), true);
        let text = serde_json::to_string_pretty(&link).unwrap();
        let back: LinkedUser = serde_json::from_str(&text).unwrap();
        assert_eq!(back, link);
        assert!(back.sent.same_as(&v));
        assert!(!back.sent.same_as(&json!({"userName": "ann@x.test", "displayName": "Ann", "active": false})));
        assert!(!back.sent.same_as(&json!({"userName": "ann@x.test"})));
        assert_eq!(back.sent.user_name(), Some("ann@x.test"));
        assert_eq!(back.sent.display_name(), Some("Ann"));
        assert!(!SentBody::default().same_as(&json!(null)), "nothing sent matches nothing");
    }

    #[test]
    fn sent_body_reads_state_that_held_the_whole_document() {
        let v = json!({"userName": "bo@x.test", "active": true});
        let old = json!({"sp_id": "9", "sent": v, "active": true});
        let link: LinkedUser = serde_json::from_value(old).unwrap();
        assert!(link.sent.same_as(&v));
        assert_eq!(link.sent.user_name(), Some("bo@x.test"));
        assert_eq!(link.sent.display_name(), None);
    }

    #[test]
    fn absent_and_empty_names_differ() {
        let none = SentBody::new(&json!({"active": true}));
        assert_eq!((none.user_name(), none.display_name()), (None, None));
        let empty = SentBody::new(&json!({"userName": "", "displayName": ""}));
        assert_eq!((empty.user_name(), empty.display_name()), (Some(""), Some("")));
        let only_display = SentBody::new(&json!({"displayName": "Zoë D'Angelo"}));
        assert_eq!((only_display.user_name(), only_display.display_name()), (None, Some("Zoë D'Angelo")));
        assert_eq!(SentBody::default().user_name(), None);
        assert_eq!(std::mem::size_of::<SentBody>(), 32, "held per linked user");
    }

    #[test]
    fn fingerprints_are_stable_across_runs() {
        // Persisted console state compares against this value: it must not change.
        assert_eq!(fingerprint(&json!({"a": [1, "b"]})), 0x988b_d031_0179_ac5f);
    }
}
