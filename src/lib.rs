//! jcsim: a mock JumpCloud identity provider.
//!
//! The library owns all logic; `main.rs` only parses the command line and maps
//! errors to exit codes. Data flows one way: scenario → directory → provision →
//! client → record → check → report.

pub mod check;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod directory;
pub mod engine;
pub mod healthcheck;
pub mod logging;
pub mod output;
pub mod provision;
pub mod record;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod scim;
pub mod server;
pub mod term;
