//! The JumpCloud user attributes jcsim models, once: the scenario key (also
//! the console's form field), the console label, the SCIM attribute it is
//! sent as, and how to read and write it on a [`User`] and a [`UserSpec`].
//! The directory, the SCIM bodies JumpCloud sends (`provision::body`), the
//! inbound API's mapping both ways, the console's forms and pages, and fake
//! users read these tables; scenario files and exports follow `UserSpec`'s
//! serde names, which are the same keys. Adding an attribute is a field on
//! `User` and `UserSpec` and one entry here.

use super::{Address, User};
use crate::scenario::{AddressSpec, UserSpec};

/// A text field of `O` (a [`User`] or an [`Address`]) and of its spec `S`.
pub(crate) struct Field<O, S> {
    pub(crate) key: &'static str,
    pub(crate) label: &'static str,
    /// Where it sits in a SCIM User.
    pub(crate) scim: Scim,
    pub(crate) get: fn(&O) -> &str,
    set: fn(&mut O) -> &mut super::Text,
    pub(crate) spec: fn(&S) -> &Option<String>,
    spec_mut: fn(&mut S) -> &mut Option<String>,
}

/// Where an attribute sits in a SCIM User (RFC 7643 §4.1, and the
/// enterprise extension §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scim {
    /// A top-level string: `title`.
    Top(&'static str),
    /// Read from an identity source's top-level string (the inbound API),
    /// never sent by JumpCloud: its bodies carry a fixed `locale` [C].
    Inbound(&'static str),
    /// A sub-attribute of `name`: `name.givenName`.
    Name(&'static str),
    /// An attribute of the enterprise extension.
    Enterprise(&'static str),
    /// The value of the work phone number.
    WorkPhone,
    /// A sub-attribute of the work address: `addresses[type eq "work"].locality`.
    Address(&'static str),
}

impl Scim {
    /// How the console shows it: `name.givenName`, `enterprise:department`.
    pub(crate) fn path(self) -> String {
        match self {
            Scim::Top(k) => k.to_string(),
            Scim::Inbound(k) => format!("{k} (inbound only)"),
            Scim::Name(k) => format!("name.{k}"),
            Scim::Enterprise(k) => format!("enterprise:{k}"),
            Scim::WorkPhone => "phoneNumbers[type=work]".to_string(),
            Scim::Address(k) => format!("addresses[work].{k}"),
        }
    }
}

impl Scim {
    /// This attribute's value in a SCIM User document, as text (`None`
    /// when absent, empty or not a scalar). Reads what JumpCloud sends and
    /// what an SP answers alike (`verify`'s attribute read-back, readiness).
    pub(crate) fn value_in(self, user: &serde_json::Value) -> Option<String> {
        use serde_json::Value;
        let work = |list: &str| {
            let items = user.get(list).and_then(Value::as_array)?;
            items
                .iter()
                .find(|i| i.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("work")))
                .or_else(|| items.first())
                .cloned()
        };
        let v = match self {
            Scim::Top(k) | Scim::Inbound(k) => user.get(k).cloned(),
            Scim::Name(k) => user.get("name").and_then(|n| n.get(k)).cloned(),
            Scim::Enterprise(k) => user.get(crate::scim::ENTERPRISE_USER_SCHEMA).and_then(|e| e.get(k)).cloned(),
            Scim::WorkPhone => work("phoneNumbers").and_then(|p| p.get("value").cloned()),
            Scim::Address(k) => work("addresses").and_then(|a| a.get(k).cloned()),
        }?;
        match v {
            Value::String(s) if !s.is_empty() => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// A free-text attribute of a user.
pub(crate) type Attr = Field<User, UserSpec>;
/// A part of the work address.
pub(crate) type AddressPart = Field<Address, AddressSpec>;

/// A table of fields, one line each: `field, "Label", "scim.path";`.
macro_rules! fields {
    ($(#[$doc:meta])* $table:ident: $ty:ty { $($field:ident, $label:literal, $scim:expr;)* }) => {
        $(#[$doc])*
        pub(crate) const $table: &[$ty] = &[$(
            Field {
                key: stringify!($field),
                label: $label,
                scim: $scim,
                get: |o| &o.$field,
                set: |o| &mut o.$field,
                spec: |s| &s.$field,
                spec_mut: |s| &mut s.$field,
            },
        )*];
    };
}

fields! {
    /// The free-text attributes, in the console's order.
    TEXT: Attr {
        firstname, "First Name", Scim::Name("givenName");
        lastname, "Last Name", Scim::Name("familyName");
        displayname, "Display Name", Scim::Top("displayName");
        job_title, "Job Title", Scim::Top("title");
        department, "Department", Scim::Enterprise("department");
        employee_identifier, "Employee ID", Scim::Enterprise("employeeNumber");
        cost_center, "Cost Center", Scim::Enterprise("costCenter");
        company, "Company", Scim::Enterprise("organization");
        employee_type, "Employee Type", Scim::Top("userType");
        location, "Location", Scim::Inbound("locale");
        phone, "Work Phone", Scim::WorkPhone;
    }
}

fields! {
    /// The work address's parts, in the console's order.
    ADDRESS: AddressPart {
        street, "Street Address", Scim::Address("streetAddress");
        locality, "City", Scim::Address("locality");
        region, "State / Region", Scim::Address("region");
        postal_code, "Postal Code", Scim::Address("postalCode");
        country, "Country", Scim::Address("country");
    }
}

impl<O, S> Field<O, S> {
    pub(crate) fn set(&self, o: &mut O, value: &str) {
        *(self.set)(o) = value.into();
    }

    pub(crate) fn set_spec(&self, s: &mut S, value: Option<String>) {
        *(self.spec_mut)(s) = value;
    }
}

/// The address a spec describes; one with every part empty clears it.
pub(crate) fn address_from(spec: &AddressSpec) -> Option<Address> {
    let mut a = Address::default();
    for p in ADDRESS {
        p.set(&mut a, (p.spec)(spec).as_deref().unwrap_or_default());
    }
    (a != Address::default()).then_some(a)
}

/// A spec with every attribute of `u` that is not empty (not its state).
pub(crate) fn spec_of(u: &User) -> UserSpec {
    let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
    let mut s = UserSpec { username: some(&u.username), email: some(&u.email), ..UserSpec::default() };
    for a in TEXT {
        a.set_spec(&mut s, some((a.get)(u)));
    }
    s.address = u.address.as_ref().map(|addr| {
        let mut spec = AddressSpec::default();
        for p in ADDRESS {
            p.set_spec(&mut spec, some((p.get)(addr)));
        }
        spec
    });
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_attribute_reads_and_writes_its_own_field() {
        let mut u = User::default();
        for (i, a) in TEXT.iter().enumerate() {
            a.set(&mut u, &format!("v{i}"));
        }
        let mut addr = Address::default();
        for (i, p) in ADDRESS.iter().enumerate() {
            p.set(&mut addr, &format!("a{i}"));
        }
        u.address = Some(addr);
        let spec = spec_of(&u);
        for (i, a) in TEXT.iter().enumerate() {
            assert_eq!((a.get)(&u), format!("v{i}"), "{}", a.key);
            assert_eq!((a.spec)(&spec).as_deref(), Some(format!("v{i}").as_str()), "{}", a.key);
        }
        let back = address_from(spec.address.as_ref().unwrap()).unwrap();
        assert_eq!(Some(back), u.address);
        assert_eq!(address_from(&AddressSpec::default()), None, "an empty address clears it");
    }

    #[test]
    fn keys_are_the_scenario_keys() {
        // A scenario written with every key reads back into the same fields.
        let keys: Vec<String> = TEXT.iter().map(|a| format!("{}: x-{}", a.key, a.key)).collect();
        let parts: Vec<String> = ADDRESS.iter().map(|p| format!("{}: y-{}", p.key, p.key)).collect();
        let yaml = format!("{{ {}, address: {{ {} }} }}", keys.join(", "), parts.join(", "));
        let spec: UserSpec = serde_yaml::from_str(&yaml).unwrap();
        for a in TEXT {
            assert_eq!((a.spec)(&spec).as_deref(), Some(format!("x-{}", a.key).as_str()));
        }
        let addr = spec.address.unwrap();
        for p in ADDRESS {
            assert_eq!((p.spec)(&addr).as_deref(), Some(format!("y-{}", p.key).as_str()));
        }
    }
}
