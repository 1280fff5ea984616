//! The connector table (JUMPCLOUD.md) read backwards: an identity source's
//! SCIM User becomes JumpCloud directory attributes, with JumpCloud's
//! validation rules, and a directory user is shown as a SCIM User.

use crate::directory::{Address, User, UserState, check_email, check_username};
use crate::scim::ScimError;
use crate::scim::filter::get_ci;
use crate::scim::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
use serde_json::{Map, Value, json};

/// JumpCloud's limit for names (connector table).
pub const MAX_LEN: usize = 1024;

/// Every directory attribute an identity source can set. A full
/// representation: absent SCIM attributes are empty here (PUT clears them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs {
    pub username: String,
    pub email: String,
    pub firstname: String,
    pub lastname: String,
    pub displayname: String,
    pub job_title: String,
    pub department: String,
    pub employee_identifier: String,
    pub cost_center: String,
    pub company: String,
    pub employee_type: String,
    pub location: String,
    pub phone: String,
    pub address: Option<Address>,
    pub external_id: String,
    /// `active`; absent leaves the state as it is.
    pub active: Option<bool>,
}

fn invalid(attr: &str, rule: impl std::fmt::Display) -> ScimError {
    ScimError::invalid_value(format!("{attr}: {rule}"))
}

/// A string attribute (absent or null: empty).
fn string(v: Option<&Value>, attr: &str) -> Result<String, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(invalid(attr, "must be a string")),
    }
}

fn bounded(v: Option<&Value>, attr: &str) -> Result<String, ScimError> {
    let s = string(v, attr)?;
    if s.chars().count() > MAX_LEN {
        return Err(invalid(attr, format!("is longer than JumpCloud's {MAX_LEN} characters")));
    }
    Ok(s)
}

/// The element of a multi-valued attribute JumpCloud keeps: `type: work`,
/// else the primary one, else the first.
fn pick<'a>(v: Option<&'a Value>, attr: &str) -> Result<Option<&'a Value>, ScimError> {
    let items = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid(attr, "must be an array")),
    };
    if items.iter().any(|i| !i.is_object()) {
        return Err(invalid(attr, "every element must be an object"));
    }
    let is = |i: &&Value, key: &str, want: &Value| get_ci(i, key).is_some_and(|v| v == want);
    Ok(items
        .iter()
        .find(|i| is(i, "primary", &json!(true)))
        .or_else(|| items.iter().find(|i| get_ci(i, "type").and_then(Value::as_str) == Some("work")))
        .or_else(|| items.first()))
}

/// `true`/`false`, also as the strings some clients send.
pub fn boolean(v: &Value, attr: &str) -> Result<bool, ScimError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid(attr, "must be true or false")),
    }
}

/// Read and validate a full SCIM User (POST, PUT, or a patched representation).
pub fn from_scim(body: &Value) -> Result<Attrs, ScimError> {
    if !body.is_object() {
        return Err(ScimError::bad_request("invalidSyntax", "the request body must be a JSON object"));
    }
    let username = match get_ci(body, "userName") {
        None | Some(Value::Null) => {
            return Err(invalid("userName", "is required (it becomes JumpCloud's username)"));
        }
        Some(v) => string(Some(v), "userName")?,
    };
    let mut a = Attrs { username, ..Attrs::default() };
    check_username(&a.username).map_err(|e| invalid("userName", e.replace("``", "(empty)")))?;
    let email = pick(get_ci(body, "emails"), "emails")?
        .ok_or_else(|| invalid("emails", "a primary email is required (JumpCloud's email is required)"))?;
    a.email = string(get_ci(email, "value"), "emails.value")?;
    if a.email.is_empty() {
        return Err(invalid("emails.value", "is required (JumpCloud's email is required)"));
    }
    check_email(&a.email).map_err(|e| invalid("emails.value", e))?;
    let name = get_ci(body, "name").filter(|v| !v.is_null());
    if name.is_some_and(|n| !n.is_object()) {
        return Err(invalid("name", "must be an object"));
    }
    a.firstname = bounded(name.and_then(|n| get_ci(n, "givenName")), "name.givenName")?;
    a.lastname = bounded(name.and_then(|n| get_ci(n, "familyName")), "name.familyName")?;
    a.displayname = bounded(get_ci(body, "displayName"), "displayName")?;
    a.job_title = bounded(get_ci(body, "title"), "title")?;
    a.employee_type = bounded(get_ci(body, "userType"), "userType")?;
    a.location = bounded(get_ci(body, "locale"), "locale")?;
    a.external_id = bounded(get_ci(body, "externalId"), "externalId")?;
    if let Some(ent) = get_ci(body, ENTERPRISE_USER_SCHEMA).filter(|v| !v.is_null()) {
        if !ent.is_object() {
            return Err(invalid(ENTERPRISE_USER_SCHEMA, "must be an object"));
        }
        let attr = |k: &str| format!("{ENTERPRISE_USER_SCHEMA}:{k}");
        a.department = bounded(get_ci(ent, "department"), &attr("department"))?;
        a.employee_identifier = bounded(get_ci(ent, "employeeNumber"), &attr("employeeNumber"))?;
        a.cost_center = bounded(get_ci(ent, "costCenter"), &attr("costCenter"))?;
        a.company = bounded(get_ci(ent, "organization"), &attr("organization"))?;
    }
    if let Some(p) = pick(get_ci(body, "phoneNumbers"), "phoneNumbers")? {
        let v = bounded(get_ci(p, "value"), "phoneNumbers.value")?;
        a.phone = v.strip_prefix("tel:").unwrap_or(&v).to_string();
    }
    if let Some(ad) = pick(get_ci(body, "addresses"), "addresses")? {
        let f = |k: &str| bounded(get_ci(ad, k), &format!("addresses.{k}"));
        let addr = Address {
            street: f("streetAddress")?.into(),
            locality: f("locality")?.into(),
            region: f("region")?.into(),
            postal_code: f("postalCode")?.into(),
            country: f("country")?.into(),
        };
        a.address = (addr != Address::default()).then_some(addr);
    }
    a.active = match get_ci(body, "active") {
        None | Some(Value::Null) => None,
        Some(v) => Some(boolean(v, "active")?),
    };
    Ok(a)
}

