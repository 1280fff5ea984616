//! Applying parsed PATCH operations to a JSON resource (RFC 7644 §3.5.2.1-3).

use super::{OpKind, PatchError, PatchOperation, PatchPath, parse_path};
use crate::scim::filter::{self, AttrPath, Filter, Literal};
use serde_json::{Map, Value};

/// Schema knowledge the applier needs from its caller.
pub struct Rules<'a> {
    /// Case rule by lowercase dotted key (see [`AttrPath::key`]).
    pub case_exact: &'a dyn Fn(&str) -> bool,
    /// True for attributes that may not change (`id`, `meta`…), by lowercase key.
    pub immutable: &'a dyn Fn(&str) -> bool,
}

/// Applies operations in order to a resource object. On error the resource may
/// be partially modified: callers apply to a copy.
pub fn apply(resource: &mut Value, ops: &[PatchOperation], rules: &Rules<'_>) -> Result<(), PatchError> {
    let root = resource.as_object_mut().ok_or_else(|| PatchError::InvalidValue("resource is not an object".into()))?;
    for op in ops {
        match (&op.path, &op.value) {
            (Some(path), value) => apply_path(root, op.op, path, value.as_ref(), rules)?,
            (None, _) if op.op == OpKind::Remove => {
                return Err(PatchError::NoTarget("remove requires a path".into()));
            }
            (None, Some(Value::Object(attrs))) => {
                for (key, value) in attrs {
                    let path = parse_path(key)?;
                    if path.filter.is_some() {
                        return Err(PatchError::InvalidPath(format!("'{key}' is not an attribute name")));
                    }
                    apply_path(root, op.op, &path, Some(value), rules)?;
                }
            }
            (None, _) => {
                return Err(PatchError::InvalidValue("without a path, value must be an object of attributes".into()));
            }
        }
    }
    Ok(())
}

fn key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_string());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn container_mut<'a>(
    root: &'a mut Map<String, Value>,
    attr: &AttrPath,
    create: bool,
) -> Result<Option<&'a mut Map<String, Value>>, PatchError> {
    let urn = match &attr.schema {
        Some(urn) if !attr.is_core() => urn,
        _ => return Ok(Some(root)),
    };
    let key = match key_ci(root, urn) {
        Some(k) => k,
        None if create => {
            root.insert(urn.clone(), Value::Object(Map::new()));
            urn.clone()
        }
        None => return Ok(None),
    };
    match root.get_mut(&key) {
        Some(Value::Object(m)) => Ok(Some(m)),
        _ => Err(PatchError::InvalidPath(format!("'{urn}' is not an extension object"))),
    }
}

fn apply_path(
    root: &mut Map<String, Value>,
    op: OpKind,
    path: &PatchPath,
    value: Option<&Value>,
    rules: &Rules<'_>,
) -> Result<(), PatchError> {
    let attr = &path.attr;
    // JSON null means "unassigned" (RFC 7643 §2.5): adding or replacing with null removes.
    let (op, value) = match value {
        Some(Value::Null) if op != OpKind::Remove => (OpKind::Remove, None),
        v => (op, v),
    };
    check_mutability(root, attr, op, value, rules)?;
    let Some(container) = container_mut(root, attr, op != OpKind::Remove)? else {
        return if path.filter.is_some() { Err(no_match(attr)) } else { Ok(()) };
    };
    let name = key_ci(container, &attr.name);
    match (&path.filter, &attr.sub) {
        (None, None) => apply_plain(container, name, &attr.name, op, value),
        (None, Some(sub)) => apply_sub(container, name, &attr.name, sub, op, value),
        (Some(f), _) => apply_filtered(container, name, attr, f, path.sub.as_deref(), op, value, rules),
    }
}

fn check_mutability(
    root: &Map<String, Value>,
    attr: &AttrPath,
    op: OpKind,
    value: Option<&Value>,
    rules: &Rules<'_>,
) -> Result<(), PatchError> {
    let base = attr.name.to_ascii_lowercase();
    if !(attr.is_core() && ((rules.immutable)(&attr.key()) || (rules.immutable)(&base))) {
        return Ok(());
    }
    let current = key_ci(root, &attr.name).and_then(|k| root.get(&k));
    let unchanged = op != OpKind::Remove && attr.sub.is_none() && current.is_some() && current == value;
    if unchanged {
        Ok(())
    } else {
        Err(PatchError::Mutability(format!("attribute '{}' cannot be modified", attr.name)))
    }
}

