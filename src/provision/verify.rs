//! Read-back verification: ask the SP for every resource JumpCloud has linked
//! and compare it with what JumpCloud believes it sent; then two conformance
//! probes (a wrong token must be refused, userName lookups ignore case).

use super::probe::Ignored;
use super::sync::member_ids;
use super::{Insight, LinkedGroup, LinkedUser, Method, Provisioner, ScimOp, Transport};
use crate::check::Finding;
use crate::check::RuleId;
use crate::check::finding;
use crate::scim::filter_string;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Which resources to read back.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// SP ids; `None` means all.
    pub(crate) users: Option<BTreeSet<String>>,
    pub(crate) groups: Option<BTreeSet<String>>,
    /// Run the conformance probes too.
    pub(crate) probes: bool,
    /// User attributes (scenario keys) to compare with `expected`.
    pub(crate) attributes: Vec<String>,
    /// What JumpCloud would send each linked user now, by SP id.
    pub(crate) expected: BTreeMap<String, Value>,
}

impl Scope {
    /// Everything, with probes (the `verify` step).
    pub fn all() -> Scope {
        Scope { users: None, groups: None, probes: true, attributes: Vec::new(), expected: BTreeMap::new() }
    }

    /// Also compare these user attributes with what JumpCloud sends
    /// (`verify: { attributes }`); `expected` from [`Provisioner::expected_users`].
    pub fn attributes(self, expected: BTreeMap<String, Value>, keys: &[String]) -> Scope {
        Scope { attributes: keys.to_vec(), expected, ..self }
    }

    fn has_user(&self, id: &str) -> bool {
        self.users.as_ref().is_none_or(|s| s.contains(id))
    }

    fn has_group(&self, id: &str) -> bool {
        self.groups.as_ref().is_none_or(|s| s.contains(id))
    }
}

impl Provisioner {
    /// The body JumpCloud would send each linked user now (a full
    /// representation), by SP id: what `verify: { attributes }` compares.
    pub fn expected_users(&self, dir: &crate::directory::Directory) -> BTreeMap<String, Value> {
        self.users
            .iter()
            .filter_map(|(jc, link)| {
                let user = dir.user_by_id(jc.as_str())?;
                Some((link.sp_id.clone(), super::body::user(&user, &self.behaviour, link.active, None)))
            })
            .collect()
    }

    /// One finding per difference. Users: `userName` (case-insensitive),
    /// `active`, `displayName`. Groups: `displayName` and membership. Deleted
    /// resources must answer 404.
    pub async fn verify<T: Transport>(&self, t: &T, scope: &Scope) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut present = Vec::new();
        for link in self.users.values().filter(|l| scope.has_user(&l.sp_id)) {
            if verify_user(t, link, scope, &mut out).await {
                present.push(link);
            }
        }
        for sp_id in self.deleted_users.iter().filter(|id| scope.has_user(id)) {
            gone(t, &format!("/Users/{sp_id}"), &format!("user {sp_id}"), &mut out).await;
        }
        let deleted: BTreeSet<&str> = self.deleted_users.iter().map(String::as_str).collect();
        for link in self.groups.values().filter(|l| scope.has_group(&l.sp_id)) {
            verify_group(t, &self.behaviour, link, &deleted, &mut out).await;
        }
        for sp_id in self.deleted_groups.iter().filter(|id| scope.has_group(id)) {
            gone(t, &format!("/Groups/{sp_id}"), &format!("group {sp_id}"), &mut out).await;
        }
        if scope.probes {
            probes(t, &present, &mut out).await;
        }
        out
    }
}

