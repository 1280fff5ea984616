//! The HTTP front ends above the engine: the fake JumpCloud admin console
//! (`console`) and JumpCloud's own SCIM API (`inbound`). The embedded SCIM
//! service provider is `crate::sp`, below the engine that starts it.

pub mod console;
pub mod inbound;
