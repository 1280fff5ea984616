//! Response rules applied to every recorded exchange.

use super::{Finding, RuleId, finding};
use crate::record::Exchange;
use crate::scim::{ERROR_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, SCIM_MEDIA_TYPE, USER_SCHEMA};
use serde_json::Value;

/// Options of the per-exchange rules.
#[derive(Debug, Clone, Copy)]
pub struct InspectOptions {
    /// Responses slower than this are reported by `slow-response`.
    pub slow_ms: f64,
}

/// Every rule that fires on `x`.
pub fn inspect(x: &Exchange, opts: InspectOptions) -> Vec<Finding> {
    let Some(resp) = &x.response else { return Vec::new() };
    let mut out = Vec::new();
    let method = x.request.method.as_str();
    let path = url_path(&x.request.url);
    let kind = resource_kind(path);
    let status = resp.status;
    let header = |name: &str| resp.header(name);
    let body = resp.body.as_ref();
    let what = format!("{method} {path} answered {status}");

    if x.timing.duration_ms > opts.slow_ms {
        out.push(finding(
            RuleId::SlowResponse,
            format!("{what} after {:.0} ms (threshold {:.0} ms)", x.timing.duration_ms, opts.slow_ms),
        ));
    }
    if status == 501 || status == 505 {
        // Not a failure of the moment: the SP says it cannot do this at all.
        out.push(
            finding(RuleId::ServerError, format!("{what}: the SP does not implement this request"))
                .admin("Provisioning error: the SP does not implement this request; retrying will not help.")
                .fix("Implement the request as JumpCloud sends it (see its body in the timeline), or accept another form JumpCloud may send."),
        );
    } else if status >= 500 {
        out.push(finding(RuleId::ServerError, format!("{what} (attempt {})", x.attempt)));
    }
    if status == 429 {
        let ra = header("retry-after").map_or("no Retry-After".to_string(), |v| format!("Retry-After: {v}"));
        out.push(finding(RuleId::RateLimited, format!("{what} with {ra}")));
    }
    let has_body = body.is_some() || resp.body_text.as_deref().is_some_and(|t| !t.trim().is_empty());
    if has_body {
        let ct = header("content-type").unwrap_or("");
        if !ct.to_ascii_lowercase().starts_with(SCIM_MEDIA_TYPE) {
            let shown = if ct.is_empty() { "no Content-Type".to_string() } else { format!("Content-Type {ct}") };
            out.push(finding(RuleId::ContentType, format!("{what} with {shown}")));
        }
    }
    // A body too large to record whole was still used whole by the model;
    // its recorded copy is not enough to judge, so the body rules stand aside.
    let capped = body.is_none() && resp.body_text.as_deref().is_some_and(|t| t.ends_with("bytes cut]"));
    if !capped && status >= 400 {
        error_rules(status, body, &what, &mut out);
    } else if !capped && (200..300).contains(&status) {
        success_rules(x, method, path, kind, status, body, &what, header("location").is_some(), &mut out);
    }
    for f in &mut out {
        f.exchange = Some(x.id);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Users,
    Groups,
    Other,
}

fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split('?').next().unwrap_or(path)
}

/// `/…/Users` or `/…/Users/{id}` → Users.
fn resource_kind(path: &str) -> Kind {
    let parts: Vec<&str> = path.trim_end_matches('/').rsplit('/').take(2).collect();
    let is = |name: &str| parts.first() == Some(&name) || parts.get(1) == Some(&name);
    if is("Users") {
        Kind::Users
    } else if is("Groups") {
        Kind::Groups
    } else {
        Kind::Other
    }
}

fn is_collection(path: &str) -> bool {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    last == "Users" || last == "Groups"
}

fn error_rules(status: u16, body: Option<&Value>, what: &str, out: &mut Vec<Finding>) {
    let schemas_ok = body
        .and_then(|b| b.get("schemas"))
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v == ERROR_SCHEMA));
    let status_field = body.and_then(|b| b.get("status"));
    match status_field {
        Some(Value::String(_)) if schemas_ok => {}
        Some(Value::Number(n)) => out.push(finding(
            RuleId::ErrorFormat,
            format!("{what}: `status` is the number {n}; SCIM requires a string such as \"{status}\""),
        )),
        _ if body.is_none() => out.push(finding(RuleId::ErrorFormat, format!("{what} without a SCIM Error JSON body"))),
        _ => out.push(finding(
            RuleId::ErrorFormat,
            format!("{what}: the body is not a SCIM Error (schemas and a string `status` are required)"),
        )),
    }
    if status == 409 && body.and_then(|b| b.get("scimType")).and_then(Value::as_str) != Some("uniqueness") {
        out.push(finding(RuleId::Uniqueness409, format!("{what} without \"scimType\": \"uniqueness\"")));
    }
}

