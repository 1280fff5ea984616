//! SCIM request bodies exactly as JumpCloud sends them (docs/jumpcloud.md, with
//! the real activation bodies). Keys are emitted in sorted order, as JumpCloud does.

use super::{Behaviour, UsernameFrom};
use crate::directory::User;
use crate::directory::attrs::{self, Scim};
use crate::scim::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA};
use serde_json::{Map, Value, json};

/// `userName` for a user under the `username_from` knob.
pub(crate) fn user_name(user: &User, b: &Behaviour) -> String {
    match b.username_from {
        UsernameFrom::Email => user.email.to_string(),
        UsernameFrom::Username => user.username.to_string(),
    }
}

/// `active` is `!suspended && !passwordExpired` [C]; unbound users are deprovisioned.
pub(crate) fn desired_active(user: &User, bound: bool) -> bool {
    desired_active_state(user.state, user.password_expired, bound)
}

/// [`desired_active`] from the user's state alone.
pub(crate) fn desired_active_state(state: crate::directory::UserState, password_expired: bool, bound: bool) -> bool {
    bound && state == crate::directory::UserState::Activated && !password_expired
}

/// The full user representation (create and full-replace PUT). `sp_id` is set
/// for updates, which carry the SP's id [C]. Cleared multi-valued attributes
/// are sent as `[]` [C].
pub(crate) fn user(user: &User, b: &Behaviour, active: bool, sp_id: Option<&str>) -> Value {
    let mut m = Map::new();
    // The captured full PUT lists the enterprise extension first (the test
    // user's create, below, lists the core schema first).
    m.insert("schemas".into(), json!([ENTERPRISE_USER_SCHEMA, USER_SCHEMA]));
    if let Some(id) = sp_id {
        m.insert("id".into(), json!(id));
    }
    m.insert("userName".into(), json!(user_name(user, b)));
    m.insert("externalId".into(), json!(user.id));
    m.insert("active".into(), json!(active));
    m.insert("emails".into(), json!([{ "primary": true, "type": "work", "value": user.email }]));
    // Every captured user body carries these, whatever the user's location [C].
    m.insert("locale".into(), json!("en-US"));
    m.insert("preferredLanguage".into(), json!("en-US"));
    // Every attribute from the one table; `name`, `phoneNumbers` and
    // `addresses` are always sent (cleared ones as `[]` [C]).
    let (mut name, mut ent) = (Map::new(), Map::new());
    m.insert("phoneNumbers".into(), json!([]));
    for a in attrs::TEXT {
        let value = (a.get)(user);
        match a.scim {
            Scim::Name(k) => {
                name.insert(k.into(), json!(value));
            }
            // Without a display name, JumpCloud sends "First Last".
            Scim::Top(k @ "displayName") => {
                let display = if value.is_empty() {
                    format!("{} {}", user.firstname, user.lastname).trim().to_string()
                } else {
                    value.to_string()
                };
                if !display.is_empty() {
                    m.insert(k.into(), json!(display));
                }
            }
            Scim::Top(k) if !value.is_empty() => {
                m.insert(k.into(), json!(value));
            }
            Scim::Enterprise(k) if !value.is_empty() => {
                ent.insert(k.into(), json!(value));
            }
            Scim::WorkPhone if !value.is_empty() => {
                m.insert("phoneNumbers".into(), json!([{ "primary": true, "type": "work", "value": tel_uri(value) }]));
            }
            _ => {}
        }
    }
    m.insert("name".into(), Value::Object(name));
    let addresses = match &user.address {
        Some(addr) => {
            let mut work = Map::new();
            for p in attrs::ADDRESS {
                if let Scim::Address(k) = p.scim {
                    work.insert(k.into(), json!((p.get)(addr)));
                }
            }
            work.insert("primary".into(), json!(true));
            work.insert("type".into(), json!("work"));
            json!([work])
        }
        None => json!([]),
    };
    m.insert("addresses".into(), addresses);
    if !ent.is_empty() {
        m.insert(ENTERPRISE_USER_SCHEMA.into(), Value::Object(ent));
    }
    let mut v = Value::Object(m);
    exclude(&mut v, &b.excluded);
    v
}

