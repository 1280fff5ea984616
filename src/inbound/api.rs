//! The inbound SCIM API's logic, free of HTTP: one request in, one response
//! out, the directory changed in place. `jcsim serve` calls it behind HTTP
//! (through `Session::step`), `jcsim run` calls it in-process for `inbound:` steps.

use super::discovery;
use super::mapping::{self, Attrs};
use crate::directory::{Directory, Key, ScimDefaultState, User, UserState};
use crate::record::Insight;
use crate::scim::ScimError;
use crate::scim::filter::{AttrPath, CompareOp, Filter, Literal, default_case_exact};
use crate::scim::list::{ListQuery, project};
use crate::scim::patch::{self, Rules};
use crate::scim::url::query_pairs;
use http::StatusCode;
use serde_json::{Value, json};

/// Why JumpCloud refuses `/Groups` (docs/jumpcloud.md, inbound: "Real-time group import is not supported" [C]).
pub const GROUPS_REFUSED: &str = "Real-time group import is not supported by JumpCloud's SCIM API";

/// One request to the inbound API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: String,
    /// Below the SCIM root, with an optional query: `/Users?filter=…`.
    pub path: String,
    pub body: Option<Value>,
}

/// The answer, ready for HTTP or for the record.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Option<Value>,
    /// `Location` of a created user.
    pub location: Option<String>,
}

/// A handled request: the answer, how the timeline names it, and whether the
/// directory changed (then JumpCloud syncs the bound applications).
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    pub response: ApiResponse,
    /// The inbound lane's event (`inbound_user_create`, …).
    pub event: Insight,
    /// A one-line description for the timeline.
    pub label: String,
    pub changed: bool,
}

type Res = Result<(u16, Value), ScimError>;

/// Apply `req` to the directory. `base` is the SCIM root as the identity
/// source sees it (for `meta.location`).
pub fn handle(dir: &mut Directory, req: &ApiRequest, base: &str) -> Handled {
    let method = req.method.to_ascii_uppercase();
    let (path, query) = req.path.split_once('?').unwrap_or((req.path.as_str(), ""));
    let path = path.trim_end_matches('/');
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (event, label, result): (Insight, String, Res) = match (method.as_str(), segs.as_slice()) {
        ("GET", ["Users"]) => (Insight::InboundUserLookup, list_label(query), list(dir, query, base)),
        ("POST", ["Users"]) => {
            let who =
                req.body.as_ref().and_then(|b| crate::scim::filter::get_ci(b, "userName")).and_then(Value::as_str);
            (
                Insight::InboundUserCreate,
                format!("HRIS creates {}", who.unwrap_or("a user")),
                create(dir, req.body.as_ref(), base),
            )
        }
        ("POST", ["Users", ".search"] | [".search"]) => {
            (Insight::InboundUserLookup, "HRIS searches users".into(), search(dir, req.body.as_ref(), base))
        }
        ("GET", ["Users", id]) => {
            (Insight::InboundUserLookup, format!("HRIS reads user {id}"), get(dir, id, query, base))
        }
        ("PUT", ["Users", id]) => {
            (Insight::InboundUserUpdate, format!("HRIS replaces user {id}"), put(dir, id, req.body.as_ref(), base))
        }
        ("PATCH", ["Users", id]) => {
            (Insight::InboundUserUpdate, format!("HRIS patches user {id}"), patch(dir, id, req.body.as_ref(), base))
        }
        ("DELETE", ["Users", id]) => (Insight::InboundUserDelete, format!("HRIS deletes user {id}"), delete(dir, id)),
        (_, ["Groups", ..]) => (
            Insight::InboundGroupRefused,
            format!("HRIS {method} {path}: refused"),
            Err(ScimError::new(StatusCode::NOT_IMPLEMENTED, GROUPS_REFUSED)),
        ),
        ("GET", ["ServiceProviderConfig"] | ["ResourceTypes", ..] | ["Schemas", ..]) => {
            (Insight::InboundDiscovery, format!("HRIS reads {path}"), discovery::get(&segs, base).map(|v| (200, v)))
        }
        (_, ["Users"] | ["Users", _] | ["ServiceProviderConfig"] | ["ResourceTypes", ..] | ["Schemas", ..]) => (
            Insight::InboundOther,
            format!("HRIS {method} {path}"),
            Err(ScimError::for_status(StatusCode::METHOD_NOT_ALLOWED)),
        ),
        _ => {
            (Insight::InboundOther, format!("HRIS {method} {path}"), Err(ScimError::for_status(StatusCode::NOT_FOUND)))
        }
    };
    let changed = event.is_inbound_write() && result.is_ok();
    let response = match result {
        Ok((status, body)) => {
            let location = (status == 201)
                .then(|| body.pointer("/meta/location").and_then(Value::as_str).map(str::to_string))
                .flatten();
            ApiResponse { status, body: (status != 204).then_some(body), location }
        }
        Err(e) => ApiResponse { status: e.status.as_u16(), body: Some(e.body()), location: None },
    };
    Handled { response, event, label, changed }
}

