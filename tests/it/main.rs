//! Integration tests: one binary (see STYLE.md).

mod ecosystem;
mod errors;
mod faults;
mod helpers;
mod secrets;
mod wire;