/// A wrong token must be refused; a userName lookup in another case must find
/// a user that is known to be present.
async fn probes<T: Transport>(t: &T, present: &[&LinkedUser], out: &mut Vec<Finding>) {
    {
        let op = ScimOp::new(Insight::Probe, Method::Get, "/Users", "probe: a wrong token must be refused")
            .query("count", "1")
            .wrong_credentials();
        if let Ok(r) = t.send(op).await
            && r.is_success()
        {
            out.push(
                finding(RuleId::Auth401, format!("GET /Users with a wrong token answered {} instead of 401", r.status))
                    .exchange(r.exchange),
            );
        }
        if present.len() >= 2 {
            paging(t, out).await;
        }
        let Some(link) = present.iter().find(|l| user_name(l).chars().any(|c| c.is_ascii_lowercase())) else {
            return;
        };
        let shouted = user_name(link).to_ascii_uppercase();
        let op =
            ScimOp::new(Insight::Probe, Method::Get, "/Users", format!("probe: look up {shouted} (case-insensitive)"))
                .query("filter", &format!("userName eq {}", filter_string(&shouted)));
        if let Ok(r) = t.send(op).await
            && r.is_success()
        {
            let found = r.body.as_ref().and_then(|b| b.get("Resources")).and_then(Value::as_array).is_some_and(|rs| {
                rs.iter().any(|x| x.get("id").map(id_string).as_deref() == Some(link.sp_id.as_str()))
            });
            if !found {
                out.push(
                    finding(
                        RuleId::FilterCaseInsensitive,
                        format!(
                            "userName eq \"{shouted}\" did not find {} (stored as {})",
                            link.sp_id,
                            user_name(link)
                        ),
                    )
                    .exchange(r.exchange),
                );
            }
        }
    }
}

/// Pages of one user at startIndex 1 and 2 must hold different users when
/// the SP holds two or more (RFC 7644 §3.4.2.4).
async fn paging<T: Transport>(t: &T, out: &mut Vec<Finding>) {
    let mut ids = Vec::new();
    for start in ["1", "2"] {
        let op =
            ScimOp::new(Insight::Probe, Method::Get, "/Users", format!("probe: page of 1 user at startIndex {start}"))
                .query("startIndex", start)
                .query("count", "1");
        let Ok(r) = t.send(op).await else { return };
        let first =
            r.body.as_ref().and_then(|b| b.get("Resources")).and_then(Value::as_array).and_then(|rs| rs.first());
        match first.and_then(|u| u.get("id")) {
            Some(id) if r.is_success() => ids.push((id_string(id), r.exchange)),
            _ => return,
        }
    }
    if let [(a, _), (b, exchange)] = ids.as_slice()
        && a == b
    {
        out.push(
            finding(
                RuleId::ListStartIndex,
                format!("GET /Users?startIndex=2&count=1 answered the same user ({a}) as startIndex=1"),
            )
            .exchange(*exchange),
        );
    }
}

fn user_name(l: &LinkedUser) -> String {
    l.sent.user_name().unwrap_or_default().to_string()
}

