//! List parameters (RFC 7644 §3.4.2): filter, sorting, 1-based pagination
//! and attribute projection, from a query string or a SearchRequest body.
//! Shared by the embedded SP and the inbound API; free of any store.

use super::SEARCH_REQUEST_SCHEMA;
use super::error::ScimError;
use super::filter::{self, AttrPath, Filter, get_ci};
use serde_json::{Map, Value, json};
use std::cmp::Ordering;

fn get_ci_map<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// Page size when the client sends no `count`.
pub(crate) const DEFAULT_COUNT: usize = 100;
/// Largest page (advertised as `filter.maxResults`).
pub(crate) const MAX_RESULTS: usize = 1000;

/// Parsed list parameters, from a query string or a SearchRequest body.
#[derive(Debug, Default)]
pub(crate) struct ListQuery {
    pub(crate) filter: Option<Filter>,
    pub(crate) start: usize,
    pub(crate) count: usize,
    pub(crate) sort_by: Option<AttrPath>,
    pub(crate) descending: bool,
    pub(crate) projection: Projection,
}

/// `attributes` / `excludedAttributes`.
#[derive(Debug, Default)]
pub(crate) struct Projection {
    pub(crate) attributes: Vec<AttrPath>,
    pub(crate) excluded: Vec<AttrPath>,
}

fn paths(name: &str, list: &str) -> Result<Vec<AttrPath>, ScimError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| AttrPath::parse(s).map_err(|e| ScimError::bad_request("invalidPath", format!("{name}: {e}"))))
        .collect()
}

impl Projection {
    /// True when neither list is given: resources are returned whole.
    pub(crate) fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.excluded.is_empty()
    }

    /// From query pairs (names case-insensitive).
    pub(crate) fn from_query(pairs: &[(String, String)]) -> Result<Self, ScimError> {
        let mut p = Projection::default();
        for (k, v) in pairs {
            if k.eq_ignore_ascii_case("attributes") {
                p.attributes.extend(paths("attributes", v)?);
            } else if k.eq_ignore_ascii_case("excludedAttributes") {
                p.excluded.extend(paths("excludedAttributes", v)?);
            }
        }
        Ok(p)
    }
}

fn int(name: &str, v: Option<&Value>) -> Result<Option<i64>, ScimError> {
    match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .map(Some)
    .ok_or_else(|| ScimError::invalid_value(format!("{name} must be an integer")))
}

impl ListQuery {
    /// From GET query parameters.
    pub(crate) fn from_query(pairs: &[(String, String)]) -> Result<Self, ScimError> {
        let mut body = Map::new();
        for (k, v) in pairs {
            body.insert(k.clone(), Value::String(v.clone()));
        }
        let mut q = Self::build(&body)?;
        q.projection = Projection::from_query(pairs)?;
        Ok(q)
    }

    /// From a `POST …/.search` SearchRequest body.
    pub(crate) fn from_search(body: &Map<String, Value>) -> Result<Self, ScimError> {
        let ok = get_ci_map(body, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(SEARCH_REQUEST_SCHEMA)));
        if !ok {
            return Err(ScimError::bad_request(
                "invalidSyntax",
                format!("schemas must contain {SEARCH_REQUEST_SCHEMA}"),
            ));
        }
        let mut q = Self::build(body)?;
        for (key, target) in
            [("attributes", &mut q.projection.attributes), ("excludedAttributes", &mut q.projection.excluded)]
        {
            match get_ci_map(body, key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for item in items {
                        let s =
                            item.as_str().ok_or_else(|| ScimError::invalid_value(format!("{key} must be strings")))?;
                        target.extend(paths(key, s)?);
                    }
                }
                Some(Value::String(s)) => target.extend(paths(key, s)?),
                Some(_) => {
                    return Err(ScimError::invalid_value(format!("{key} must be an array of strings")));
                }
            }
        }
        Ok(q)
    }

    fn build(body: &Map<String, Value>) -> Result<Self, ScimError> {
        let text = |k: &str| -> Result<Option<&String>, ScimError> {
            match get_ci_map(body, k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(ScimError::invalid_value(format!("{k} must be a string"))),
            }
        };
        let filter = text("filter")?.map(|f| filter::parse(f)).transpose()?;
        let start = int("startIndex", get_ci_map(body, "startIndex"))?.unwrap_or(1).max(1) as usize;
        let count = match int("count", get_ci_map(body, "count"))? {
            None => DEFAULT_COUNT,
            Some(n) => n.clamp(0, MAX_RESULTS as i64) as usize,
        };
        let sort_by = text("sortBy")?
            .map(|s| {
                AttrPath::parse(s.trim()).map_err(|e| ScimError::bad_request("invalidPath", format!("sortBy: {e}")))
            })
            .transpose()?;
        let descending = match text("sortOrder")?.map(|s| s.to_ascii_lowercase()) {
            None => false,
            Some(s) if s == "ascending" => false,
            Some(s) if s == "descending" => true,
            Some(_) => {
                return Err(ScimError::invalid_value("sortOrder must be ascending or descending"));
            }
        };
        Ok(ListQuery { filter, start, count, sort_by, descending, projection: Projection::default() })
    }
}

