//! jcsim: a mock JumpCloud identity provider.
//!
//! The library owns all logic; `main.rs` only parses the command line and maps
//! errors to exit codes. Modules form layers and only import lower ones
//! (docs/architecture.md; `tests/it/layers.rs` enforces it): leaves (`record`, `scim`,
//! `names`, …), then `knobs`, `check`, `client`, `sp`; `scenario`;
//! `directory`; `provision`, `inbound`, `report`; `engine`; the front ends
//! (`server`, `output`); `cli` and `cmd`.

pub mod check;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod directory;
pub mod engine;
pub mod healthcheck;
pub mod inbound;
pub mod knobs;
pub mod logging;
pub mod names;
pub mod output;
pub mod provision;
pub mod record;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod scim;
pub mod secret;
pub mod server;
pub mod signal;
pub mod sp;
pub mod suggest;
pub mod term;
