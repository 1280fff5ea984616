use super::*;
use crate::scim::filter::default_case_exact;
use serde_json::json;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn immutable(key: &str) -> bool {
    matches!(key, "id" | "meta") || key.starts_with("meta.")
}

fn run(resource: serde_json::Value, ops: serde_json::Value) -> Result<serde_json::Value, PatchError> {
    let body = json!({"schemas": [crate::scim::PATCH_OP_SCHEMA], "Operations": ops});
    let ops = parse_request(&body)?;
    let mut r = resource;
    apply(&mut r, &ops, &Rules { case_exact: &default_case_exact, immutable: &immutable })?;
    Ok(r)
}

fn user() -> serde_json::Value {
    json!({
        "id": "u1",
        "userName": "a@x.com",
        "active": true,
        "emails": [{"value": "a@x.com", "type": "work", "primary": true}, {"value": "a@home.org", "type": "home"}],
        "name": {"givenName": "A", "familyName": "B"}
    })
}

fn group() -> serde_json::Value {
    json!({"id": "g1", "displayName": "Eng", "members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}]})
}

#[test]
fn parse_path_forms() {
    let p = parse_path("members[value eq \"u1\"]").unwrap();
    assert_eq!(p.attr.name, "members");
    assert!(p.filter.is_some() && p.sub.is_none());
    let p = parse_path("emails[type eq \"work\"].value").unwrap();
    assert_eq!(p.sub.as_deref(), Some("value"));
    let p = parse_path(&format!("{ENT}:department")).unwrap();
    assert_eq!((p.attr.schema.as_deref(), p.attr.name.as_str()), (Some(ENT), "department"));
    let p = parse_path("name.givenName").unwrap();
    assert_eq!(p.attr.sub.as_deref(), Some("givenName"));
}

#[test]
fn parse_path_errors() {
    for bad in ["", "members[", "members[value eq]", "a.b.c", "emails[type eq \"w\"]x", "1abc"] {
        let err = parse_path(bad).unwrap_err();
        assert_eq!(err.scim_type(), "invalidPath", "{bad}");
    }
    let err = parse_path("members[value eq]").unwrap_err();
    assert_eq!(err.to_string(), "invalid path 'members[value eq]': expected a value, found ']' at position 17");
}

#[test]
fn request_validation() {
    let no_schema = parse_request(&json!({"Operations": [{"op": "add", "path": "x", "value": 1}]}));
    assert_eq!(no_schema.unwrap_err().scim_type(), "invalidSyntax");
    let empty = parse_request(&json!({"schemas": [crate::scim::PATCH_OP_SCHEMA], "Operations": []}));
    assert_eq!(empty.unwrap_err().scim_type(), "invalidSyntax");
    let bad_op = run(user(), json!([{"op": "merge", "path": "x", "value": 1}]));
    assert_eq!(bad_op.unwrap_err().scim_type(), "invalidSyntax");
    let no_value = run(user(), json!([{"op": "add", "path": "title"}]));
    assert_eq!(no_value.unwrap_err().scim_type(), "invalidValue");
}

#[test]
fn op_names_are_case_insensitive() {
    let r = run(user(), json!([{"op": "Replace", "path": "active", "value": false}])).unwrap();
    assert_eq!(r["active"], false);
    let r = run(user(), json!([{"op": "ADD", "path": "title", "value": "Boss"}])).unwrap();
    assert_eq!(r["title"], "Boss");
}

#[test]
fn add_and_replace_without_path() {
    let r = run(
        user(),
        json!([{"op": "add", "value": {"nickName": "Babs", "emails": [{"value": "c@x.com", "type": "other"}]}}]),
    )
    .unwrap();
    assert_eq!(r["nickName"], "Babs");
    assert_eq!(r["emails"].as_array().unwrap().len(), 3);
    let r = run(
        user(),
        json!([{"op": "replace", "value": {"name": {"givenName": "Z"}, "emails": [{"value": "c@x.com"}]}}]),
    )
    .unwrap();
    assert_eq!(r["name"], json!({"givenName": "Z", "familyName": "B"}));
    assert_eq!(r["emails"], json!([{"value": "c@x.com"}]));
    let r = run(
        user(),
        json!([{"op": "replace", "value": {format!("{ENT}:department"): "R&D", ENT: {"costCenter": "42"}}}]),
    )
    .unwrap();
    assert_eq!(r[ENT], json!({"department": "R&D", "costCenter": "42"}));
}

#[test]
fn urn_prefixed_path() {
    let r = run(user(), json!([{"op": "add", "path": format!("{ENT}:department"), "value": "Ops"}])).unwrap();
    assert_eq!(r[ENT]["department"], "Ops");
    let r = run(r, json!([{"op": "remove", "path": format!("{ENT}:department")}])).unwrap();
    assert_eq!(r[ENT], json!({}));
}

#[test]
fn value_filter_with_sub_attribute() {
    let r = run(user(), json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@x.com"}]))
        .unwrap();
    assert_eq!(r["emails"][0], json!({"value": "new@x.com", "type": "work", "primary": true}));
    assert_eq!(r["emails"][1]["value"], "a@home.org");
    let miss = run(user(), json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "x"}]));
    assert_eq!(miss.unwrap_err().scim_type(), "noTarget");
    let created =
        run(user(), json!([{"op": "add", "path": "emails[type eq \"other\"].value", "value": "o@x.com"}])).unwrap();
    assert_eq!(created["emails"][2], json!({"type": "other", "value": "o@x.com"}));
}

