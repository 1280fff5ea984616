//! The in-memory resource store: users and groups with id and case-folded name
//! indexes, seeded id generation, and rendering to SCIM JSON.

use super::render::Template;
use crate::scim::ScimError;
use crate::scim::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use std::time::SystemTime;

/// The two resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
}

impl Kind {
    /// Endpoint segment: `Users` / `Groups`.
    pub(crate) fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
        }
    }

    /// `meta.resourceType`: `User` / `Group`.
    pub(crate) fn resource_type(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    /// The attribute that must be unique (case-insensitively).
    pub(crate) fn name_attr(self) -> &'static str {
        match self {
            Kind::User => "userName",
            Kind::Group => "displayName",
        }
    }
}

/// A stored resource. `doc` holds the attributes plus `id` and `meta` (without
/// `location`), so filters evaluate on it without copying.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) id: String,
    pub(crate) version: u64,
    /// Always a JSON object.
    pub(crate) doc: Value,
    /// The rendered JSON minus the base URL, filled in by the first read
    /// (see [`super::render`]). Only the store changes `doc`, and it starts a
    /// new resource (empty cache) when it does.
    pub(super) rendered: OnceLock<Box<Template>>,
}

impl Resource {
    /// The weak ETag, also `meta.version`.
    pub(crate) fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }

    /// The client-settable attributes (no `id`/`meta`).
    pub(crate) fn attrs(&self) -> Map<String, Value> {
        let mut attrs = self.doc.as_object().cloned().unwrap_or_default();
        attrs.remove("id");
        attrs.remove("meta");
        attrs
    }
}

#[derive(Default)]
struct Collection {
    by_seq: BTreeMap<u64, Resource>,
    by_id: HashMap<String, u64>,
    by_name: HashMap<String, u64>,
}

enum IdGen {
    Uuid(Box<StdRng>),
    /// Next number per kind (users, groups).
    Numeric([u64; 2]),
}

/// Users and groups.
pub(crate) struct Store {
    users: Collection,
    groups: Collection,
    next_seq: u64,
    ids: IdGen,
    /// Users and groups held at most (507 beyond).
    max_resources: usize,
}

fn fold(s: &str) -> String {
    s.to_lowercase()
}

fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

fn name_of(kind: Kind, attrs: &Value) -> String {
    attrs.get(kind.name_attr()).and_then(Value::as_str).map(fold).unwrap_or_default()
}

impl Store {
    /// An empty store; ids come from a StdRng seeded with `seed`, or count up from 1.
    pub(crate) fn new(seed: u64, numeric_ids: bool, max_resources: usize) -> Self {
        let ids = if numeric_ids { IdGen::Numeric([0, 0]) } else { IdGen::Uuid(Box::new(StdRng::seed_from_u64(seed))) };
        Store { users: Collection::default(), groups: Collection::default(), next_seq: 0, ids, max_resources }
    }

    fn coll(&self, kind: Kind) -> &Collection {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    fn coll_mut(&mut self, kind: Kind) -> &mut Collection {
        match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
        }
    }

