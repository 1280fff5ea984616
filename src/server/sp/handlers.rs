//! /Users, /Groups and /.search handlers, including the quirks that change
//! what a write does. Locks are taken and released without awaiting.

use super::error::ScimError;
use super::http::{Base, ScimBody};
use super::list::{ListQuery, Projection, project, run};
use super::schema::{self, GROUP_ATTRS, USER_ATTRS};
use super::store::{Kind, Resource, remove_members};
use super::{Quirk, SpState};
use crate::scim::filter::default_case_exact;
use crate::scim::patch::{self, Rules};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

type Pairs = Query<Vec<(String, String)>>;
type Res = Result<Response, ScimError>;

macro_rules! kind_handlers {
    ($kind:expr, $list:ident, $search:ident, $create:ident, $get:ident, $put:ident, $patch:ident, $delete:ident) => {
        pub async fn $list(State(st): State<SpState>, Base(base): Base, Query(q): Pairs) -> Res {
            list(&st, &[$kind], &base, ListQuery::from_query(&q)?)
        }
        pub async fn $search(State(st): State<SpState>, Base(base): Base, ScimBody(body): ScimBody) -> Res {
            list(&st, &[$kind], &base, ListQuery::from_search(&body)?)
        }
        pub async fn $create(State(st): State<SpState>, Base(base): Base, ScimBody(body): ScimBody) -> Res {
            create(&st, $kind, &base, body)
        }
        pub async fn $get(
            State(st): State<SpState>,
            Base(base): Base,
            Path(id): Path<String>,
            h: HeaderMap,
            Query(q): Pairs,
        ) -> Res {
            get_one(&st, $kind, &base, &id, &h, &q)
        }
        pub async fn $put(
            State(st): State<SpState>,
            Base(base): Base,
            Path(id): Path<String>,
            h: HeaderMap,
            ScimBody(body): ScimBody,
        ) -> Res {
            put(&st, $kind, &base, &id, &h, body)
        }
        pub async fn $patch(
            State(st): State<SpState>,
            Base(base): Base,
            Path(id): Path<String>,
            h: HeaderMap,
            ScimBody(body): ScimBody,
        ) -> Res {
            patch(&st, $kind, &base, &id, &h, body)
        }
        pub async fn $delete(State(st): State<SpState>, Path(id): Path<String>, h: HeaderMap) -> Res {
            delete(&st, $kind, &id, &h)
        }
    };
}

kind_handlers!(Kind::User, list_users, search_users, create_user, get_user, put_user, patch_user, delete_user);
kind_handlers!(Kind::Group, list_groups, search_groups, create_group, get_group, put_group, patch_group, delete_group);

/// `POST /.search` over users and groups.
pub async fn search_all(State(st): State<SpState>, Base(base): Base, ScimBody(body): ScimBody) -> Res {
    list(&st, &[Kind::User, Kind::Group], &base, ListQuery::from_search(&body)?)
}

fn list(st: &SpState, kinds: &[Kind], base: &str, q: ListQuery) -> Res {
    let body = run(&st.read(), kinds, &q, base, st.numeric_ids());
    Ok(Json(body).into_response())
}

fn resource_response(status: StatusCode, body: Value, etag: &str, location: Option<&str>) -> Response {
    let mut res = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if let Some(v) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn render(st: &SpState, kind: Kind, id: &str, base: &str) -> Result<(Value, String), ScimError> {
    let store = st.read();
    let r = store.get(kind, id).ok_or_else(|| ScimError::not_found(kind.resource_type(), id))?;
    Ok((store.render(kind, r, base, st.numeric_ids()), r.etag()))
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
    let attrs = schema::normalize(&body, defs(kind), kind == Kind::User)?;
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

fn create(st: &SpState, kind: Kind, base: &str, body: Map<String, Value>) -> Res {
    let attrs = prepare(st, kind, body)?;
    let id = st.write().create(kind, attrs)?;
    let (value, etag) = render(st, kind, &id, base)?;
    let location = format!("{base}/{}/{id}", kind.endpoint());
    Ok(resource_response(StatusCode::CREATED, value, &etag, Some(&location)))
}

fn get_one(st: &SpState, kind: Kind, base: &str, id: &str, h: &HeaderMap, q: &[(String, String)]) -> Res {
    let projection = Projection::from_query(q)?;
    let (value, etag) = render(st, kind, id, base)?;
    let not_modified = h
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if not_modified {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return Ok(res);
    }
    Ok(resource_response(StatusCode::OK, project(value, &projection), &etag, None))
}

/// 412 unless `If-Match` is absent, `*`, or lists the current version.
fn check_if_match(h: &HeaderMap, r: &Resource) -> Result<(), ScimError> {
    let Some(v) = h.get(header::IF_MATCH) else {
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
        _ => {}
    }
}

fn put(st: &SpState, kind: Kind, base: &str, id: &str, h: &HeaderMap, body: Map<String, Value>) -> Res {
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
    let mut attrs = prepare(st, kind, body)?;
    {
        let mut store = st.write();
        let r = store.get(kind, id).ok_or_else(|| ScimError::not_found(kind.resource_type(), id))?;
        check_if_match(h, r)?;
        apply_write_quirks(st, kind, &r.attrs(), &mut attrs);
        store.update(kind, id, attrs)?;
    }
    let (value, etag) = render(st, kind, id, base)?;
    Ok(resource_response(StatusCode::OK, value, &etag, None))
}

fn immutable(key: &str) -> bool {
    key == "id" || key == "meta" || key.starts_with("meta.")
}

fn patch(st: &SpState, kind: Kind, base: &str, id: &str, h: &HeaderMap, body: Map<String, Value>) -> Res {
    let ops = patch::parse_request(&Value::Object(body))?;
    {
        let mut store = st.write();
        let r = store.get(kind, id).ok_or_else(|| ScimError::not_found(kind.resource_type(), id))?;
        check_if_match(h, r)?;
        let old = r.attrs();
        let mut doc = Value::Object(old.clone());
        doc["id"] = Value::String(id.to_string());
        patch::apply(&mut doc, &ops, &Rules { case_exact: &default_case_exact, immutable: &immutable })?;
        let Value::Object(mut doc) = doc else {
            return Err(ScimError::invalid_value("resource must stay an object"));
        };
        doc.remove("id");
        let mut attrs = prepare(st, kind, doc)?;
        apply_write_quirks(st, kind, &old, &mut attrs);
        if kind == Kind::Group && st.config().has(&Quirk::IgnoreMemberRemove) {
            keep_removed_members(&old, &mut attrs);
        }
        if attrs != old {
            store.update(kind, id, attrs)?;
        }
    }
    if st.config().has(&Quirk::PatchReturns204) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let (value, etag) = render(st, kind, id, base)?;
    Ok(resource_response(StatusCode::OK, value, &etag, None))
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

fn delete(st: &SpState, kind: Kind, id: &str, h: &HeaderMap) -> Res {
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
    if kind == Kind::Group && config.has(&Quirk::SoftDeleteGroups) {
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
