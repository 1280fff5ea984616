//! The fast paths give exactly what the straightforward code gives: resources
//! and list responses written straight from the store (with and without the
//! per-resource template) against serialising `Store::render`'s `Value`, and
//! the query-string parser against axum's `Query`.

use super::render::{Item, ListResponse, Rendered, to_json};
use super::store::Kind;
use super::tests::{Sp, id_str, user_body};
use super::*;
use crate::scim::{GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, USER_SCHEMA};
use serde_json::{Value, json};

const BASES: [&str; 4] = ["", "http://sp.test:9000/scim/v2", "/x", "http://h\"x\\y\u{2}\u{7f}é/z"];

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

async fn populated(quirks: &[&str]) -> Sp {
    let sp = Sp::with_quirks(quirks);
    let a = sp.user("alice@example.com").await;
    let odd = json!({"schemas": [USER_SCHEMA], "userName": "b\"o\\b\n\u{1}\t é 中 \u{7f}@example.com",
        "name": {"givenName": "\u{0}", "formatted": "</script>"}, "active": false, "title": ""});
    let r = sp.post("/Users", odd).await;
    let b = id_str(&r.body["id"]);
    sp.post("/Users", json!({"schemas": [USER_SCHEMA], "userName": "plain"})).await;
    sp.group("G \"quoted\"", &[&a, &b]).await;
    sp.group("Empty", &[]).await;
    let r =
        sp.post("/Groups", json!({"schemas": [GROUP_SCHEMA], "displayName": "One", "members": [{"value": a}]})).await;
    assert_eq!(r.status.as_u16(), 201);
    sp
}

fn assert_all_render_alike(sp: &Sp) {
    let store = sp.state.read();
    for base in BASES {
        for kind in [Kind::User, Kind::Group] {
            for r in store.iter(kind) {
                for numeric_ids in [false, true] {
                    let expected = text(serde_json::to_vec(&store.render(kind, r, base, numeric_ids)).unwrap());
                    for cache in [false, true, true, false] {
                        let got = text(to_json(&Rendered { kind, r, base, numeric_ids, cache }));
                        assert_eq!(got, expected, "{kind:?} base {base:?} numeric {numeric_ids} cache {cache}");
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn resources_render_like_values() {
    for quirks in [&[][..], &["numeric_ids"][..]] {
        let sp = populated(quirks).await;
        assert_all_render_alike(&sp);
        // Changes drop the cached template.
        let id = id_str(&sp.state.users()[0]["id"]);
        let r = sp.patch(&format!("/Users/{id}"), json!([{"op": "replace", "path": "title", "value": "new"}])).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        let r = sp.req(axum::http::Method::PUT, &format!("/Users/{id}"), Some(user_body("renamed@example.com"))).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        assert_eq!(sp.get(&format!("/Users/{id}")).await.body, sp.state.users()[0]);
        assert_all_render_alike(&sp);
    }
}

#[tokio::test]
async fn list_responses_render_like_values() {
    let sp = populated(&[]).await;
    let store = sp.state.read();
    let base = BASES[1];
    let users: Vec<_> = store.iter(Kind::User).collect();
    let old = |resources: Vec<Value>, start: usize, total: usize| {
        json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        })
    };
    let empty = ListResponse { resources: Vec::new(), start_index: 4, total_results: 3 };
    assert_eq!(text(to_json(&empty)), old(Vec::new(), 4, 3).to_string());
    let projected = json!({"id": "x", "schemas": [USER_SCHEMA], "userName": "p\"q"});
    let page = ListResponse {
        resources: vec![
            Item::Resource(Rendered { kind: Kind::User, r: users[0], base, numeric_ids: false, cache: true }),
            Item::Value(projected.clone()),
            Item::Resource(Rendered { kind: Kind::User, r: users[1], base, numeric_ids: false, cache: false }),
        ],
        start_index: 2,
        total_results: 10,
    };
    let expected = old(
        vec![
            store.render(Kind::User, users[0], base, false),
            projected,
            store.render(Kind::User, users[1], base, false),
        ],
        2,
        10,
    );
    assert_eq!(text(to_json(&page)), expected.to_string());
}

#[test]
fn query_pairs_match_axum_query() {
    let queries = [
        "",
        "a=1&b=2",
        "a",
        "=x",
        "&&a=1&&",
        "a==b=c",
        "a+b=c+d",
        "filter=userName%20eq%20%22x%40y.com%22&count=5",
        "x=%41%4",
        "x=%zz%4g%",
        "x=%C3%A9&y=%c3%a9",
        "x=%FF&y=%e2%82",
        "x=%2B+%25",
        "attributes=userName,emails.value&excludedAttributes=meta",
    ];
    for q in queries {
        let uri: axum::http::Uri = format!("/Users?{q}").parse().unwrap();
        let expected = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri).unwrap().0;
        assert_eq!(http::parse_query(uri.query().unwrap_or_default()), expected, "{q:?}");
    }
}
