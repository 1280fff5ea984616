//! SCIM PATCH paths and operations (RFC 7644 §3.5.2): parser and applier.
//! The applier is schema-agnostic; the caller validates and normalises the result.

mod apply;
#[cfg(test)]
mod tests;

pub use apply::{Rules, apply};

use super::filter::{self, AttrPath, Filter};
use serde_json::Value;

/// A PATCH failure, mapped by the SP to a SCIM error `scimType`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The request body is not a PatchOp message.
    #[error("{0}")]
    InvalidSyntax(String),
    /// The `path` does not parse or cannot address anything.
    #[error("{0}")]
    InvalidPath(String),
    /// A value filter matched nothing, or `remove` had no path.
    #[error("{0}")]
    NoTarget(String),
    /// The `value` is missing or of the wrong shape.
    #[error("{0}")]
    InvalidValue(String),
    /// The operation would change an immutable or read-only attribute.
    #[error("{0}")]
    Mutability(String),
}

impl PatchError {
    /// The RFC 7644 `scimType` for this error.
    pub fn scim_type(&self) -> &'static str {
        match self {
            PatchError::InvalidSyntax(_) => "invalidSyntax",
            PatchError::InvalidPath(_) => "invalidPath",
            PatchError::NoTarget(_) => "noTarget",
            PatchError::InvalidValue(_) => "invalidValue",
            PatchError::Mutability(_) => "mutability",
        }
    }
}

/// A parsed PATCH `path`: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute (with optional URN and sub-attribute when there is no filter).
    pub(crate) attr: AttrPath,
    /// Value selection filter, for multi-valued attributes.
    pub(crate) filter: Option<Filter>,
    /// Sub-attribute after the filter.
    pub(crate) sub: Option<String>,
}

/// Parses a PATCH path.
pub fn parse_path(input: &str) -> Result<PatchPath, PatchError> {
    let (attr, filter, sub) =
        filter::parse_value_path(input).map_err(|e| PatchError::InvalidPath(format!("invalid path '{input}': {e}")))?;
    Ok(PatchPath { attr, filter, sub })
}

/// The three PATCH operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    /// `add`
    Add,
    /// `remove`
    Remove,
    /// `replace`
    Replace,
}

/// One entry of `Operations`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The operation (names are case-insensitive on the wire).
    pub(crate) op: OpKind,
    /// Target path; absent means the value holds attributes of the resource.
    pub(crate) path: Option<PatchPath>,
    /// The value, if sent.
    pub(crate) value: Option<Value>,
}

/// Operations one PATCH may carry.
pub(crate) const MAX_OPERATIONS: usize = 10_000;
/// Filter terms one PATCH may evaluate for its filtered paths: each element
/// of the attribute, once per operation, against every term of the filter
/// (`emails[type eq "work"]` is one term per email; a filter of 10,000 `or`
/// terms over 1,000 members is 10,000,000).
pub(crate) const MAX_SCANNED: usize = 10_000_000;

/// Why a PATCH costs too much to apply, if it does: the number of operations,
/// or the elements its filtered paths scan in `resource`. Checked before
/// applying, so one request cannot hold a store for long.
pub(crate) fn too_costly(resource: &Value, ops: &[PatchOperation]) -> Option<String> {
    if ops.len() > MAX_OPERATIONS {
        return Some(format!("{} operations in one PATCH; at most {MAX_OPERATIONS}", ops.len()));
    }
    let mut scanned = 0usize;
    for op in ops {
        let Some(path) = op.path.as_ref().filter(|p| p.filter.is_some()) else { continue };
        let values = filter::get_ci(resource, &path.attr.name).and_then(Value::as_array).map_or(0, Vec::len);
        let terms = path.filter.as_ref().map_or(1, terms);
        scanned = scanned.saturating_add(values.saturating_mul(terms));
    }
    (scanned > MAX_SCANNED).then(|| {
        format!("the filtered paths of this PATCH would evaluate {scanned} filter terms; at most {MAX_SCANNED}")
    })
}

/// The comparisons and presence tests a filter evaluates per element.
fn terms(f: &Filter) -> usize {
    match f {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().map(terms).fold(0, usize::saturating_add).max(1),
        Filter::Not(inner) | Filter::ValuePath(_, inner) => terms(inner),
        Filter::Present(_) | Filter::Compare(..) => 1,
    }
}

/// Parses a PatchOp request body.
pub fn parse_request(body: &Value) -> Result<Vec<PatchOperation>, PatchError> {
    let syntax = |m: &str| PatchError::InvalidSyntax(m.to_string());
    let has_schema = filter::get_ci(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(super::PATCH_OP_SCHEMA))));
    if !has_schema {
        return Err(syntax("schemas must contain urn:ietf:params:scim:api:messages:2.0:PatchOp"));
    }
    let ops = filter::get_ci(body, "Operations")
        .and_then(Value::as_array)
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| syntax("Operations must be a non-empty array"))?;
    ops.iter().map(parse_operation).collect()
}

fn parse_operation(op: &Value) -> Result<PatchOperation, PatchError> {
    let name = filter::get_ci(op, "op").and_then(Value::as_str).unwrap_or_default();
    let kind = match name.to_ascii_lowercase().as_str() {
        "add" => OpKind::Add,
        "remove" => OpKind::Remove,
        "replace" => OpKind::Replace,
        _ => {
            return Err(PatchError::InvalidSyntax(format!("unknown op '{name}'; expected add, remove or replace")));
        }
    };
    let path = match filter::get_ci(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.trim().is_empty() => None,
        Some(Value::String(p)) => Some(parse_path(p.trim())?),
        Some(_) => return Err(PatchError::InvalidPath("path must be a string".into())),
    };
    let value = filter::get_ci(op, "value").cloned();
    if kind != OpKind::Remove && value.is_none() {
        return Err(PatchError::InvalidValue(format!("{name} requires a value")));
    }
    Ok(PatchOperation { op: kind, path, value })
}
