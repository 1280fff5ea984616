//! The behaviour-knob values a recording shows: for each request, which
//! knob forms it was sent in (`member_removal: filter_path` for a removal by
//! filter path). Read across the whole sequence, because some forms show
//! only in order (`group_create: then_add` is an empty create followed by a
//! member add). Each value is a typed [`Setting`].

use super::classify::{classify, operations, query_of, resource};
use super::{header, is_jcsim_own};
use crate::knobs::{
    DeprovisionMethod, EmptyGroupMembers, GroupCreate, GroupUpdateMethod, KnobId, MemberRemoval, OnUnbind, Setting,
    TestConnection, UpdateMethod, UserDelete, UserLookup, UsernameFrom,
};
use crate::record::{Exchange, Insight};
use serde_json::Value;
use std::collections::HashSet;

/// Knobs every request shows (its headers): they explain a difference in
/// those headers, not a request one side lacks.
pub(crate) const ON_EVERY_REQUEST: &[KnobId] = &[KnobId::ContentType, KnobId::UserAgent];

/// A knob and the value a request shows for it.
pub(crate) type Seen = Setting;

/// The knob values each exchange shows, in order. jcsim's own requests
/// ([`is_jcsim_own`]) show none.
pub fn evidence(xs: &[&Exchange]) -> Vec<Vec<Seen>> {
    let mut e = Evidence::default();
    xs.iter().map(|x| e.see(x)).collect()
}

/// [`evidence`] one exchange at a time, with what earlier requests showed
/// that a later one is read against.
#[derive(Default)]
pub struct Evidence {
    memory: Memory,
}

impl Evidence {
    /// The knob values `x` shows, given the exchanges seen before it.
    pub fn see(&mut self, x: &Exchange) -> Vec<Seen> {
        if is_jcsim_own(x) {
            return Vec::new();
        }
        one(x, &mut self.memory)
    }
}

/// What earlier requests showed that a later one is read against.
#[derive(Default)]
struct Memory {
    /// Groups created without members (a member add that follows is `then_add`).
    empty_groups: HashSet<String>,
    /// SP ids of activation test users.
    test_users: HashSet<String>,
    /// SP id → the `externalId` (JumpCloud id) it was created with.
    external_ids: std::collections::HashMap<String, String>,
    /// JumpCloud ids whose SP user was deleted.
    deleted: HashSet<String>,
}