    fn next_id(&mut self, kind: Kind) -> String {
        match &mut self.ids {
            IdGen::Numeric(n) => {
                let n = &mut n[kind as usize];
                *n += 1;
                n.to_string()
            }
            IdGen::Uuid(rng) => {
                let mut b = [0u8; 16];
                rng.fill_bytes(&mut b);
                b[6] = (b[6] & 0x0f) | 0x40;
                b[8] = (b[8] & 0x3f) | 0x80;
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let mut s = String::with_capacity(36);
                for (i, x) in b.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        s.push('-');
                    }
                    s.push(char::from(HEX[usize::from(x >> 4)]));
                    s.push(char::from(HEX[usize::from(x & 0x0f)]));
                }
                s
            }
        }
    }

    /// A resource by id.
    pub(crate) fn get(&self, kind: Kind, id: &str) -> Option<&Resource> {
        let c = self.coll(kind);
        c.by_id.get(id).and_then(|seq| c.by_seq.get(seq))
    }

    /// A resource by its unique name (userName / displayName), case-insensitively.
    pub(crate) fn find_by_name(&self, kind: Kind, name: &str) -> Option<&Resource> {
        let c = self.coll(kind);
        // Lowercase ASCII is its own fold: skip the allocation.
        let seq = if name.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
            c.by_name.get(name)
        } else {
            c.by_name.get(&fold(name))
        };
        seq.and_then(|seq| c.by_seq.get(seq))
    }

    /// All resources of a kind, in creation order.
    pub(crate) fn iter(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.coll(kind).by_seq.values()
    }

    fn check(&self, kind: Kind, attrs: &Map<String, Value>, own_id: Option<&str>) -> Result<(), ScimError> {
        let name = attrs.get(kind.name_attr()).and_then(Value::as_str).map(fold).unwrap_or_default();
        if let Some(other) = self.find_by_name(kind, &name).filter(|r| Some(r.id.as_str()) != own_id) {
            let shown = other.doc.get(kind.name_attr()).and_then(Value::as_str).unwrap_or_default();
            return Err(ScimError::conflict(format!("{} '{shown}' already exists", kind.name_attr())));
        }
        if kind == Kind::Group {
            for m in attrs.get("members").and_then(Value::as_array).into_iter().flatten() {
                let id = m.get("value").and_then(Value::as_str).unwrap_or_default();
                if self.get(Kind::User, id).is_none() {
                    return Err(ScimError::invalid_value(format!("member '{id}' is not a known user id")));
                }
            }
        }
        Ok(())
    }

    /// Adds a resource from normalised attributes; 409 on a duplicate name, 400 on unknown members.
    pub(crate) fn create(&mut self, kind: Kind, attrs: Map<String, Value>) -> Result<String, ScimError> {
        if self.users.by_seq.len() + self.groups.by_seq.len() >= self.max_resources {
            return Err(ScimError::new(
                http::StatusCode::INSUFFICIENT_STORAGE,
                format!(
                    "the SP holds its maximum of {} users and groups (jcsim sp --max-resources)",
                    self.max_resources
                ),
            ));
        }
        self.check(kind, &attrs, None)?;
        let id = self.next_id(kind);
        let ts = now();
        let doc = build_doc(kind, &id, &ts, &ts, 1, attrs);
        let name = name_of(kind, &doc);
        let r = Resource { id: id.clone(), version: 1, doc, rendered: OnceLock::new() };
        self.next_seq += 1;
        let seq = self.next_seq;
        let c = self.coll_mut(kind);
        c.by_id.insert(id.clone(), seq);
        c.by_name.insert(name, seq);
        c.by_seq.insert(seq, r);
        Ok(id)
    }

    /// Replaces the attributes of an existing resource, bumping its version.
    pub(crate) fn update(&mut self, kind: Kind, id: &str, attrs: Map<String, Value>) -> Result<(), ScimError> {
        self.check(kind, &attrs, Some(id))?;
        let c = self.coll_mut(kind);
        let seq = *c.by_id.get(id).ok_or_else(|| ScimError::not_found(kind.resource_type(), id))?;
        let Some(r) = c.by_seq.get_mut(&seq) else {
            return Err(ScimError::not_found(kind.resource_type(), id));
        };
        let old_name = name_of(kind, &r.doc);
        let created =
            r.doc.get("meta").and_then(|m| m.get("created")).and_then(Value::as_str).unwrap_or_default().to_string();
        r.version += 1;
        r.doc = build_doc(kind, id, &created, &now(), r.version, attrs);
        r.rendered = OnceLock::new();
        let new_name = name_of(kind, &r.doc);
        if old_name != new_name {
            c.by_name.remove(&old_name);
            c.by_name.insert(new_name, seq);
        }
        Ok(())
    }

    /// Removes a resource; deleting a user also removes it from every group.
    pub(crate) fn delete(&mut self, kind: Kind, id: &str) -> bool {
        let c = self.coll_mut(kind);
        let Some(seq) = c.by_id.remove(id) else {
            return false;
        };
        if let Some(r) = c.by_seq.remove(&seq) {
            c.by_name.remove(&name_of(kind, &r.doc));
        }
        if kind == Kind::User {
            let affected: Vec<(String, Map<String, Value>)> = self
                .groups
                .by_seq
                .values()
                .filter(|g| {
                    g.doc.get("members").and_then(Value::as_array).is_some_and(|ms| ms.iter().any(|m| m["value"] == id))
                })
                .map(|g| {
                    let mut attrs = g.attrs();
                    remove_members(&mut attrs, |m| m == id);
                    (g.id.clone(), attrs)
                })
                .collect();
            for (gid, attrs) in affected {
                // Cannot fail: the name is unchanged and the remaining members exist.
                let _ = self.update(Kind::Group, &gid, attrs);
            }
        }
        true
    }

    /// SCIM JSON for a resource. `base` is the SCIM root used for `location` and `$ref`.
    pub(crate) fn render(&self, kind: Kind, r: &Resource, base: &str, numeric_ids: bool) -> Value {
        let mut doc = r.doc.as_object().cloned().unwrap_or_default();
        let id_value = |id: &str| match id.parse::<u64>() {
            Ok(n) if numeric_ids => json!(n),
            _ => json!(id),
        };
        doc.insert("id".into(), id_value(&r.id));
        let mut schemas = vec![json!(if kind == Kind::User { USER_SCHEMA } else { GROUP_SCHEMA })];
        if doc.contains_key(ENTERPRISE_USER_SCHEMA) {
            schemas.push(json!(ENTERPRISE_USER_SCHEMA));
        }
        doc.insert("schemas".into(), Value::Array(schemas));
        if let Some(Value::Object(meta)) = doc.get_mut("meta") {
            meta.insert("location".into(), json!(format!("{base}/{}/{}", kind.endpoint(), r.id)));
        }
        if let Some(Value::Array(members)) = doc.get_mut("members") {
            for m in members.iter_mut() {
                let uid = m.get("value").and_then(Value::as_str).unwrap_or_default().to_string();
                // `display` is echoed as the client sent it: computing it from the
                // user would make a PATCH's result differ from what was patched.
                let mut out = json!({"value": id_value(&uid), "$ref": format!("{base}/Users/{uid}"), "type": "User"});
                if let Some(d) = m.get("display").filter(|d| d.is_string()) {
                    out["display"] = d.clone();
                }
                *m = out;
            }
        }
        Value::Object(doc)
    }
}

/// Removes members whose value satisfies `pred`; drops `members` when it becomes empty.
pub(crate) fn remove_members(attrs: &mut Map<String, Value>, pred: impl Fn(&Value) -> bool) {
    if let Some(Value::Array(ms)) = attrs.get_mut("members") {
        ms.retain(|m| !pred(&m["value"]));
        if ms.is_empty() {
            attrs.remove("members");
        }
    }
}

fn build_doc(kind: Kind, id: &str, created: &str, modified: &str, version: u64, attrs: Map<String, Value>) -> Value {
    let mut doc = attrs;
    doc.insert("id".into(), json!(id));
    doc.insert(
        "meta".into(),
        json!({
            "resourceType": kind.resource_type(),
            "created": created,
            "lastModified": modified,
            "version": format!("W/\"{version}\""),
        }),
    );
    Value::Object(doc)
}
