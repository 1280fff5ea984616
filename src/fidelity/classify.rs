//! The Directory Insights event a request most likely is, from its method,
//! path and body alone: how `jcsim proxy` labels JumpCloud's requests, and
//! the key `jcsim compare` aligns two recordings by.

use super::header;
use crate::record::{Insight, PURPOSE_HEADER};
use serde_json::Value;

/// SCIM endpoints a path can name, below whatever base the SP uses.
const ENDPOINTS: &[&str] = &["Users", "Groups", "ServiceProviderConfig", "Schemas", "ResourceTypes", "Bulk", "Me"];

/// The endpoint a request URL names (`Users`), and the resource id after it.
/// The SCIM base before it (`/scim/v2`) and the query are ignored. `None`
/// when no known endpoint appears.
pub fn resource(url: &str) -> Option<(&'static str, Option<String>)> {
    let path = path_of(url);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // The last endpoint name that is followed by at most one segment.
    for (i, seg) in segments.iter().enumerate().rev() {
        if segments.len() - i > 2 {
            break;
        }
        if let Some(name) = ENDPOINTS.iter().find(|e| e.eq_ignore_ascii_case(seg)) {
            let id = segments.get(i + 1).map(|s| crate::scim::url::decode(s));
            return Some((name, id));
        }
    }
    None
}

/// The path of a URL: without scheme, host and query.
pub fn path_of(url: &str) -> &str {
    let no_query = url.split(['?', '#']).next().unwrap_or("");
    match no_query.find("://") {
        Some(i) => {
            let rest = &no_query[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None => no_query,
    }
}

/// The query of a URL as decoded pairs.
pub fn query_of(url: &str) -> Vec<(String, String)> {
    let Some((_, q)) = url.split_once('?') else { return Vec::new() };
    let q = q.split('#').next().unwrap_or("");
    crate::scim::url::query_pairs(q)
}

/// The event of a request. A request marked with [`PURPOSE_HEADER`] is
/// jcsim's own; otherwise the shape decides, as JumpCloud's traffic has it:
/// a user update that sets `active` to false is a deprovision, a user list
/// without a filter is Test Connection.
pub fn classify(method: &str, url: &str, headers: &[(String, String)], body: Option<&Value>) -> Insight {
    if let Some(i) = header(headers, PURPOSE_HEADER).and_then(Insight::from_purpose) {
        return i;
    }
    let Some((endpoint, id)) = resource(url) else { return Insight::Unclassified };
    let filtered = query_of(url).iter().any(|(k, _)| k.eq_ignore_ascii_case("filter"));
    let one = id.is_some();
    match (method.to_ascii_uppercase().as_str(), endpoint, one) {
        ("GET", "ServiceProviderConfig" | "Schemas" | "ResourceTypes", _) => Insight::TestConnection,
        ("GET", "Users", false) if !filtered => Insight::TestConnection,
        ("GET", "Users", _) => Insight::UserLookup,
        ("GET", "Groups", _) => Insight::GroupLookup,
        ("POST", "Users", false) => Insight::UserCreate,
        ("POST", "Groups", false) => Insight::GroupCreate,
        ("PUT" | "PATCH", "Users", true) if sets_inactive(body) => Insight::UserDeprovision,
        ("PUT" | "PATCH", "Users", true) => Insight::UserUpdate,
        ("PUT" | "PATCH", "Groups", true) => Insight::GroupUpdate,
        ("DELETE", "Users", true) => Insight::UserDelete,
        ("DELETE", "Groups", true) => Insight::GroupDelete,
        _ => Insight::Unclassified,
    }
}

/// A user update body that makes the user inactive: a PUT with
/// `active: false`, or a PATCH whose operation sets it (by path or in a
/// pathless value).
pub fn sets_inactive(body: Option<&Value>) -> bool {
    let Some(body) = body else { return false };
    if body.get("active") == Some(&Value::Bool(false)) {
        return true;
    }
    operations(body).iter().any(|op| {
        let path = op.get("path").and_then(Value::as_str);
        let value = op.get("value");
        match path {
            Some(p) => p.eq_ignore_ascii_case("active") && value == Some(&Value::Bool(false)),
            None => value.and_then(|v| v.get("active")) == Some(&Value::Bool(false)),
        }
    })
}

/// The operations of a PATCH body (`Operations`, any case).
pub fn operations(body: &Value) -> &[Value] {
    body.as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("operations")))
        .and_then(|(_, v)| v.as_array())
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn c(method: &str, url: &str, body: Option<Value>) -> &'static str {
        classify(method, url, &[], body.as_ref()).name()
    }

    #[test]
    fn requests_are_classified_by_shape_below_any_base() {
        let base = "https://sp.example/scim/v2";
        assert_eq!(c("GET", &format!("{base}/Users?startIndex=1&count=1"), None), "test_connection");
        assert_eq!(c("GET", &format!("{base}/ServiceProviderConfig"), None), "test_connection");
        assert_eq!(c("GET", &format!("{base}/Users?filter=userName%20eq%20%22a%22"), None), "user_lookup_provision");
        assert_eq!(c("GET", "/Groups?filter=displayName eq \"x\"", None), "group_lookup_provision");
        assert_eq!(c("POST", &format!("{base}/Users"), Some(json!({}))), "user_create_provision");
        assert_eq!(c("PUT", "/Users/7", Some(json!({ "active": true }))), "user_update_provision");
        assert_eq!(c("PUT", "/Users/7", Some(json!({ "active": false }))), "user_deprovision");
        let patch = json!({ "Operations": [{ "op": "replace", "path": "active", "value": false }] });
        assert_eq!(c("PATCH", "/Users/7", Some(patch)), "user_deprovision");
        let pathless = json!({ "Operations": [{ "op": "replace", "value": { "active": false } }] });
        assert_eq!(c("PATCH", "/Users/7", Some(pathless)), "user_deprovision");
        assert_eq!(c("PATCH", "/Groups/g", Some(json!({}))), "group_update_provision");
        assert_eq!(c("DELETE", "/Users/7", None), "user_delete_provision");
        assert_eq!(c("DELETE", "/Groups/g", None), "group_delete_provision");
        assert_eq!(c("GET", "/healthz", None), "unclassified");
        assert_eq!(c("DELETE", "/Users", None), "unclassified");
    }

    #[test]
    fn jcsim_own_requests_are_told_by_their_header() {
        let h = vec![("jcsim-purpose".to_string(), "verify".to_string())];
        assert_eq!(classify("GET", "/Users/1", &h, None), Insight::Verify);
        let other = vec![("Jcsim-Purpose".to_string(), "form-probe".to_string())];
        assert_eq!(classify("PATCH", "/Groups/1", &other, None), Insight::GroupUpdate);
    }

    #[test]
    fn resources_and_paths_come_from_any_url_form() {
        assert_eq!(resource("http://h:1/scim/v2/Users/a%2Fb?x=1"), Some(("Users", Some("a/b".to_string()))));
        assert_eq!(resource("/Groups"), Some(("Groups", None)));
        assert_eq!(resource("/Users/1/extra/more"), None);
        assert_eq!(path_of("https://h/base/Users?filter=x"), "/base/Users");
        assert_eq!(path_of("https://h"), "/");
    }
}
