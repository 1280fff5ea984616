//! Filter evaluation over JSON resources, with per-attribute case rules.

use super::{AttrPath, CompareOp, Filter, Literal};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

/// Looks up an object key case-insensitively (exact match first).
pub fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// RFC 7643 case rules for the attributes jcsim knows: identifiers and references
/// are case-exact, everything else (userName, emails.value, displayName…) is not.
/// `key` is the lowercase dotted path from [`AttrPath::key`].
pub fn default_case_exact(key: &str) -> bool {
    matches!(key, "id" | "externalid" | "members.value" | "groups.value" | "manager.value" | "meta.version")
        || key.ends_with("$ref")
}

impl Filter {
    /// True when `resource` matches. `case_exact` receives [`AttrPath::key`]
    /// (prefixed with the parent attribute inside a value filter, e.g. `emails.value`).
    pub fn matches(&self, resource: &Value, case_exact: &dyn Fn(&str) -> bool) -> bool {
        self.eval(resource, "", case_exact)
    }

    fn eval(&self, ctx: &Value, prefix: &str, ce: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Filter::And(parts) => parts.iter().all(|f| f.eval(ctx, prefix, ce)),
            Filter::Or(parts) => parts.iter().any(|f| f.eval(ctx, prefix, ce)),
            Filter::Not(f) => !f.eval(ctx, prefix, ce),
            Filter::Present(path) => resolve(ctx, path, false).into_iter().any(present),
            Filter::Compare(path, op, lit) => {
                let exact = ce(&format!("{prefix}{}", path.key()));
                let values = resolve(ctx, path, true);
                match op {
                    CompareOp::Eq => equals_any(&values, lit, exact),
                    CompareOp::Ne => !equals_any(&values, lit, exact),
                    _ => values.iter().any(|v| compare(v, *op, lit, exact)),
                }
            }
            Filter::ValuePath(path, inner) => {
                let prefix = format!("{prefix}{}.", path.name.to_ascii_lowercase());
                resolve(ctx, path, false).into_iter().any(|el| inner.eval(el, &prefix, ce))
            }
        }
    }
}

/// The container an attribute path starts from: the resource itself for core
/// attributes, the extension object for URN-prefixed ones.
pub(crate) fn container<'a>(ctx: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    match &path.schema {
        Some(urn) if !path.is_core() => get_ci(ctx, urn),
        _ => Some(ctx),
    }
}

/// All values an attribute path designates, with multi-valued attributes flattened.
/// With `values_of_complex`, complex elements stand for their `value` sub-attribute.
fn resolve<'a>(ctx: &'a Value, path: &AttrPath, values_of_complex: bool) -> Vec<&'a Value> {
    let Some(attr) = container(ctx, path).and_then(|c| get_ci(c, &path.name)) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match attr {
        Value::Array(items) => items.iter().collect(),
        v => vec![v],
    };
    let mut out = Vec::new();
    for el in elements {
        match (&path.sub, el) {
            (Some(sub), _) => match get_ci(el, sub) {
                Some(Value::Array(items)) => out.extend(items.iter()),
                Some(v) => out.push(v),
                None => {}
            },
            (None, Value::Object(_)) if values_of_complex => out.extend(get_ci(el, "value")),
            (None, v) => out.push(v),
        }
    }
    out
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn equals_any(values: &[&Value], lit: &Literal, exact: bool) -> bool {
    if matches!(lit, Literal::Null) {
        return values.iter().all(|v| v.is_null());
    }
    values.iter().any(|v| compare(v, CompareOp::Eq, lit, exact))
}

fn fold(s: &str, exact: bool) -> Cow<'_, str> {
    if exact {
        Cow::Borrowed(s)
    } else if s.is_ascii() {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

fn compare(v: &Value, op: CompareOp, lit: &Literal, exact: bool) -> bool {
    let ord = match (v, lit) {
        (Value::String(a), Literal::Str(b)) => {
            let (a, b) = (fold(a, exact), fold(b, exact));
            match op {
                CompareOp::Co => return a.contains(b.as_ref()),
                CompareOp::Sw => return a.starts_with(b.as_ref()),
                CompareOp::Ew => return a.ends_with(b.as_ref()),
                _ => a.as_ref().cmp(b.as_ref()),
            }
        }
        (Value::Number(a), Literal::Num(b)) => match a.as_f64().and_then(|a| a.partial_cmp(b)) {
            Some(o) => o,
            None => return false,
        },
        (Value::Bool(a), Literal::Bool(b)) => a.cmp(b),
        _ => return false,
    };
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}