#[allow(clippy::too_many_arguments)]
fn success_rules(
    x: &Exchange,
    method: &str,
    path: &str,
    kind: Kind,
    status: u16,
    body: Option<&Value>,
    what: &str,
    has_location: bool,
    out: &mut Vec<Finding>,
) {
    let is_list = method == "GET" && is_collection(path);
    if let Some(b) = body {
        ids_are_strings(b, is_list, what, out);
        schemas(b, kind, is_list, what, out);
    }
    match method {
        "POST" if is_collection(path) && kind != Kind::Other => {
            if status != 201 {
                out.push(finding(RuleId::CreateStatus, format!("{what} instead of 201 Created")));
            }
            match body {
                Some(b) if b.get("id").is_some() => {
                    if !has_location || b.get("meta").is_none() {
                        let missing: Vec<&str> =
                            [(!has_location).then_some("Location header"), b.get("meta").is_none().then_some("meta")]
                                .into_iter()
                                .flatten()
                                .collect();
                        out.push(finding(RuleId::LocationMeta, format!("{what} without {}", missing.join(" and "))));
                    }
                }
                _ => out.push(finding(RuleId::CreateBody, format!("{what} without the created resource and its id"))),
            }
        }
        "GET" if is_list => list_rules(x, body, what, out),
        "PATCH" => match (status, body) {
            (204, _) => out.push(finding(RuleId::PatchNoContent, format!("{what}: no resource to confirm the change"))),
            (200, Some(b)) if b.is_object() => echo_rules(x, b, what, out),
            _ => out.push(finding(RuleId::PatchResponse, format!("{what}; expected 200 with the resource, or 204"))),
        },
        "PUT" => {
            if let Some(b) = body.filter(|b| b.is_object()) {
                echo_rules(x, b, what, out);
            }
        }
        "DELETE" if status != 204 => {
            out.push(finding(RuleId::DeleteStatus, format!("{what} instead of 204 No Content")))
        }
        _ => {}
    }
}

fn ids_are_strings(b: &Value, is_list: bool, what: &str, out: &mut Vec<Finding>) {
    let bad = |r: &Value| r.get("id").is_some_and(|id| !id.is_string());
    let numeric = if is_list {
        b.get("Resources").and_then(Value::as_array).and_then(|rs| rs.iter().find(|r| bad(r))).and_then(|r| r.get("id"))
    } else if bad(b) {
        b.get("id")
    } else {
        None
    };
    if let Some(id) = numeric {
        out.push(finding(RuleId::IdString, format!("{what} with \"id\": {id}, a JSON {}", json_type(id))));
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::String(_) => "string",
    }
}

fn schemas(b: &Value, kind: Kind, is_list: bool, what: &str, out: &mut Vec<Finding>) {
    let expected = match (is_list, kind) {
        (true, _) => LIST_RESPONSE_SCHEMA,
        (false, Kind::Users) => USER_SCHEMA,
        (false, Kind::Groups) => GROUP_SCHEMA,
        (false, Kind::Other) => return,
    };
    if !b.is_object() {
        return;
    }
    let present = b
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|v| v.as_str().is_some_and(|v| v.eq_ignore_ascii_case(expected))));
    if !present {
        out.push(finding(RuleId::Schemas, format!("{what} without {expected} in \"schemas\"")));
    }
}

fn list_rules(x: &Exchange, body: Option<&Value>, what: &str, out: &mut Vec<Finding>) {
    let Some(b) = body.filter(|b| b.is_object()) else {
        out.push(finding(RuleId::ListResponse, format!("{what} without a JSON ListResponse")));
        return;
    };
    let total = b.get("totalResults");
    let resources = b.get("Resources");
    if resources.is_some_and(|r| !r.is_array()) || (resources.is_none() && total.and_then(Value::as_u64) != Some(0)) {
        out.push(finding(RuleId::ListResponse, format!("{what}: neither a Resources array nor totalResults 0")));
        return;
    }
    let bad: Vec<&str> = ["totalResults", "startIndex", "itemsPerPage"]
        .into_iter()
        .filter(|k| !b.get(*k).is_some_and(|v| v.is_u64()))
        .collect();
    if !bad.is_empty() {
        out.push(finding(RuleId::ListPaging, format!("{what}: {} missing or not an integer", bad.join(", "))));
    }
    if let Some((attr, value)) = eq_filter(&x.request.url) {
        let items = resources.and_then(Value::as_array).cloned().unwrap_or_default();
        let wrong: Vec<String> = items
            .iter()
            .filter_map(|r| {
                let v = r.get(&attr).and_then(Value::as_str).unwrap_or("");
                (!v.eq_ignore_ascii_case(&value)).then(|| v.to_string())
            })
            .collect();
        if !wrong.is_empty() {
            out.push(finding(
                RuleId::FilterEqExact,
                format!("{what}: `{attr} eq \"{value}\"` returned {}", json_list(&wrong)),
            ));
        } else if items.len() > 1 {
            out.push(finding(
                RuleId::FilterEqExact,
                format!("{what}: `{attr} eq \"{value}\"` returned {} resources", items.len()),
            ));
        }
    }
}

