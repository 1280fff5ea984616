//! A request's shape: what matters to an SP, with generated values
//! normalised. Ids in paths become `{id}`, string literals in filters and
//! PATCH paths become `"…"`, and JSON values become their types, except the
//! values an SP dispatches on (`schemas`, a PATCH `op` and `path`). Null,
//! absent and an empty list stay distinct.

use super::classify::{classify, query_of, resource};
use super::header;
use crate::record::{Exchange, Insight};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The shape of a JSON value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Shape {
    Null,
    Boolean,
    Number,
    String,
    /// A value kept as it was (`schemas`, `op`, `path`).
    Literal(String),
    /// The distinct shapes of the elements, sorted; empty for `[]`.
    Array(Vec<Shape>),
    Object(BTreeMap<String, Shape>),
}

/// Keys whose string values an SP dispatches on.
const LITERAL_KEYS: &[&str] = &["schemas", "op", "path"];

impl Shape {
    pub fn of(v: &Value) -> Shape {
        Shape::of_keyed(v, None)
    }

    fn of_keyed(v: &Value, key: Option<&str>) -> Shape {
        let literal = key.is_some_and(|k| LITERAL_KEYS.iter().any(|l| l.eq_ignore_ascii_case(k)));
        match v {
            Value::Null => Shape::Null,
            Value::Bool(_) => Shape::Boolean,
            Value::Number(_) => Shape::Number,
            Value::String(s) if literal => Shape::Literal(normalise_literals(s)),
            Value::String(_) => Shape::String,
            Value::Array(items) => {
                let mut shapes: Vec<Shape> = items.iter().map(|i| Shape::of_keyed(i, key)).collect();
                shapes.sort();
                shapes.dedup();
                Shape::Array(shapes)
            }
            Value::Object(m) => {
                Shape::Object(m.iter().map(|(k, v)| (k.clone(), Shape::of_keyed(v, Some(k)))).collect())
            }
        }
    }

    /// A short description (`string`, `[]`, `[{…}]`, `"members"`).
    pub fn describe(&self) -> String {
        match self {
            Shape::Null => "null".into(),
            Shape::Boolean => "boolean".into(),
            Shape::Number => "number".into(),
            Shape::String => "string".into(),
            Shape::Literal(s) => format!("{s:?}"),
            Shape::Array(items) if items.is_empty() => "[]".into(),
            Shape::Array(items) => format!("[{}]", items.iter().map(Shape::describe).collect::<Vec<_>>().join(" | ")),
            Shape::Object(m) => {
                let keys: Vec<String> = m
                    .iter()
                    .map(|(k, v)| match v {
                        Shape::Literal(_) => format!("{k}: {}", v.describe()),
                        _ => k.clone(),
                    })
                    .collect();
                format!("{{{}}}", keys.join(", "))
            }
        }
    }
}

/// Replace every double-quoted string in a filter or PATCH path with `"…"`
/// (`members[value eq "42"]` → `members[value eq "…"]`).
pub(crate) fn normalise_literals(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '"' {
            let mut escaped = false;
            for d in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == '"' {
                    break;
                }
            }
            out.push_str("…\"");
        }
    }
    out
}

/// The headers compared, with how: by value, or only whether present.
const HEADERS: &[(&str, bool)] =
    &[("content-type", true), ("accept", true), ("user-agent", true), ("authorization", false)];

/// What an SP sees of one request, normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct RequestShape {
    /// The Directory Insights event it most likely is ([`classify`]).
    #[serde(serialize_with = "insight_name")]
    pub event: Insight,
    pub method: String,
    /// The path from the SCIM endpoint on, ids as `{id}` (`/Users/{id}`).
    pub path: String,
    /// Query parameters in order, filter literals as `"…"`.
    pub query: Vec<(String, String)>,
    /// Compared headers, lower-case names; `None` when the record holds no
    /// headers at all (a public capture of bodies only).
    pub headers: Option<Vec<(String, String)>>,
    pub body: Option<Shape>,
}

impl RequestShape {
    pub fn of(x: &Exchange) -> RequestShape {
        let r = &x.request;
        let event = classify(&r.method, &r.url, &r.headers, r.body.as_ref());
        let path = match resource(&r.url) {
            Some((endpoint, Some(_))) => format!("/{endpoint}/{{id}}"),
            Some((endpoint, None)) => format!("/{endpoint}"),
            None => super::classify::path_of(&r.url).to_string(),
        };
        let query = query_of(&r.url)
            .into_iter()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("filter") { normalise_literals(&v) } else { v };
                (k, v)
            })
            .collect();
        let headers = (!r.headers.is_empty()).then(|| {
            HEADERS
                .iter()
                .filter(|(name, _)| *name != "content-type" || r.body.is_some())
                .filter_map(|(name, by_value)| {
                    let v = header(&r.headers, name)?;
                    Some((name.to_string(), if *by_value { v.to_string() } else { "(present)".to_string() }))
                })
                .collect()
        });
        let body = r.body.as_ref().map(Shape::of);
        RequestShape { event, method: r.method.to_ascii_uppercase(), path, query, headers, body }
    }
}

fn insight_name<S: serde::Serializer>(i: &Insight, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(i.name())
}

/// One place where two shapes differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    /// Where: `method`, `path`, `query.filter`, `header.content-type`,
    /// `body.Operations[].path`.
    pub at: String,
    pub a: String,
    pub b: String,
}

