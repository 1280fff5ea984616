//! HTTP servers: the embedded SCIM service provider (`sp`), the fake
//! JumpCloud admin console (`console`) and JumpCloud's own SCIM API (`inbound`).

pub mod console;
pub mod inbound;
pub mod sp;