/// [`get_ci`] on a map: the exact key first, else the first key equal ignoring ASCII case.
pub(crate) fn sort_key(doc: &Value, path: &AttrPath) -> Option<Value> {
    let container = match &path.schema {
        Some(urn) if !path.is_core() => get_ci(doc, urn)?,
        _ => doc,
    };
    let mut v = get_ci(container, &path.name)?;
    if let Value::Array(items) = v {
        v = items.iter().find(|i| i.get("primary") == Some(&Value::Bool(true))).or_else(|| items.first())?;
    }
    let v = match (&path.sub, v) {
        (Some(sub), v) => get_ci(v, sub)?,
        (None, v @ Value::Object(_)) => get_ci(v, "value")?,
        (None, v) => v,
    };
    (!v.is_null()).then(|| v.clone())
}

/// Missing values sort last in either order.
pub(crate) fn compare_keys(a: Option<&Value>, b: Option<&Value>, exact: bool, descending: bool) -> Ordering {
    let (a, b) = match (a, b) {
        (None, None) => return Ordering::Equal,
        (None, _) => return Ordering::Greater,
        (_, None) => return Ordering::Less,
        (Some(a), Some(b)) => (a, b),
    };
    let ord = match (a, b) {
        (Value::String(x), Value::String(y)) if exact => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    };
    if descending { ord.reverse() } else { ord }
}

/// Applies `attributes` / `excludedAttributes`; `id` and `schemas` are always returned.
pub(crate) fn project(doc: Value, p: &Projection) -> Value {
    let Value::Object(src) = doc else { return doc };
    let mut out = if p.attributes.is_empty() {
        src.clone()
    } else {
        let mut out = Map::new();
        for path in &p.attributes {
            copy_path(&src, &mut out, path);
        }
        out
    };
    for path in &p.excluded {
        remove_path(&mut out, path);
    }
    for key in ["schemas", "id"] {
        if let Some(v) = src.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

fn key_in(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn copy_path(src: &Map<String, Value>, out: &mut Map<String, Value>, path: &AttrPath) {
    let (src, out) = match &path.schema {
        Some(urn) if !path.is_core() => {
            let Some(k) = key_in(src, urn) else { return };
            let Some(Value::Object(ext)) = src.get(&k) else {
                return;
            };
            let Value::Object(dst) = out.entry(k).or_insert_with(|| Value::Object(Map::new())) else {
                return;
            };
            (ext, dst)
        }
        _ => (src, out),
    };
    let Some(k) = key_in(src, &path.name) else {
        return;
    };
    let Some(sub) = &path.sub else {
        out.insert(k.clone(), src[&k].clone());
        return;
    };
    let pick = |v: &Value| -> Option<(String, Value)> {
        let obj = v.as_object()?;
        let sk = key_in(obj, sub)?;
        Some((sk.clone(), obj[&sk].clone()))
    };
    match &src[&k] {
        Value::Array(items) => {
            let picked: Vec<Value> = items.iter().filter_map(|i| pick(i).map(|(sk, sv)| json!({ sk: sv }))).collect();
            if !picked.is_empty() {
                out.insert(k, Value::Array(picked));
            }
        }
        v => {
            if let Some((sk, sv)) = pick(v)
                && let Value::Object(dst) = out.entry(k).or_insert_with(|| Value::Object(Map::new()))
            {
                dst.insert(sk, sv);
            }
        }
    }
}

fn remove_path(out: &mut Map<String, Value>, path: &AttrPath) {
    let target = match &path.schema {
        Some(urn) if !path.is_core() => match key_in(out, urn).and_then(|k| out.get_mut(&k)) {
            Some(Value::Object(ext)) => ext,
            _ => return,
        },
        _ => out,
    };
    let Some(k) = key_in(target, &path.name) else {
        return;
    };
    match &path.sub {
        None => {
            target.remove(&k);
        }
        Some(sub) => {
            let strip = |v: &mut Value| {
                if let Some(o) = v.as_object_mut()
                    && let Some(sk) = key_in(o, sub)
                {
                    o.remove(&sk);
                }
            };
            match target.get_mut(&k) {
                Some(Value::Array(items)) => items.iter_mut().for_each(strip),
                Some(v) => strip(v),
                None => {}
            }
        }
    }
}
