//! Integration tests: one binary (see STYLE.md).

mod bulk;
mod ecosystem;
mod errors;
mod faults;
mod helpers;
mod rules;
mod secrets;
mod wire;
