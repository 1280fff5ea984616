//! Discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes, /Schemas,
//! generated from the attribute tables so they advertise exactly what is implemented.

use super::SpState;
use super::http::Base;
use super::list::MAX_RESULTS;
use super::schema::{Attr, ENTERPRISE_ATTRS, GROUP_ATTRS, Ty, USER_ATTRS};
use crate::scim::ScimError;
use crate::scim::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, USER_SCHEMA};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RT_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `GET /ServiceProviderConfig`.
pub(crate) async fn service_provider_config(State(st): State<SpState>, Base(base): Base) -> Json<Value> {
    let auth: Vec<Value> = match st.config().token {
        Some(_) => vec![json!({
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token in the Authorization header",
            "primary": true,
        })],
        None => Vec::new(),
    };
    Json(json!({
        "schemas": [SPC_SCHEMA],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": auth,
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    }))
}

fn resource_type_doc(name: &str, base: &str) -> Option<Value> {
    let (endpoint, schema, description) = match name {
        "User" => ("/Users", USER_SCHEMA, "User Account"),
        "Group" => ("/Groups", GROUP_SCHEMA, "Group"),
        _ => return None,
    };
    let mut doc = json!({
        "schemas": [RT_SCHEMA],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": description,
        "schema": schema,
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}")},
    });
    if name == "User" {
        doc["schemaExtensions"] = json!([{"schema": ENTERPRISE_USER_SCHEMA, "required": false}]);
    }
    Some(doc)
}

fn list_response(resources: Vec<Value>) -> Json<Value> {
    Json(json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

/// `GET /ResourceTypes`.
pub(crate) async fn resource_types(Base(base): Base) -> Json<Value> {
    list_response(["User", "Group"].iter().filter_map(|n| resource_type_doc(n, &base)).collect())
}

/// `GET /ResourceTypes/{name}`.
pub(crate) async fn resource_type(Base(base): Base, Path(name): Path<String>) -> Result<Json<Value>, ScimError> {
    resource_type_doc(&name, &base)
        .map(Json)
        .ok_or_else(|| ScimError::new(StatusCode::NOT_FOUND, format!("resource type '{name}' not found")))
}

fn attr_doc(a: &Attr) -> Value {
    let mut doc = json!({
        "name": a.name,
        "type": a.ty.as_str(),
        "multiValued": a.multi,
        "required": a.required,
        "mutability": a.mutability,
        "returned": "default",
        "uniqueness": a.uniqueness,
    });
    if a.ty != Ty::Boolean && a.ty != Ty::Complex {
        doc["caseExact"] = json!(a.case_exact);
    }
    if !a.canonical.is_empty() {
        doc["canonicalValues"] = json!(a.canonical);
    }
    if a.ty == Ty::Reference {
        doc["referenceTypes"] = json!(a.refs);
    }
    if a.ty == Ty::Complex {
        doc["subAttributes"] = Value::Array(a.sub.iter().map(attr_doc).collect());
    }
    doc
}

fn schema_doc(urn: &str, base: &str) -> Option<Value> {
    let (id, name, description, attrs) = [
        (USER_SCHEMA, "User", "User Account", USER_ATTRS),
        (ENTERPRISE_USER_SCHEMA, "EnterpriseUser", "Enterprise User", ENTERPRISE_ATTRS),
        (GROUP_SCHEMA, "Group", "Group", GROUP_ATTRS),
    ]
    .into_iter()
    .find(|(id, ..)| id.eq_ignore_ascii_case(urn))?;
    Some(json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attrs.iter().map(attr_doc).collect::<Vec<_>>(),
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
    }))
}

/// `GET /Schemas`.
pub(crate) async fn schemas(Base(base): Base) -> Json<Value> {
    list_response(
        [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA].iter().filter_map(|u| schema_doc(u, &base)).collect(),
    )
}

/// `GET /Schemas/{urn}`.
pub(crate) async fn schema(Base(base): Base, Path(urn): Path<String>) -> Result<Json<Value>, ScimError> {
    schema_doc(&urn, &base)
        .map(Json)
        .ok_or_else(|| ScimError::new(StatusCode::NOT_FOUND, format!("schema '{urn}' not found")))
}
