//! HTTP servers: the embedded SCIM service provider (`sp`) and the fake
//! JumpCloud admin console (`console`).

pub mod console;
pub mod sp;
