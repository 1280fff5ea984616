//! SCIM PATCH paths and operations (RFC 7644 §3.5.2): parser and applier.
