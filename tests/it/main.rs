//! Integration tests: one binary (see STYLE.md).

mod bulk;
mod cleanup;
mod compat;
mod crash;
mod ecosystem;
mod errors;
mod fault_injection;
mod faults;
mod fidelity;
mod helpers;
mod layers;
mod own_sp;
mod props;
mod proxy;
mod readiness;
mod rules;
mod secrets;
mod wire;