/// `attr eq "value"` from the URL's `filter` parameter, for userName and displayName.
fn eq_filter(url: &str) -> Option<(String, String)> {
    let query = url.split_once('?')?.1;
    let raw = query.split('&').find_map(|p| p.strip_prefix("filter="))?;
    let decoded = crate::scim::url::decode(raw);
    let (attr, rest) = decoded.split_once(" eq ")?;
    let attr = attr.trim();
    if !(attr.eq_ignore_ascii_case("userName") || attr.eq_ignore_ascii_case("displayName")) {
        return None;
    }
    let value = rest.trim().strip_prefix('"')?.strip_suffix('"')?;
    let attr = if attr.eq_ignore_ascii_case("userName") { "userName" } else { "displayName" };
    Some((attr.to_string(), value.replace("\\\"", "\"").replace("\\\\", "\\")))
}

/// The response must reflect what the request set.
fn echo_rules(x: &Exchange, resp: &Value, what: &str, out: &mut Vec<Finding>) {
    let Some(req) = &x.request.body else { return };
    let mut sets: Vec<(String, Value)> = Vec::new();
    let mut added: Vec<Value> = Vec::new();
    let mut removed: Vec<Value> = Vec::new();
    if let Some(ops) = req.get("Operations").and_then(Value::as_array) {
        for op in ops {
            let name = op.get("op").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
            let path = op.get("path").and_then(Value::as_str).unwrap_or("");
            let value = op.get("value").cloned().unwrap_or(Value::Null);
            match (name.as_str(), path) {
                ("replace" | "add", "") => {
                    if let Some(m) = value.as_object() {
                        sets.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                    }
                }
                ("add", "members") => added.extend(member_values(&value)),
                ("remove", "members") => removed.extend(member_values(&value)),
                ("remove", p) if p.starts_with("members[value eq ") => {
                    if let Some(id) = p.split('"').nth(1) {
                        removed.push(Value::String(id.to_string()));
                    }
                }
                ("replace" | "add", p) => sets.push((p.to_string(), value)),
                _ => {}
            }
        }
    } else if let Some(m) = req.as_object() {
        sets.extend(
            m.iter()
                .filter(|(k, _)| matches!(k.as_str(), "active" | "displayName"))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    for (key, value) in sets {
        match key.as_str() {
            "active" if value.is_boolean() => {
                let got = resp.get("active");
                if got.is_some_and(|g| g != &value) {
                    out.push(finding(
                        RuleId::EchoActive,
                        format!("{what}: sent \"active\": {value}, the response says {}", got.unwrap_or(&Value::Null)),
                    ));
                }
            }
            "displayName" if resp.get("members").is_some() || url_path(&x.request.url).contains("/Groups/") => {
                let got = resp.get("displayName");
                if got.is_some_and(|g| g != &value) {
                    out.push(finding(
                        RuleId::EchoGroupName,
                        format!(
                            "{what}: sent \"displayName\": {value}, the response says {}",
                            got.unwrap_or(&Value::Null)
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    let present = member_values(resp.get("members").unwrap_or(&Value::Null));
    let still: Vec<&Value> = removed.iter().filter(|r| present.contains(r)).collect();
    let lacking: Vec<&Value> = added.iter().filter(|a| !present.contains(a)).collect();
    if !still.is_empty() {
        out.push(finding(
            RuleId::EchoMembers,
            format!("{what}: removed member(s) {} are still in the response", json_list(&still)),
        ));
    }
    if !lacking.is_empty() && resp.get("members").is_some() {
        out.push(finding(
            RuleId::EchoMembers,
            format!("{what}: added member(s) {} are missing from the response", json_list(&lacking)),
        ));
    }
}

/// Member ids as JSON strings (numbers are stringified).
fn member_values(v: &Value) -> Vec<Value> {
    v.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|m| match m.get("value") {
                    Some(Value::String(s)) => Some(Value::String(s.clone())),
                    Some(Value::Number(n)) => Some(Value::String(n.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Values as JSON (`["a", {"value": "b"}]`), never as Rust debug forms.
fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_default().replace("\",\"", "\", \"")
}
