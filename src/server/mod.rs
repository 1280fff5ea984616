//! HTTP servers: the embedded SCIM service provider (`sp`).

pub mod sp;