fn no_match(attr: &AttrPath) -> PatchError {
    PatchError::NoTarget(format!("no value of '{}' matches the filter", attr.name))
}

fn required(value: Option<&Value>) -> Result<&Value, PatchError> {
    value.ok_or_else(|| PatchError::InvalidValue("value is required".into()))
}

fn apply_plain(
    c: &mut Map<String, Value>,
    key: Option<String>,
    name: &str,
    op: OpKind,
    value: Option<&Value>,
) -> Result<(), PatchError> {
    let existing = key.as_ref().and_then(|k| c.get_mut(k));
    match (op, existing) {
        (OpKind::Remove, None) => {}
        (OpKind::Remove, Some(Value::Array(items))) if value.is_some() => {
            let remove: Vec<&Value> = match value {
                Some(Value::Array(vs)) => vs.iter().collect(),
                Some(v) => vec![v],
                None => Vec::new(),
            };
            let remove = Elements::new(remove);
            items.retain(|el| !remove.has(el));
            if items.is_empty() {
                key.map(|k| c.remove(&k));
            }
        }
        (OpKind::Remove, Some(_)) => {
            key.map(|k| c.remove(&k));
        }
        (OpKind::Add, Some(Value::Array(items))) => {
            let new = match required(value)? {
                Value::Array(vs) => vs.clone(),
                v => vec![v.clone()],
            };
            let mut present = Elements::new(items.iter().collect());
            let mut added = Vec::new();
            for v in &new {
                if !present.has(v) {
                    present.insert(v);
                    added.push(v.clone());
                }
            }
            items.extend(added);
        }
        (OpKind::Add | OpKind::Replace, Some(Value::Object(existing))) if required(value)?.is_object() => {
            if let Some(Value::Object(new)) = value {
                for (k, v) in new {
                    let k2 = key_ci(existing, k).unwrap_or_else(|| k.clone());
                    existing.insert(k2, v.clone());
                }
            }
        }
        (OpKind::Add | OpKind::Replace, _) => {
            c.insert(key.unwrap_or_else(|| name.to_string()), required(value)?.clone());
        }
    }
    Ok(())
}