fn id_string(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// Read a user back; false when it could not be read.
async fn verify_user<T: Transport>(t: &T, link: &LinkedUser, scope: &Scope, out: &mut Vec<Finding>) -> bool {
    let path = format!("/Users/{}", link.sp_id);
    let user_name = user_name(link);
    let Some((body, exchange)) = read(t, &path, &format!("read back user {user_name}"), out).await else {
        return false;
    };
    if let Some(expected) = scope.expected.get(&link.sp_id) {
        attributes(&user_name, expected, &body, &scope.attributes, exchange, out);
    }
    let actual_active = body.get("active").and_then(Value::as_bool).unwrap_or(true);
    if actual_active != link.active {
        let admin = if link.active {
            "The user shows as provisioned in JumpCloud but is inactive in the application."
        } else {
            "The user is deprovisioned in JumpCloud but can still sign in to the application."
        };
        out.push(
            finding(
                RuleId::ReadbackActive,
                format!("user {user_name}: active is {actual_active} at the SP, JumpCloud sent {}", link.active),
            )
            .diff(json!({"active": link.active}), json!({"active": actual_active}))
            .admin(admin)
            .exchange(exchange),
        );
    }
    let actual_name = body.get("userName").and_then(Value::as_str).unwrap_or("");
    if !actual_name.eq_ignore_ascii_case(&user_name) {
        out.push(
            finding(
                RuleId::ReadbackUser,
                format!("user {user_name}: userName is {} at the SP", Value::from(actual_name)),
            )
            .diff(json!({"userName": user_name}), json!({"userName": actual_name}))
            .exchange(exchange),
        );
    }
    if let Some(expected) = link.sent.display_name() {
        let actual = body.get("displayName").and_then(Value::as_str).unwrap_or("");
        if body.get("displayName").is_none() {
            // Not stored at all: an optional attribute the SP does not
            // support (RFC 7643 §4.1.1), not a stale value. Worth knowing,
            // provisioning still works.
            out.push(Finding {
                severity: crate::check::Severity::Warning,
                ..finding(
                    RuleId::ReadbackUser,
                    format!("user {user_name}: the SP returns no displayName (JumpCloud sent {})", Value::from(expected)),
                )
                .admin("The user's display name in the application is not the one JumpCloud sends.")
                .fix("Store displayName from the user's create and updates, or list it as unsupported in /Schemas if the application has no such field.")
                .exchange(exchange)
            });
        } else if actual != expected {
            out.push(
                finding(
                    RuleId::ReadbackUser,
                    format!(
                        "user {user_name}: displayName is {} at the SP, JumpCloud sent {}",
                        Value::from(actual),
                        Value::from(expected)
                    ),
                )
                .diff(json!({"displayName": expected}), json!({"displayName": actual}))
                .exchange(exchange),
            );
        }
    }
    true
}

/// Each listed attribute JumpCloud sends must come back as sent: one
/// `readback-attribute` warning per attribute dropped or changed.
fn attributes(user_name: &str, expected: &Value, body: &Value, keys: &[String], exchange: u64, out: &mut Vec<Finding>) {
    use crate::directory::attrs::{ADDRESS, TEXT};
    let all = TEXT.iter().map(|a| (a.key, a.label, a.scim)).chain(ADDRESS.iter().map(|p| (p.key, p.label, p.scim)));
    for (key, label, scim) in all.filter(|(k, _, _)| keys.iter().any(|x| x == k)) {
        let Some(sent) = scim.value_in(expected) else { continue };
        let path = scim.path();
        let message = match scim.value_in(body) {
            Some(got) if got.trim() == sent.trim() => continue,
            Some(got) => format!(
                "user {user_name}: {path} ({key}) is {} at the SP, JumpCloud sent {}",
                Value::from(got),
                Value::from(sent.as_str())
            ),
            None => format!(
                "user {user_name}: the SP returns no {path} ({key}); JumpCloud sent {}",
                Value::from(sent.as_str())
            ),
        };
        out.push(
            finding(RuleId::ReadbackAttribute, message)
                .admin(format!("The user's {label} set in JumpCloud does not reach the application as set."))
                .diff(json!({ path.clone(): sent }), json!({ path: scim.value_in(body) }))
                .exchange(exchange),
        );
    }
}

/// Above this many members a group is read back with `attributes`: its answer
/// is mostly members, and asking for just the two attributes compared keeps
/// 100,000 of them (about 5 MB) under the client's read cap.
pub const LARGE_GROUP: usize = 1000;

/// `deleted`: SP ids of users JumpCloud deleted; one still listed as a
/// member is reported on its own (whether JumpCloud removes memberships
/// before the DELETE is unknown: knob `user_delete_groups`).
/// Long on purpose: one read-back, whose parts (the group's name, each member
/// present, absent or deleted) are each a rule of their own.
async fn verify_group<T: Transport>(
    t: &T,
    b: &super::Behaviour,
    link: &LinkedGroup,
    deleted: &BTreeSet<&str>,
    out: &mut Vec<Finding>,
) {
    let path = format!("/Groups/{}", link.sp_id);
    let label = format!("read back group {}", link.display_name);
    let mut op = ScimOp::new(Insight::Verify, Method::Get, &path, &label);
    if link.members.len() > LARGE_GROUP {
        op = op.query("attributes", "displayName,members.value").raw_when_large();
    }
    let Some((body, exchange)) = read_any(t, op, &label, out).await else {
        return;
    };
    let (actual_name, actual_ids) = match &body {
        Read::Value(v) => (v.get("displayName").and_then(Value::as_str).unwrap_or("").to_string(), member_ids(v)),
        Read::Group(g) => (g.display_name.clone(), g.members.iter().filter_map(MemberRef::id).collect()),
    };
    let mut actual_name = actual_name.as_str();
    // A rename the SP acknowledged and ignored: does another form take?
    if actual_name != link.display_name && t.probes_forms() {
        let put = super::body::group_put(&link.sp_id, &link.display_name, &actual_ids, b.empty_group_members);
        let retried = super::probe::retry_ignored(
            t,
            b,
            Ignored { what: &label, path: &path, exchange },
            |form| {
                let op =
                    ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, format!("rename to {}", link.display_name));
                match super::body::rename_patch(&link.display_name, form) {
                    Some(patch) => Some(op.body(patch)),
                    None => Some(ScimOp { method: Method::Put, ..op }.body_text(put.clone())),
                }
            },
            |v| v.get("displayName").and_then(Value::as_str) == Some(link.display_name.as_str()),
        )
        .await;
        if let Some(warning) = retried {
            out.push(warning);
            actual_name = &link.display_name;
        }
    }
    if actual_name != link.display_name {
        out.push(
            finding(
                RuleId::ReadbackGroupName,
                format!("group {}: displayName is {} at the SP", link.display_name, Value::from(actual_name)),
            )
            .diff(json!({"displayName": link.display_name}), json!({"displayName": actual_name}))
            .exchange(exchange),
        );
    }
    let expected: BTreeSet<&str> = link.members.iter().map(String::as_str).collect();
    let mut actual: BTreeSet<&str> = actual_ids.iter().map(String::as_str).collect();
    let stale: Vec<&str> =
        actual.iter().filter(|id| deleted.contains(*id) && !expected.contains(*id)).copied().collect();
    if !stale.is_empty() {
        out.push(
            finding(
                RuleId::DeletedUserStillMember,
                format!("group {}: deleted user(s) {} still listed as members", link.display_name, listed(&stale)),
            )
            .exchange(exchange),
        );
        actual.retain(|id| !stale.contains(id));
    }
    // Members JumpCloud removed that the SP acknowledged and kept: does
    // another removal form take?
    let kept: Vec<String> = actual.difference(&expected).map(|s| s.to_string()).collect();
    if !kept.is_empty() && kept.len() <= DIFF_IN_FULL && t.probes_forms() {
        let retried = super::probe::retry_ignored(
            t,
            b,
            Ignored { what: &label, path: &path, exchange },
            |form| {
                Some(
                    ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, format!("remove {} member(s)", kept.len()))
                        .body(super::body::remove_members(&kept, form)),
                )
            },
            |v| {
                let now = member_ids(v);
                !kept.iter().any(|k| now.contains(k))
            },
        )
        .await;
        if let Some(warning) = retried {
            out.push(warning);
            actual.retain(|id| !kept.iter().any(|k| k == id));
        }
    }
    if expected != actual {
        let missing: Vec<&str> = expected.difference(&actual).copied().collect();
        let extra: Vec<&str> = actual.difference(&expected).copied().collect();
        // A large group's sets are summarised: every id of 100,000 would make
        // a message of megabytes in the terminal, the report and events.jsonl.
        let (want, got) = if expected.len().max(actual.len()) <= DIFF_IN_FULL {
            (json!({"members": expected}), json!({"members": actual}))
        } else {
            (
                json!({"members": expected.len(), "missing": first(&missing, DIFF_IN_FULL)}),
                json!({"members": actual.len(), "unexpected": first(&extra, DIFF_IN_FULL)}),
            )
        };
        let mut f = finding(
            RuleId::ReadbackMembers,
            format!(
                "group {}: members differ (missing {}, unexpected {})",
                link.display_name,
                listed(&missing),
                listed(&extra)
            ),
        )
        .diff(want, got)
        .exchange(exchange);
        // Name the request that should have set them, not a generic one.
        if let Some(by) = &link.members_by {
            f.message.push_str(&format!("; last set by {by}"));
            f = f.fix(format!(
                "Store `members` exactly as the request that last set them asked ({by}): see its body in the timeline."
            ));
        }
        out.push(f);
    }
}

