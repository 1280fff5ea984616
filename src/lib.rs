//! jcsim: a mock JumpCloud identity provider.
//!
//! The library owns all logic; `main.rs` only parses the command line and maps
//! errors to exit codes. Modules form layers and only import lower ones
//! (docs/architecture.md; `tests/it/layers.rs` enforces it): leaves (`record`, `scim`,
//! `names`, …), then `knobs`, `check`, `client`, `sp`; `scenario`;
//! `directory`; `provision`, `inbound`, `report`; `engine` and `lint`; the front ends
//! (`server`, `output`, `compat`); `cli` and `cmd`.

pub mod check;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod compat;
pub mod directory;
pub mod engine;
pub mod fidelity;
pub(crate) mod healthcheck;
pub(crate) mod inbound;
pub(crate) mod knobs;
pub mod lint;
pub(crate) mod listen;
pub(crate) mod lock;
pub mod logging;
pub(crate) mod names;
pub(crate) mod output;
pub mod provision;
pub mod proxy;
pub mod readiness;
pub mod record;
pub mod report;
pub mod rules;
pub mod scenario;
pub mod schema;
pub mod scim;
pub(crate) mod secret;
pub(crate) mod server;
pub(crate) mod signal;
pub mod sp;
pub(crate) mod suggest;
pub(crate) mod term;
