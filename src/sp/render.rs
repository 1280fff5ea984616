//! Writing resources and list responses as JSON straight from the store,
//! without building an intermediate `serde_json::Value` tree.
//!
//! The output is byte for byte what serialising the equivalent `Value` with
//! serde_json would give (`Store::render`, and the `json!` ListResponse it
//! replaces): compact, object keys in the sorted order of serde_json's
//! `BTreeMap`-backed `Map` (this crate does not enable `preserve_order`), and
//! strings escaped by serde_json itself whenever they need any escaping.
//! The tests in `tests.rs` compare both paths.

use super::store::{Kind, Resource};
use crate::scim::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, SCIM_MEDIA_TYPE, USER_SCHEMA};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::io::Write;

/// A resource as GET returns it: the stored document plus `id` (numeric under
/// the `numeric_ids` quirk), `schemas`, `meta.location` and expanded members.
///
/// With `cache`, the JSON is written from the resource's [`Template`], made
/// on first use; the store drops it whenever the resource changes. Responses
/// to writes pass `cache: false` so that only resources that are read carry one.
pub(crate) struct Rendered<'a> {
    pub(crate) kind: Kind,
    pub(crate) r: &'a Resource,
    pub(crate) base: &'a str,
    pub(crate) numeric_ids: bool,
    pub(crate) cache: bool,
}

/// A resource's rendered JSON with the base URL (the only per-request part)
/// cut out: the base goes at each offset in `holes`.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    kind: Kind,
    numeric_ids: bool,
    bytes: Box<[u8]>,
    holes: Box<[usize]>,
}

impl Template {
    fn new(kind: Kind, r: &Resource, numeric_ids: bool) -> Template {
        let mut bytes = Vec::new();
        let mut holes = Vec::new();
        write_resource(&mut bytes, kind, r, numeric_ids, &mut |out: &mut Vec<u8>| holes.push(out.len()));
        Template { kind, numeric_ids, bytes: bytes.into_boxed_slice(), holes: holes.into_boxed_slice() }
    }

    fn write(&self, out: &mut Vec<u8>, base: &str) {
        let mut at = 0;
        for &hole in &self.holes {
            out.extend_from_slice(&self.bytes[at..hole]);
            str_contents(out, base);
            at = hole;
        }
        out.extend_from_slice(&self.bytes[at..]);
    }
}

/// One ListResponse entry: rendered straight from the store, or a projected `Value`.
pub(crate) enum Item<'a> {
    Resource(Rendered<'a>),
    Value(Value),
}

/// A ListResponse over one page of items.
pub(crate) struct ListResponse<'a> {
    pub(crate) resources: Vec<Item<'a>>,
    pub(crate) start_index: usize,
    pub(crate) total_results: usize,
}

/// Something that writes itself as JSON.
pub(crate) trait WriteJson {
    fn write_json(&self, out: &mut Vec<u8>);
}

/// True when serde_json writes `s` without any escape. (A fold without early
/// exit, which the compiler vectorises.)
fn plain(s: &str) -> bool {
    !s.bytes().fold(false, |esc, b| esc | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

/// The inside of a JSON string (no quotes), escaped exactly as serde_json does.
fn str_contents(out: &mut Vec<u8>, s: &str) {
    if plain(s) {
        out.extend_from_slice(s.as_bytes());
    } else {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        out.extend_from_slice(quoted.as_bytes().get(1..quoted.len().saturating_sub(1)).unwrap_or_default());
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    str_contents(out, s);
    out.push(b'"');
}

/// `,"key":` (or `"key":` for the first entry of an object).
fn key(out: &mut Vec<u8>, first: &mut bool, k: &str) {
    if !std::mem::take(first) {
        out.push(b',');
    }
    string(out, k);
    out.push(b':');
}

fn number(out: &mut Vec<u8>, n: impl serde::Serialize) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &n);
}

/// Any `Value`, as `serde_json::to_writer` writes it.
pub(crate) fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => number(out, n),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => object(out, map),
    }
}

fn object(out: &mut Vec<u8>, map: &Map<String, Value>) {
    out.push(b'{');
    let mut first = true;
    for (k, v) in map {
        key(out, &mut first, k);
        value(out, v);
    }
    out.push(b'}');
}

/// `id` / member `value`: a JSON number under `numeric_ids` when it parses as one.
fn id_value(out: &mut Vec<u8>, id: &str, numeric_ids: bool) {
    match id.parse::<u64>() {
        Ok(n) if numeric_ids => number(out, n),
        _ => string(out, id),
    }
}

impl WriteJson for Value {
    fn write_json(&self, out: &mut Vec<u8>) {
        value(out, self);
    }
}

impl WriteJson for Rendered<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let (kind, r, numeric_ids) = (self.kind, self.r, self.numeric_ids);
        let template = if self.cache {
            Some(&**r.rendered.get_or_init(|| Box::new(Template::new(kind, r, numeric_ids))))
        } else {
            r.rendered.get().map(|t| &**t)
        };
        match template {
            Some(t) if t.kind == kind && t.numeric_ids == numeric_ids => t.write(out, self.base),
            _ => write_resource(out, kind, r, numeric_ids, &mut |out: &mut Vec<u8>| str_contents(out, self.base)),
        }
    }
}

