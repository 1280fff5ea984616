//! The attributes the SP implements (RFC 7643 §4, §8.7), and input normalisation:
//! canonical names, type checks and coercions, read-only and unknown attributes dropped.

use crate::scim::ENTERPRISE_USER_SCHEMA;
use crate::scim::ScimError;
use serde_json::{Map, Value};

/// Attribute data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    String,
    Boolean,
    Reference,
    Binary,
    Complex,
}

impl Ty {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Ty::String => "string",
            Ty::Boolean => "boolean",
            Ty::Reference => "reference",
            Ty::Binary => "binary",
            Ty::Complex => "complex",
        }
    }
}

/// An attribute definition, as advertised under /Schemas.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attr {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    pub(crate) multi: bool,
    pub(crate) required: bool,
    pub(crate) case_exact: bool,
    pub(crate) mutability: &'static str,
    pub(crate) uniqueness: &'static str,
    pub(crate) sub: &'static [Attr],
    pub(crate) canonical: &'static [&'static str],
    pub(crate) refs: &'static [&'static str],
}

const fn a(name: &'static str) -> Attr {
    Attr {
        name,
        ty: Ty::String,
        multi: false,
        required: false,
        case_exact: false,
        mutability: "readWrite",
        uniqueness: "none",
        sub: &[],
        canonical: &[],
        refs: &[],
    }
}

impl Attr {
    const fn ty(mut self, ty: Ty) -> Self {
        self.ty = ty;
        self
    }
    const fn multi(mut self, sub: &'static [Attr]) -> Self {
        self.multi = true;
        self.ty = Ty::Complex;
        self.sub = sub;
        self
    }
    const fn complex(mut self, sub: &'static [Attr]) -> Self {
        self.ty = Ty::Complex;
        self.sub = sub;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self.uniqueness = "server";
        self
    }
    const fn exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn mutability(mut self, m: &'static str) -> Self {
        self.mutability = m;
        self
    }
    const fn canonical(mut self, c: &'static [&'static str]) -> Self {
        self.canonical = c;
        self
    }
    const fn refs(mut self, r: &'static [&'static str]) -> Self {
        self.ty = Ty::Reference;
        self.refs = r;
        self
    }
}

const PRIMARY: Attr = a("primary").ty(Ty::Boolean);
const fn mv(types: &'static [&'static str]) -> [Attr; 4] {
    [a("value"), a("display"), a("type").canonical(types), PRIMARY]
}
const EMAILS: [Attr; 4] = mv(&["work", "home", "other"]);
const PHONES: [Attr; 4] = mv(&["work", "home", "mobile", "fax", "pager", "other"]);
const IMS: [Attr; 4] = mv(&[]);
const PLAIN: [Attr; 4] = mv(&[]);
const PHOTOS: [Attr; 4] =
    [a("value").refs(&["external"]), a("display"), a("type").canonical(&["photo", "thumbnail"]), PRIMARY];
const CERTS: [Attr; 4] = [a("value").ty(Ty::Binary), a("display"), a("type"), PRIMARY];
const NAME: [Attr; 6] =
    [a("formatted"), a("familyName"), a("givenName"), a("middleName"), a("honorificPrefix"), a("honorificSuffix")];
const ADDRESS: [Attr; 8] = [
    a("formatted"),
    a("streetAddress"),
    a("locality"),
    a("region"),
    a("postalCode"),
    a("country"),
    a("type").canonical(&["work", "home", "other"]),
    PRIMARY,
];

/// Core User attributes (RFC 7643 §4.1), minus `password` and `groups`, which jcsim does not implement.
pub(crate) const USER_ATTRS: &[Attr] = &[
    a("userName").required(),
    a("name").complex(&NAME),
    a("displayName"),
    a("nickName"),
    a("profileUrl").refs(&["external"]),
    a("title"),
    a("userType"),
    a("preferredLanguage"),
    a("locale"),
    a("timezone"),
    a("active").ty(Ty::Boolean),
    a("emails").multi(&EMAILS),
    a("phoneNumbers").multi(&PHONES),
    a("ims").multi(&IMS),
    a("photos").multi(&PHOTOS),
    a("addresses").multi(&ADDRESS),
    a("entitlements").multi(&PLAIN),
    a("roles").multi(&PLAIN),
    a("x509Certificates").multi(&CERTS),
];

const MANAGER: [Attr; 3] =
    [a("value").exact(), a("$ref").refs(&["User"]).exact(), a("displayName").mutability("readOnly")];