/// A directory user as the inbound API shows it. Empty attributes are omitted.
pub fn to_scim(u: &User, base: &str) -> Value {
    let mut m = Map::new();
    m.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]));
    m.insert("id".into(), json!(u.id));
    if !u.external_id.is_empty() {
        m.insert("externalId".into(), json!(u.external_id));
    }
    m.insert("userName".into(), json!(u.username));
    let mut name = Map::new();
    for (k, v) in [("givenName", &u.firstname), ("familyName", &u.lastname)] {
        if !v.is_empty() {
            name.insert(k.into(), json!(v));
        }
    }
    if !name.is_empty() {
        m.insert("name".into(), Value::Object(name));
    }
    for (k, v) in [
        ("displayName", &u.displayname),
        ("title", &u.job_title),
        ("userType", &u.employee_type),
        ("locale", &u.location),
    ] {
        if !v.is_empty() {
            m.insert(k.into(), json!(v));
        }
    }
    m.insert("active".into(), json!(u.state != UserState::Suspended));
    m.insert("emails".into(), json!([{ "value": u.email, "type": "work", "primary": true }]));
    if !u.phone.is_empty() {
        m.insert("phoneNumbers".into(), json!([{ "value": u.phone, "type": "work", "primary": true }]));
    }
    if let Some(a) = &u.address {
        m.insert(
            "addresses".into(),
            json!([{
                "streetAddress": a.street, "locality": a.locality, "region": a.region,
                "postalCode": a.postal_code, "country": a.country, "type": "work", "primary": true
            }]),
        );
    }
    let mut ent = Map::new();
    for (k, v) in [
        ("department", &u.department),
        ("employeeNumber", &u.employee_identifier),
        ("costCenter", &u.cost_center),
        ("organization", &u.company),
    ] {
        if !v.is_empty() {
            ent.insert(k.into(), json!(v));
        }
    }
    if !ent.is_empty() {
        m.insert(ENTERPRISE_USER_SCHEMA.into(), Value::Object(ent));
    }
    m.insert("meta".into(), json!({ "resourceType": "User", "location": format!("{base}/Users/{}", u.id) }));
    Value::Object(m)
}

/// Copy validated attributes onto a directory user (every mapped attribute is
/// overwritten [C]; `username` and state are the caller's business).
pub fn apply(u: &mut User, a: &Attrs) {
    u.email = a.email.as_str().into();
    u.firstname = a.firstname.as_str().into();
    u.lastname = a.lastname.as_str().into();
    u.displayname = a.displayname.as_str().into();
    u.job_title = a.job_title.as_str().into();
    u.department = a.department.as_str().into();
    u.employee_identifier = a.employee_identifier.as_str().into();
    u.cost_center = a.cost_center.as_str().into();
    u.company = a.company.as_str().into();
    u.employee_type = a.employee_type.as_str().into();
    u.location = a.location.as_str().into();
    u.phone = a.phone.as_str().into();
    u.address = a.address.clone();
    u.external_id = a.external_id.as_str().into();
}
