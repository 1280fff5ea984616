//! /Users, /Groups and /.search handlers, including the quirks that change
//! what a write does. Locks are taken and released without awaiting.

use super::http::{Base, Conditions, QueryPairs, ScimBody};
use super::list::{ListQuery, Projection, project, run};
use super::render::{Rendered, WriteJson, json_response};
use super::schema::{self, GROUP_ATTRS, USER_ATTRS};
use super::store::{Kind, Resource, Store, remove_members};
use super::{Quirk, SpState};
use crate::scim::ScimError;
use crate::scim::filter::default_case_exact;
use crate::scim::patch::{self, Rules};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

type Res = Result<Response, ScimError>;

macro_rules! kind_handlers {
    ($kind:expr, $list:ident, $search:ident, $create:ident, $get:ident, $put:ident, $patch:ident, $delete:ident) => {
        pub(crate) async fn $list(State(st): State<SpState>, Base(base): Base, QueryPairs(q): QueryPairs) -> Res {
            list(&st, &[$kind], &base, ListQuery::from_query(&q)?)
        }
        pub(crate) async fn $search(State(st): State<SpState>, Base(base): Base, ScimBody(body): ScimBody) -> Res {
            list(&st, &[$kind], &base, ListQuery::from_search(&body)?)
        }
        pub(crate) async fn $create(State(st): State<SpState>, Base(base): Base, ScimBody(body): ScimBody) -> Res {
            create(&st, $kind, &base, body)
        }
        pub(crate) async fn $get(
            State(st): State<SpState>,
            Base(base): Base,
            Path(id): Path<String>,
            h: Conditions,
            QueryPairs(q): QueryPairs,
        ) -> Res {
            get_one(&st, $kind, &base, &id, &h, &q)
        }
        pub(crate) async fn $put(
            State(st): State<SpState>,
            Base(base): Base,
            Path(id): Path<String>,
            h: Conditions,
            ScimBody(body): ScimBody,
        ) -> Res {
            put(&st, $kind, &base, &id, &h, body)
        }
        pub(crate) async fn $patch(
            State(st): State<SpState>,
            Base(base): Base,
            Path(id): Path<String>,
            h: Conditions,
            ScimBody(body): ScimBody,
        ) -> Res {
            patch(&st, $kind, &base, &id, &h, body)
        }
        pub(crate) async fn $delete(State(st): State<SpState>, Path(id): Path<String>, h: Conditions) -> Res {
            delete(&st, $kind, &id, &h)
        }
    };
}

kind_handlers!(Kind::User, list_users, search_users, create_user, get_user, put_user, patch_user, delete_user);
kind_handlers!(Kind::Group, list_groups, search_groups, create_group, get_group, put_group, patch_group, delete_group);

/// `POST /.search` over users and groups.
pub(crate) async fn search_all(State(st): State<SpState>, Base(base): Base, ScimBody(body): ScimBody) -> Res {
    list(&st, &[Kind::User, Kind::Group], &base, ListQuery::from_search(&body)?)
}

fn list(st: &SpState, kinds: &[Kind], base: &str, q: ListQuery) -> Res {
    let store = st.read();
    let body = run(&store, kinds, &q, base, st.numeric_ids(), st.list_quirks());
    Ok(json_response(StatusCode::OK, &body))
}

/// A resource's JSON `body` with `ETag` and, for a create, `Location`.
fn resource_response(
    status: StatusCode,
    body: &impl WriteJson,
    kind: Kind,
    r: &Resource,
    base: &str,
    location: bool,
) -> Response {
    let mut res = json_response(status, body);
    if let Ok(v) = HeaderValue::try_from(r.etag()) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if location && let Ok(v) = HeaderValue::try_from(format!("{base}/{}/{}", kind.endpoint(), r.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The resource as GET returns it, written straight from the store.
fn rendered<'a>(st: &SpState, kind: Kind, r: &'a Resource, base: &'a str, cache: bool) -> Rendered<'a> {
    Rendered { kind, r, base, numeric_ids: st.numeric_ids(), cache }
}

fn lookup<'s>(store: &'s Store, kind: Kind, id: &str) -> Result<&'s Resource, ScimError> {
    store.get(kind, id).ok_or_else(|| ScimError::not_found(kind.resource_type(), id))
}

fn defs(kind: Kind) -> &'static [schema::Attr] {
    match kind {
        Kind::User => USER_ATTRS,
        Kind::Group => GROUP_ATTRS,
    }
}

