//! Integration tests: one binary (see STYLE.md).

mod errors;
mod faults;
mod helpers;
mod secrets;
mod wire;
