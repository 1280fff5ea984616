//! SCIM Error responses (RFC 7644 §3.12): one type for every failure the
//! embedded SP and the inbound API report. Free of any server: `sp` turns it
//! into an HTTP response.

use super::{ERROR_SCHEMA, filter::FilterError, patch::PatchError};
use http::StatusCode;
use serde_json::json;

/// An error answered as SCIM Error JSON. `detail` is safe to show to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScimError {
    /// HTTP status.
    pub(crate) status: StatusCode,
    /// RFC 7644 `scimType`, for 400 and 409.
    pub(crate) scim_type: Option<&'static str>,
    /// Human-readable detail.
    pub(crate) detail: String,
}

impl ScimError {
    /// Any status with a detail.
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self { status, scim_type: None, detail: detail.into() }
    }

    /// 400 with a scimType.
    pub(crate) fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, scim_type: Some(scim_type), detail: detail.into() }
    }

    /// 400 invalidValue.
    pub(crate) fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request("invalidValue", detail)
    }

    /// 404 for a resource id.
    pub(crate) fn not_found(kind: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{kind} '{id}' not found"))
    }

    /// 409 uniqueness.
    pub(crate) fn conflict(detail: impl Into<String>) -> Self {
        Self { status: StatusCode::CONFLICT, scim_type: Some("uniqueness"), detail: detail.into() }
    }

    /// The generic error for a bare status (used to replace non-SCIM error bodies).
    pub(crate) fn for_status(status: StatusCode) -> Self {
        let detail = match status {
            StatusCode::NOT_FOUND => "no such endpoint",
            StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this endpoint",
            StatusCode::PAYLOAD_TOO_LARGE => "request body too large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Content-Type must be application/scim+json or application/json",
            s if s.is_server_error() => "internal error",
            _ => "request failed",
        };
        let mut e = Self::new(status, detail);
        if status == StatusCode::BAD_REQUEST {
            e.scim_type = Some("invalidSyntax");
        }
        e
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> serde_json::Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        body
    }
}

impl From<FilterError> for ScimError {
    fn from(e: FilterError) -> Self {
        Self::bad_request("invalidFilter", format!("invalid filter: {e}"))
    }
}

impl From<PatchError> for ScimError {
    fn from(e: PatchError) -> Self {
        Self::bad_request(e.scim_type(), e.to_string())
    }
}