#[test]
fn sub_attribute_of_complex() {
    let r = run(user(), json!([{"op": "replace", "path": "name.familyName", "value": "C"}])).unwrap();
    assert_eq!(r["name"], json!({"givenName": "A", "familyName": "C"}));
    let r = run(json!({"id": "x"}), json!([{"op": "add", "path": "name.givenName", "value": "G"}])).unwrap();
    assert_eq!(r["name"], json!({"givenName": "G"}));
}

#[test]
fn members_add_deduplicates() {
    let r =
        run(group(), json!([{"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u4"}]}])).unwrap();
    assert_eq!(r["members"], json!([{"value": "u1"}, {"value": "u2"}, {"value": "u3"}, {"value": "u4"}]));
}

#[test]
fn members_remove_by_value_array() {
    let r = run(group(), json!([{"op": "remove", "path": "members", "value": [{"value": "u1"}, {"value": "u3"}]}]))
        .unwrap();
    assert_eq!(r["members"], json!([{"value": "u2"}]));
}

#[test]
fn members_remove_by_filter() {
    let r = run(group(), json!([{"op": "remove", "path": "members[value eq \"u2\"]"}])).unwrap();
    assert_eq!(r["members"], json!([{"value": "u1"}, {"value": "u3"}]));
    let miss = run(group(), json!([{"op": "remove", "path": "members[value eq \"U2\"]"}]));
    assert_eq!(miss.unwrap_err().scim_type(), "noTarget", "member values are case-exact");
}

#[test]
fn remove_all_and_replace_members() {
    let r = run(group(), json!([{"op": "remove", "path": "members"}])).unwrap();
    assert_eq!(r.get("members"), None);
    let r = run(group(), json!([{"op": "replace", "path": "members", "value": [{"value": "u9"}]}])).unwrap();
    assert_eq!(r["members"], json!([{"value": "u9"}]));
}

#[test]
fn remove_without_path_is_no_target() {
    let err = run(group(), json!([{"op": "remove"}])).unwrap_err();
    assert_eq!(err, PatchError::NoTarget("remove requires a path".into()));
}

#[test]
fn null_value_unassigns() {
    let r = run(user(), json!([{"op": "replace", "path": "name", "value": null}])).unwrap();
    assert_eq!(r.get("name"), None);
}

#[test]
fn immutable_attributes() {
    let err = run(user(), json!([{"op": "replace", "path": "id", "value": "other"}])).unwrap_err();
    assert_eq!(err.scim_type(), "mutability");
    let err = run(user(), json!([{"op": "remove", "path": "meta.created"}])).unwrap_err();
    assert_eq!(err.scim_type(), "mutability");
    assert!(run(user(), json!([{"op": "replace", "value": {"id": "u1", "title": "T"}}])).is_ok(), "same id is allowed");
}

#[test]
fn scalar_with_sub_attribute_is_invalid_path() {
    let err = run(user(), json!([{"op": "replace", "path": "userName.x", "value": 1}])).unwrap_err();
    assert_eq!(err.scim_type(), "invalidPath");
}

#[test]
fn multi_valued_add_and_remove_match_element_by_element_comparison() {
    // The hashed element set must decide exactly as comparing every pair does:
    // string and number values, keys in any case, elements without a value,
    // and duplicates inside one request.
    let existing = json!([
        {"value": "u1"}, {"Value": "u2", "display": "Two"}, {"value": 7}, {"value": "8"},
        {"type": "work"}, {"value": true}, {"value": null}
    ]);
    let candidates = json!([
        {"value": "u1"}, {"VALUE": "u2"}, {"value": "7"}, {"value": 8}, {"value": "u9"}, {"value": "u9"},
        {"type": "work"}, {"type": "home"}, {"value": true}, {"value": "true"}, {"value": null}, {"value": 7.0}
    ]);
    let items: Vec<serde_json::Value> = existing.as_array().unwrap().clone();
    let same = |a: &serde_json::Value, b: &serde_json::Value| {
        let get = |v: &serde_json::Value| {
            v.as_object().and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")).map(|(_, v)| v.clone()))
        };
        match (get(a), get(b)) {
            (Some(serde_json::Value::String(s)), Some(serde_json::Value::Number(n)))
            | (Some(serde_json::Value::Number(n)), Some(serde_json::Value::String(s))) => s == n.to_string(),
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        }
    };
    for c in candidates.as_array().unwrap() {
        let group = json!({"id": "g", "members": existing.clone()});
        let added = run(group.clone(), json!([{"op": "add", "path": "members", "value": [c, c]}])).unwrap();
        let mut want = items.clone();
        if !items.iter().any(|el| same(el, c)) {
            want.push(c.clone());
        }
        assert_eq!(added["members"], json!(want), "add {c}");
        let removed = run(group, json!([{"op": "remove", "path": "members", "value": [c]}])).unwrap();
        let kept: Vec<_> = items.iter().filter(|el| !same(el, c)).cloned().collect();
        assert_eq!(removed.get("members").cloned().unwrap_or(json!([])), json!(kept), "remove {c}");
    }
}