/// Every difference between two request shapes.
pub(crate) fn differences(a: &RequestShape, b: &RequestShape) -> Vec<Detail> {
    let mut out = Vec::new();
    let mut push = |at: &str, x: String, y: String| {
        if x != y {
            out.push(Detail { at: at.to_string(), a: x, b: y });
        }
    };
    push("method", a.method.clone(), b.method.clone());
    push("path", a.path.clone(), b.path.clone());
    let names: std::collections::BTreeSet<&str> = a.query.iter().chain(&b.query).map(|(k, _)| k.as_str()).collect();
    for name in names {
        let get = |q: &[(String, String)]| {
            q.iter().find(|(k, _)| k == name).map_or_else(|| "absent".to_string(), |(_, v)| v.clone())
        };
        push(&format!("query.{name}"), get(&a.query), get(&b.query));
    }
    if let (Some(ha), Some(hb)) = (&a.headers, &b.headers) {
        for (name, _) in HEADERS {
            let get = |h: &[(String, String)]| {
                h.iter().find(|(k, _)| k == name).map_or_else(|| "absent".to_string(), |(_, v)| v.clone())
            };
            push(&format!("header.{name}"), get(ha), get(hb));
        }
    }
    match (&a.body, &b.body) {
        (None, None) => {}
        (Some(x), Some(y)) => shape_differences("body", x, y, &mut out),
        (x, y) => {
            let d = |s: &Option<Shape>| s.as_ref().map_or_else(|| "no body".to_string(), Shape::describe);
            out.push(Detail { at: "body".into(), a: d(x), b: d(y) });
        }
    }
    out
}

fn shape_differences(at: &str, a: &Shape, b: &Shape, out: &mut Vec<Detail>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Shape::Object(ma), Shape::Object(mb)) => {
            let keys: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
            for k in keys {
                let here = format!("{at}.{k}");
                match (ma.get(k), mb.get(k)) {
                    (Some(x), Some(y)) => shape_differences(&here, x, y, out),
                    (x, y) => {
                        let d = |s: Option<&Shape>| s.map_or_else(|| "absent".to_string(), Shape::describe);
                        out.push(Detail { at: here, a: d(x), b: d(y) });
                    }
                }
            }
        }
        // One element shape each: look inside.
        (Shape::Array(xa), Shape::Array(xb)) if xa.len() == 1 && xb.len() == 1 => {
            shape_differences(&format!("{at}[]"), &xa[0], &xb[0], out)
        }
        // Several: the element shapes one side has and the other lacks.
        (Shape::Array(xa), Shape::Array(xb)) if !xa.is_empty() && !xb.is_empty() => {
            for x in xa.iter().filter(|x| !xb.contains(x)) {
                out.push(Detail { at: format!("{at}[]"), a: x.describe(), b: "absent".into() });
            }
            for y in xb.iter().filter(|y| !xa.contains(y)) {
                out.push(Detail { at: format!("{at}[]"), a: "absent".into(), b: y.describe() });
            }
        }
        _ => out.push(Detail { at: at.to_string(), a: a.describe(), b: b.describe() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_in_filters_and_paths_are_normalised() {
        assert_eq!(normalise_literals(r#"userName eq "a\"b" and x eq "c""#), r#"userName eq "…" and x eq "…""#);
        assert_eq!(normalise_literals(r#"members[value eq "42"]"#), r#"members[value eq "…"]"#);
        assert_eq!(normalise_literals("displayName"), "displayName");
    }

    #[test]
    fn generated_values_do_not_matter_but_null_absent_and_empty_do() {
        let a = Shape::of(&json!({ "userName": "a@x", "emails": null, "n": 1, "members": [] }));
        let b = Shape::of(&json!({ "userName": "b@y", "emails": null, "n": 2, "members": [] }));
        assert_eq!(a, b);
        let mut out = Vec::new();
        let c = Shape::of(&json!({ "userName": "b@y", "n": 2, "members": [{ "value": "1" }] }));
        shape_differences("body", &a, &c, &mut out);
        let at: Vec<&str> = out.iter().map(|d| d.at.as_str()).collect();
        assert_eq!(at, ["body.emails", "body.members"]);
        assert_eq!((out[0].a.as_str(), out[0].b.as_str()), ("null", "absent"));
        assert_eq!((out[1].a.as_str(), out[1].b.as_str()), ("[]", "[{value}]"));
    }

    #[test]
    fn patch_forms_differ_where_an_sp_would_see_it() {
        let value_array = json!({ "Operations": [{ "op": "remove", "path": "members", "value": [{ "value": "7" }] }] });
        let filter_path = json!({ "Operations": [{ "op": "remove", "path": "members[value eq \"7\"]" }, { "op": "remove", "path": "members[value eq \"8\"]" }] });
        let mut out = Vec::new();
        shape_differences("body", &Shape::of(&value_array), &Shape::of(&filter_path), &mut out);
        let text: Vec<String> = out.iter().map(|d| format!("{}: {} / {}", d.at, d.a, d.b)).collect();
        assert_eq!(
            text,
            [
                r#"body.Operations[].path: "members" / "members[value eq \"…\"]""#,
                "body.Operations[].value: [{value}] / absent"
            ]
        );
    }
}