/// The knob values one exchange shows. Long on purpose: one match arm per
/// kind of request (Directory Insights event), each reading its knobs.
fn one(x: &Exchange, memory: &mut Memory) -> Vec<Seen> {
    let Memory { empty_groups, test_users, external_ids, deleted } = memory;
    let r = &x.request;
    let body = r.body.as_ref();
    let event = classify(&r.method, &r.url, &r.headers, body);
    let id = resource(&r.url).and_then(|(_, id)| id);
    let created = x.response.as_ref().filter(|res| (200..300).contains(&res.status)).and_then(|res| {
        let id = res.body.as_ref()?.get("id")?;
        Some(id.as_str().map_or_else(|| id.to_string(), str::to_string))
    });
    let mut seen: Vec<Seen> = Vec::new();
    let mut see = |s: Setting| seen.push(s);
    if !r.headers.is_empty() {
        if body.is_some()
            && let Some(ct) = header(&r.headers, "content-type")
        {
            see(Setting::ContentType(ct.to_string()));
        }
        if let Some(ua) = header(&r.headers, "user-agent") {
            see(Setting::UserAgent(ua.to_string()));
        }
    }
    match event {
        Insight::TestConnection => match resource(&r.url) {
            Some(("ServiceProviderConfig", _)) => {
                see(Setting::TestConnection(TestConnection::ServiceProviderConfig));
            }
            Some(("Users", None)) => see(Setting::TestConnection(TestConnection::UsersList)),
            _ => {}
        },
        Insight::UserLookup => {
            let filter = query_of(&r.url).into_iter().find(|(k, _)| k.eq_ignore_ascii_case("filter"));
            if let Some((_, f)) = filter {
                let attr = f.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
                match attr.as_str() {
                    "username" => see(Setting::UserLookup(UserLookup::UserName)),
                    "externalid" => see(Setting::UserLookup(UserLookup::ExternalId)),
                    a if a.starts_with("emails") => see(Setting::UserLookup(UserLookup::Email)),
                    _ => {}
                }
            }
        }
        Insight::UserCreate => {
            if let Some(b) = body {
                let external_id = b.get("externalId").and_then(Value::as_str);
                if is_test_user(b) {
                    test_users.extend(created);
                } else if let Some(user_name) = b.get("userName").and_then(Value::as_str) {
                    // The same JumpCloud user created again after its delete:
                    // the delete was an unbinding, not a JumpCloud user's deletion.
                    if external_id.is_some_and(|e| deleted.remove(e)) {
                        see(Setting::OnUnbind(OnUnbind::Delete));
                    }
                    if let (Some(id), Some(e)) = (created, external_id) {
                        external_ids.insert(id, e.to_string());
                    }
                    let email = primary_email(b);
                    let from = if email == Some(user_name) { UsernameFrom::Email } else { UsernameFrom::Username };
                    see(Setting::UsernameFrom(from));
                }
            }
        }
        Insight::UserUpdate | Insight::UserDeprovision => match update_form(&r.method, body) {
            Some(UpdateForm::PatchActive) if event == Insight::UserDeprovision => {
                see(Setting::DeprovisionMethod(DeprovisionMethod::PatchActive));
            }
            Some(form) => {
                see(Setting::UpdateMethod(form.method()));
                if event == Insight::UserDeprovision {
                    see(Setting::DeprovisionMethod(DeprovisionMethod::Update));
                }
            }
            None => {}
        },
        Insight::UserDelete if !id.as_ref().is_some_and(|id| test_users.contains(id)) => {
            see(Setting::UserDelete(UserDelete::Delete));
            if let Some(e) = id.as_ref().and_then(|id| external_ids.get(id)) {
                deleted.insert(e.clone());
            }
        }
        Insight::GroupCreate => {
            if let Some(form) = body.and_then(empty_members_form) {
                see(Setting::EmptyGroupMembers(form));
            }
            let members = body.and_then(|b| b.get("members")).and_then(Value::as_array);
            match members {
                Some(m) if !m.is_empty() => see(Setting::GroupCreate(GroupCreate::WithMembers)),
                _ => empty_groups.extend(created),
            }
        }
        Insight::GroupUpdate => {
            let first_update = id.as_ref().is_some_and(|id| empty_groups.remove(id));
            if r.method.eq_ignore_ascii_case("PUT") {
                see(Setting::GroupUpdateMethod(GroupUpdateMethod::Put));
                if let Some(form) = body.and_then(empty_members_form) {
                    see(Setting::EmptyGroupMembers(form));
                }
            }
            for op in body.map(operations).unwrap_or_default() {
                let name = op.get("op").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
                let path = op.get("path").and_then(Value::as_str).unwrap_or("");
                let lower = path.to_ascii_lowercase();
                match name.as_str() {
                    "remove" if lower == "members" => see(Setting::MemberRemoval(MemberRemoval::ValueArray)),
                    "remove" if lower.starts_with("members[") => see(Setting::MemberRemoval(MemberRemoval::FilterPath)),
                    "replace" if lower == "displayname" => see(Setting::GroupUpdateMethod(GroupUpdateMethod::Patch)),
                    "replace" if path.is_empty() && renames(op) => {
                        see(Setting::GroupUpdateMethod(GroupUpdateMethod::PatchValue));
                    }
                    "add" if lower == "members" && first_update => see(Setting::GroupCreate(GroupCreate::ThenAdd)),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    dedup(seen)
}

/// The form of a user update: an `update_method` form, or a PATCH of
/// `active` alone (`deprovision_method: patch_active`).
#[derive(Clone, Copy, PartialEq)]
enum UpdateForm {
    Method(UpdateMethod),
    PatchActive,
}

impl UpdateForm {
    /// The `update_method` form: a PATCH of `active` alone is one per attribute.
    fn method(self) -> UpdateMethod {
        match self {
            UpdateForm::Method(m) => m,
            UpdateForm::PatchActive => UpdateMethod::PatchPerAttribute,
        }
    }
}

/// The form of a user update: a PUT, one pathless PATCH replace, a PATCH
/// of `active` alone, or a PATCH per attribute.
fn update_form(method: &str, body: Option<&Value>) -> Option<UpdateForm> {
    if method.eq_ignore_ascii_case("PUT") {
        return Some(UpdateForm::Method(UpdateMethod::Put));
    }
    let ops = operations(body?);
    let paths: Vec<&str> = ops.iter().filter_map(|op| op.get("path").and_then(Value::as_str)).collect();
    match (ops.len(), paths.len()) {
        (0, _) => None,
        (_, 0) => Some(UpdateForm::Method(UpdateMethod::Patch)),
        (1, 1) if paths[0].eq_ignore_ascii_case("active") => Some(UpdateForm::PatchActive),
        _ => Some(UpdateForm::Method(UpdateMethod::PatchPerAttribute)),
    }
}

/// A pathless `replace` whose value object sets `displayName`.
fn renames(op: &Value) -> bool {
    op.get("value").and_then(Value::as_object).is_some_and(|v| v.keys().any(|k| k.eq_ignore_ascii_case("displayName")))
}

/// How a Group body without members says so: no `members` key, or `[]`.
/// `None` when it holds members (or is no Group).
fn empty_members_form(b: &Value) -> Option<EmptyGroupMembers> {
    let map = b.as_object()?;
    let members = map.iter().find(|(k, _)| k.eq_ignore_ascii_case("members")).map(|(_, v)| v);
    match members {
        None => Some(EmptyGroupMembers::Omit),
        Some(Value::Array(a)) if a.is_empty() => Some(EmptyGroupMembers::EmptyArray),
        _ => None,
    }
}

/// The activation's test user: JumpCloud fills its names with placeholders.
fn is_test_user(b: &Value) -> bool {
    b.get("displayName").and_then(Value::as_str) == Some("displayname")
        && b.pointer("/name/givenName").and_then(Value::as_str) == Some("firstname")
}

fn primary_email(b: &Value) -> Option<&str> {
    let emails = b.get("emails")?.as_array()?;
    let primary = emails.iter().find(|e| e.get("primary") == Some(&Value::Bool(true))).or(emails.first())?;
    primary.get("value")?.as_str()
}

fn dedup(mut seen: Vec<Seen>) -> Vec<Seen> {
    let mut out: Vec<Seen> = Vec::with_capacity(seen.len());
    for s in seen.drain(..) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::{RecordedRequest, RecordedResponse, Timing};
    use serde_json::json;

    pub(crate) fn x(method: &str, url: &str, body: Option<Value>, answer: Option<Value>) -> Exchange {
        Exchange {
            id: 1,
            step: 0,
            line: 0,
            event: String::new(),
            label: String::new(),
            attempt: 1,
            request: RecordedRequest {
                method: method.into(),
                url: url.into(),
                headers: vec![("Content-Type".into(), "application/scim+json".into())],
                body,
            },
            response: Some(RecordedResponse { status: 201, headers: vec![], body: answer, body_text: None }),
            error: None,
            timing: Timing { start_ms: 0, duration_ms: 0.0 },
            expects_refusal: false,
        }
    }

    fn seen(xs: &[Exchange]) -> Vec<Vec<String>> {
        let refs: Vec<&Exchange> = xs.iter().collect();
        evidence(&refs)
            .into_iter()
            .map(|v| {
                v.into_iter()
                    .filter(|s| s.knob() != KnobId::ContentType)
                    .map(|s| format!("{}={}", s.knob().name(), s.value()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn each_knob_form_is_read_from_its_request() {
        let remove = |path: &str, value: Option<Value>| {
            let mut op = json!({ "op": "remove", "path": path });
            if let Some(v) = value {
                op["value"] = v;
            }
            json!({ "Operations": [op] })
        };
        let xs = [
            x("GET", "/ServiceProviderConfig", None, None),
            x("GET", "/Users?filter=emails%5Bvalue%20eq%20%22a%40x%22%5D", None, None),
            x(
                "POST",
                "/Users",
                Some(json!({ "userName": "alice", "emails": [{ "value": "a@x", "primary": true }] })),
                None,
            ),
            x("PUT", "/Users/1", Some(json!({ "active": true })), None),
            x(
                "PATCH",
                "/Users/1",
                Some(json!({ "Operations": [{ "op": "replace", "path": "active", "value": false }] })),
                None,
            ),
            x("PATCH", "/Groups/g", Some(remove("members[value eq \"1\"]", None)), None),
            x("PATCH", "/Groups/g", Some(remove("members", Some(json!([{ "value": "1" }])))), None),
            x("POST", "/Groups", Some(json!({ "displayName": "E", "members": [] })), Some(json!({ "id": "g2" }))),
            x(
                "PATCH",
                "/Groups/g2",
                Some(json!({ "Operations": [{ "op": "add", "path": "members", "value": [] }] })),
                None,
            ),
            x("DELETE", "/Users/1", None, None),
            x("POST", "/Groups", Some(json!({ "displayName": "T" })), Some(json!({ "id": "g3" }))),
            x("PUT", "/Groups/g3", Some(json!({ "displayName": "T", "id": "g3" })), None),
            x(
                "PATCH",
                "/Groups/g3",
                Some(json!({ "Operations": [{ "op": "Replace", "value": { "displayName": "U" } }] })),
                None,
            ),
        ];
        assert_eq!(
            seen(&xs),
            vec![
                vec!["test_connection=service_provider_config"],
                vec!["user_lookup=email"],
                vec!["username_from=username"],
                vec!["update_method=put"],
                vec!["deprovision_method=patch_active"],
                vec!["member_removal=filter_path"],
                vec!["member_removal=value_array"],
                vec!["empty_group_members=empty_array"],
                vec!["group_create=then_add"],
                vec!["user_delete=delete"],
                vec!["empty_group_members=omit"],
                vec!["group_update_method=put", "empty_group_members=omit"],
                vec!["group_update_method=patch_value"],
            ]
        );
    }

    #[test]
    fn a_user_created_again_after_its_delete_was_unbound() {
        let bob = |email: &str| json!({ "userName": email, "externalId": "5f1e", "emails": [{ "value": email }] });
        let xs = [
            x("POST", "/Users", Some(bob("b@x")), Some(json!({ "id": "u1" }))),
            x("DELETE", "/Users/u1", None, None),
            x("POST", "/Users", Some(bob("b@x")), Some(json!({ "id": "u2" }))),
            x("POST", "/Users", Some(json!({ "userName": "c@x", "externalId": "6a2b" })), Some(json!({ "id": "u3" }))),
        ];
        let unbind = |v: &Vec<String>| v.iter().any(|s| s == "on_unbind=delete");
        let seen = seen(&xs);
        assert_eq!(seen.iter().map(unbind).collect::<Vec<_>>(), [false, false, true, false], "{seen:?}");
    }

    #[test]
    fn the_test_user_and_jcsim_own_requests_show_nothing() {
        let test_user =
            json!({ "userName": "t@jc", "displayName": "displayname", "name": { "givenName": "firstname" } });
        let mut own = x("GET", "/Users/1", None, None);
        own.request.headers.push(("Jcsim-Purpose".into(), "verify".into()));
        let xs = [
            x("POST", "/Users", Some(test_user), Some(json!({ "id": "t1" }))),
            x("DELETE", "/Users/t1", None, None),
            own,
        ];
        let all: Vec<&Exchange> = xs.iter().collect();
        assert_eq!(evidence(&all)[2], vec![]);
        assert_eq!(seen(&xs), vec![Vec::<String>::new(), vec![], vec![]]);
    }
}