fn list_label(query: &str) -> String {
    if query.is_empty() {
        "HRIS lists users".into()
    } else {
        format!(
            "HRIS looks up users ({})",
            query_pairs(query).iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
        )
    }
}

/// Filters on what JumpCloud's SCIM API is documented to look users up by.
const FILTERABLE: &[&str] = &["username", "emails.value", "emails", "externalid", "id"];

fn check_filter(f: &Filter) -> Result<(), ScimError> {
    let ok = |p: &AttrPath| p.is_core() && FILTERABLE.contains(&p.key().as_str());
    match f {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().try_for_each(check_filter),
        Filter::Not(inner) => check_filter(inner),
        Filter::Present(p) | Filter::Compare(p, _, _) if ok(p) => Ok(()),
        Filter::ValuePath(p, inner) if p.key() == "emails" => {
            // Inside emails[...], only `value` (and type/primary) may be compared.
            check_filter_in_emails(inner)
        }
        _ => Err(ScimError::bad_request(
            "invalidFilter",
            "filtering is supported on userName, emails.value and externalId (and id) only",
        )),
    }
}

fn check_filter_in_emails(f: &Filter) -> Result<(), ScimError> {
    match f {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().try_for_each(check_filter_in_emails),
        Filter::Not(inner) => check_filter_in_emails(inner),
        Filter::Present(p) | Filter::Compare(p, _, _) if ["value", "type", "primary"].contains(&p.key().as_str()) => {
            Ok(())
        }
        _ => Err(ScimError::bad_request("invalidFilter", "inside emails[…] only value, type and primary can be used")),
    }
}

fn list(dir: &Directory, query: &str, base: &str) -> Res {
    run_list(dir, ListQuery::from_query(&query_pairs(query))?, base)
}

/// `POST /Users/.search` with a SearchRequest body.
fn search(dir: &Directory, b: Option<&Value>, base: &str) -> Res {
    let body = body(b)?.as_object().cloned().unwrap_or_default();
    run_list(dir, ListQuery::from_search(&body)?, base)
}

fn run_list(dir: &Directory, q: ListQuery, base: &str) -> Res {
    let skip = q.start.saturating_sub(1);
    let (total, page): (usize, Vec<Value>) = match &q.filter {
        // Unfiltered: only the page's users are built.
        None => {
            let page = dir.users.positions().skip(skip).take(q.count).filter_map(|p| dir.users.at(p));
            (dir.users.len(), page.map(|u| mapping::to_scim(&u, base)).collect())
        }
        Some(f) => {
            check_filter(f)?;
            let hits = match indexed_term(f) {
                Some((key, value)) => matching(dir, f, dir.users.find(key, value).into_iter(), base),
                None => matching(dir, f, dir.users.positions(), base),
            };
            (hits.len(), hits.into_iter().skip(skip).take(q.count).collect())
        }
    };
    let page: Vec<Value> = page.into_iter().map(|d| project(d, &q.projection)).collect();
    Ok((
        200,
        json!({
            "schemas": [crate::scim::LIST_RESPONSE_SCHEMA],
            "totalResults": total,
            "startIndex": q.start,
            "itemsPerPage": page.len(),
            "Resources": page,
        }),
    ))
}

/// The representations of the users at `positions` that match `f`.
fn matching(dir: &Directory, f: &Filter, positions: impl Iterator<Item = usize>, base: &str) -> Vec<Value> {
    positions
        .filter_map(|p| dir.users.at(p))
        .map(|u| mapping::to_scim(&u, base))
        .filter(|doc| f.matches(doc, &default_case_exact))
        .collect()
}

/// A term of `f` the directory indexes, which every match must satisfy:
/// `userName`, `emails.value` (`emails`, `emails[value eq …]`), `externalId`
/// or `id` `eq` a string, alone or in an `and`. The filter itself still
/// decides; the index only narrows the users it is tried on.
fn indexed_term(f: &Filter) -> Option<(Key, &str)> {
    match f {
        Filter::Compare(p, CompareOp::Eq, Literal::Str(v)) if p.is_core() => {
            let key = match p.key().as_str() {
                "username" => Key::Username,
                "emails.value" | "emails" => Key::Email,
                "externalid" => Key::ExternalId,
                "id" => Key::Id,
                _ => return None,
            };
            Some((key, v.as_str()))
        }
        Filter::ValuePath(p, inner) if p.is_core() && p.key() == "emails" => match inner.as_ref() {
            Filter::Compare(q, CompareOp::Eq, Literal::Str(v)) if q.key() == "value" => Some((Key::Email, v.as_str())),
            _ => None,
        },
        Filter::And(parts) => parts.iter().find_map(indexed_term),
        _ => None,
    }
}