fn apply_sub(
    c: &mut Map<String, Value>,
    key: Option<String>,
    name: &str,
    sub: &str,
    op: OpKind,
    value: Option<&Value>,
) -> Result<(), PatchError> {
    let set = |el: &mut Map<String, Value>| -> Result<(), PatchError> {
        let k = key_ci(el, sub).unwrap_or_else(|| sub.to_string());
        if op == OpKind::Remove {
            el.remove(&k);
        } else {
            el.insert(k, required(value)?.clone());
        }
        Ok(())
    };
    match key.as_ref().and_then(|k| c.get_mut(k)) {
        None if op == OpKind::Remove => Ok(()),
        None => {
            let mut obj = Map::new();
            set(&mut obj)?;
            c.insert(name.to_string(), Value::Object(obj));
            Ok(())
        }
        Some(Value::Object(obj)) => set(obj),
        Some(Value::Array(items)) => {
            if items.is_empty() && op != OpKind::Remove {
                let mut obj = Map::new();
                set(&mut obj)?;
                items.push(Value::Object(obj));
            }
            items.iter_mut().filter_map(Value::as_object_mut).try_for_each(set)
        }
        Some(_) => Err(PatchError::InvalidPath(format!("attribute '{name}' has no sub-attributes"))),
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_filtered(
    c: &mut Map<String, Value>,
    key: Option<String>,
    attr: &AttrPath,
    f: &Filter,
    sub: Option<&str>,
    op: OpKind,
    value: Option<&Value>,
    rules: &Rules<'_>,
) -> Result<(), PatchError> {
    let prefix = attr.name.to_ascii_lowercase();
    let ce = |k: &str| (rules.case_exact)(&format!("{prefix}.{k}"));
    let items = match key.as_ref().and_then(|k| c.get_mut(k)) {
        Some(Value::Array(items)) => Some(items),
        Some(_) => {
            return Err(PatchError::InvalidPath(format!("'{}' is not multi-valued", attr.name)));
        }
        None => None,
    };
    let matched: Vec<usize> = items
        .as_ref()
        .map(|items| items.iter().enumerate().filter(|(_, el)| f.matches(el, &ce)).map(|(i, _)| i).collect())
        .unwrap_or_default();
    if matched.is_empty() {
        let template = (op == OpKind::Add).then(|| eq_template(f)).flatten();
        let Some(mut new) = template else {
            return Err(no_match(attr));
        };
        match (sub, required(value)?) {
            (Some(s), v) => {
                new.insert(s.to_string(), v.clone());
            }
            (None, Value::Object(o)) => new.extend(o.clone()),
            (None, _) => return Err(PatchError::InvalidValue("value must be an object".into())),
        }
        match items {
            Some(items) => items.push(Value::Object(new)),
            None => {
                c.insert(key.unwrap_or_else(|| attr.name.clone()), Value::Array(vec![Value::Object(new)]));
            }
        }
        return Ok(());
    }
    let Some(items) = items else {
        return Err(no_match(attr));
    };
    if op == OpKind::Remove && sub.is_none() {
        for i in matched.into_iter().rev() {
            items.remove(i);
        }
        if items.is_empty() {
            key.map(|k| c.remove(&k));
        }
        return Ok(());
    }
    for i in matched {
        let Some(el) = items[i].as_object_mut() else {
            continue;
        };
        match (sub, op, value) {
            (Some(s), OpKind::Remove, _) => {
                if let Some(k) = key_ci(el, s) {
                    el.remove(&k);
                }
            }
            (Some(s), _, v) => {
                let k = key_ci(el, s).unwrap_or_else(|| s.to_string());
                el.insert(k, required(v)?.clone());
            }
            (None, OpKind::Add, Some(Value::Object(o))) => el.extend(o.clone()),
            (None, _, Some(v @ Value::Object(_))) => items[i] = v.clone(),
            (None, _, _) => return Err(PatchError::InvalidValue("value must be an object".into())),
        }
    }
    Ok(())
}

/// For `add` with a filter that matched nothing: an element built from `a eq v [and b eq w]`.
fn eq_template(f: &Filter) -> Option<Map<String, Value>> {
    let parts: Vec<&Filter> = match f {
        Filter::And(parts) => parts.iter().collect(),
        f => vec![f],
    };
    let mut out = Map::new();
    for part in parts {
        let Filter::Compare(path, filter::CompareOp::Eq, lit) = part else {
            return None;
        };
        if path.schema.is_some() || path.sub.is_some() {
            return None;
        }
        let v = match lit {
            Literal::Str(s) => Value::String(s.clone()),
            Literal::Num(n) => serde_json::Number::from_f64(*n).map(Value::Number)?,
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Null => return None,
        };
        out.insert(path.name.clone(), v);
    }
    Some(out)
}

/// Multi-valued element identity: complex elements with a `value` compare by it
/// (so `{"value":"1"}` and `{"value":1,"display":"x"}` are the same member).
/// A set of multi-valued elements under [`same_element`]: elements whose
/// `value` is a string (group members, emails) are hashed, the rest are
/// compared one by one. Adding or removing 100,000 members is then linear,
/// not quadratic.
struct Elements<'a> {
    by_value: std::collections::HashSet<&'a str>,
    others: Vec<&'a Value>,
}

impl<'a> Elements<'a> {
    fn new(items: Vec<&'a Value>) -> Elements<'a> {
        let mut set = Elements { by_value: std::collections::HashSet::new(), others: Vec::new() };
        for v in items {
            set.insert(v);
        }
        set
    }

    fn insert(&mut self, v: &'a Value) {
        match filter::get_ci(v, "value") {
            Some(Value::String(s)) => {
                self.by_value.insert(s);
            }
            _ => self.others.push(v),
        }
    }

    /// True when an element of the set is the same element as `v`.
    fn has(&self, v: &Value) -> bool {
        // A string value matches the same string, or a number written the same way.
        let hashed = match filter::get_ci(v, "value") {
            Some(Value::String(s)) => self.by_value.contains(s.as_str()),
            Some(Value::Number(n)) => self.by_value.contains(n.to_string().as_str()),
            _ => false,
        };
        hashed || self.others.iter().any(|o| same_element(o, v))
    }
}

fn same_element(a: &Value, b: &Value) -> bool {
    match (filter::get_ci(a, "value"), filter::get_ci(b, "value")) {
        (Some(x), Some(y)) => scalar_eq(x, y),
        _ => a == b,
    }
}

fn scalar_eq(x: &Value, y: &Value) -> bool {
    match (x, y) {
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => *s == n.to_string(),
        _ => x == y,
    }
}
