//! JumpCloud's own SCIM API (`crate::inbound`) over HTTP: the admin API key,
//! content types, body limits, and the chain of each change through the
//! console's org session to the bound applications.

mod http;

#[cfg(test)]
mod tests;

pub use http::{router, serve_standalone};
