//! Discovery for the inbound API (RFC 7644 §4): it advertises exactly what
//! JumpCloud's SCIM API accepts here: Users with the connector table's
//! attributes, PATCH, filters on userName / emails.value / externalId, the
//! `x-api-key` header, and no Groups, bulk, sort, etag or password change.

use crate::scim::ScimError;
use crate::scim::list::MAX_RESULTS;
use crate::scim::{ENTERPRISE_USER_SCHEMA, LIST_RESPONSE_SCHEMA, USER_SCHEMA};
use http::StatusCode;
use serde_json::{Value, json};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RT_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `GET` of a discovery path, by segments (`["Schemas", urn]`).
pub fn get(segs: &[&str], base: &str) -> Result<Value, ScimError> {
    match segs {
        ["ServiceProviderConfig"] => Ok(service_provider_config(base)),
        ["ResourceTypes"] => Ok(list(vec![resource_type(base)])),
        ["ResourceTypes", "User"] => Ok(resource_type(base)),
        ["Schemas"] => Ok(list(vec![user_schema(base), enterprise_schema(base)])),
        ["Schemas", urn] if urn.eq_ignore_ascii_case(USER_SCHEMA) => Ok(user_schema(base)),
        ["Schemas", urn] if urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) => Ok(enterprise_schema(base)),
        [kind, name] => Err(ScimError::new(StatusCode::NOT_FOUND, format!("{kind} '{name}' not found"))),
        _ => Err(ScimError::for_status(StatusCode::NOT_FOUND)),
    }
}

fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://jumpcloud.com/support/use-jumpclouds-scim-api",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "apikey",
            "name": "API key",
            "description": "The organization's admin API key in the x-api-key header (API Settings in the console)",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

fn resource_type(base: &str) -> Value {
    json!({
        "schemas": [RT_SCHEMA],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "JumpCloud user",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": ENTERPRISE_USER_SCHEMA, "required": false}],
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
    })
}

fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// A string attribute; `required` and `uniqueness` as JumpCloud enforces them.
fn s(name: &str, description: &str) -> Value {
    json!({
        "name": name, "type": "string", "multiValued": false, "required": false, "caseExact": false,
        "mutability": "readWrite", "returned": "default", "uniqueness": "none", "description": description,
    })
}

fn required(mut v: Value, unique: bool) -> Value {
    v["required"] = json!(true);
    if unique {
        v["uniqueness"] = json!("server");
    }
    v
}

fn complex(name: &str, multi: bool, sub: Vec<Value>, description: &str) -> Value {
    json!({
        "name": name, "type": "complex", "multiValued": multi, "required": false,
        "mutability": "readWrite", "returned": "default", "uniqueness": "none",
        "subAttributes": sub, "description": description,
    })
}

fn typed(mut v: Value, ty: &str) -> Value {
    v["type"] = json!(ty);
    if ty == "boolean" {
        v.as_object_mut().map(|m| m.remove("caseExact"));
    }
    v
}

fn schema(id: &str, name: &str, attrs: Vec<Value>, base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA], "id": id, "name": name, "description": name, "attributes": attrs,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
    })
}

fn user_schema(base: &str) -> Value {
    let mut id = s("id", "JumpCloud's user id (24 hex characters)");
    id["mutability"] = json!("readOnly");
    id["caseExact"] = json!(true);
    id["uniqueness"] = json!("server");
    let mut external = s("externalId", "The identity source's id for the user");
    external["caseExact"] = json!(true);
    let multi_sub = |value_desc: &str| {
        vec![s("value", value_desc), s("type", "Only `work` is kept"), typed(s("primary", "Primary value"), "boolean")]
    };
    let mut address_sub: Vec<Value> = ["streetAddress", "locality", "region", "postalCode", "country"]
        .iter()
        .map(|n| s(n, "Work address (JumpCloud keeps one)"))
        .collect();
    address_sub.extend([s("type", "Only `work` is kept"), typed(s("primary", "Primary value"), "boolean")]);
    let mut emails = complex(
        "emails",
        true,
        multi_sub("JumpCloud's email: required, valid, at most 1024 characters"),
        "The primary (else work, else first) email is JumpCloud's email",
    );
    emails["required"] = json!(true);
    emails["subAttributes"][0]["required"] = json!(true);
    let attrs = vec![
        id,
        external,
        required(
            s("userName", "JumpCloud's username: letters, digits, . _ - only, not an email, at most 1024 characters"),
            true,
        ),
        complex(
            "name",
            false,
            vec![
                s("givenName", "firstname, at most 1024 characters"),
                s("familyName", "lastname, at most 1024 characters"),
            ],
            "First and last name",
        ),
        s("displayName", "displayname"),
        s("title", "jobTitle"),
        s("userType", "employeeType"),
        s("locale", "location"),
        typed(s("active", "false suspends the user, true unsuspends"), "boolean"),
        emails,
        complex("phoneNumbers", true, multi_sub("Work phone (JumpCloud keeps one)"), "Work phone"),
        complex("addresses", true, address_sub, "Work address"),
    ];
    schema(USER_SCHEMA, "User", attrs, base)
}

fn enterprise_schema(base: &str) -> Value {
    let attrs = vec![
        s("employeeNumber", "employeeIdentifier"),
        s("costCenter", "costCenter"),
        s("organization", "company"),
        s("department", "department"),
    ];
    schema(ENTERPRISE_USER_SCHEMA, "EnterpriseUser", attrs, base)
}
