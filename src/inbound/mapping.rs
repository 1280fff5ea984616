//! The connector table (docs/jumpcloud.md) read backwards: an identity source's
//! SCIM User becomes JumpCloud directory attributes, with JumpCloud's
//! validation rules, and a directory user is shown as a SCIM User.

use crate::directory::attrs::{self, Scim};
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
    /// The free-text attributes, one per entry of `attrs::TEXT`, in its order.
    pub text: Vec<String>,
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
    let ent = get_ci(body, ENTERPRISE_USER_SCHEMA).filter(|v| !v.is_null());
    if ent.is_some_and(|e| !e.is_object()) {
        return Err(invalid(ENTERPRISE_USER_SCHEMA, "must be an object"));
    }
    let phone = pick(get_ci(body, "phoneNumbers"), "phoneNumbers")?;
    for attr in attrs::TEXT {
        let value = match attr.scim {
            Scim::Top(k) | Scim::Inbound(k) => bounded(get_ci(body, k), k)?,
            Scim::Name(k) => bounded(name.and_then(|n| get_ci(n, k)), &format!("name.{k}"))?,
            Scim::Enterprise(k) => bounded(ent.and_then(|e| get_ci(e, k)), &format!("{ENTERPRISE_USER_SCHEMA}:{k}"))?,
            Scim::WorkPhone => {
                let v = bounded(phone.and_then(|p| get_ci(p, "value")), "phoneNumbers.value")?;
                v.strip_prefix("tel:").unwrap_or(&v).to_string()
            }
            Scim::Address(_) => String::new(),
        };
        a.text.push(value);
    }
    a.external_id = bounded(get_ci(body, "externalId"), "externalId")?;
    if let Some(ad) = pick(get_ci(body, "addresses"), "addresses")? {
        let mut addr = Address::default();
        for p in attrs::ADDRESS {
            if let Scim::Address(k) = p.scim {
                p.set(&mut addr, &bounded(get_ci(ad, k), &format!("addresses.{k}"))?);
            }
        }
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
    m.insert("active".into(), json!(u.state != UserState::Suspended));
    m.insert("emails".into(), json!([{ "value": u.email, "type": "work", "primary": true }]));
    let (mut name, mut ent) = (Map::new(), Map::new());
    for attr in attrs::TEXT {
        let v = (attr.get)(u);
        if v.is_empty() {
            continue;
        }
        match attr.scim {
            Scim::Top(k) | Scim::Inbound(k) => {
                m.insert(k.into(), json!(v));
            }
            Scim::Name(k) => {
                name.insert(k.into(), json!(v));
            }
            Scim::Enterprise(k) => {
                ent.insert(k.into(), json!(v));
            }
            Scim::WorkPhone => {
                m.insert("phoneNumbers".into(), json!([{ "value": v, "type": "work", "primary": true }]));
            }
            Scim::Address(_) => {}
        }
    }
    if !name.is_empty() {
        m.insert("name".into(), Value::Object(name));
    }
    if let Some(a) = &u.address {
        let mut work = Map::new();
        for p in attrs::ADDRESS {
            if let Scim::Address(k) = p.scim {
                work.insert(k.into(), json!((p.get)(a)));
            }
        }
        work.insert("type".into(), json!("work"));
        work.insert("primary".into(), json!(true));
        m.insert("addresses".into(), json!([work]));
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
    for (attr, value) in attrs::TEXT.iter().zip(&a.text) {
        attr.set(u, value);
    }
    u.address = a.address.clone();
    u.external_id = a.external_id.as_str().into();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every attribute of the table travels through the SCIM User both ways:
    /// what the inbound API shows is what it reads back, and the body
    /// JumpCloud sends carries it at the same place.
    #[test]
    fn every_table_attribute_round_trips_through_scim() {
        let mut u = User { username: "jane.doe".into(), email: "jane@example.com".into(), ..User::default() };
        for (i, a) in attrs::TEXT.iter().enumerate() {
            a.set(&mut u, &format!("+1-555-000-{i:04}"));
        }
        let mut addr = Address::default();
        for (i, p) in attrs::ADDRESS.iter().enumerate() {
            p.set(&mut addr, &format!("part-{i}"));
        }
        u.address = Some(addr);
        let shown = to_scim(&u, "https://x/scim/v2");
        let mut back = User::default();
        apply(&mut back, &from_scim(&shown).unwrap());
        for a in attrs::TEXT {
            assert_eq!((a.get)(&back), (a.get)(&u), "{}", a.key);
        }
        assert_eq!(back.address, u.address);
        let b = crate::knobs::Behaviour { username_from: crate::knobs::UsernameFrom::Username, ..Default::default() };
        let sent = crate::provision::body::user(&u, &b, true, None);
        let sent_back = from_scim(&sent).unwrap();
        for (a, v) in attrs::TEXT.iter().zip(&sent_back.text) {
            if !matches!(a.scim, Scim::Inbound(_)) {
                assert_eq!(v, (a.get)(&u), "{} as JumpCloud sends it", a.key);
            }
        }
        // JumpCloud sends a fixed locale, never the user's location [C].
        assert_eq!((sent["locale"].as_str(), sent["preferredLanguage"].as_str()), (Some("en-US"), Some("en-US")));
    }
}