/// Drop the attributes the application excludes (`app.exclude_attributes`,
/// names from [`crate::knobs::EXCLUDABLE`]) from a user body. A `name` or
/// enterprise extension left empty goes too.
pub(crate) fn exclude(body: &mut Value, excluded: &[String]) {
    let Some(m) = body.as_object_mut() else { return };
    for name in excluded {
        if let Some(sub) = name.strip_prefix("name.") {
            let emptied = m.get_mut("name").and_then(Value::as_object_mut).is_some_and(|n| {
                n.remove(sub);
                n.is_empty()
            });
            if emptied {
                m.remove("name");
            }
        } else if m.remove(name.as_str()).is_none() {
            let emptied = m.get_mut(ENTERPRISE_USER_SCHEMA).and_then(Value::as_object_mut).is_some_and(|e| {
                e.remove(name.as_str());
                e.is_empty()
            });
            if emptied {
                m.remove(ENTERPRISE_USER_SCHEMA);
            }
        }
    }
}

/// The final PUT for a deleted user that is no longer in the directory (state
/// persisted by an older jcsim): what is still known of it, inactive.
pub(crate) fn deleted_user(user_name: &str, sp_id: &str) -> Value {
    json!({ "schemas": [USER_SCHEMA], "id": sp_id, "userName": user_name, "active": false })
}

/// A work phone as a `tel:` URI (RFC 3966), as JumpCloud sends it.
pub(crate) fn tel_uri(phone: &str) -> String {
    if phone.starts_with("tel:") {
        return phone.to_string();
    }
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+' || *c == '-').collect();
    format!("tel:{digits}")
}

/// Deprovisioning as a PATCH of `active` alone (`deprovision_method: patch_active`).
pub(crate) fn deactivate_patch() -> Value {
    json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": [{ "op": "replace", "path": "active", "value": false }] })
}

/// The same update as a PATCH: one `replace` without a path carrying every attribute.
pub(crate) fn user_patch(full: &Value) -> Value {
    let mut value = full.clone();
    if let Some(m) = value.as_object_mut() {
        m.remove("schemas");
        m.remove("id");
    }
    json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": [{ "op": "replace", "value": value }] })
}

/// The same update as one `replace` per changed attribute path
/// (`name.givenName`, `active`, `urn:…:User:department`): a plausible form with
/// no reliable source [U] (docs/jumpcloud.md, Users), kept for `compat`.
/// Multi-valued attributes are replaced whole. Without
/// the previous document (a linked or restored user) every path is sent.
pub(crate) fn user_patch_per_attribute(previous: Option<&Value>, full: &Value) -> Value {
    let before = previous.map(attribute_paths).unwrap_or_default();
    let after = attribute_paths(full);
    let mut ops: Vec<Value> = after
        .iter()
        .filter(|(path, value)| before.iter().find(|(p, _)| p == path).is_none_or(|(_, v)| v != value))
        .map(|(path, value)| json!({ "op": "replace", "path": path, "value": value }))
        .collect();
    ops.extend(
        before
            .iter()
            .filter(|(path, _)| !after.iter().any(|(p, _)| p == path))
            .map(|(path, _)| json!({ "op": "remove", "path": path })),
    );
    if ops.is_empty() {
        // Nothing differs from what was sent: say every path again.
        ops = after.iter().map(|(path, value)| json!({ "op": "replace", "path": path, "value": value })).collect();
    }
    json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": ops })
}

/// Every attribute path of a user document and its value: top-level
/// attributes, sub-attributes of complex ones (`name.givenName`) and of the
/// enterprise extension (`urn:…:User:department`).
fn attribute_paths(doc: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Some(map) = doc.as_object() else {
        return out;
    };
    for (key, value) in map {
        if key == "schemas" || key == "id" {
            continue;
        }
        match value.as_object() {
            Some(sub) => {
                let sep = if key.starts_with("urn:") { ':' } else { '.' };
                out.extend(sub.iter().map(|(k, v)| (format!("{key}{sep}{k}"), v.clone())));
            }
            None => out.push((key.clone(), value.clone())),
        }
    }
    out
}

/// The activation test user, as captured from JumpCloud [C].
pub(crate) fn test_user(email: &str, external_id: &str) -> Value {
    json!({
        "active": true,
        "addresses": [{"country": "US", "locality": "locality", "postalCode": "80027", "primary": true,
                       "region": "region", "streetAddress": "street-address", "type": "work"}],
        "displayName": "displayname",
        "emails": [{"primary": true, "type": "work", "value": email}],
        "externalId": external_id,
        "locale": "en-US",
        "preferredLanguage": "en-US",
        "name": {"familyName": "lastname", "givenName": "firstname"},
        "phoneNumbers": [{"primary": true, "type": "work", "value": "tel:+1-555-555-5555"}],
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "userName": email
    })
}

/// The minimal full-replace PUT of the test user, with an explicit `null` [C].
pub(crate) fn test_user_put(email: &str, sp_id: &str, active: bool) -> Value {
    json!({
        "active": active,
        "emails": null,
        "id": sp_id,
        "name": {"familyName": "lastname", "givenName": "firstname"},
        "schemas": [USER_SCHEMA],
        "userName": email
    })
}