fn user<'d>(dir: &'d Directory, id: &str) -> Result<std::borrow::Cow<'d, User>, ScimError> {
    dir.user_by_id(id).ok_or_else(|| ScimError::not_found("User", id))
}

fn get(dir: &Directory, id: &str, query: &str, base: &str) -> Res {
    let projection = crate::scim::list::Projection::from_query(&query_pairs(query))?;
    Ok((200, project(mapping::to_scim(&*user(dir, id)?, base), &projection)))
}

fn body(b: Option<&Value>) -> Result<&Value, ScimError> {
    b.filter(|v| v.is_object())
        .ok_or_else(|| ScimError::bad_request("invalidSyntax", "the request body must be a JSON object"))
}

/// JumpCloud keeps usernames and emails unique across the organization.
fn check_unique(dir: &Directory, a: &Attrs, except: Option<&str>) -> Result<(), ScimError> {
    // Indexed: the candidates are the users whose value folds alike.
    let taken = |key: Key, value: &str, of: fn(&User) -> &str| {
        let other = |u: &User| Some(u.id.as_str()) != except && of(u).eq_ignore_ascii_case(value);
        dir.users.find(key, value).into_iter().filter_map(|p| dir.users.at(p)).any(|u| other(&u))
    };
    if taken(Key::Username, &a.username, |u| &u.username) {
        return Err(ScimError::conflict(format!("userName: a user with username `{}` already exists", a.username)));
    }
    if taken(Key::Email, &a.email, |u| &u.email) {
        return Err(ScimError::conflict(format!("emails.value: a user with email `{}` already exists", a.email)));
    }
    Ok(())
}

fn create(dir: &mut Directory, b: Option<&Value>, base: &str) -> Res {
    let a = mapping::from_scim(body(b)?)?;
    check_unique(dir, &a, None)?;
    let spec = crate::scenario::UserSpec {
        username: Some(a.username.clone()),
        email: Some(a.email.clone()),
        ..Default::default()
    };
    let id = dir.create_user(&spec).map_err(|e| ScimError::invalid_value(e.to_string()))?;
    let state = match dir.settings.scim_default_state {
        ScimDefaultState::Staged => UserState::Staged,
        ScimDefaultState::Activated => UserState::Activated,
    };
    let mut u = dir.user_by_id_mut(&id).ok_or_else(|| ScimError::not_found("User", &id))?;
    mapping::apply(&mut u, &a);
    // A pending password and no activation email [C].
    u.password_pending = true;
    u.state = if a.active == Some(false) { UserState::Suspended } else { state };
    Ok((201, mapping::to_scim(&u, base)))
}

/// Full replace: every mapped attribute is overwritten, absent ones cleared [C].
fn replace(dir: &mut Directory, id: &str, a: &Attrs, base: &str) -> Res {
    user(dir, id)?;
    check_unique(dir, a, Some(id))?;
    let mut u = dir.user_by_id_mut(id).ok_or_else(|| ScimError::not_found("User", id))?;
    mapping::apply(&mut u, a);
    u.username = a.username.as_str().into();
    match (a.active, u.state) {
        (Some(false), _) => u.state = UserState::Suspended,
        (Some(true), UserState::Suspended) => u.state = UserState::Activated,
        _ => {}
    }
    Ok((200, mapping::to_scim(&u, base)))
}

fn put(dir: &mut Directory, id: &str, b: Option<&Value>, base: &str) -> Res {
    user(dir, id)?;
    let a = mapping::from_scim(body(b)?)?;
    replace(dir, id, &a, base)
}

/// PATCH: the operations are applied to the user's representation, which is
/// then validated and stored like a PUT.
fn patch(dir: &mut Directory, id: &str, b: Option<&Value>, base: &str) -> Res {
    let mut doc = mapping::to_scim(&*user(dir, id)?, base);
    let ops = patch::parse_request(body(b)?)?;
    let immutable = |k: &str| matches!(k, "id" | "meta" | "schemas") || k.starts_with("meta.");
    if let Some(why) = patch::too_costly(&doc, &ops) {
        return Err(ScimError::invalid_value(why));
    }
    patch::apply(&mut doc, &ops, &Rules { case_exact: &default_case_exact, immutable: &immutable })?;
    let a = mapping::from_scim(&doc)?;
    replace(dir, id, &a, base)
}

fn delete(dir: &mut Directory, id: &str) -> Res {
    let name = user(dir, id)?.username.clone();
    dir.delete_user(&name).map_err(|e| ScimError::invalid_value(e.to_string()))?;
    Ok((204, Value::Null))
}