/// Normalises a body into storable attributes and applies the domain allowlist.
fn prepare(st: &SpState, kind: Kind, mut body: Map<String, Value>) -> Result<Map<String, Value>, ScimError> {
    if kind == Kind::Group {
        // Numeric member ids (numeric_ids quirk, or sloppy clients) are stored as strings.
        if let Some(Value::Array(members)) =
            body.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("members")).map(|(_, v)| v)
        {
            for m in members.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(n @ Value::Number(_)) = m.get("value") {
                    let s = n.to_string();
                    m.insert("value".into(), Value::String(s));
                }
            }
        }
    }
    let attrs = schema::normalize(body, defs(kind), kind == Kind::User)?;
    if kind == Kind::User {
        check_domains(st, &attrs)?;
    }
    Ok(attrs)
}

fn check_domains(st: &SpState, attrs: &Map<String, Value>) -> Result<(), ScimError> {
    let Some(allowed) = st.config().quirk(|q| if let Quirk::DomainAllowlist(d) = q { Some(d.clone()) } else { None })
    else {
        return Ok(());
    };
    let user_name = attrs.get("userName").and_then(Value::as_str);
    let emails = attrs.get("emails").and_then(Value::as_array).into_iter().flatten();
    let addresses = user_name.into_iter().chain(emails.filter_map(|e| e.get("value").and_then(Value::as_str)));
    for addr in addresses {
        if let Some((_, domain)) = addr.rsplit_once('@') {
            let domain = domain.to_ascii_lowercase();
            if !allowed.contains(&domain) {
                return Err(ScimError::invalid_value(format!(
                    "email domain '{domain}' is not allowed for this account; allowed domains: {}",
                    allowed.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// 400 for a Group without a `members` key under `require_group_members`.
fn check_members_key(st: &SpState, kind: Kind, body: &Map<String, Value>) -> Result<(), ScimError> {
    if kind == Kind::Group
        && st.config().has(&Quirk::RequireGroupMembers)
        && !body.keys().any(|k| k.eq_ignore_ascii_case("members"))
    {
        return Err(ScimError::bad_request("invalidValue", "attribute 'members' is required"));
    }
    Ok(())
}

fn create(st: &SpState, kind: Kind, base: &str, body: Map<String, Value>) -> Res {
    check_members_key(st, kind, &body)?;
    let mut attrs = prepare(st, kind, body)?;
    if kind == Kind::Group && st.config().has(&Quirk::CreateGroupDropsMembers) {
        attrs.insert("members".into(), Value::Array(Vec::new()));
    }
    let mut store = st.write();
    let id = store.create(kind, attrs)?;
    if st.post_fails_after_commit() {
        return Err(ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error while answering the create"));
    }
    let r = lookup(&store, kind, &id)?;
    Ok(resource_response(StatusCode::CREATED, &rendered(st, kind, r, base, false), kind, r, base, true))
}

fn get_one(st: &SpState, kind: Kind, base: &str, id: &str, h: &Conditions, q: &[(String, String)]) -> Res {
    let projection = Projection::from_query(q)?;
    let store = st.read();
    let r = lookup(&store, kind, id)?;
    let etag = r.etag();
    let not_modified = h
        .if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if not_modified {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::try_from(etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return Ok(res);
    }
    Ok(if projection.is_empty() {
        resource_response(StatusCode::OK, &rendered(st, kind, r, base, true), kind, r, base, false)
    } else {
        let value = project(store.render(kind, r, base, st.numeric_ids()), &projection);
        resource_response(StatusCode::OK, &value, kind, r, base, false)
    })
}

/// 412 unless `If-Match` is absent, `*`, or lists the current version.
fn check_if_match(h: &Conditions, r: &Resource) -> Result<(), ScimError> {
    let Some(v) = &h.if_match else {
        return Ok(());
    };
    let current = r.version.to_string();
    let ok = v.to_str().is_ok_and(|v| {
        v.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t).trim_matches('"') == current)
    });
    if ok {
        Ok(())
    } else {
        Err(ScimError::new(
            StatusCode::PRECONDITION_FAILED,
            format!("resource version is {}; If-Match does not match", r.etag()),
        ))
    }
}

/// True when [`apply_write_quirks`] may change anything for `kind`.
fn has_write_quirks(st: &SpState, kind: Kind) -> bool {
    let config = st.config();
    match kind {
        Kind::Group => config.has(&Quirk::IgnoreRename),
        Kind::User => config.has(&Quirk::IgnoreDeactivate) || config.has(&Quirk::NoReactivate),
    }
}

/// Undoes the parts of a write that the active quirks pretend to do.
fn apply_write_quirks(st: &SpState, kind: Kind, old: &Map<String, Value>, new: &mut Map<String, Value>) {
    let config = st.config();
    let restore = |new: &mut Map<String, Value>, key: &str| match old.get(key) {
        Some(v) => {
            new.insert(key.to_string(), v.clone());
        }
        None => {
            new.remove(key);
        }
    };
    match kind {
        Kind::Group if config.has(&Quirk::IgnoreRename) => restore(new, "displayName"),
        Kind::User if config.has(&Quirk::IgnoreDeactivate) && new.get("active") == Some(&Value::Bool(false)) => {
            new.insert("active".into(), Value::Bool(true));
        }
        Kind::User
            if config.has(&Quirk::NoReactivate)
                && old.get("active") == Some(&Value::Bool(false))
                && new.get("active") == Some(&Value::Bool(true)) =>
        {
            new.insert("active".into(), Value::Bool(false));
        }
        _ => {}
    }
}

fn put(st: &SpState, kind: Kind, base: &str, id: &str, h: &Conditions, body: Map<String, Value>) -> Res {
    let body_id = body.iter().find(|(k, _)| k.eq_ignore_ascii_case("id")).map(|(_, v)| v);
    if let Some(v) = body_id {
        let same = match v {
            Value::String(s) => s == id,
            Value::Number(n) => n.as_u64().is_some_and(|n| id.parse() == Ok(n)),
            _ => false,
        };
        if !same {
            return Err(ScimError::bad_request("mutability", "attribute 'id' cannot be modified"));
        }
    }
    check_members_key(st, kind, &body)?;
    if st.config().has(&Quirk::RejectNullPut)
        && let Some((key, _)) = body.iter().find(|(_, v)| v.is_null())
    {
        return Err(ScimError::bad_request("invalidValue", format!("attribute '{key}' must not be null")));
    }
    let mut attrs = prepare(st, kind, body)?;
    let mut store = st.write();
    let r = lookup(&store, kind, id)?;
    check_if_match(h, r)?;
    if has_write_quirks(st, kind) {
        apply_write_quirks(st, kind, &r.attrs(), &mut attrs);
    }
    store.update(kind, id, attrs)?;
    let r = lookup(&store, kind, id)?;
    Ok(resource_response(StatusCode::OK, &rendered(st, kind, r, base, false), kind, r, base, false))
}

fn immutable(key: &str) -> bool {
    key == "id" || key == "meta" || key.starts_with("meta.")
}

fn patch(st: &SpState, kind: Kind, base: &str, id: &str, h: &Conditions, mut body: Map<String, Value>) -> Res {
    let config = st.config();
    if config.has(&Quirk::NoPatch) {
        let mut res =
            ScimError::new(StatusCode::METHOD_NOT_ALLOWED, "PATCH is not supported; send a PUT").into_response();
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, PUT, DELETE"));
        return Ok(res);
    }
    if config.has(&Quirk::PatchReplaceNotImplemented) && has_op(&body, "replace") {
        return Err(ScimError::new(StatusCode::NOT_IMPLEMENTED, "PATCH op replace is not implemented"));
    }
    let original =
        if kind == Kind::Group && config.quirks.iter().any(|q| matches!(q, Quirk::IgnoreMemberRemove(Some(_)))) {
            body.clone()
        } else {
            Map::new()
        };
    let only = config.quirks.iter().find_map(|q| match q {
        Quirk::OnlyMemberRemoval(form) => Some(*form),
        _ => None,
    });
    if let (Kind::Group, Some(only)) = (kind, only) {
        refuse_other_removal_form(&body, only)?;
    }
    let ignore_replace = kind == Kind::User && config.has(&Quirk::IgnorePatchReplace);
    if ignore_replace && let Some(Value::Array(ops)) = body.get_mut("Operations") {
        ops.retain(|op| !op.get("op").and_then(Value::as_str).is_some_and(|o| o.eq_ignore_ascii_case("replace")));
    }
    let ops = if ignore_replace && body.get("Operations").and_then(Value::as_array).is_some_and(Vec::is_empty) {
        Vec::new()
    } else {
        patch::parse_request(&Value::Object(body))?
    };
    let mut store = st.write();
    let r = lookup(&store, kind, id)?;
    check_if_match(h, r)?;
    // The stored document is the attributes plus `id` (== the path id) and `meta`.
    let mut doc = r.doc.clone();
    if let Value::Object(map) = &mut doc {
        map.remove("meta");
        map.insert("id".into(), Value::String(id.to_string()));
    }
    if let Some(why) = patch::too_costly(&doc, &ops) {
        return Err(ScimError::invalid_value(why));
    }
    patch::apply(&mut doc, &ops, &Rules { case_exact: &default_case_exact, immutable: &immutable })?;
    let Value::Object(mut doc) = doc else {
        return Err(ScimError::invalid_value("resource must stay an object"));
    };
    doc.remove("id");
    let mut attrs = prepare(st, kind, doc)?;
    let member_quirk = kind == Kind::Group
        && config.quirks.iter().any(|q| match q {
            Quirk::IgnoreMemberRemove(None) => true,
            Quirk::IgnoreMemberRemove(Some(form)) => removal_forms(&original).contains(form),
            _ => false,
        });
    if member_quirk || has_write_quirks(st, kind) {
        let old = r.attrs();
        apply_write_quirks(st, kind, &old, &mut attrs);
        if member_quirk {
            keep_removed_members(&old, &mut attrs);
        }
    }
    let changed = !same_attrs(&attrs, r);
    if changed {
        store.update(kind, id, attrs)?;
    }
    if config.has(&Quirk::PatchReturns204) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let r = lookup(&store, kind, id)?;
    // An unchanged resource may be read again: let it keep a rendering.
    Ok(resource_response(StatusCode::OK, &rendered(st, kind, r, base, !changed), kind, r, base, false))
}

/// True when a PatchOp body holds an operation `op` (case-insensitive).
fn has_op(body: &Map<String, Value>, op: &str) -> bool {
    body.get("Operations").and_then(Value::as_array).is_some_and(|ops| {
        ops.iter().any(|o| o.get("op").and_then(Value::as_str).is_some_and(|o| o.eq_ignore_ascii_case(op)))
    })
}

/// The member-removal forms a PatchOp body uses.
fn removal_forms(body: &Map<String, Value>) -> Vec<crate::sp::quirks::RemovalForm> {
    use crate::sp::quirks::RemovalForm;
    let Some(Value::Array(ops)) = body.get("Operations") else {
        return Vec::new();
    };
    ops.iter()
        .filter(|op| op.get("op").and_then(Value::as_str).is_some_and(|o| o.eq_ignore_ascii_case("remove")))
        .filter_map(|op| {
            let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
            if path.eq_ignore_ascii_case("members") {
                Some(RemovalForm::ValueArray)
            } else if path.to_ascii_lowercase().starts_with("members[") {
                Some(RemovalForm::FilterPath)
            } else {
                None
            }
        })
        .collect()
}

/// `only_member_removal`: a member removal in the other form is refused
/// with the 400 an RFC-strict server gives.
fn refuse_other_removal_form(body: &Map<String, Value>, only: crate::sp::quirks::RemovalForm) -> Result<(), ScimError> {
    use crate::sp::quirks::RemovalForm;
    match removal_forms(body).into_iter().find(|f| *f != only) {
        Some(form) => Err(ScimError::bad_request(
            if form == RemovalForm::ValueArray { "noTarget" } else { "invalidFilter" },
            format!("member removal must use the {} form", only.as_str()),
        )),
        None => Ok(()),
    }
}

/// `attrs == r.attrs()`, without cloning the stored document.
fn same_attrs(attrs: &Map<String, Value>, r: &Resource) -> bool {
    let Some(doc) = r.doc.as_object() else {
        return attrs.is_empty();
    };
    let mut stored = doc.iter().filter(|(k, _)| k.as_str() != "id" && k.as_str() != "meta");
    attrs.iter().all(|(k, v)| stored.next().is_some_and(|(sk, sv)| sk == k && sv == v)) && stored.next().is_none()
}

/// `ignore_member_remove`: members present before the PATCH stay, new ones are added.
fn keep_removed_members(old: &Map<String, Value>, new: &mut Map<String, Value>) {
    let old_members = old.get("members").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut added: Vec<Value> = new.get("members").and_then(Value::as_array).cloned().unwrap_or_default();
    added.retain(|m| !old_members.iter().any(|o| o["value"] == m["value"]));
    let merged: Vec<Value> = old_members.into_iter().chain(added).collect();
    if merged.is_empty() {
        new.remove("members");
    } else {
        new.insert("members".into(), Value::Array(merged));
    }
}

fn delete(st: &SpState, kind: Kind, id: &str, h: &Conditions) -> Res {
    let config = st.config();
    if kind == Kind::User && config.has(&Quirk::NoUserDelete) {
        let mut res =
            ScimError::new(StatusCode::METHOD_NOT_ALLOWED, "users cannot be deleted; set active to false instead")
                .into_response();
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, PUT, PATCH"));
        return Ok(res);
    }
    let mut store = st.write();
    let r = store.get(kind, id).ok_or_else(|| ScimError::not_found(kind.resource_type(), id))?;
    check_if_match(h, r)?;
    if kind == Kind::User && config.has(&Quirk::SoftDeleteUsers) {
        let mut attrs = r.attrs();
        attrs.insert("active".into(), Value::Bool(false));
        store.update(kind, id, attrs)?;
    } else if kind == Kind::Group && config.has(&Quirk::SoftDeleteGroups) {
        let mut attrs = r.attrs();
        if attrs.contains_key("members") {
            remove_members(&mut attrs, |_| true);
            store.update(kind, id, attrs)?;
        }
    } else {
        store.delete(kind, id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
