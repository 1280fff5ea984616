//! One test per quirk, each showing the changed behaviour against the default.

use super::tests::{Sp, id_str, user_body};
use crate::scim::GROUP_SCHEMA;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn member_ids(v: &Value) -> Vec<String> {
    v["members"].as_array().map(|ms| ms.iter().map(|m| id_str(&m["value"])).collect()).unwrap_or_default()
}

#[tokio::test]
async fn patch_returns_204() {
    let sp = Sp::with_quirks(&["patch_returns_204"]);
    let id = sp.user("a@x.com").await;
    let r = sp.patch(&format!("/Users/{id}"), json!([{"op": "replace", "path": "title", "value": "Boss"}])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.body, Value::Null);
    assert_eq!(sp.get(&format!("/Users/{id}")).await.body["title"], "Boss", "the change is applied");
}

#[tokio::test]
async fn ignore_member_remove() {
    let sp = Sp::with_quirks(&["ignore_member_remove"]);
    let (a, b, c) = (sp.user("a@x.com").await, sp.user("b@x.com").await, sp.user("c@x.com").await);
    let g = sp.group("G", &[&a, &b]).await;
    let path = format!("/Groups/{g}");
    for ops in [
        json!([{"op": "remove", "path": "members", "value": [{"value": a}]}]),
        json!([{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]),
        json!([{"op": "remove", "path": "members"}]),
    ] {
        let r = sp.patch(&path, ops).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(member_ids(&r.body), [a.clone(), b.clone()]);
    }
    let r = sp.patch(&path, json!([{"op": "replace", "path": "members", "value": [{"value": c}]}])).await;
    assert_eq!(member_ids(&r.body), [a.clone(), b.clone(), c.clone()], "adds still work");
    assert_eq!(member_ids(&sp.state.groups()[0]), [a, b, c]);
}

#[tokio::test]
async fn ignore_rename() {
    let sp = Sp::with_quirks(&["ignore_rename"]);
    let g = sp.group("Old", &[]).await;
    let r = sp.patch(&format!("/Groups/{g}"), json!([{"op": "replace", "path": "displayName", "value": "New"}])).await;
    assert_eq!((r.status, r.body["displayName"].as_str()), (StatusCode::OK, Some("Old")));
    let r = sp
        .req(Method::PUT, &format!("/Groups/{g}"), Some(json!({"schemas": [GROUP_SCHEMA], "displayName": "New"})))
        .await;
    assert_eq!((r.status, r.body["displayName"].as_str()), (StatusCode::OK, Some("Old")));
    assert_eq!(sp.get("/Groups?filter=displayName%20eq%20%22New%22").await.body["totalResults"], 0);
}

#[tokio::test]
async fn ignore_deactivate() {
    let sp = Sp::with_quirks(&["ignore_deactivate"]);
    let id = sp.user("a@x.com").await;
    let r = sp.patch(&format!("/Users/{id}"), json!([{"op": "replace", "path": "active", "value": false}])).await;
    assert_eq!((r.status, r.body["active"].as_bool()), (StatusCode::OK, Some(true)));
    let mut body = user_body("a@x.com");
    body["active"] = json!(false);
    let r = sp.req(Method::PUT, &format!("/Users/{id}"), Some(body)).await;
    assert_eq!((r.status, r.body["active"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(sp.state.users()[0]["active"], true);
}

#[tokio::test]
async fn numeric_ids() {
    let sp = Sp::with_quirks(&["numeric_ids"]);
    let r = sp.post("/Users", user_body("a@x.com")).await;
    assert_eq!(r.body["id"], json!(1));
    assert_eq!(r.header("location"), "/scim/v2/Users/1");
    sp.user("b@x.com").await;
    let r = sp.post("/Groups", json!({"displayName": "G", "members": [{"value": 1}, {"value": "2"}]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["id"], json!(1));
    assert_eq!(r.body["members"][0]["value"], json!(1));
    assert_eq!(r.body["members"][1]["value"], json!(2));
    let r = sp.get("/Users/2").await;
    assert_eq!((r.status, r.body["id"].clone()), (StatusCode::OK, json!(2)));
}

#[tokio::test]
async fn no_user_delete() {
    let sp = Sp::with_quirks(&["no_user_delete"]);
    let id = sp.user("a@x.com").await;
    let r = sp.req(Method::DELETE, &format!("/Users/{id}"), None).await;
    r.assert_error(405, None);
    assert_eq!(r.header("allow"), "GET, PUT, PATCH");
    assert_eq!(sp.get(&format!("/Users/{id}")).await.status, StatusCode::OK);
    let g = sp.group("G", &[]).await;
    assert_eq!(sp.req(Method::DELETE, &format!("/Groups/{g}"), None).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn domain_allowlist() {
    let sp = Sp::with_quirks(&["domain_allowlist=acme.com,corp.io"]);
    sp.user("a@ACME.com").await;
    let r = sp.post("/Users", user_body("jc-test@jumpcloud.com")).await;
    r.assert_error(400, Some("invalidValue"));
    assert_eq!(
        r.body["detail"],
        "email domain 'jumpcloud.com' is not allowed for this account; allowed domains: acme.com, corp.io"
    );
    let mut body = user_body("b@corp.io");
    body["emails"] = json!([{"value": "b@gmail.com"}]);
    let r = sp.post("/Users", body).await;
    assert!(r.body["detail"].as_str().unwrap().contains("'gmail.com'"));
    let id = sp.user("c@corp.io").await;
    let r = sp.req(Method::PUT, &format!("/Users/{id}"), Some(json!({"userName": "c@evil.net"}))).await;
    r.assert_error(400, Some("invalidValue"));
    assert_eq!(sp.state.users().len(), 2);
}

#[tokio::test]
async fn soft_delete_groups() {
    let sp = Sp::with_quirks(&["soft_delete_groups"]);
    let a = sp.user("a@x.com").await;
    let g = sp.group("G", &[&a]).await;
    let r = sp.req(Method::DELETE, &format!("/Groups/{g}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = sp.get(&format!("/Groups/{g}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.get("members"), None);
    assert_eq!(r.body["displayName"], "G");
}

#[tokio::test]
async fn soft_delete_users() {
    let sp = Sp::with_quirks(&["soft_delete_users"]);
    let a = sp.user("a@x.com").await;
    let r = sp.req(Method::DELETE, &format!("/Users/{a}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = sp.get(&format!("/Users/{a}")).await;
    assert_eq!((r.status, r.body["active"].as_bool()), (StatusCode::OK, Some(false)));
}

#[tokio::test]
async fn no_reactivate() {
    let sp = Sp::with_quirks(&["no_reactivate"]);
    let id = sp.user("a@x.com").await;
    let set = |active: bool| json!([{"op": "replace", "path": "active", "value": active}]);
    let r = sp.patch(&format!("/Users/{id}"), set(false)).await;
    assert_eq!((r.status, r.body["active"].as_bool()), (StatusCode::OK, Some(false)), "deactivation works");
    let r = sp.patch(&format!("/Users/{id}"), set(true)).await;
    assert_eq!((r.status, r.body["active"].as_bool()), (StatusCode::OK, Some(false)), "reactivation is ignored");
    let mut body = user_body("a@x.com");
    body["active"] = json!(true);
    let r = sp.req(Method::PUT, &format!("/Users/{id}"), Some(body)).await;
    assert_eq!((r.status, r.body["active"].as_bool()), (StatusCode::OK, Some(false)));
}

#[tokio::test]
async fn accept_any_token() {
    let strict = Sp::new(crate::sp::SpConfig { token: Some("right".into()), ..crate::sp::SpConfig::default() });
    let wrong = [("authorization", "Bearer wrong")];
    assert_eq!(strict.raw(Method::GET, "/Users", None, &wrong).await.status, StatusCode::UNAUTHORIZED);
    let quirks = vec!["accept_any_token".parse().unwrap()];
    let lax = Sp::new(crate::sp::SpConfig { token: Some("right".into()), quirks, ..crate::sp::SpConfig::default() });
    assert_eq!(lax.raw(Method::GET, "/Users", None, &wrong).await.status, StatusCode::OK);
    assert_eq!(lax.raw(Method::GET, "/Users", None, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn application_json() {
    let sp = Sp::with_quirks(&["application_json"]);
    assert_eq!(sp.get("/Users").await.header("content-type"), "application/json");
    assert_eq!(sp.get("/Users/x").await.header("content-type"), "application/json");
    let plain = Sp::with_quirks(&[]);
    assert_eq!(plain.get("/Users").await.header("content-type"), "application/scim+json");
}

#[tokio::test]
async fn slow() {
    let sp = Sp::with_quirks(&["slow=60"]);
    let t = Instant::now();
    assert_eq!(sp.get("/Users").await.status, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(60));
    let fast = Sp::with_quirks(&[]);
    let t = Instant::now();
    fast.get("/Users").await;
    assert!(t.elapsed() < Duration::from_millis(60));
}

#[tokio::test]
async fn flaky() {
    let always = Sp::with_quirks(&["flaky=1"]);
    let r = always.post("/Users", user_body("a@x.com")).await;
    r.assert_error(503, None);
    assert!(always.state.users().is_empty(), "a failed request changes nothing");
    let statuses = |sp: Sp| async move {
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(sp.get("/Users").await.status.as_u16());
        }
        out
    };
    let a = statuses(Sp::with_quirks(&["flaky=0.5"])).await;
    let b = statuses(Sp::with_quirks(&["flaky=0.5"])).await;
    assert_eq!(a, b, "seeded: same sequence");
    assert!(a.contains(&503) && a.contains(&200));
}

#[tokio::test]
async fn rate_limit() {
    let sp = Sp::with_quirks(&["rate_limit=3"]);
    for _ in 0..3 {
        assert_eq!(sp.get("/Users").await.status, StatusCode::OK);
    }
    let r = sp.get("/Users").await;
    r.assert_error(429, None);
    assert_eq!(r.header("retry-after"), "1");
}

#[tokio::test]
async fn only_member_removal() {
    for (only, refused, accepted) in
        [("filter_path", "value_array", "filter_path"), ("value_array", "filter_path", "value_array")]
    {
        let sp = Sp::with_quirks(&[&format!("only_member_removal={only}")]);
        let (a, b) = (sp.user("a@x.com").await, sp.user("b@x.com").await);
        let g = sp.group("G", &[&a, &b]).await;
        let path = format!("/Groups/{g}");
        let form = |name: &str, id: &str| match name {
            "value_array" => json!([{"op": "remove", "path": "members", "value": [{"value": id}]}]),
            _ => json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]),
        };
        let r = sp.patch(&path, form(refused, &a)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{only}: {refused} is refused");
        assert!(r.body["detail"].as_str().unwrap().contains(only), "{}", r.body);
        assert_eq!(member_ids(&sp.get(&path).await.body), [a.clone(), b.clone()]);
        let r = sp.patch(&path, form(accepted, &a)).await;
        assert_eq!(r.status, StatusCode::OK, "{only}: {accepted} works");
        assert_eq!(member_ids(&sp.get(&path).await.body), [b.as_str()]);
    }
    let sp = Sp::with_quirks(&[]);
    let (a, b) = (sp.user("a@x.com").await, sp.user("b@x.com").await);
    let g = sp.group("G", &[&a, &b]).await;
    let r =
        sp.patch(&format!("/Groups/{g}"), json!([{"op": "remove", "path": "members", "value": [{"value": a}]}])).await;
    assert_eq!(r.status, StatusCode::OK, "without the quirk both forms work");
}

#[tokio::test]
async fn ignore_patch_replace() {
    let sp = Sp::with_quirks(&["ignore_patch_replace"]);
    let id = sp.user("a@x.com").await;
    let path = format!("/Users/{id}");
    let r = sp.patch(&path, json!([{"op": "replace", "path": "title", "value": "Boss"}])).await;
    assert_eq!(r.status, StatusCode::OK, "acknowledged");
    assert_eq!(sp.get(&path).await.body["title"], Value::Null, "and ignored");
    let r = sp.patch(&path, json!([{"op": "add", "path": "title", "value": "Boss"}])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(sp.get(&path).await.body["title"], "Boss", "other ops still work");
    let sp = Sp::with_quirks(&[]);
    let id = sp.user("a@x.com").await;
    sp.patch(&format!("/Users/{id}"), json!([{"op": "replace", "path": "title", "value": "Boss"}])).await;
    assert_eq!(sp.get(&format!("/Users/{id}")).await.body["title"], "Boss", "without the quirk it applies");
}

#[tokio::test]
async fn no_patch() {
    let sp = Sp::with_quirks(&["no_patch"]);
    let id = sp.user("a@x.com").await;
    let r = sp.patch(&format!("/Users/{id}"), json!([{"op": "replace", "path": "title", "value": "Boss"}])).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let g = sp.group("G", &[]).await;
    let r = sp.patch(&format!("/Groups/{g}"), json!([{"op": "replace", "path": "displayName", "value": "H"}])).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = sp
        .req(Method::PUT, &format!("/Groups/{g}"), Some(json!({"schemas": [GROUP_SCHEMA], "displayName": "H"})))
        .await;
    assert_eq!((r.status, r.body["displayName"].as_str()), (StatusCode::OK, Some("H")), "PUT works");
}

#[tokio::test]
async fn ignore_member_remove_in_one_form() {
    let sp = Sp::with_quirks(&["ignore_member_remove=value_array"]);
    let (a, b) = (sp.user("a@x.com").await, sp.user("b@x.com").await);
    let g = sp.group("G", &[&a, &b]).await;
    let path = format!("/Groups/{g}");
    let r = sp.patch(&path, json!([{"op": "remove", "path": "members", "value": [{"value": a}]}])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(member_ids(&sp.get(&path).await.body), [a.clone(), b.clone()], "the value array is ignored");
    let r = sp.patch(&path, json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(member_ids(&sp.get(&path).await.body), [b.as_str()], "the filter path is applied");
}