/// Enterprise User extension attributes (RFC 7643 §4.3).
pub(crate) const ENTERPRISE_ATTRS: &[Attr] = &[
    a("employeeNumber"),
    a("costCenter"),
    a("organization"),
    a("division"),
    a("department"),
    a("manager").complex(&MANAGER),
];

const MEMBERS: [Attr; 4] = [
    a("value").exact().mutability("immutable"),
    a("$ref").refs(&["User"]).exact().mutability("immutable"),
    a("type").canonical(&["User"]).mutability("immutable"),
    a("display").mutability("readOnly"),
];

/// Group attributes (RFC 7643 §4.2); members are users only.
pub(crate) const GROUP_ATTRS: &[Attr] = &[a("displayName").required(), a("members").multi(&MEMBERS)];

/// `externalId`, common to both resource types (RFC 7643 §3.1).
const EXTERNAL_ID: Attr = a("externalId").exact();

fn find<'a>(defs: &'a [Attr], name: &str) -> Option<&'a Attr> {
    defs.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Normalises a User or Group body into stored attributes (no id/meta/schemas).
/// With `extension`, the enterprise extension object is accepted too.
/// Takes the body by value so that kept values move instead of being copied.
pub(crate) fn normalize(
    input: Map<String, Value>,
    defs: &[Attr],
    extension: bool,
) -> Result<Map<String, Value>, ScimError> {
    let out = normalize_attrs(input, defs, extension)?;
    for def in defs.iter().filter(|d| d.required) {
        if !matches!(out.get(def.name), Some(Value::String(s)) if !s.trim().is_empty()) {
            return Err(ScimError::invalid_value(format!("attribute '{}' is required", def.name)));
        }
    }
    Ok(out)
}

fn normalize_attrs(input: Map<String, Value>, defs: &[Attr], extension: bool) -> Result<Map<String, Value>, ScimError> {
    let mut out = Map::new();
    for (key, value) in input {
        if extension && key.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) {
            match value {
                Value::Null => {}
                Value::Object(ext) => {
                    let mut ext = normalize_attrs(ext, ENTERPRISE_ATTRS, false)?;
                    ext.remove(EXTERNAL_ID.name);
                    if !ext.is_empty() {
                        out.insert(ENTERPRISE_USER_SCHEMA.to_string(), Value::Object(ext));
                    }
                }
                _ => {
                    return Err(ScimError::invalid_value(format!("'{ENTERPRISE_USER_SCHEMA}' must be an object")));
                }
            }
            continue;
        }
        let def = find(defs, &key).or_else(|| key.eq_ignore_ascii_case(EXTERNAL_ID.name).then_some(&EXTERNAL_ID));
        let Some(def) = def.filter(|d| d.mutability != "readOnly") else {
            continue; // unknown, read-only, id, meta, schemas: ignored as RFC 7644 §3.3 allows
        };
        if let Some(v) = normalize_value(def, value)? {
            out.insert(def.name.to_string(), v);
        }
    }
    Ok(out)
}

fn normalize_value(def: &Attr, value: Value) -> Result<Option<Value>, ScimError> {
    if !def.multi {
        return normalize_single(def, value);
    }
    let items: Vec<Value> = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        v => vec![v],
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = normalize_single(def, item)? {
            out.push(v);
        }
    }
    let primaries = out.iter().filter(|v| v.get("primary") == Some(&Value::Bool(true))).count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!("at most one '{}' value may be primary", def.name)));
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

fn normalize_single(def: &Attr, value: Value) -> Result<Option<Value>, ScimError> {
    let wrong = |what: &str| ScimError::invalid_value(format!("attribute '{}' must be {what}", def.name));
    Ok(match (def.ty, value) {
        (_, Value::Null) => None,
        (Ty::Complex, Value::Object(obj)) => {
            let mut out = Map::new();
            for (k, v) in obj {
                let Some(sub) = find(def.sub, &k).filter(|d| d.mutability != "readOnly") else {
                    continue;
                };
                if let Some(v) = normalize_single(sub, v)? {
                    out.insert(sub.name.to_string(), v);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        (Ty::Complex, _) => return Err(wrong("an object")),
        (Ty::Boolean, Value::Bool(b)) => Some(Value::Bool(b)),
        // Azure AD sends "True"/"False" strings for booleans in PATCH.
        (Ty::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
        (Ty::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
        (Ty::Boolean, _) => return Err(wrong("a boolean")),
        (_, Value::String(s)) => Some(Value::String(s)),
        (_, _) => return Err(wrong("a string")),
    })
}