// Group bodies carry one member object per SP user id: for a group of 100,000
// that is 100,000 maps as `Value`s (about 70 MB). They are written straight to
// JSON text instead, in the key order a `Value` would give (sorted).

/// `[{"value": id}, ...]`, serialized without building values.
struct Members<'a>(&'a [String]);

impl serde::Serialize for Members<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Member<'a> {
            value: &'a str,
        }
        s.collect_seq(self.0.iter().map(|id| Member { value: id }))
    }
}

#[derive(serde::Serialize)]
struct GroupDoc<'a> {
    #[serde(rename = "displayName")]
    display_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<Members<'a>>,
    schemas: [&'static str; 1],
}

/// The `members` of a group body: none at all for an empty group under
/// `empty_group_members: omit`.
fn members_of(ids: &[String], empty: super::EmptyGroupMembers) -> Option<Members<'_>> {
    (!ids.is_empty() || empty == super::EmptyGroupMembers::EmptyArray).then_some(Members(ids))
}

#[derive(serde::Serialize)]
struct AddMembers<'a> {
    #[serde(rename = "Operations")]
    operations: [AddOp<'a>; 1],
    schemas: [&'static str; 1],
}

#[derive(serde::Serialize)]
struct AddOp<'a> {
    op: &'static str,
    path: &'static str,
    value: Members<'a>,
}

/// `doc` as JSON text. `members` sizes the buffer up front: growing it by
/// doubling would hold up to twice a large group's text.
fn text(doc: &impl serde::Serialize, members: &[String]) -> Vec<u8> {
    let size = 256 + members.iter().map(|m| m.len() + 12).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    // Structs of strings always serialize.
    let _ = serde_json::to_writer(&mut out, doc);
    out
}

/// A group create body [I], as JSON text.
pub(crate) fn group(name: &str, members: &[String], empty: super::EmptyGroupMembers) -> Vec<u8> {
    let doc = GroupDoc { display_name: name, id: None, members: members_of(members, empty), schemas: [GROUP_SCHEMA] };
    text(&doc, members)
}

/// A full-replace group PUT, as JSON text.
pub(crate) fn group_put(sp_id: &str, name: &str, members: &[String], empty: super::EmptyGroupMembers) -> Vec<u8> {
    let doc =
        GroupDoc { display_name: name, id: Some(sp_id), members: members_of(members, empty), schemas: [GROUP_SCHEMA] };
    text(&doc, members)
}

/// PATCH adding members [I], as JSON text.
pub(crate) fn add_members(ids: &[String]) -> Vec<u8> {
    let op = AddOp { op: "add", path: "members", value: Members(ids) };
    text(&AddMembers { operations: [op], schemas: [PATCH_OP_SCHEMA] }, ids)
}

/// PATCH removing members, in the form chosen by `member_removal`.
pub(crate) fn remove_members(ids: &[String], form: super::MemberRemoval) -> Value {
    let ops: Vec<Value> = match form {
        super::MemberRemoval::ValueArray => {
            vec![json!({ "op": "remove", "path": "members", "value": member_values(ids) })]
        }
        super::MemberRemoval::FilterPath => ids
            .iter()
            .map(
                |id| json!({ "op": "remove", "path": format!("members[value eq {}]", crate::scim::filter_string(id)) }),
            )
            .collect(),
    };
    json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": ops })
}

/// PATCH renaming a group [I].
pub(crate) fn rename(name: &str) -> Value {
    json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": [{ "op": "replace", "path": "displayName", "value": name }] })
}

/// PATCH renaming a group without a path (`group_update_method: patch_value`).
pub(crate) fn rename_value(name: &str) -> Value {
    json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": [{ "op": "replace", "value": { "displayName": name } }] })
}

/// The rename PATCH in a PATCH form of `group_update_method`; `None` for `put`.
pub(crate) fn rename_patch(name: &str, form: super::GroupUpdateMethod) -> Option<Value> {
    match form {
        super::GroupUpdateMethod::Patch => Some(rename(name)),
        super::GroupUpdateMethod::PatchValue => Some(rename_value(name)),
        super::GroupUpdateMethod::Put => None,
    }
}