/// Writes a resource; `base` writes the (escaped) base URL inside a string.
fn write_resource(out: &mut Vec<u8>, kind: Kind, r: &Resource, numeric_ids: bool, base: &mut dyn FnMut(&mut Vec<u8>)) {
    // `id` and `schemas` replace stored keys of the same name and are merged
    // into the sorted key order.
    const INJECTED: [&str; 2] = ["id", "schemas"];
    let empty = Map::new();
    let doc = r.doc.as_object().unwrap_or(&empty);
    let enterprise = doc.contains_key(ENTERPRISE_USER_SCHEMA);
    let emit = |out: &mut Vec<u8>, first: &mut bool, i: usize| {
        key(out, first, INJECTED[i]);
        if i == 0 {
            id_value(out, &r.id, numeric_ids);
        } else {
            out.push(b'[');
            string(out, if kind == Kind::User { USER_SCHEMA } else { GROUP_SCHEMA });
            if enterprise {
                out.push(b',');
                string(out, ENTERPRISE_USER_SCHEMA);
            }
            out.push(b']');
        }
    };
    let mut first = true;
    let mut next = 0;
    out.push(b'{');
    for (k, v) in doc {
        while next < INJECTED.len() && INJECTED[next] < k.as_str() {
            emit(out, &mut first, next);
            next += 1;
        }
        if next < INJECTED.len() && INJECTED[next] == k.as_str() {
            emit(out, &mut first, next);
            next += 1;
            continue;
        }
        key(out, &mut first, k);
        match (k.as_str(), v) {
            ("meta", Value::Object(meta)) => write_meta(out, kind, r, meta, base),
            ("members", Value::Array(members)) => write_members(out, members, numeric_ids, base),
            _ => value(out, v),
        }
    }
    while next < INJECTED.len() {
        emit(out, &mut first, next);
        next += 1;
    }
    out.push(b'}');
}

/// `meta` with `location` set (merged into the sorted key order).
fn write_meta(
    out: &mut Vec<u8>,
    kind: Kind,
    r: &Resource,
    meta: &Map<String, Value>,
    base: &mut dyn FnMut(&mut Vec<u8>),
) {
    const LOCATION: &str = "location";
    let mut location = |out: &mut Vec<u8>, first: &mut bool| {
        key(out, first, LOCATION);
        out.push(b'"');
        base(out);
        for part in ["/", kind.endpoint(), "/", &r.id] {
            str_contents(out, part);
        }
        out.push(b'"');
    };
    let mut first = true;
    let mut pending = true;
    out.push(b'{');
    for (k, v) in meta {
        if pending && k.as_str() >= LOCATION {
            pending = false;
            location(out, &mut first);
            if k == LOCATION {
                continue;
            }
        }
        key(out, &mut first, k);
        value(out, v);
    }
    if pending {
        location(out, &mut first);
    }
    out.push(b'}');
}

/// Each member as `{"$ref", "display"?, "type": "User", "value"}` (sorted keys).
fn write_members(out: &mut Vec<u8>, members: &[Value], numeric_ids: bool, base: &mut dyn FnMut(&mut Vec<u8>)) {
    out.push(b'[');
    for (i, m) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let uid = m.get("value").and_then(Value::as_str).unwrap_or_default();
        out.extend_from_slice(b"{\"$ref\":\"");
        base(out);
        str_contents(out, "/Users/");
        str_contents(out, uid);
        out.push(b'"');
        if let Some(d @ Value::String(_)) = m.get("display") {
            out.extend_from_slice(b",\"display\":");
            value(out, d);
        }
        out.extend_from_slice(b",\"type\":\"User\",\"value\":");
        id_value(out, uid, numeric_ids);
        out.push(b'}');
    }
    out.push(b']');
}

impl WriteJson for Item<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Item::Resource(r) => r.write_json(out),
            Item::Value(v) => value(out, v),
        }
    }
}

impl WriteJson for ListResponse<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        // Sorted keys: "Resources" < "itemsPerPage" < "schemas" < "startIndex" < "totalResults".
        out.extend_from_slice(b"{\"Resources\":[");
        for (i, item) in self.resources.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item.write_json(out);
        }
        let _ = write!(out, "],\"itemsPerPage\":{},\"schemas\":[", self.resources.len());
        string(out, LIST_RESPONSE_SCHEMA);
        let _ = write!(out, "],\"startIndex\":{},\"totalResults\":{}}}", self.start_index, self.total_results);
    }
}

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The JSON bytes of `v`, in an exactly sized buffer (built in a reused
/// per-thread scratch buffer, so one allocation per response).
pub(crate) fn to_json(v: &impl WriteJson) -> Vec<u8> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            v.write_json(&mut buf);
            let out = buf.to_vec();
            if buf.capacity() > 64 * 1024 {
                *buf = Vec::new();
            }
            out
        }
        Err(_) => {
            let mut out = Vec::new();
            v.write_json(&mut out);
            out
        }
    })
}

/// A JSON response with `status` (the SCIM layer sets the final Content-Type).
pub(crate) fn json_response(status: StatusCode, v: &impl WriteJson) -> Response {
    let mut res = Response::new(Body::from(to_json(v)));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_MEDIA_TYPE));
    res
}