/// Member sets up to this size are shown whole in a finding's diff.
const DIFF_IN_FULL: usize = 100;
/// Ids named in a finding's message, per side.
const NAMED: usize = 10;

fn first<'a>(ids: &[&'a str], n: usize) -> Vec<&'a str> {
    ids.iter().take(n).copied().collect()
}

/// `["a", "b"]`, or the first ids and how many more.
fn listed(ids: &[&str]) -> String {
    if ids.len() <= NAMED {
        Value::from(ids.to_vec()).to_string()
    } else {
        format!("{} and {} more", Value::from(first(ids, NAMED)), ids.len() - NAMED)
    }
}

/// A resource's JSON object, or a finding.
async fn read<T: Transport>(t: &T, path: &str, label: &str, out: &mut Vec<Finding>) -> Option<(Value, u64)> {
    let op = ScimOp::new(Insight::Verify, Method::Get, path, label);
    match read_any(t, op, label, out).await? {
        (Read::Value(v), exchange) => Some((v, exchange)),
        (Read::Group(_), exchange) => {
            out.push(not_a_resource(label, exchange));
            None
        }
    }
}

/// A successful answer as a JSON object: its value, or (a large group asked
/// for with `raw_when_large`) read with a typed parser from its text.
enum Read {
    Value(Value),
    Group(GroupDoc),
}

