//! Integration tests: one binary (see STYLE.md).

mod bulk;
mod crash;
mod ecosystem;
mod errors;
mod faults;
mod helpers;
mod rules;
mod secrets;
mod wire;
