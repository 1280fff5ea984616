//! JumpCloud's own SCIM 2.0 API (inbound): identity sources such as HRIS
//! systems push users into the simulated JumpCloud with the org's admin API
//! key (`x-api-key`); every change then reaches the bound applications
//! through the same engine step as an admin's change.
//!
//! This module is the API's behaviour: a request in, a SCIM answer and the
//! directory change out, with no sockets or routing. `server::inbound`
//! serves it over HTTP; the engine runs it for `inbound` steps.

mod api;
mod discovery;
mod mapping;
mod steps;

#[cfg(test)]
pub(crate) use api::GROUPS_REFUSED;
pub use api::{ApiRequest, ApiResponse, Handled, handle};
pub use steps::{IN_PROCESS_BASE, api_request};

/// Where `jcsim serve` and `jcsim jumpcloud-api` mount the API.
pub const PREFIX: &str = "/scim/v2";
/// The header that carries the admin API key [C].
pub const API_KEY_HEADER: &str = "x-api-key";
/// Largest inbound request body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Show a key as JumpCloud's API Settings does: masked but for its last 4 characters.
pub fn mask(key: &str) -> String {
    let n = key.chars().count();
    let tail: String = key.chars().skip(n.saturating_sub(4)).collect();
    format!("{}{tail}", "•".repeat(n.saturating_sub(4).min(36)))
}