/// The two attributes of a group the read-back compares.
#[derive(serde::Deserialize)]
struct GroupDoc {
    #[serde(default, rename = "displayName")]
    display_name: String,
    #[serde(default)]
    members: Vec<MemberRef>,
}

#[derive(serde::Deserialize)]
struct MemberRef {
    #[serde(default)]
    value: Option<IdValue>,
}

/// A member's `value`: a string, or a number (reported as a finding elsewhere).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum IdValue {
    Text(String),
    Number(serde_json::Number),
    Other(serde::de::IgnoredAny),
}

impl MemberRef {
    /// As `member_ids` reads it: strings as they are, numbers as written.
    fn id(&self) -> Option<String> {
        match &self.value {
            Some(IdValue::Text(s)) => Some(s.clone()),
            Some(IdValue::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    }
}

async fn read_any<T: Transport>(t: &T, op: ScimOp, label: &str, out: &mut Vec<Finding>) -> Option<(Read, u64)> {
    let r = match t.send(op).await {
        Ok(r) if r.is_success() => r,
        Ok(r) => {
            out.push(
                finding(RuleId::ReadbackMissing, format!("{label}: SP answered HTTP {}", r.status))
                    .exchange(r.exchange),
            );
            return None;
        }
        Err(f) => {
            out.push(super::fault_finding(&f, label));
            return None;
        }
    };
    let read = match (r.raw, r.body) {
        (Some(text), _) => serde_json::from_slice::<GroupDoc>(&text).ok().map(Read::Group),
        (None, Some(b)) if b.is_object() => Some(Read::Value(b)),
        _ => None,
    };
    match read {
        Some(read) => Some((read, r.exchange)),
        None => {
            out.push(not_a_resource(label, r.exchange));
            None
        }
    }
}

fn not_a_resource(label: &str, exchange: u64) -> Finding {
    finding(RuleId::ReadbackMissing, format!("{label}: the SP's answer is not a JSON resource")).exchange(exchange)
}

async fn gone<T: Transport>(t: &T, path: &str, what: &str, out: &mut Vec<Finding>) {
    let op = ScimOp::new(Insight::Verify, Method::Get, path, format!("check {what} is gone")).expects_refusal();
    match t.send(op).await {
        Ok(r) if r.status == 404 => {}
        Ok(r) => out.push(
            finding(
                RuleId::DeleteThen404,
                format!("{what} was deleted by JumpCloud but the SP answers HTTP {} instead of 404", r.status),
            )
            .exchange(r.exchange),
        ),
        Err(f) => out.push(super::fault_finding(&f, what)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::{Behaviour, Fault, Reply};
    use std::sync::Mutex;

    /// An SP that answers every read with `raw` as the body's text (what the
    /// client hands back for a large answer under `raw_when_large`).
    struct LargeGroup {
        raw: Vec<u8>,
        ops: Mutex<Vec<ScimOp>>,
    }

    impl Transport for LargeGroup {
        async fn send(&self, op: ScimOp) -> Result<Reply, Fault> {
            let raw = op.raw_when_large.then(|| self.raw.clone());
            self.ops.lock().unwrap().push(op);
            Ok(Reply { status: 200, body: None, raw, exchange: 1, location: None })
        }
    }

    fn linked(members: usize) -> Provisioner {
        let mut prov = Provisioner::new(Behaviour::default(), 1);
        let members = (0..members).map(|i| format!("u{i}")).collect();
        prov.groups.insert(
            "g".into(),
            LinkedGroup { sp_id: "sp-g".into(), display_name: "All".into(), members, members_by: None },
        );
        prov
    }

    async fn verify_against(prov: &Provisioner, doc: Value) -> (Vec<Finding>, Vec<ScimOp>) {
        let t = LargeGroup { raw: serde_json::to_vec(&doc).unwrap(), ops: Mutex::new(Vec::new()) };
        let scope = Scope { probes: false, ..Scope::all() };
        let found = prov.verify(&t, &scope).await;
        (found, t.ops.into_inner().unwrap())
    }

    #[tokio::test]
    async fn a_large_group_is_compared_from_its_text() {
        let n = LARGE_GROUP + 1;
        let prov = linked(n);
        let members: Vec<Value> = (0..n).map(|i| json!({"value": format!("u{i}"), "display": "x"})).collect();
        let (found, ops) = verify_against(&prov, json!({"displayName": "All", "members": members})).await;
        assert!(found.is_empty(), "{found:?}");
        assert!(ops[0].raw_when_large);
        assert_eq!(ops[0].query, vec![("attributes".to_string(), "displayName,members.value".to_string())]);

        // One member missing, one unknown, a numeric value and a renamed group: all seen.
        let mut members: Vec<Value> = (1..n).map(|i| json!({"value": format!("u{i}")})).collect();
        members.push(json!({"value": "stranger"}));
        members.push(json!({"value": 7}));
        let (found, _) = verify_against(&prov, json!({"displayName": "Everyone", "members": members})).await;
        let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["readback-group-name", "readback-members"]);
        let text = &found[1].message;
        assert!(text.contains("missing [\"u0\"]") && text.contains("\"stranger\"") && text.contains("\"7\""), "{text}");

        assert_eq!(found[1].expected, Some(json!({"members": n, "missing": ["u0"]})));
        assert_eq!(found[1].actual, Some(json!({"members": n + 1, "unexpected": ["7", "stranger"]})));

        // Nobody at the SP: the message names ten ids and counts the rest.
        let (found, _) = verify_against(&prov, json!({"displayName": "All", "members": []})).await;
        let text = &found[0].message;
        assert!(text.contains(&format!("and {} more", n - 10)) && text.len() < 400, "{text}");

        let (found, _) = verify_against(&prov, json!(["not", "a", "group"])).await;
        assert_eq!(found.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["readback-missing"]);
    }

    #[tokio::test]
    async fn a_small_group_is_read_whole() {
        let prov = linked(3);
        let (_, ops) = verify_against(&prov, json!({})).await;
        assert!(!ops[0].raw_when_large && ops[0].query.is_empty());
    }
}
