//! SCIM 2.0 vocabulary (RFC 7643/7644): schema URNs, the filter language and
//! PATCH paths. Shared by the client side (what JumpCloud sends) and the embedded SP.

pub(crate) mod base_url;
mod error;
pub(crate) use error::ScimError;
pub mod filter;
pub(crate) mod list;
pub mod patch;
pub mod url;

/// Core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Enterprise User extension URN.
pub(crate) const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// PATCH request message URN.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// ListResponse message URN.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Error message URN.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// SearchRequest message URN.
pub(crate) const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The SCIM media type.
pub(crate) const SCIM_MEDIA_TYPE: &str = "application/scim+json";

/// A SCIM filter string literal: `"` + value with `\` and `"` escaped + `"`.
pub(crate) fn filter_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
