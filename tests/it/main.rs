//! Integration tests: one binary (see STYLE.md).

mod errors;
mod fault_injection;
mod faults;
mod helpers;
mod props;
mod rules;
mod secrets;
mod wire;