fn member_values(ids: &[String]) -> Value {
    Value::Array(ids.iter().map(|id| json!({ "value": id })).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_bodies_as_text_are_the_bytes_values_would_give() {
        let ids = ["a\"1".to_string(), "b-2".to_string()];
        let same = |text: Vec<u8>, v: Value| assert_eq!(String::from_utf8(text).unwrap(), v.to_string());
        let members = json!([{ "value": "a\"1" }, { "value": "b-2" }]);
        let (omit, empty_array) = (super::super::EmptyGroupMembers::Omit, super::super::EmptyGroupMembers::EmptyArray);
        same(group("Eng", &ids, omit), json!({ "schemas": [GROUP_SCHEMA], "displayName": "Eng", "members": members }));
        same(group("Empty", &[], omit), json!({ "schemas": [GROUP_SCHEMA], "displayName": "Empty" }));
        same(
            group("Empty", &[], empty_array),
            json!({ "schemas": [GROUP_SCHEMA], "displayName": "Empty", "members": [] }),
        );
        same(group_put("g-1", "E", &[], omit), json!({ "schemas": [GROUP_SCHEMA], "id": "g-1", "displayName": "E" }));
        same(
            group_put("g-1", "Eng", &ids, empty_array),
            json!({ "schemas": [GROUP_SCHEMA], "id": "g-1", "displayName": "Eng", "members": members }),
        );
        same(
            add_members(&ids),
            json!({ "schemas": [PATCH_OP_SCHEMA], "Operations": [{ "op": "add", "path": "members", "value": members }] }),
        );
    }

    #[test]
    fn test_user_body_matches_the_captured_jumpcloud_body() {
        let body = test_user("jc-test@jumpcloud.com", "5f1e2d3c4b5a69788796a5b4");
        let expected = r#"{"active":true,"addresses":[{"country":"US","locality":"locality","postalCode":"80027","primary":true,"region":"region","streetAddress":"street-address","type":"work"}],"displayName":"displayname","emails":[{"primary":true,"type":"work","value":"jc-test@jumpcloud.com"}],"externalId":"5f1e2d3c4b5a69788796a5b4","locale":"en-US","name":{"familyName":"lastname","givenName":"firstname"},"phoneNumbers":[{"primary":true,"type":"work","value":"tel:+1-555-555-5555"}],"preferredLanguage":"en-US","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"jc-test@jumpcloud.com"}"#;
        assert_eq!(serde_json::to_string(&body).unwrap(), expected);
    }

    #[test]
    fn minimal_put_carries_explicit_null_emails() {
        let body = serde_json::to_string(&test_user_put("t@jumpcloud.com", "sp-1", true)).unwrap();
        assert_eq!(
            body,
            r#"{"active":true,"emails":null,"id":"sp-1","name":{"familyName":"lastname","givenName":"firstname"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"t@jumpcloud.com"}"#
        );
    }

    #[test]
    fn cleared_multi_valued_attributes_are_empty_arrays() {
        let u =
            User { id: "a".repeat(24).into(), username: "u".into(), email: "u@example.com".into(), ..User::default() };
        let body = user(&u, &Behaviour::default(), true, Some("9"));
        assert_eq!(body["phoneNumbers"], json!([]));
        assert_eq!(body["addresses"], json!([]));
        assert_eq!(body["id"], json!("9"));
        assert!(body.get(ENTERPRISE_USER_SCHEMA).is_none());
    }

    #[test]
    fn per_attribute_patches_replace_only_changed_paths() {
        let before = json!({"schemas": [USER_SCHEMA], "id": "7", "userName": "a@x.test", "active": true,
            "name": {"givenName": "Ann", "familyName": "Lee"}, "emails": [{"value": "a@x.test"}],
            (ENTERPRISE_USER_SCHEMA): {"department": "Sales"}});
        let mut after = before.clone();
        after["name"]["familyName"] = json!("Ng");
        after["active"] = json!(false);
        after[ENTERPRISE_USER_SCHEMA]["department"] = json!("Ops");
        let patch = user_patch_per_attribute(Some(&before), &after);
        let ops = patch["Operations"].as_array().unwrap();
        let paths: Vec<&str> = ops.iter().map(|o| o["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["active", "name.familyName", format!("{ENTERPRISE_USER_SCHEMA}:department").as_str()]);
        assert!(ops.iter().all(|o| o["op"] == "replace"));
        assert_eq!(ops[1]["value"], "Ng");
        // Without the previous document, every path goes out.
        let all = user_patch_per_attribute(None, &after);
        assert_eq!(all["Operations"].as_array().unwrap().len(), 6);
    }

    #[test]
    fn phone_numbers_become_tel_uris() {
        assert_eq!(tel_uri("+1 (555) 010-2000"), "tel:+1555010-2000");
        assert_eq!(tel_uri("tel:+1-555"), "tel:+1-555");
    }
}
