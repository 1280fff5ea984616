//! Reports rendered from a recorded run.
